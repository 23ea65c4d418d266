package sqlite_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/storetest"
)

// TestContractImmutableInSchema checks the schema's own defence: even SQL
// written around the ContractStore cannot change a version's content,
// re-point a supersession, delete a signed version or touch evidence.
func TestContractImmutableInSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t, lendkit.NewManualClock(storetest.Epoch))
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
		`UPDATE contract_versions SET html = x'00' WHERE contract_id = 'C' AND version = 1`,
		`UPDATE contract_versions SET fingerprint = zeroblob(32) WHERE contract_id = 'C' AND version = 2`,
		`UPDATE contract_versions SET superseded_by = NULL WHERE contract_id = 'C' AND version = 1`,
		`UPDATE contract_versions SET signed_at = 0 WHERE contract_id = 'C' AND version = 2`,
		`DELETE FROM contract_versions WHERE contract_id = 'C' AND version = 2`,
		`UPDATE contract_signatures SET evidence = x'7b7d7b7d'`,
		`DELETE FROM contract_signatures`,
	} {
		err := db.InTx(ctx, func(tx store.Tx) error {
			sqlTx, ok := sqlite.SQLTx(tx)
			if !ok {
				t.Fatal("not a SQLite transaction")
			}
			_, err := sqlTx.ExecContext(ctx, stmt)
			return err
		})
		if err == nil {
			t.Errorf("%s: accepted", stmt)
		} else if !errors.Is(err, store.ErrConstraint) && !stringsContains(err.Error(), "immutable", "kept", "superseded", "fixed") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
}

func stringsContains(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
