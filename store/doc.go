// Package store is lendkit's storage seam: the interfaces every domain
// persists through, the sentinel errors every backend returns, and the unit of
// work that spans domains.
//
// It imports no database driver. A program opens a backend explicitly —
// sqlite.Open(ctx, path) or postgres.Open(ctx, url) — and passes the resulting
// DB to the domain packages (ledger.New(db), …). Within DB.InTx every domain's
// store is reachable from the one Tx, so funding a project can post ledger
// transactions and write every lender's schedule atomically.
//
// Backends map their driver's errors to ErrNotFound, ErrConflict,
// ErrConstraint, ErrSerialization, ErrClosed and ErrMigration in one place;
// callers test with errors.Is and never see a driver type. The behaviour of
// every backend is specified once, as the conformance suite in
// store/storetest, which each backend's tests run.
//
// Record types (Account, Transaction, Posting, …) are plain values; domain
// packages alias them (type Account = store.Account) rather than redefine
// them.
package store
