package dispatch

import (
	"errors"
	"fmt"
)

// Sentinel errors. Functions wrap them with context; test with errors.Is.
var (
	// ErrInvalidTerms is returned by Open and Reschedule for terms that cannot
	// describe a loan: no schedule, stakes that do not sum to the principal,
	// unordered due dates, mixed currencies, negative amounts.
	ErrInvalidTerms = errors.New("dispatch: invalid loan terms")
	// ErrInvalidHolder is returned for an empty or duplicate holder id, an
	// unknown holder kind, or a withholding profile on a holder that is never
	// withheld (companies, funds, the platform, employers).
	ErrInvalidHolder = errors.New("dispatch: invalid holder")
	// ErrInvalidTax is returned for a tax profile whose table is unordered,
	// whose codes are empty or repeated, or whose rates are outside [0, 1] or
	// sum above 1.
	ErrInvalidTax = errors.New("dispatch: invalid tax profile")
	// ErrInvalidFee is returned for a platform fee policy that is incomplete or
	// out of range.
	ErrInvalidFee = errors.New("dispatch: invalid platform fee")
	// ErrInvalidWaterfall is returned for a waterfall order that is not a
	// permutation of the five components, or an unknown strategy.
	ErrInvalidWaterfall = errors.New("dispatch: invalid waterfall")
	// ErrInvalidEvent is returned for an event that cannot be applied: a
	// negative amount, a wrong currency, an empty idempotency key.
	ErrInvalidEvent = errors.New("dispatch: invalid event")
	// ErrOutOfOrder is returned for an event dated before the book's last event:
	// servicing is a sequence, and replaying the past would change what was
	// already dispersed.
	ErrOutOfOrder = errors.New("dispatch: event dated before the last event")
	// ErrLoanClosed is returned for an event on a loan in a state that refuses
	// it: a payment on a repaid loan, a default of a written-off loan.
	ErrLoanClosed = errors.New("dispatch: loan state refuses the event")
	// ErrInsufficientPayoff is returned by Repay when the cash (with the
	// borrower's credit) does not cover the payoff amount.
	ErrInsufficientPayoff = errors.New("dispatch: cash does not cover the payoff")
	// ErrInvalidTransfer is returned for a transfer from an unknown seller, of
	// more than the seller holds, or to the seller itself.
	ErrInvalidTransfer = errors.New("dispatch: invalid transfer")
	// ErrNoHolding is returned when a holder has no position in the loan.
	ErrNoHolding = errors.New("dispatch: holder has no position in the loan")
)

// InvariantError reports a broken internal invariant, such as a dispersal
// whose parts do not sum to the cash applied. It means a bug in dispatch, not
// bad input: the operation is refused and the book left unchanged, so no
// wrong figure ever reaches the ledger.
type InvariantError struct {
	Loan string // the loan's id
	What string // the invariant that failed, with the figures
}

// Error describes the failure; it implements the error interface.
func (e *InvariantError) Error() string {
	return fmt.Sprintf("dispatch: invariant broken on loan %q: %s", e.Loan, e.What)
}
