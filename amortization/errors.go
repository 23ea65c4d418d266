package amortization

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidTerms is returned when loan terms cannot describe a schedule
	// (a zero principal, too many periods, a negative rate, an impossible date,
	// an unknown method). The wrapped error is a *TermsError naming the field.
	ErrInvalidTerms = errors.New("amortization: invalid terms")
	// ErrNoSolution is returned when a yield (APR, IRR, XIRR) does not exist
	// for the cash flows given: no sign change, or no root between −99 % and
	// about 10^6 % a year.
	ErrNoSolution = errors.New("amortization: no yield solves the cash flows")
	// ErrOutOfSchedule is returned when a servicing date or row lies outside
	// the schedule (before disbursement, after the last due date).
	ErrOutOfSchedule = errors.New("amortization: date outside the schedule")
	// ErrInvalidArgument is returned for a servicing request that cannot apply
	// (a prepayment larger than the balance, a negative amount, an unknown option).
	ErrInvalidArgument = errors.New("amortization: invalid argument")
)

// TermsError says which field of Terms is wrong and why. It wraps
// ErrInvalidTerms, so errors.Is(err, ErrInvalidTerms) holds; use errors.As to
// reach the field name (a form can highlight it).
type TermsError struct {
	Field  string // the Terms field, e.g. "Principal", "Periods"
	Reason string // what is wrong, e.g. "must be positive"
}

// Error says which field is wrong and why: "amortization: invalid terms:
// Principal must be positive, got -5.00".
func (e *TermsError) Error() string {
	return fmt.Sprintf("amortization: invalid terms: %s %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidTerms.
func (e *TermsError) Unwrap() error { return ErrInvalidTerms }

func termsErr(field, format string, args ...any) error {
	return &TermsError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
