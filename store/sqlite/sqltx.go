package sqlite

import (
	"database/sql"

	"github.com/lendkit/lendkit/store"
)

// SQLTx returns the database/sql transaction behind a store.Tx opened by this
// backend, so that an application can read and write its own tables in the
// same unit of work as lendkit's stores: they commit or roll back together.
// It is the SQLite twin of postgres.PgxTx; examples/platform uses it for its
// users, applications and audit log. ok is false when t comes from another
// backend.
//
// Statements run through it are the caller's: their errors are driver errors,
// not store sentinels. Inside View the connection is query-only.
func SQLTx(t store.Tx) (sqlTx *sql.Tx, ok bool) {
	st, ok := t.(*tx)
	if !ok {
		return nil, false
	}
	return st.tx, true
}
