package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lendkit/lendkit"

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
	write  *sql.DB   // the write pool: one connection…
	wconn  *sql.Conn // …pinned here for the life of the DB
	wsem   chan struct{}
	done   chan struct{} // closed by Close: writers waiting for wsem give up
	read   *sql.DB
	ckpt   *checkpointer
	clock  lendkit.Clock
	closed atomic.Bool

	mu       sync.Mutex
	sessions map[driver.Conn]*session // prepared statements per connection
}

// config is what the Options set.
type config struct {
	clock       lendkit.Clock
	busyTimeout time.Duration
	readers     int
	syncFull    bool
	pageSize    int
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

// defaultPageSize is the page size of new database files.
const defaultPageSize = 4096

// WithPageSize sets the page size (a power of two from 512 to 65,536 bytes) of
// a database file Open creates; an existing file keeps its own. Every commit
// writes each page it changed to the WAL in full, so a ledger committing small
// transactions one by one writes less with smaller pages.
func WithPageSize(n int) Option {
	return func(cfg *config) error {
		if n < 512 || n > 65536 || n&(n-1) != 0 {
			return fmt.Errorf("sqlite: WithPageSize(%d): not a power of two from 512 to 65536", n)
		}
		cfg.pageSize = n
		return nil
	}
}

// Open opens (creating it if needed) the SQLite database at path, in WAL mode
// with foreign keys enforced. It does not migrate: call Migrate. path is a
// file name; it must not contain '?' (the driver reads options after it).
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	cfg := config{clock: lendkit.SystemClock{}, busyTimeout: 5 * time.Second, readers: max(2, runtime.NumCPU()), pageSize: defaultPageSize}
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
	common.Add("_pragma", "synchronous("+sync+")")
	// 32 MiB of page cache per connection (the default is 2 MiB): a batch of
	// thousands of postings dirties more pages than that, and a cache that
	// spills writes the pages to the WAL twice.
	common.Add("_pragma", "cache_size(-32768)")
	// Statement journals in memory: a statement that writes several rows
	// inside a transaction (the ledger's multi-row INSERTs and UPDATEs)
	// records the pages it changes so that it can be undone alone, and past
	// 64 KiB SQLite spills that record to a temporary file, with a write
	// system call per page. It is only ever read back by a failing
	// statement; nothing durable lives there.
	common.Add("_pragma", "temp_store(MEMORY)")
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
	wconn, err := write.Conn(ctx)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: Open %s: %w", path, interpretError(err))
	}
	// The page size can only be chosen before the file has content and
	// before it is in WAL mode, hence here and in this order; on an existing
	// file it is a no-op. Then the write connection switches the file to WAL
	// (a persistent setting) before any reader opens it.
	var mode string
	if _, err := wconn.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", cfg.pageSize)); err != nil {
		wconn.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: Open %s: page size: %w", path, interpretError(err))
	}
	if err := wconn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		wconn.Close()
		write.Close()
		if err == nil {
			err = fmt.Errorf("journal mode is %q", mode)
		}
		return nil, fmt.Errorf("sqlite: Open %s: cannot use WAL: %w", path, interpretError(err))
	}
	read, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		wconn.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: Open: %w", interpretError(err))
	}
	read.SetMaxOpenConns(cfg.readers)
	read.SetMaxIdleConns(cfg.readers)
	if err := read.PingContext(ctx); err != nil {
		wconn.Close()
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: Open %s: %w", path, interpretError(err))
	}
	// The checkpoint connection may write the database file (query_only
	// would refuse it): the common settings alone.
	cdb, err := sql.Open("sqlite", path+"?"+common.Encode())
	if err == nil {
		cdb.SetMaxOpenConns(1)
		err = cdb.PingContext(ctx)
	}
	if err == nil {
		_, err = wconn.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerCheckpointPages))
	}
	if err != nil {
		if cdb != nil {
			cdb.Close()
		}
		wconn.Close()
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: Open %s: checkpointer: %w", path, interpretError(err))
	}
	return &DB{write: write, wconn: wconn, wsem: make(chan struct{}, 1), done: make(chan struct{}), read: read, ckpt: newCheckpointer(cdb), clock: cfg.clock, sessions: map[driver.Conn]*session{}}, nil
}

// Close closes both pools. Units of work started afterwards fail with
// store.ErrClosed. Close is idempotent.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return nil
	}
	// Wake writers queued for the connection, wait for the unit of work in
	// progress, if any, then keep the writer.
	close(db.done)
	db.wsem <- struct{}{}
	db.mu.Lock()
	for _, s := range db.sessions {
		s.close()
	}
	db.sessions = nil
	db.mu.Unlock()
	return errors.Join(db.ckpt.close(), db.wconn.Close(), db.read.Close(), db.write.Close())
}
