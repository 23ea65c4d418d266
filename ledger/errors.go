package ledger

import (
	"errors"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// Sentinel errors. Every error the ledger returns wraps one of these (or a
// store or lendkit sentinel: store.ErrIdempotencyMismatch for a key reused
// with another payload, lendkit.ErrCurrencyMismatch for a posting in the
// wrong currency, lendkit.ErrOverflow for a balance that would leave int64,
// lendkit.ErrInvalidDate for a missing effective date), so callers test with
// errors.Is. Nothing is written when an error is returned.
var (
	// ErrInvalidAccount: an account definition is incomplete or malformed.
	ErrInvalidAccount = errors.New("ledger: invalid account")
	// ErrAccountExists: CreateAccount with an id that exists with a different
	// definition. It also matches store.ErrConflict.
	ErrAccountExists = errors.New("ledger: account exists with a different definition")
	// ErrUnknownAccount: a posting or query names an account that does not
	// exist. It also matches store.ErrNotFound.
	ErrUnknownAccount = errors.New("ledger: unknown account")
	// ErrInvalidKey: an idempotency key is empty or longer than MaxKeyLen bytes.
	ErrInvalidKey = errors.New("ledger: invalid idempotency key")
	// ErrDuplicateKey: two transfers of one batch carry the same key.
	ErrDuplicateKey = errors.New("ledger: idempotency key repeated in one batch")
	// ErrTooFewPostings: a transaction has fewer than two postings.
	ErrTooFewPostings = errors.New("ledger: a transaction needs at least two postings")
	// ErrInvalidPosting: a posting has no account or no valid side.
	ErrInvalidPosting = errors.New("ledger: invalid posting")
	// ErrInvalidAmount: a posting's amount is zero, negative or has no currency.
	ErrInvalidAmount = errors.New("ledger: posting amount must be positive")
	// ErrUnbalanced: debits and credits differ in some currency (*UnbalancedError).
	ErrUnbalanced = errors.New("ledger: postings do not balance")
	// ErrInsufficientFunds: the transaction would take a constrained account's
	// available balance below its limit (*InsufficientFundsError).
	ErrInsufficientFunds = errors.New("ledger: insufficient funds")
	// ErrTooLarge: a field, a transaction or a batch exceeds its bound
	// (MaxKeyLen, MaxPostings, MaxBatch, MaxTextLen, MaxMetadata).
	ErrTooLarge = errors.New("ledger: too large")
	// ErrInvalidText: a code, description or metadata entry is not UTF-8, or
	// contains a NUL byte (which Postgres cannot store, so no backend takes it).
	ErrInvalidText = errors.New("ledger: text must be UTF-8 without NUL")
	// ErrUnknownTransaction: a hold, or a transaction to reverse, does not
	// exist. It also matches store.ErrNotFound.
	ErrUnknownTransaction = errors.New("ledger: unknown transaction")
	// ErrNotAHold: PostHold or VoidHold names a transaction that is not a hold.
	ErrNotAHold = errors.New("ledger: not a hold")
	// ErrHoldResolved: the hold was already posted or voided
	// (*HoldResolvedError; also matches ErrHoldPosted or ErrHoldVoided).
	ErrHoldResolved = errors.New("ledger: hold already resolved")
	// ErrHoldPosted: the hold was already posted.
	ErrHoldPosted = errors.New("ledger: hold already posted")
	// ErrHoldVoided: the hold was already voided (or expired).
	ErrHoldVoided = errors.New("ledger: hold already voided")
	// ErrHoldExpired: PostHold after the hold's expiry.
	ErrHoldExpired = errors.New("ledger: hold expired")
	// ErrExceedsHold: a partial post takes more from an account than the hold
	// reserved, or touches an account/side the hold does not.
	ErrExceedsHold = errors.New("ledger: post exceeds the hold")
	// ErrAlreadyReversed: the transaction was already reversed.
	ErrAlreadyReversed = errors.New("ledger: transaction already reversed")
	// ErrNotReversible: only transfers and posted holds can be reversed (not
	// holds, voids or reversals).
	ErrNotReversible = errors.New("ledger: transaction cannot be reversed")
	// ErrDiscrepancy: Verify found the ledger inconsistent (*Discrepancy).
	ErrDiscrepancy = errors.New("ledger: verification failed")
)

// UnbalancedError reports the first currency whose debits and credits differ.
type UnbalancedError struct {
	Currency lendkit.Currency
	Debits   lendkit.Money
	Credits  lendkit.Money
}

// Error describes the failure; it implements the error interface.
func (e *UnbalancedError) Error() string {
	return fmt.Sprintf("ledger: postings do not balance in %s: debits %s, credits %s", e.Currency, e.Debits.Amount(), e.Credits.Amount())
}

// Unwrap returns ErrUnbalanced.
func (e *UnbalancedError) Unwrap() error { return ErrUnbalanced }

// InsufficientFundsError reports the account whose constraint a transaction
// would break.
type InsufficientFundsError struct {
	AccountID string
	Available lendkit.Money // available balance before the transaction
	Change    lendkit.Money // the transaction's (negative) effect on it
	Floor     lendkit.Money // the lowest allowed available balance (0 or -credit limit)
}

// Error describes the failure; it implements the error interface.
func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("ledger: insufficient funds on %q: available %s, change %s, floor %s", e.AccountID, e.Available, e.Change.Amount(), e.Floor.Amount())
}

// Unwrap returns ErrInsufficientFunds.
func (e *InsufficientFundsError) Unwrap() error { return ErrInsufficientFunds }

// HoldResolvedError reports a hold that was already posted or voided.
type HoldResolvedError struct {
	HoldID       string
	ResolutionID string       // the transaction that resolved it
	Kind         store.TxKind // store.KindPostHold or store.KindVoidHold
}

// Error describes the failure; it implements the error interface.
func (e *HoldResolvedError) Error() string {
	return fmt.Sprintf("ledger: hold %s already resolved by %s (%s)", e.HoldID, e.ResolutionID, e.Kind)
}

// Unwrap returns ErrHoldResolved and ErrHoldPosted or ErrHoldVoided.
func (e *HoldResolvedError) Unwrap() []error {
	if e.Kind == store.KindPostHold {
		return []error{ErrHoldResolved, ErrHoldPosted}
	}
	return []error{ErrHoldResolved, ErrHoldVoided}
}

// Discrepancy is the first inconsistency Verify found.
type Discrepancy struct {
	Check         string // which check failed: "transaction hash", "balance", "chain", …
	TransactionID string // the transaction concerned, if any
	AccountID     string // the account concerned, if any
	Seq           int64  // the account posting concerned, if any
	Detail        string // what was expected and what was found
}

// Error describes the failure; it implements the error interface.
func (d *Discrepancy) Error() string {
	s := "ledger: verification failed: " + d.Check
	if d.TransactionID != "" {
		s += " of transaction " + d.TransactionID
	}
	if d.AccountID != "" {
		s += fmt.Sprintf(" on account %q", d.AccountID)
	}
	if d.Seq != 0 {
		s += fmt.Sprintf(" at posting %d", d.Seq)
	}
	return s + ": " + d.Detail
}

// Unwrap returns ErrDiscrepancy.
func (d *Discrepancy) Unwrap() error { return ErrDiscrepancy }
