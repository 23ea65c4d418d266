package store

import (
	"errors"
	"fmt"
)

// Sentinel errors every backend returns, whatever its driver says. Each backend
// maps its driver's errors to these in one function (interpretError) and
// wraps them with context, so callers test with errors.Is and never import a
// driver package.
var (
	// ErrNotFound is returned when a row that was asked for by key does not
	// exist, and when a write refers to a row that does not exist (a foreign
	// key violation).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a write would duplicate a unique key: an
	// account id that exists, a second resolution of a hold, a second reversal.
	ErrConflict = errors.New("store: conflict")
	// ErrIdempotencyMismatch is returned when an idempotency key is replayed
	// with a payload whose hash differs from the one stored with the key.
	ErrIdempotencyMismatch = errors.New("store: idempotency key reused with a different payload")
	// ErrSerialization is returned by DB.InTx when the unit of work kept
	// failing with serialization failures or deadlocks and the bounded retries
	// are exhausted; the last driver error is wrapped after it.
	ErrSerialization = errors.New("store: serialization failure, retries exhausted")
	// ErrConstraint is returned when the database refuses a write through a
	// CHECK or NOT NULL constraint: the domain code let bad data through, and
	// the schema is the last line of defence.
	ErrConstraint = errors.New("store: constraint violated")
	// ErrClosed is returned by every method of a DB that has been closed.
	ErrClosed = errors.New("store: database closed")
	// ErrMigration is returned when a migration cannot be applied or the
	// requested version does not exist.
	ErrMigration = errors.New("store: migration failed")
)

// MigrationError reports which migration failed and in which direction. It
// wraps ErrMigration and the underlying cause.
type MigrationError struct {
	Version int    // the migration's number, 1 for 0001_ledger
	Name    string // the migration's name, "ledger"
	Down    bool   // true when the down migration failed
	Err     error  // the cause
}

// Error describes the failure; it implements the error interface.
func (e *MigrationError) Error() string {
	dir := "up"
	if e.Down {
		dir = "down"
	}
	return fmt.Sprintf("store: migration %04d_%s %s: %v", e.Version, e.Name, dir, e.Err)
}

// Unwrap returns ErrMigration and the cause, so both match errors.Is.
func (e *MigrationError) Unwrap() []error { return []error{ErrMigration, e.Err} }
