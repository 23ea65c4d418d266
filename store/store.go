package store

import (
	"context"
	"time"
)

// DB is an opened database: the one handle a program keeps for its lifetime.
// Backends (store/sqlite, store/postgres) return a value satisfying DB from
// their Open function; nothing in lendkit opens a database implicitly.
type DB interface {
	// InTx runs fn in one read-write unit of work and commits it when fn
	// returns nil; any error from fn rolls everything back and is returned
	// as is. On Postgres the transaction is SERIALIZABLE and the whole of fn
	// is run again on a serialization failure or deadlock (SQLSTATE
	// 40001/40P01) with bounded, jittered backoff, so fn must have no effect
	// outside tx (no channel sends, no HTTP calls, no counters) and must
	// reassign, not append to, results it hands out through closures.
	//
	// Errors: ErrSerialization when retries are exhausted, ErrClosed after
	// Close, the context's error when ctx ends, or fn's error.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	// View runs fn in a read-only unit of work that sees one consistent
	// snapshot. Writes inside fn fail. On SQLite it runs on the read pool,
	// so it never waits for the writer.
	//
	// Errors: as InTx.
	View(ctx context.Context, fn func(tx Tx) error) error

	// Migrate applies every embedded migration newer than the database's
	// current version, each in its own transaction.
	//
	// Errors: *MigrationError (ErrMigration) naming the failing migration,
	// ErrClosed.
	Migrate(ctx context.Context) error

	// MigrateTo moves the schema up or down to version (0 removes every
	// table lendkit created), applying up or down migrations one by one.
	//
	// Errors: *MigrationError (ErrMigration), also when version is negative
	// or above the newest embedded migration; ErrClosed.
	MigrateTo(ctx context.Context, version int) error

	// MigrationVersion returns the version the schema is at (0 when no
	// migration has run) and the newest version this build embeds.
	//
	// Errors: ErrClosed, or a driver error mapped by interpretError.
	MigrationVersion(ctx context.Context) (current, latest int, err error)

	// Close releases the database. Later calls fail with ErrClosed. Close is
	// idempotent.
	Close() error
}

// Tx is one unit of work. Every domain's store is reachable from it, so a
// caller can post ledger transactions and write its own rows atomically:
//
//	err := db.InTx(ctx, func(tx store.Tx) error {
//		if _, err := ledger.In(tx).Post(ctx, transfer); err != nil {
//			return err
//		}
//		return tx.Dispatch().SaveDispersal(ctx, d)
//	})
//
// A Tx must not be used after its InTx/View callback returns, nor from more
// than one goroutine.
type Tx interface {
	// Now returns the unit of work's timestamp: one instant, taken from the
	// DB's clock when the unit of work began (again on each retry),
	// truncated to the microsecond and in UTC, so every row written in one
	// unit of work carries the same time and survives a database round trip
	// unchanged.
	Now() time.Time

	// Ledger returns the ledger's persistence within this unit of work.
	Ledger() LedgerStore

	// Dispatch returns the dispatch domain's persistence (loans' servicing
	// state, holdings, projections, dispersals) within this unit of work.
	Dispatch() DispatchStore

	// Wallets returns the wallet domain's persistence (wallets, virtual
	// IBANs, campaigns and commitments, mandates, statement lines, PSP
	// notifications) within this unit of work.
	Wallets() WalletStore

	// Contracts returns the contract domain's persistence (rendered
	// contract versions, signature evidence, signing challenges) within
	// this unit of work.
	Contracts() ContractStore
}
