package sqlite

import (
	"github.com/lendkit/lendkit/store"
)

// SQLTx returns the database/sql access to the transaction behind a store.Tx
// opened by this backend (its connection, inside the transaction), so that an
// application can read and write its own tables in the same unit of work as
// lendkit's stores: they commit or roll back together. The unit of work owns
// the transaction: do not run BEGIN, COMMIT or ROLLBACK through it, and close
// any statement prepared through it before the unit of work returns.
// It is the SQLite twin of postgres.PgxTx; examples/platform uses it for its
// users, applications and audit log. ok is false when t comes from another
// backend.
//
// Statements run through it are the caller's: their errors are driver errors,
// not store sentinels. Inside View the connection is query-only.
func SQLTx(t store.Tx) (q Querier, ok bool) {
	st, ok := t.(*tx)
	if !ok {
		return nil, false
	}
	return st.conn, true
}
