package contract

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

// BenchmarkSave3000 stores the 3,000 rendered lender contracts of a
// project (HTML, PDF, data, fingerprints) in one SQLite unit of work, as
// the funding close does, against the raw baseline: the same rows written
// with plain INSERTs through the same transaction, the data's JSON
// prepared beforehand (Save verifies both fingerprints and encodes the data
// itself).
func BenchmarkSave3000(b *testing.B) {
	ts, err := DefaultTemplates()
	if err != nil {
		b.Fatal(err)
	}
	project, shares := projectShares(3000, 60)
	docs, err := NewRenderer(ts).Bulk(context.Background(), project, shares, 0)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	clock := lendkit.NewManualClock(time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC))
	b.Run("contract.Save", func(b *testing.B) {
		for b.Loop() {
			db := openStore(b, clock)
			if err := db.InTx(ctx, func(tx store.Tx) error { return Save(ctx, tx, docs) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	inputs := make([][]byte, len(docs))
	for i, d := range docs {
		if inputs[i], err = json.Marshal(d.Data); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("raw-insert", func(b *testing.B) {
		for b.Loop() {
			db := openStore(b, clock)
			err := db.InTx(ctx, func(tx store.Tx) error {
				sqlTx, _ := sqlite.SQLTx(tx)
				for i, d := range docs {
					if _, err := sqlTx.ExecContext(ctx, `INSERT INTO contract_versions
						(contract_id, version, kind, locale, fingerprint, pdf_digest, html, pdf, inputs, created_at)
						VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 0)`,
						d.Reference, string(d.Kind), d.Locale, d.Fingerprint[:], d.PDFDigest[:], d.HTML, d.PDF, inputs[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
