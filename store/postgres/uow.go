package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit/store"
)

// Transaction modes. Every read-write unit of work is SERIALIZABLE: it is what
// CockroachDB and YugabyteDB give by default, and on Postgres it turns every
// read-modify-write race the domain code might contain into a 40001 that the
// retry loop absorbs, instead of a silent anomaly.
//
// Read-only units of work are REPEATABLE READ READ ONLY: one snapshot of
// committed units of work, each of which kept every ledger invariant, so the
// snapshot is consistent for balances, history and Verify. They take no
// predicate locks: a long read (Verify over millions of postings) would
// otherwise keep every serializable transaction committed meanwhile alive in
// Postgres's SSI tables, which then summarises them and fails unrelated
// writers with false 40001s (seen under parallel load as writers exhausting
// their retries).
var (
	readWrite = pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadWrite}
	readOnly  = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
)

// InTx runs fn in one SERIALIZABLE read-write transaction and commits it when
// fn returns nil. When the transaction fails with a serialization failure or a
// deadlock (SQLSTATE 40001 or 40P01), at any statement or at COMMIT, the whole
// of fn runs again in a new transaction, with a new Tx.Now, up to the
// configured number of attempts (WithRetry), with jittered exponential
// backoff in between. Because fn may run several times it must have no effect
// outside tx.
//
// Errors: store.ErrSerialization wrapping the last driver error when the
// attempts are exhausted; store.ErrClosed after Close; the context's error
// when ctx ends; otherwise fn's error, or the commit's mapped by the store
// sentinels.
func (db *DB) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return db.runTx(ctx, readWrite, func(ptx *pgTx) error { return fn(db.newTx(ptx, false)) })
}

// View runs fn in a REPEATABLE READ READ ONLY transaction: one consistent
// snapshot; writes fail with a driver error (SQLSTATE 25006). It is retried
// like InTx (it rarely needs to be: a snapshot reader does not conflict).
func (db *DB) View(ctx context.Context, fn func(tx store.Tx) error) error {
	return db.runTx(ctx, readOnly, func(ptx *pgTx) error { return fn(db.newTx(ptx, true)) })
}

// runTx runs fn in one transaction with opts and commits it, retrying the whole
// of fn on 40001/40P01 as InTx describes.
func (db *DB) runTx(ctx context.Context, opts pgx.TxOptions, fn func(*pgTx) error) error {
	if db.closed.Load() {
		return fmt.Errorf("postgres: unit of work: %w", store.ErrClosed)
	}
	var last error
	for attempt := 1; ; attempt++ {
		err := db.attempt(ctx, opts, fn)
		if err == nil {
			return nil
		}
		if !retryable(err) {
			return interpretError(err)
		}
		last = err
		if attempt >= db.cfg.maxAttempts {
			db.stats.giveUps.Add(1)
			return fmt.Errorf("postgres: unit of work gave up after %d attempts: %w: %w", attempt, store.ErrSerialization, last)
		}
		db.stats.retries.Add(1)
		if err := sleepCtx(ctx, db.backoff(attempt)); err != nil {
			return fmt.Errorf("postgres: unit of work interrupted while retrying (%w) after: %w", err, last)
		}
	}
}

// attempt runs fn once in its own transaction.
func (db *DB) attempt(ctx context.Context, opts pgx.TxOptions, fn func(*pgTx) error) error {
	if err := ctx.Err(); err != nil {
		return err // BEGIN waits for the first statement: do not start a unit of work that cannot end
	}
	tx := newPgTx(db.pool, opts)
	// Every way out releases the connection: after fn's error, a failed
	// COMMIT, or a panic in fn (which an HTTP server recovers and carries on
	// from: the connection must not leak from the pool), Rollback rolls
	// back; after a commit it does nothing. Its own error (connection gone,
	// context cancelled) adds nothing to fn's: the pool destroys a
	// connection left in a transaction.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// backoff returns how long to sleep after failed attempt n (1-based): a
// uniformly random duration in (0, min(max, base·2^(n-1))]. Full jitter
// spreads writers that collided apart instead of waking them together.
func (db *DB) backoff(n int) time.Duration {
	return backoff(db.cfg.baseBackoff, db.cfg.maxBackoff, n)
}

func backoff(base, max time.Duration, n int) time.Duration {
	ceiling := max
	if n-1 < 63 && base <= max>>(n-1) { // base·2^(n-1) ≤ max, without overflow
		ceiling = base << (n - 1)
	}
	// math/rand is fine here: the jitter only spreads retries apart.
	return rand.N(ceiling) + 1
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
