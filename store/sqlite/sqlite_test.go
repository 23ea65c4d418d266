package sqlite_test

import (
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
	"github.com/lendkit/lendkit/store/storetest"
)

// open is the suite's Opener: a new database file in t.TempDir().
func open(t *testing.T, clock lendkit.Clock) store.DB {
	t.Helper()
	return sqlitetest.OpenUnmigrated(t, sqlite.WithClock(clock))
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, open)
}
