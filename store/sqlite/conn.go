package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lendkit/lendkit/store"
)

// A unit of work is one SQLite transaction on one pinned connection (the only
// write connection, or one of the read pool's), so that SQLTx can hand the
// connection to an application and tx.exec/tx.query work as usual for any
// domain.
//
// The ledger's hot path additionally runs statements on the same connection
// through the driver (sql.Conn.Raw), with statements compiled once per
// connection and kept for its life: database/sql cannot keep a prepared
// statement across transactions without a second connection to prepare it on,
// and compiling is most of the cost of a small SQLite statement. Both paths
// share the connection and thus the SQLite transaction; a unit of work runs
// on one goroutine, so they never interleave within a statement.

// session is a driver connection with its compiled statements.
type session struct {
	stmts map[string]driver.Stmt
}

func (s *session) close() {
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = map[string]driver.Stmt{}
}

// session returns the session of a driver connection, creating it.
func (db *DB) session(dc any) (*session, error) {
	c, ok := dc.(driver.Conn)
	if !ok {
		return nil, fmt.Errorf("sqlite: driver connection %T is not a driver.Conn", dc)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.sessions == nil {
		return nil, store.ErrClosed
	}
	s := db.sessions[c]
	if s == nil {
		s = &session{stmts: map[string]driver.Stmt{}}
		db.sessions[c] = s
	}
	return s, nil
}

// lockWriter takes the one write connection, or gives up when ctx ends.
func (db *DB) lockWriter(ctx context.Context) error {
	select {
	case db.wsem <- struct{}{}:
		if db.closed.Load() {
			<-db.wsem
			return store.ErrClosed
		}
		return nil
	case <-db.done:
		return store.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (db *DB) unlockWriter() { <-db.wsem }

// InTx runs fn in one write transaction (BEGIN IMMEDIATE) on the single write
// connection and commits it if fn returns nil. SQLite serialises writers, so
// there is no serialization failure to retry; a lock held by another process
// beyond the busy timeout is reported as store.ErrSerialization. Do not call
// InTx from inside fn: the inner call would wait for the one write connection
// that the outer holds (until ctx ends).
func (db *DB) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if db.closed.Load() {
		return fmt.Errorf("sqlite: unit of work: %w", store.ErrClosed)
	}
	if err := db.lockWriter(ctx); err != nil {
		return fmt.Errorf("sqlite: unit of work: %w", err)
	}
	defer db.unlockWriter()
	return db.run(ctx, db.wconn, false, fn)
}

// View runs fn in a read transaction on the read pool: one consistent
// snapshot (WAL), never waiting for the writer. Writes inside fn fail (the
// read connections are query_only).
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if db.closed.Load() {
		return fmt.Errorf("sqlite: view: %w", store.ErrClosed)
	}
	c, err := db.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: view: %w", interpretError(err))
	}
	defer c.Close()
	return db.run(ctx, c, true, fn)
}

func (db *DB) run(ctx context.Context, c *sql.Conn, readOnly bool, fn func(tx store.Tx) error) error {
	var s *session
	if err := c.Raw(func(dc any) error {
		var err error
		s, err = db.session(dc)
		return err
	}); err != nil {
		return fmt.Errorf("sqlite: unit of work: %w", interpretError(err))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	t := &tx{conn: c, s: s, now: db.clock.Now().UTC().Truncate(time.Microsecond)}
	t.ledger.tx = t
	// BEGIN, COMMIT and ROLLBACK run as the connection's compiled statements
	// rather than through a database/sql transaction, which would compile
	// each of them again and start a goroutine per unit of work to watch ctx
	// (together a fifth of a small ledger transaction's cost). They run
	// under a context that cannot be cancelled: a COMMIT or ROLLBACK must
	// never be interrupted half-way, and ctx is checked before each.
	begin := "BEGIN IMMEDIATE" // takes the write lock now, not at the first write
	if readOnly {
		begin = "BEGIN"
	}
	bg := context.WithoutCancel(ctx)
	if _, err := t.fexec(bg, begin); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	committed := false
	defer func() {
		// Every way out but a commit rolls back: fn's error, a failed
		// COMMIT (which may already have ended the transaction: ROLLBACK's
		// own "no transaction is active" is expected then), and a panic in
		// fn, which must not leave the one write connection inside a
		// transaction for the next unit of work. The error that made us
		// roll back is the one to report.
		if !committed {
			_, _ = t.fexec(bg, "ROLLBACK")
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	if _, err := t.fexec(bg, "COMMIT"); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	committed = true
	if !readOnly {
		db.ckpt.committed()
	}
	return nil
}

// Querier is what a unit of work runs database/sql statements through: its
// pinned connection, inside the transaction the unit of work opened on it.
// SQLTx hands it to applications.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// tx is the SQLite store.Tx.
type tx struct {
	conn   *sql.Conn // pinned, inside the transaction run opened on it
	s      *session
	now    time.Time
	ledger ledgerStore
}

func (t *tx) Now() time.Time { return t.now }

func (t *tx) Ledger() store.LedgerStore { return &t.ledger }

// exec runs a statement through database/sql (compiled on each call).
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := t.conn.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	return r, nil
}

// query runs a query through database/sql; the caller closes the rows
// (scanAll does).
func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r, err := t.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	return r, nil
}

// scanAll drains rows through scan and closes them.
func scanAll[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, interpretError(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err)
	}
	return out, nil
}

// fexec runs a statement compiled once per connection and returns the number
// of rows it changed.
func (t *tx) fexec(ctx context.Context, query string, args ...any) (int64, error) {
	nv, err := namedValues(args)
	if err != nil {
		return 0, err
	}
	var n int64
	err = t.conn.Raw(func(dc any) error {
		st, err := t.s.prepare(ctx, dc, query)
		if err != nil {
			return err
		}
		e, ok := st.(driver.StmtExecContext)
		if !ok {
			return errors.New("sqlite: driver statement lacks ExecContext")
		}
		r, err := e.ExecContext(ctx, nv)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, interpretError(err)
	}
	return n, nil
}

// fquery runs a query compiled once per connection and reads all its rows
// (every caller bounds them with a LIMIT or a key list).
func (t *tx) fquery(ctx context.Context, query string, args ...any) (*rows, error) {
	nv, err := namedValues(args)
	if err != nil {
		return nil, err
	}
	out := &rows{i: -1}
	err = t.conn.Raw(func(dc any) error {
		st, err := t.s.prepare(ctx, dc, query)
		if err != nil {
			return err
		}
		q, ok := st.(driver.StmtQueryContext)
		if !ok {
			return errors.New("sqlite: driver statement lacks QueryContext")
		}
		r, err := q.QueryContext(ctx, nv)
		if err != nil {
			return err
		}
		defer r.Close()
		n := len(r.Columns())
		for {
			dest := make([]driver.Value, n)
			if err := r.Next(dest); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
			for i, v := range dest {
				if b, ok := v.([]byte); ok {
					dest[i] = append([]byte(nil), b...) // the driver may reuse its buffer
				}
			}
			out.vals = append(out.vals, dest)
		}
	})
	if err != nil {
		return nil, interpretError(err)
	}
	return out, nil
}

// prepare returns the connection's compiled statement for query. It runs
// inside conn.Raw, which hands it the driver connection dc.
func (s *session) prepare(ctx context.Context, dc any, query string) (driver.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	var st driver.Stmt
	var err error
	switch c := dc.(type) {
	case driver.ConnPrepareContext:
		st, err = c.PrepareContext(ctx, query)
	case driver.Conn:
		st, err = c.Prepare(query)
	default:
		err = fmt.Errorf("sqlite: driver connection %T cannot prepare", dc)
	}
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

func namedValues(args []any) ([]driver.NamedValue, error) {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("sqlite: argument %d: %w", i+1, err)
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv, nil
}

// rows holds a query's rows, read with a Scan like database/sql's for the
// few destination types the ledger uses.
type rows struct {
	vals [][]driver.Value
	i    int
}

func (r *rows) Next() bool {
	r.i++
	return r.i < len(r.vals)
}

func (r *rows) Scan(dest ...any) error {
	row := r.vals[r.i]
	if len(dest) != len(row) {
		return fmt.Errorf("sqlite: scan: %d destinations for %d columns", len(dest), len(row))
	}
	for i, v := range row {
		if err := assign(dest[i], v); err != nil {
			return fmt.Errorf("sqlite: scan column %d: %w", i, err)
		}
	}
	return nil
}

// scanRows maps every row through scan.
func scanRows[T any](r *rows, scan func(*rows) (T, error)) ([]T, error) {
	out := make([]T, 0, len(r.vals))
	for r.Next() {
		v, err := scan(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func assign(dst any, v driver.Value) error {
	switch d := dst.(type) {
	case *string:
		switch x := v.(type) {
		case string:
			*d = x
		case []byte:
			*d = string(x)
		default:
			return fmt.Errorf("cannot read %T as text", v)
		}
	case *int64:
		x, ok := v.(int64)
		if !ok {
			return fmt.Errorf("cannot read %T as an integer", v)
		}
		*d = x
	case *int:
		x, ok := v.(int64)
		if !ok {
			return fmt.Errorf("cannot read %T as an integer", v)
		}
		*d = int(x)
	case *[]byte:
		switch x := v.(type) {
		case nil:
			*d = nil
		case []byte:
			*d = x
		case string:
			*d = []byte(x)
		default:
			return fmt.Errorf("cannot read %T as bytes", v)
		}
	case *sql.NullString:
		if v == nil {
			*d = sql.NullString{}
			return nil
		}
		d.Valid = true
		return assign(&d.String, v)
	case *sql.NullInt64:
		if v == nil {
			*d = sql.NullInt64{}
			return nil
		}
		d.Valid = true
		return assign(&d.Int64, v)
	default:
		return fmt.Errorf("unsupported destination %T", dst)
	}
	return nil
}
