package storetest_test

import (
	"flag"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
	"github.com/lendkit/lendkit/store/storetest"
)

// TestSameEndState feeds every random sequence of the ledger model to SQLite
// and Postgres at once: each step must have the same outcome on both, and
// both must end in the same State.
func TestSameEndState(t *testing.T) {
	t.Parallel()
	pgtest.URL(t) // skips, saying why, without LENDKIT_TEST_POSTGRES_URL
	// Every step runs on two databases, one of them over the network: 30
	// sequences keep the package near half a minute on a shared 2-core
	// machine. An explicit -rapid.checks wins.
	if f := flag.Lookup("rapid.checks"); f != nil && f.Value.String() == f.DefValue {
		if err := f.Value.Set("30"); err != nil {
			t.Fatal(err)
		}
	}
	openSQLite := func(t *testing.T, clock lendkit.Clock) store.DB {
		t.Helper()
		return sqlitetest.OpenUnmigrated(t, sqlite.WithClock(clock))
	}
	openPostgres := func(t *testing.T, clock lendkit.Clock) store.DB {
		return pgtest.OpenUnmigrated(t, postgres.WithClock(clock))
	}
	storetest.ExerciseLedgerModel(t, openSQLite, openPostgres)
}
