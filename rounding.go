package lendkit

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Rounding names how an exact value is brought to a coarser precision. Every
// rounding in lendkit names its mode; the zero value, HalfUp, is the default.
type Rounding uint8

const (
	// HalfUp rounds to nearest, ties away from zero (2.5 → 3, -2.5 → -3).
	HalfUp Rounding = iota
	// HalfEven rounds to nearest, ties to the even neighbour (2.5 → 2, 3.5 → 4).
	HalfEven
	// Down rounds toward zero (truncation: 2.9 → 2, -2.9 → -2).
	Down
	// Up rounds away from zero (2.1 → 3, -2.1 → -3).
	Up
	// Floor rounds toward negative infinity (2.9 → 2, -2.1 → -3).
	Floor
	// Ceiling rounds toward positive infinity (2.1 → 3, -2.9 → -2).
	Ceiling
)

var roundingNames = [...]string{"half-up", "half-even", "down", "up", "floor", "ceiling"}

// String returns the mode's name as ParseRounding accepts it ("half-up", …).
func (r Rounding) String() string {
	if int(r) < len(roundingNames) {
		return roundingNames[r]
	}
	return fmt.Sprintf("Rounding(%d)", uint8(r))
}

// ParseRounding returns the mode named by s ("half-up", "half-even", "down",
// "up", "floor", "ceiling").
func ParseRounding(s string) (Rounding, error) {
	for i, n := range roundingNames {
		if n == s {
			return Rounding(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrInvalidRounding, s)
}

// MarshalText encodes the mode's name.
func (r Rounding) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a mode's name.
func (r *Rounding) UnmarshalText(b []byte) error {
	v, err := ParseRounding(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Round rounds d to places decimal places with mode r. It is exact: shopspring
// decimals have arbitrary precision, so only the named rounding happens.
func (r Rounding) Round(d decimal.Decimal, places int32) decimal.Decimal {
	switch r {
	case HalfEven:
		return d.RoundBank(places)
	case Down:
		return d.RoundDown(places)
	case Up:
		return d.RoundUp(places)
	case Floor:
		return d.RoundFloor(places)
	case Ceiling:
		return d.RoundCeil(places)
	default:
		// shopspring's Round is half away from zero.
		return d.Round(places)
	}
}

// Increments reports whether a quotient rounded with r moves one unit away
// from zero: a division's magnitude is q with remainder rem (0 ≤ rem < den),
// and neg tells whether the exact quotient is negative. It is the integer
// core of every mode, for callers that divide in integers (Money.Mul's fast
// path, the amortization schedules' exact ratios).
func (r Rounding) Increments(q, rem, den uint64, neg bool) bool {
	if rem == 0 {
		return false
	}
	switch r {
	case Down:
		return false
	case Up:
		return true
	case Floor:
		return neg
	case Ceiling:
		return !neg
	case HalfEven:
		// rem against den−rem compares 2·rem with den without overflow.
		return rem > den-rem || (rem == den-rem && q%2 == 1)
	default: // HalfUp
		return rem >= den-rem
	}
}
