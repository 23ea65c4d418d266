package lendkit

import "errors"

// Sentinel errors of the root vocabulary. Functions wrap them with context; test
// for them with errors.Is.
var (
	// ErrUnknownCurrency is returned for a code that is not an ISO 4217 currency.
	ErrUnknownCurrency = errors.New("lendkit: unknown currency")
	// ErrCurrencyMismatch is returned when two amounts of different currencies meet.
	ErrCurrencyMismatch = errors.New("lendkit: currency mismatch")
	// ErrOverflow is returned when a result does not fit in int64 minor units.
	ErrOverflow = errors.New("lendkit: amount overflows int64 minor units")
	// ErrInvalidMoney is returned for an amount that cannot be parsed, or that has
	// more decimals than its currency allows.
	ErrInvalidMoney = errors.New("lendkit: invalid amount")
	// ErrInvalidDate is returned for a date that does not exist or cannot be parsed.
	ErrInvalidDate = errors.New("lendkit: invalid date")
	// ErrInvalidRate is returned for a rate that cannot be parsed.
	ErrInvalidRate = errors.New("lendkit: invalid rate")
	// ErrInvalidWeights is returned by Allocate for negative or all-zero weights.
	ErrInvalidWeights = errors.New("lendkit: invalid allocation weights")
	// ErrInvalidRounding is returned for an unknown rounding mode name.
	ErrInvalidRounding = errors.New("lendkit: invalid rounding mode")
)
