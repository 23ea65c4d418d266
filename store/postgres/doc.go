// Package postgres is lendkit's PostgreSQL backend: a store.DB over a pgx/v5
// connection pool, which also runs unchanged on Postgres-compatible
// distributed SQL (CockroachDB, YugabyteDB).
//
// Open it explicitly and migrate it:
//
//	db, err := postgres.Open(ctx, "postgres://app@db.internal/lendkit")
//	if err != nil { … }
//	defer db.Close()
//	if err := db.Migrate(ctx); err != nil { … }
//	l := ledger.New(db)
//
// # Units of work
//
// Every InTx runs at SERIALIZABLE. When Postgres reports a serialization
// failure or a deadlock (SQLSTATE 40001 or 40P01) — at any statement or at
// COMMIT — the whole callback runs again in a new transaction, with jittered
// exponential backoff, up to a bounded number of attempts (WithRetry); after
// that InTx returns store.ErrSerialization wrapping the last driver error.
// Callbacks must therefore have no effect outside the transaction. View runs
// a REPEATABLE READ READ ONLY transaction, retried the same way.
//
// Round trips are saved by pipelining, without changing what runs: BEGIN is
// sent with the unit of work's first statement, and the ledger's inserts and
// balance updates (of rows it has locked) are sent with the next statement
// or with COMMIT; the idempotency probe and the account locks go together
// (store.KeyLocker). A ledger Post is two round trips. Every pooled
// connection reuses one generic plan per prepared statement
// (plan_cache_mode = force_generic_plan; see WithPoolConfig to change it).
//
// Driver errors never reach callers bare: one function maps "no rows" and
// foreign key violations to store.ErrNotFound, unique violations to
// store.ErrConflict, check and not-null violations to store.ErrConstraint, a
// closed pool to store.ErrClosed, and keeps context cancellation recognisable
// with errors.Is(err, context.Canceled).
//
// # Schema
//
// The schema is embedded as numbered migrations (migrations/NNNN_name.up.sql
// and .down.sql) with the same version numbers as every other lendkit backend;
// the table schema_migrations records what is applied. Migrate applies what is
// missing, MigrateTo moves to any version, up or down. Several processes may
// migrate at once: each version is applied once, serialised by its row in
// schema_migrations rather than by an advisory lock.
//
// # Distributed SQL
//
// No advisory locks, no LISTEN/NOTIFY, no global sequence: transaction ids are
// random, idempotency keys are indexed by their SHA-256, and the ledger's hash
// chain is per account, advanced under the row lock each writer already takes
// on the account's balance. Writers lock accounts with SELECT … FOR UPDATE in
// one statement ordered by id, in byte order (identifier columns are COLLATE
// "C"), the order the ledger sorts them in, so they cannot deadlock.
//
// # Tests
//
// Package pgtest gives each test a schema of its own on the server named by
// LENDKIT_TEST_POSTGRES_URL and skips, saying why, when it is unset.
package postgres
