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
	read   *sql.DB
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
	// 32 MiB of page cache per connection (the default is 2 MiB): a batch of
	// thousands of postings dirties more pages than that, and a cache that
	// spills writes the pages to the WAL twice.
	common.Add("_pragma", "cache_size(-32768)")
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
	wconn, err := write.Conn(ctx)
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: Open %s: %w", path, interpretError(err))
	}
	return &DB{write: write, wconn: wconn, wsem: make(chan struct{}, 1), read: read, clock: cfg.clock, sessions: map[driver.Conn]*session{}}, nil
}

// Close closes both pools. Units of work started afterwards fail with
// store.ErrClosed. Close is idempotent.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return nil
	}
	// Wait for the unit of work in progress, if any, then keep the writer.
	db.wsem <- struct{}{}
	db.mu.Lock()
	for _, s := range db.sessions {
		s.close()
	}
	db.sessions = nil
	db.mu.Unlock()
	return errors.Join(db.wconn.Close(), db.read.Close(), db.write.Close())
}
