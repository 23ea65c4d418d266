package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/storetest"
)

// open is the suite's Opener: a new database file in t.TempDir().
func open(t *testing.T, clock lendkit.Clock) store.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "lendkit.db"), sqlite.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, open)
}
