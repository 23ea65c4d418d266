package postgres

import (
	"context"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lendkit/lendkit/store"
)

// MigrateFS runs the migration runner over test migrations read from fsys.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS, target int) error {
	migs, err := loadMigrations(fsys)
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, migs, target)
}

// LoadMigrations exposes loadMigrations to the tests.
var LoadMigrations = loadMigrations

// Backoff exposes the backoff schedule to the tests.
func Backoff(base, max time.Duration, n int) time.Duration { return backoff(base, max, n) }

// InsertPaths returns the two ways InsertTransactions writes a batch, so the
// tests can check that they agree whatever the batch's size.
func InsertPaths(t store.Tx) (unnest, copy func(context.Context, []store.Transaction) error) {
	l := t.Ledger().(ledgerStore)
	run := func(path func(ledgerStore, context.Context, *txColumns) error) func(context.Context, []store.Transaction) error {
		return func(ctx context.Context, txs []store.Transaction) error {
			c, err := columnsOf(txs)
			if err != nil {
				return err
			}
			return path(l, ctx, c)
		}
	}
	return run(ledgerStore.insertByUnnest), run(ledgerStore.insertByCopy)
}

// CopyThreshold is the batch size from which InsertTransactions uses COPY.
const CopyThreshold = copyThreshold

// Pool exposes the pool to the benchmarks' raw-database baselines.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// MarkLocked records ids as locked by the unit of work tx without locking
// them, so a test can make a deferred write miss rows.
func MarkLocked(t store.Tx, ids ...string) {
	pt := t.(*tx)
	if pt.locked == nil {
		pt.locked = map[string]bool{}
	}
	for _, id := range ids {
		pt.locked[id] = true
	}
}
