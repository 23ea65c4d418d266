package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgTx is the pgx.Tx of one attempt of a unit of work. It saves round trips,
// which on a small machine cost more CPU (a write and a read system call on
// each side, two context switches) than the ledger's statements themselves:
//
//   - BEGIN is not sent on its own: it goes in one pipelined batch with the
//     first statement (pgx.Batch.BeginTx), and not at all when the unit of
//     work runs no statement;
//   - writes whose outcome the caller does not need at once (deferExec: the
//     ledger's inserts and balance updates of rows it has locked) are queued
//     and go in one batch with the next statement, or with COMMIT.
//
// A Post is thus two round trips (BEGIN with the idempotency probe and the
// locks, sent as one batch by TransactionsByKeyLocking; the inserts and
// balance updates with COMMIT) instead of six. Every
// statement, the caller's own through PgxTx included, still runs in the
// order it was issued, inside the same SERIALIZABLE transaction; a deferred
// write's failure is reported by the statement or COMMIT it went with, and
// the unit of work cannot commit after it.
type pgTx struct {
	pool    *pgxpool.Pool
	opts    pgx.TxOptions
	conn    *pgxpool.Conn // acquired at the first statement
	tx      pgx.Tx        // the transaction, once BEGIN has been sent
	pending []deferredExec
	err     error // the failure of a deferred write: the transaction is lost
	closed  bool
}

// deferredExec is a write queued by deferExec.
type deferredExec struct {
	sql  string
	args []any
}

var _ pgx.Tx = (*pgTx)(nil)

func newPgTx(pool *pgxpool.Pool, opts pgx.TxOptions) *pgTx {
	return &pgTx{pool: pool, opts: opts}
}

// deferExec queues a write to go with the next statement or COMMIT; the
// server's error, if any, is returned by that statement or COMMIT and fails
// the transaction.
//
// A deferred write must check itself on the server: it may travel in one
// pipeline with COMMIT, which the server runs unless an earlier statement of
// the pipeline failed, so a check made by the client on its result would
// come after the commit. Hence the deferred ledger writes end in an
// assertion (see assertCount) that fails the statement, and with it the
// COMMIT behind it, when they did not write every row they should.
func (t *pgTx) deferExec(sql string, args ...any) {
	t.pending = append(t.pending, deferredExec{sql: sql, args: args})
}

// ready reports whether a statement can go straight to the transaction:
// BEGIN has been sent and nothing is queued.
func (t *pgTx) ready() bool { return t.tx != nil && len(t.pending) == 0 && t.err == nil && !t.closed }

// send sends BEGIN (if not sent yet), the queued writes and queries in one
// pipelined batch, reads the results of the first two, and returns the
// batch's results positioned at the first of queries. On error nothing is
// left to read.
func (t *pgTx) send(ctx context.Context, queries []*pgx.QueuedQuery) (pgx.BatchResults, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	if t.err != nil {
		return nil, t.err
	}
	if t.conn == nil {
		c, err := t.pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		t.conn = c
	}
	b := &pgx.Batch{}
	begin := t.tx == nil
	if begin {
		b.BeginTx(t.opts)
	}
	pending := t.pending
	t.pending = nil
	for _, d := range pending {
		b.Queue(d.sql, d.args...)
	}
	b.QueuedQueries = append(b.QueuedQueries, queries...)
	br := t.conn.Conn().SendBatch(ctx, b)
	if begin {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err // the connection is outside a transaction; Rollback releases it
		}
		t.tx = br.Tx()
	}
	for range pending {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			t.err = err
			return nil, err
		}
	}
	return br, nil
}

// flush sends BEGIN and the queued writes, if any, in one round trip.
func (t *pgTx) flush(ctx context.Context) error {
	if t.ready() {
		return nil
	}
	br, err := t.send(ctx, nil)
	if err != nil {
		return err
	}
	return br.Close()
}

// hasQueryOptions reports whether args start with one of pgx's per-query
// options, which a batch does not take.
func hasQueryOptions(args []any) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0].(type) {
	case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID:
		return true
	}
	return false
}

// Exec runs sql, with BEGIN and the queued writes when there are any. Like
// pgx, it runs sql without arguments through the simple protocol, which
// takes several statements in one string: then on its own.
func (t *pgTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if !t.ready() && len(args) > 0 && !hasQueryOptions(args) {
		br, err := t.send(ctx, []*pgx.QueuedQuery{{SQL: sql, Arguments: args}})
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		tag, err := br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return tag, err
	}
	if err := t.flush(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.tx.Exec(ctx, sql, args...)
}

// Query runs sql, with BEGIN and the queued writes when there are any.
func (t *pgTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if !t.ready() && !hasQueryOptions(args) {
		br, err := t.send(ctx, []*pgx.QueuedQuery{{SQL: sql, Arguments: args}})
		if err != nil {
			return nil, err
		}
		rows, err := br.Query()
		if err != nil {
			_ = br.Close()
			return nil, err
		}
		return &batchRows{Rows: rows, br: br}, nil
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.tx.Query(ctx, sql, args...)
}

// QueryRow is Query for one row; errors are reported by Scan.
func (t *pgTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := t.Query(ctx, sql, args...)
	return &oneRow{rows: rows, err: err}
}

// SendBatch sends b, with BEGIN and the queued writes ahead of its queries.
func (t *pgTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if t.ready() {
		return t.tx.SendBatch(ctx, b)
	}
	br, err := t.send(ctx, b.QueuedQueries)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return noTxBatchResults{br}
}

// CopyFrom flushes, then copies (COPY cannot share a batch).
func (t *pgTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.tx.CopyFrom(ctx, table, columns, src)
}

// Prepare flushes, then prepares.
func (t *pgTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.tx.Prepare(ctx, name, sql)
}

// Begin flushes, then starts a pseudo-nested transaction (a savepoint) whose
// statements also flush what is queued on t first.
func (t *pgTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	inner, err := t.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &nestedTx{Tx: inner, parent: t}, nil
}

// LargeObjects flushes (without a context: pgx's signature has none) and
// returns the transaction's large objects.
func (t *pgTx) LargeObjects() pgx.LargeObjects {
	if err := t.flush(context.Background()); err != nil || t.tx == nil {
		return pgx.LargeObjects{} // unusable; the failure is also t.err
	}
	return t.tx.LargeObjects()
}

// Conn flushes (without a context: pgx's signature has none) and returns the
// connection, so that statements run on it directly come after t's.
func (t *pgTx) Conn() *pgx.Conn {
	_ = t.flush(context.Background()) // a failure stays in t.err and fails Commit
	if t.conn == nil {
		return nil
	}
	return t.conn.Conn()
}

// Commit sends the queued writes and COMMIT in one round trip, or nothing
// when the unit of work ran no statement. On error the caller must still call
// Rollback, which releases the connection.
func (t *pgTx) Commit(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	if t.err != nil {
		return t.err
	}
	if t.tx == nil && len(t.pending) == 0 {
		t.release()
		return nil
	}
	br, err := t.send(ctx, []*pgx.QueuedQuery{{SQL: "commit"}})
	if err != nil {
		return err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback
	}
	if err != nil {
		t.err = err
		return err
	}
	t.release()
	return nil
}

// Rollback rolls back whatever reached the server and releases the
// connection. It is safe after Commit.
func (t *pgTx) Rollback(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	var err error
	if t.conn != nil && t.conn.Conn().PgConn().TxStatus() != 'I' {
		// On failure the connection is still in a transaction, and the pool
		// destroys it when it is released.
		_, err = t.conn.Conn().Exec(ctx, "rollback")
	}
	t.release()
	return err
}

func (t *pgTx) release() {
	t.closed = true
	t.pending = nil
	if t.conn != nil {
		t.conn.Release()
		t.conn = nil
	}
}

// batchRows are the rows of a query sent in a batch: the batch is closed
// when the rows are done.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// oneRow is pgx.Row over Query, with pgx's QueryRow semantics.
type oneRow struct {
	rows pgx.Rows
	err  error
}

func (r *oneRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// noTxBatchResults hides the transaction of the batch that carried BEGIN:
// the caller's batch began none.
type noTxBatchResults struct{ pgx.BatchResults }

func (noTxBatchResults) Tx() pgx.Tx { return nil }

// nestedTx is a savepoint of a pgTx: its statements flush the pgTx's queued
// writes first, so they run in the order they were issued.
type nestedTx struct {
	pgx.Tx
	parent *pgTx
}

func (n *nestedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := n.parent.flush(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return n.Tx.Exec(ctx, sql, args...)
}

func (n *nestedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := n.parent.flush(ctx); err != nil {
		return nil, err
	}
	return n.Tx.Query(ctx, sql, args...)
}

func (n *nestedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := n.parent.flush(ctx); err != nil {
		return &oneRow{err: err}
	}
	return n.Tx.QueryRow(ctx, sql, args...)
}

func (n *nestedTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := n.parent.flush(ctx); err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return n.Tx.SendBatch(ctx, b)
}

func (n *nestedTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := n.parent.flush(ctx); err != nil {
		return 0, err
	}
	return n.Tx.CopyFrom(ctx, table, columns, src)
}

func (n *nestedTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := n.parent.flush(ctx); err != nil {
		return nil, err
	}
	inner, err := n.Tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &nestedTx{Tx: inner, parent: n.parent}, nil
}

func (n *nestedTx) Commit(ctx context.Context) error {
	if err := n.parent.flush(ctx); err != nil {
		return err
	}
	return n.Tx.Commit(ctx)
}

// Rollback flushes first, so that writes queued after the savepoint are
// rolled back with it rather than sent after.
func (n *nestedTx) Rollback(ctx context.Context) error {
	if err := n.parent.flush(ctx); err != nil {
		return err
	}
	return n.Tx.Rollback(ctx)
}

func (n *nestedTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := n.parent.flush(ctx); err != nil {
		return nil, err
	}
	return n.Tx.Prepare(ctx, name, sql)
}

func (n *nestedTx) LargeObjects() pgx.LargeObjects {
	_ = n.parent.flush(context.Background())
	return n.Tx.LargeObjects()
}

func (n *nestedTx) Conn() *pgx.Conn {
	_ = n.parent.flush(context.Background())
	return n.Tx.Conn()
}
