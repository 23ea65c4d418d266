package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit/store"
)

// tx is the backend's store.Tx: one attempt of one unit of work.
type tx struct {
	db       *DB
	pg       *pgTx
	now      time.Time
	readOnly bool
	// locked holds the accounts whose balance rows LockAccounts has locked
	// in this unit of work: writes to them (their postings, their balance)
	// cannot miss a row, so they may be deferred (pgTx.deferExec).
	locked map[string]bool
}

// tx satisfies store.Tx.
var _ store.Tx = (*tx)(nil)

func (db *DB) newTx(pg *pgTx, readOnly bool) *tx {
	return &tx{db: db, pg: pg, now: db.cfg.clock.Now().UTC().Truncate(time.Microsecond), readOnly: readOnly}
}

// Now returns the unit of work's timestamp (see store.Tx).
func (t *tx) Now() time.Time { return t.now }

// PgxTx returns the pgx transaction behind a store.Tx opened by this backend,
// so that an application can write its own tables in the same unit of work
// as lendkit's stores (they commit or roll back together, and are retried
// together). ok is false when tx comes from another backend.
//
// Statements run through it are the caller's: their errors are pgx errors,
// and a serialization failure among them must be returned from the InTx
// callback (wrapped with %w) for the unit of work to be retried.
//
// The backend pipelines (see pgTx): BEGIN goes with the first statement, and
// the ledger's writes to rows it has locked go with the next statement or
// with COMMIT. Statements run through the returned Tx (or a savepoint of it,
// or its Conn) still run after those writes, in the order issued; but a
// failure of such a write (in practice only a serialization failure) is
// reported by the statement it went with.
func PgxTx(t store.Tx) (pgtx pgx.Tx, ok bool) {
	pt, ok := t.(*tx)
	if !ok {
		return nil, false
	}
	return pt.pg, true
}

// lockedAll reports whether every id is in t.locked, each once.
func (t *tx) lockedAll(ids []string) bool {
	if len(t.locked) == 0 {
		return false
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !t.locked[id] || seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}
