package postgres_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/storetest"
)

// TestContractImmutableInSchema checks the schema's own defence (see the
// SQLite twin): the triggers raise check_violation (SQLSTATE 23514), which
// interpretError maps to store.ErrConstraint.
func TestContractImmutableInSchema(t *testing.T) {
	t.Parallel()
	pgtest.URL(t)
	ctx := context.Background()
	db := pgtest.OpenUnmigrated(t, postgres.WithClock(lendkit.NewManualClock(storetest.Epoch)))
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	html := []byte("<html>v1</html>")
	err := db.InTx(ctx, func(tx store.Tx) error {
		s := tx.Contracts()
		if err := s.InsertVersions(ctx, []store.ContractVersion{
			{ContractID: "C", Version: 1, Kind: "consumer-loan", Locale: "en", Fingerprint: sha256.Sum256(html), HTML: html},
			{ContractID: "C", Version: 2, Kind: "consumer-loan", Locale: "en", Fingerprint: sha256.Sum256(html), HTML: html},
		}); err != nil {
			return err
		}
		return s.RecordSignature(ctx, store.ContractSignature{ContractID: "C", Version: 2, SignerID: "u", Method: "simple-otp",
			SignedAt: storetest.Epoch, Evidence: []byte("{}"), Digest: sha256.Sum256([]byte("{}"))})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE contract_versions SET html = '\x00' WHERE contract_id = 'C' AND version = 1`,
		`UPDATE contract_versions SET fingerprint = decode(repeat('00', 32), 'hex') WHERE contract_id = 'C' AND version = 2`,
		`UPDATE contract_versions SET superseded_by = NULL WHERE contract_id = 'C' AND version = 1`,
		`UPDATE contract_versions SET signed_at = now() WHERE contract_id = 'C' AND version = 2`,
		`DELETE FROM contract_versions WHERE contract_id = 'C' AND version = 2`,
		`UPDATE contract_signatures SET evidence = '\x7b7d7b7d'`,
		`DELETE FROM contract_signatures`,
	} {
		err := db.InTx(ctx, func(tx store.Tx) error {
			pg, ok := postgres.PgxTx(tx)
			if !ok {
				t.Fatal("not a Postgres transaction")
			}
			_, err := pg.Exec(ctx, stmt)
			return err
		})
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23514" {
			t.Errorf("%s: %v, want check_violation (23514)", stmt, err)
		}
	}
}
