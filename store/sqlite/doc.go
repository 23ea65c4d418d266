// Package sqlite is lendkit's embedded storage backend: store.DB on one SQLite
// file through modernc.org/sqlite (pure Go, no cgo).
//
//	db, err := sqlite.Open(ctx, "lendkit.db")
//	if err != nil { … }
//	defer db.Close()
//	if err := db.Migrate(ctx); err != nil { … }
//	l := ledger.New(db)
//
// # Concurrency and durability
//
// SQLite admits one writer at a time. DB keeps exactly one write connection
// and hands it to one unit of work at a time (InTx), which begins with BEGIN
// IMMEDIATE so it never fails half-way for want of the write lock; readers
// (View) use a separate pool of query-only connections and, thanks to WAL,
// never wait for the writer. Other processes opening the same file are
// handled by the busy timeout (WithBusyTimeout, default 5 s); a lock held
// beyond it is store.ErrSerialization.
//
// The file is in WAL mode with foreign keys enforced and synchronous=NORMAL:
// a committed unit of work survives a crash of the program, but one committed
// just before an operating-system crash or power loss may be lost (whole,
// never half-written); the file is never corrupted. WithSynchronousFull
// fsyncs every commit instead, at a large cost in commits per second.
//
// A checkpointer goroutine on its own connection copies committed pages from
// the WAL into the database file shortly after commits, so that a writer's
// COMMIT does not; the writer checkpoints itself only if the WAL passes
// 10,000 pages. Statement journals stay in memory (temp_store = MEMORY).
// Close stops the checkpointer.
//
// # Schema
//
// Migrations are embedded SQL files (migrations/NNNN_name.up.sql and
// .down.sql) with the same numbers as store/postgres's; Migrate applies the
// missing ones, MigrateTo moves up or down, each step in its own transaction,
// recorded in the lendkit_migrations table.
//
// Driver errors never leave the package raw: one function maps them to
// store.ErrNotFound, ErrConflict, ErrConstraint, ErrSerialization and
// ErrClosed. SQLTx exposes the database/sql access to a unit of work so
// an application can keep its own tables in the same transactions.
package sqlite
