package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// Opener returns a freshly opened, empty, NOT migrated database for one test
// (a new SQLite file in t.TempDir(), a new Postgres schema), whose Tx.Now
// reads clock. It registers its own cleanup (closing the DB, dropping the
// schema) with t, and fails t if the database cannot be opened.
type Opener func(t *testing.T, clock lendkit.Clock) store.DB

// Epoch is the time at which every test's manual clock starts.
var Epoch = time.Date(2027, time.January, 15, 9, 30, 0, 0, time.UTC)

// Exercise runs the whole conformance suite against the backend open returns.
// Every test runs in parallel on its own database.
func Exercise(t *testing.T, open Opener) {
	t.Helper()
	t.Run("Ledger", func(t *testing.T) { t.Parallel(); ExerciseLedger(t, open) })
	t.Run("LedgerModel", func(t *testing.T) { t.Parallel(); ExerciseLedgerModel(t, open) })
	t.Run("Migration", func(t *testing.T) { t.Parallel(); ExerciseMigration(t, open) })
	t.Run("Wallet", func(t *testing.T) { t.Parallel(); ExerciseWallet(t, open) })
	t.Run("Contract", func(t *testing.T) { t.Parallel(); ExerciseContract(t, open) })
	t.Run("Dispatch", func(t *testing.T) { t.Parallel(); ExerciseDispatch(t, open) })
}

// bundle is what most tests need: a migrated database and its clock.
type bundle struct {
	db    store.DB
	clock *lendkit.ManualClock
	ctx   context.Context
}

// setup opens and migrates a fresh database for t.
func setup(t *testing.T, open Opener) *bundle {
	t.Helper()
	clock := lendkit.NewManualClock(Epoch)
	db := open(t, clock)
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return &bundle{db: db, clock: clock, ctx: ctx}
}

// cmpOpts lets cmp compare the root vocabulary's values, whose fields are
// unexported, by ==.
var cmpOpts = cmp.Options{cmpopts.EquateComparable(lendkit.Money{}, lendkit.Currency{}, lendkit.Date{})}
