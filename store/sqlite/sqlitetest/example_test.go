package sqlitetest_test

import (
	"testing"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
)

// A test on a migrated SQLite file of its own, closed when t ends.
func ExampleOpen() {
	_ = func(t *testing.T) {
		t.Parallel()
		db := sqlitetest.Open(t)
		err := db.InTx(t.Context(), func(tx store.Tx) error {
			_, err := tx.Ledger().Accounts(t.Context(), "", 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpen: Open gives a migrated file, OpenUnmigrated an empty one.
func TestOpen(t *testing.T) {
	db := sqlitetest.Open(t)
	if cur, latest, err := db.MigrationVersion(t.Context()); err != nil || cur != latest {
		t.Errorf("Open: version %d of %d (%v), want migrated", cur, latest, err)
	}
	empty := sqlitetest.OpenUnmigrated(t)
	if cur, _, err := empty.MigrationVersion(t.Context()); err != nil || cur != 0 {
		t.Errorf("OpenUnmigrated: version %d (%v), want 0", cur, err)
	}
}
