package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// DB satisfies store.DB.
var _ store.DB = (*DB)(nil)

// DB is a lendkit store opened on a PostgreSQL (or Postgres-compatible
// distributed SQL) database through a pgx connection pool. It is safe for
// concurrent use; run units of work with InTx and release it with Close.
type DB struct {
	pool   *pgxpool.Pool
	cfg    config
	closed atomic.Bool
	stats  struct{ retries, giveUps atomic.Uint64 }
}

// Stats counts what the retry loop did since Open.
type Stats struct {
	// Retries is the number of attempts that failed with a serialization
	// failure or a deadlock and were run again.
	Retries uint64
	// GiveUps is the number of units of work that exhausted their attempts
	// and returned store.ErrSerialization.
	GiveUps uint64
}

// Stats returns the retry counters: a rising Retries rate is the first sign
// of contention (hot accounts, or predicate-lock conflicts on small tables).
func (db *DB) Stats() Stats {
	return Stats{Retries: db.stats.retries.Load(), GiveUps: db.stats.giveUps.Load()}
}

// config holds what the Options set; defaults come from defaultConfig.
type config struct {
	schema      string
	maxConns    int32
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	poolConfig  func(*pgxpool.Config)
	clock       lendkit.Clock
}

func defaultConfig() config {
	return config{
		// A hot account under SERIALIZABLE makes every waiting writer fail
		// with 40001 when the lock holder commits, so a unit of work may need
		// several attempts before it wins; and while a long serializable
		// unit of work runs elsewhere (a funding close writing 180,000
		// rows), Postgres may fail unrelated writers for seconds. 50 attempts
		// with this backoff sleep at most 10.5 s in all (5.3 s on average)
		// before giving up; contended writers mostly win within the first
		// few, whose sleeps are under a millisecond or two.
		maxAttempts: 50,
		baseBackoff: 500 * time.Microsecond,
		maxBackoff:  250 * time.Millisecond,
		clock:       lendkit.SystemClock{},
	}
}

// Option configures Open.
type Option func(*config) error

// WithSchema makes every pooled connection use schema as its search_path, so
// that migrations create their tables there and every query finds them. The
// schema must already exist. Without it the server's default search_path is
// used (normally "public").
func WithSchema(schema string) Option {
	return func(c *config) error {
		if schema == "" {
			return errors.New("postgres: WithSchema: empty schema name")
		}
		c.schema = schema
		return nil
	}
}

// WithMaxConns bounds the pool to n connections (pgxpool's default is the
// larger of 4 and the number of CPUs).
func WithMaxConns(n int32) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("postgres: WithMaxConns(%d): need at least one connection", n)
		}
		c.maxConns = n
		return nil
	}
}

// WithRetry sets how InTx retries a unit of work that failed with a
// serialization failure or a deadlock (SQLSTATE 40001, 40P01): at most
// maxAttempts attempts in all, sleeping between them a random duration up to
// base·2^(attempt-1), capped at max ("full jitter" exponential backoff, which
// spreads colliding writers apart instead of waking them together).
func WithRetry(maxAttempts int, base, max time.Duration) Option {
	return func(c *config) error {
		if maxAttempts < 1 || base <= 0 || max < base {
			return fmt.Errorf("postgres: WithRetry(%d, %s, %s): need maxAttempts ≥ 1 and 0 < base ≤ max", maxAttempts, base, max)
		}
		c.maxAttempts, c.baseBackoff, c.maxBackoff = maxAttempts, base, max
		return nil
	}
}

// WithClock sets the clock that stamps each unit of work (store.Tx.Now). The
// default is the system clock; the platform's simulations pass a
// lendkit.ManualClock.
func WithClock(c lendkit.Clock) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("postgres: WithClock: nil clock")
		}
		cfg.clock = c
		return nil
	}
}

// WithPoolConfig lets the caller adjust the parsed pgxpool configuration (TLS,
// tracing, connection lifetimes) before the pool is created. fn must keep
// ConnConfig.RuntimeParams["search_path"], which WithSchema sets.
func WithPoolConfig(fn func(*pgxpool.Config)) Option {
	return func(c *config) error {
		c.poolConfig = fn
		return nil
	}
}

// Open connects to the database at url (a libpq URL or key=value string, as
// pgxpool.ParseConfig accepts) and checks that it answers. It does not run
// migrations: call Migrate. The returned DB owns its pool; Close releases it.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included: keep only
		// the fact that it did not parse.
		return nil, errors.New("postgres: Open: cannot parse the connection string")
	}
	if cfg.schema != "" {
		// Sent in the startup message of every new connection: no extra round
		// trip, and it works the same on CockroachDB and YugabyteDB.
		pc.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{cfg.schema}.Sanitize()
	}
	if cfg.maxConns > 0 {
		pc.MaxConns = cfg.maxConns
	}
	if cfg.poolConfig != nil {
		cfg.poolConfig(pc)
	}
	// Ours first, then the caller's (which may set plan_cache_mode back).
	callerAfterConnect := pc.AfterConnect
	pc.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if err := preferGenericPlans(ctx, c); err != nil {
			return err
		}
		if callerAfterConnect != nil {
			return callerAfterConnect(ctx, c)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: Open: %w", interpretError(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: Open: %w", interpretError(err))
	}
	return &DB{pool: pool, cfg: cfg}, nil
}

// Close closes the pool, waiting for connections in use to be returned. Units
// of work started afterwards fail with store.ErrClosed. Close is idempotent.
func (db *DB) Close() error {
	if db.closed.CompareAndSwap(false, true) {
		db.pool.Close()
	}
	return nil
}

// preferGenericPlans makes the connection reuse one plan per prepared
// statement (plan_cache_mode = force_generic_plan) instead of planning it
// again at every execution. pgx prepares every statement once per connection
// and Postgres, left to choose, keeps making custom plans for the ledger's
// statements forever: they take arrays (= ANY($1), unnest($1)), whose length
// a generic plan cannot know, so the generic plan always looks dearer than a
// custom one. Planning each execution anew was a quarter of the server's CPU
// time per Post (perf, BenchmarkPost/accounts=1000); the statements are
// written so that their generic plans probe every table by key (see
// LockAccounts, UpdateBalances, InsertTransactions). It is a session setting
// of this pool's connections only; an application whose own statements need
// custom plans can set plan_cache_mode back in an AfterConnect hook of its
// own (WithPoolConfig; it runs after this one). A server that does not know
// the setting (older CockroachDB) refuses it and is left as it is.
func preferGenericPlans(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return nil // refused by the server: keep its default
	}
	return err
}
