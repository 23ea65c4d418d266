package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit/store"
)

// tx is the backend's store.Tx: one attempt of one unit of work.
type tx struct {
	db       *DB
	pg       pgx.Tx
	now      time.Time
	readOnly bool
}

// tx satisfies store.Tx.
var _ store.Tx = (*tx)(nil)

func (db *DB) newTx(pg pgx.Tx, readOnly bool) *tx {
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
func PgxTx(t store.Tx) (pgtx pgx.Tx, ok bool) {
	pt, ok := t.(*tx)
	if !ok {
		return nil, false
	}
	return pt.pg, true
}
