package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is a lendkit store in one SQLite database file. It satisfies store.DB and
// is safe for concurrent use.
//
// SQLite admits one writer at a time, so DB keeps exactly one write connection
// (a pool of one): units of work queue for it in Go instead of spinning on
// SQLITE_BUSY, and BEGIN IMMEDIATE takes the write lock up front so a unit of
// work never fails half-way for want of it. Reads (View) use a separate pool of
// query-only connections that WAL lets run beside the writer.
type DB struct {
	write  *sql.DB
	read   *sql.DB
	clock  lendkit.Clock
	closed atomic.Bool

	wstmts stmtCache
	rstmts stmtCache
}

// config is what the Options set.
type config struct {
	clock       lendkit.Clock
	busyTimeout time.Duration
	readers     int
	syncFull    bool
}

// Option configures Open.
type Option func(*config) error

// WithClock makes Tx.Now read c instead of the system clock, so a simulated
// clock drives every timestamp the store writes.
func WithClock(c lendkit.Clock) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("sqlite: WithClock(nil)")
		}
		cfg.clock = c
		return nil
	}
}

// WithBusyTimeout sets how long a connection waits for a lock held by another
// process before failing with SQLITE_BUSY (default 5 s). Within one process
// the single write connection already serialises writers.
func WithBusyTimeout(d time.Duration) Option {
	return func(cfg *config) error {
		if d < 0 {
			return fmt.Errorf("sqlite: WithBusyTimeout(%s): negative", d)
		}
		cfg.busyTimeout = d
		return nil
	}
}

// WithReaders sets the size of the read pool (default: the number of CPUs,
// at least 2).
func WithReaders(n int) Option {
	return func(cfg *config) error {
		if n < 1 {
			return fmt.Errorf("sqlite: WithReaders(%d): need at least one", n)
		}
		cfg.readers = n
		return nil
	}
}

// WithSynchronousFull makes every commit fsync the WAL (PRAGMA synchronous =
// FULL). The default, NORMAL, fsyncs only at checkpoints: a committed unit of
// work survives a crash of the program but may be lost, whole, if the
// operating system crashes or power fails before the next checkpoint. The
// database is never corrupted either way.
func WithSynchronousFull() Option {
	return func(cfg *config) error {
		cfg.syncFull = true
		return nil
	}
}

// Open opens (creating it if needed) the SQLite database at path, in WAL mode
// with foreign keys enforced. It does not migrate: call Migrate. path is a
// file name; it must not contain '?' (the driver reads options after it).
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	cfg := config{clock: lendkit.SystemClock{}, busyTimeout: 5 * time.Second, readers: max(2, runtime.NumCPU())}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, ":memory:") {
		return nil, fmt.Errorf("sqlite: Open: %q is not a database file name (no '?', '#', or :memory:: the pools need one shared file)", path)
	}
	sync := "NORMAL"
	if cfg.syncFull {
		sync = "FULL"
	}
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "journal_mode(WAL)")
	common.Add("_pragma", "synchronous("+sync+")")
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range common {
		wq[k] = v
	}
	rq := url.Values{}
	for k, v := range common {
		rq[k] = append([]string(nil), v...)
	}
	rq.Add("_pragma", "query_only(1)")

	write, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: Open: %w", interpretError(err))
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The write connection switches the file to WAL before any reader opens.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: Open %s: %w", path, interpretError(err))
	}
	read, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: Open: %w", interpretError(err))
	}
	read.SetMaxOpenConns(cfg.readers)
	read.SetMaxIdleConns(cfg.readers)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: Open %s: %w", path, interpretError(err))
	}
	db := &DB{write: write, read: read, clock: cfg.clock}
	db.wstmts.db, db.rstmts.db = write, read
	return db, nil
}

// Close closes both pools. Units of work started afterwards fail with
// store.ErrClosed. Close is idempotent.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return nil
	}
	db.wstmts.close()
	db.rstmts.close()
	return errors.Join(db.read.Close(), db.write.Close())
}

// InTx runs fn in one write transaction (BEGIN IMMEDIATE) on the single write
// connection and commits it if fn returns nil. SQLite serialises writers, so
// there is no serialization failure to retry; a lock held by another process
// beyond the busy timeout is reported as store.ErrSerialization. Do not call
// InTx from inside fn: the inner call would wait for the one write connection
// that the outer holds.
func (db *DB) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return db.run(ctx, db.write, &db.wstmts, false, fn)
}

// View runs fn in a read transaction on the read pool: one consistent
// snapshot, never waiting for the writer. Writes inside fn fail.
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	return db.run(ctx, db.read, &db.rstmts, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, stmts *stmtCache, readOnly bool, fn func(tx store.Tx) error) (err error) {
	if db.closed.Load() {
		return fmt.Errorf("sqlite: unit of work: %w", store.ErrClosed)
	}
	sqlTx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", interpretError(err))
	}
	t := &tx{tx: sqlTx, stmts: stmts, now: db.clock.Now().UTC().Truncate(time.Microsecond)}
	t.ledger.tx = t
	defer func() {
		if err != nil {
			_ = sqlTx.Rollback() // the error that made us roll back is the one to report
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", interpretError(err))
	}
	return nil
}

// tx is the SQLite store.Tx.
type tx struct {
	tx     *sql.Tx
	stmts  *stmtCache
	now    time.Time
	ledger ledgerStore
}

func (t *tx) Now() time.Time { return t.now }

func (t *tx) Ledger() store.LedgerStore { return &t.ledger }

// stmt returns query prepared once per pool and bound to this transaction.
// Preparing is most of the cost of a small statement in SQLite; the write
// pool has one connection, so each statement is compiled once for the life
// of the DB.
func (t *tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s, err := t.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, s), nil
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := s.ExecContext(ctx, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	return r, nil
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return nil, interpretError(err)
	}
	return rows, nil
}

// stmtCache holds the prepared statements of one pool.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", interpretError(err))
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}
