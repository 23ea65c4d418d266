package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/lendkit/lendkit/store"
)

// SQLSTATE codes this backend reacts to. Postgres, CockroachDB and YugabyteDB
// all use these for the same conditions.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeCheckViolation       = "23514"
	codeNotNullViolation     = "23502"
	codeInvalidByteSequence  = "22021" // a NUL in text: Postgres text cannot hold one
	codeUntranslatable       = "22P05" // a \u0000 in JSONB
	codeAdminShutdown        = "57P01"
	codeDuplicateTable       = "42P07"
	codeDuplicateObject      = "42710"
)

// retryable reports whether err means the whole unit of work may succeed if
// run again from the start: a serialization failure or a deadlock victim.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
	}
	return false
}

// interpretError is the one place where driver errors become the store's
// sentinels, so no caller ever has to know about pgx. The driver error stays
// in the chain (wrapped after the sentinel) for logs and for the retry loop,
// which recognises serialization failures through it.
//
// A nil error stays nil; an error that already carries a store sentinel (or is
// not a driver error at all, such as a domain validation error) is returned
// unchanged.
func interpretError(err error) error {
	if err == nil {
		return nil
	}
	if alreadyInterpreted(err) {
		return err
	}
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	case errors.Is(err, puddle.ErrClosedPool):
		return fmt.Errorf("%w: %w", store.ErrClosed, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Keep the context error itself identifiable with errors.Is; the
		// store has no sentinel of its own for a caller's cancellation.
		return err
	case errors.As(err, &pe):
		switch pe.Code {
		case codeUniqueViolation:
			return fmt.Errorf("%w: %s: %w", store.ErrConflict, constraintOf(pe), err)
		case codeForeignKeyViolation:
			return fmt.Errorf("%w: %s: %w", store.ErrNotFound, constraintOf(pe), err)
		case codeCheckViolation, codeNotNullViolation, codeInvalidByteSequence, codeUntranslatable:
			return fmt.Errorf("%w: %s: %w", store.ErrConstraint, constraintOf(pe), err)
		case codeAdminShutdown:
			return fmt.Errorf("%w: %w", store.ErrClosed, err)
		}
	}
	return err
}

// constraintOf names the violated constraint for an error message.
func constraintOf(pe *pgconn.PgError) string {
	if pe.ConstraintName != "" {
		return "constraint " + pe.ConstraintName
	}
	if pe.TableName != "" {
		return "table " + pe.TableName
	}
	return pe.Message
}

// alreadyInterpreted reports whether err already carries a store sentinel, so
// that interpreting twice (in a store method, then in the unit of work) does
// not wrap twice.
func alreadyInterpreted(err error) bool {
	for _, s := range [...]error{store.ErrNotFound, store.ErrConflict, store.ErrIdempotencyMismatch,
		store.ErrSerialization, store.ErrConstraint, store.ErrClosed, store.ErrMigration} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
