package scoring

import (
	"errors"
	"fmt"
)

// Sentinel errors of the scoring package. Functions wrap them with context;
// test for them with errors.Is. InputError carries the offending field.
var (
	// ErrInvalidInput is returned for input that cannot be assessed: a negative
	// amount, a term of zero months, a household without an adult, …
	ErrInvalidInput = errors.New("scoring: invalid input")
	// ErrMissingIncome is returned when an assessment needs an income and none
	// was given. It wraps ErrInvalidInput.
	ErrMissingIncome = fmt.Errorf("%w: missing income", ErrInvalidInput)
	// ErrUnknownIncomeKind is returned for an income kind that has no haircut in
	// the affordability rules. It wraps ErrInvalidInput.
	ErrUnknownIncomeKind = fmt.Errorf("%w: unknown income kind", ErrInvalidInput)
	// ErrProtectedAttribute is returned when a scorecard, a fitting data set or
	// an application's features use sex, marital status, nationality or one of
	// their direct proxies (see IsProtected).
	ErrProtectedAttribute = errors.New("scoring: protected attribute")
	// ErrInvalidScorecard is returned for a scorecard whose bins do not cover
	// every value, whose scaling is not usable, or that does not parse.
	ErrInvalidScorecard = errors.New("scoring: invalid scorecard")
	// ErrValueKind is returned when a feature has the wrong kind for its
	// characteristic (a category given for a numeric characteristic).
	ErrValueKind = errors.New("scoring: feature of the wrong kind")
	// ErrFit is returned when a scorecard cannot be fitted from the data (too
	// few goods or bads, a singular system, no usable characteristic).
	ErrFit = errors.New("scoring: cannot fit scorecard")
	// ErrInvalidPolicy is returned for a policy that is inconsistent (no id,
	// wrong currency, a limit without a rule id, a minimum above a maximum).
	ErrInvalidPolicy = errors.New("scoring: invalid policy")
	// ErrInvalidOverride is returned for an override without a reviewer, a
	// time, a reason or a valid outcome.
	ErrInvalidOverride = errors.New("scoring: invalid override")
	// ErrArithmetic is returned when the exact annuity arithmetic reports a
	// condition (overflow, division by zero) the caller must not ignore.
	ErrArithmetic = errors.New("scoring: arithmetic condition")
)

// InputError says which field of an input is wrong and why. It unwraps to its
// Err (ErrInvalidInput or one of the sentinels wrapping it).
type InputError struct {
	Field  string // the field, in Go notation: "Incomes[2].Monthly"
	Reason string // what is wrong, for a human
	Err    error  // the sentinel: ErrInvalidInput, ErrMissingIncome, …
}

// Error formats the sentinel, the field and the reason.
func (e *InputError) Error() string { return fmt.Sprintf("%v: %s: %s", e.Err, e.Field, e.Reason) }

// Unwrap returns the sentinel.
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(field, reason string) error {
	return &InputError{Field: field, Reason: reason, Err: ErrInvalidInput}
}
