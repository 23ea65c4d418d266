package dispatch

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// FeeKind says how the platform's service fee is computed.
type FeeKind uint8

const (
	// NoFee: the platform takes nothing from the lenders' interest.
	NoFee FeeKind = iota
	// ShareOfInterest: Rate × the interest collected, rounded with Rounding.
	ShareOfInterest
	// ShareOfOutstanding: Rate (a per-instalment rate, e.g. 1 %/12 for 1 % a
	// year on a monthly loan) × the principal outstanding at the start of the
	// instalment, rounded with Rounding.
	ShareOfOutstanding
	// FixedPerInstalment: Amount per instalment.
	FixedPerInstalment
)

// PlatformFee is the platform's service fee, taken from each instalment's
// interest before the lenders' split: holders share what is left. The fee of
// an instalment never exceeds its interest, so lenders' principal is never
// touched; it is collected as the instalment's interest is, so a partial
// payment yields the fee first (the platform's cut has priority) and a missed
// instalment yields none until it is paid. Penalty interest is not subject
// to the fee.
type PlatformFee struct {
	Kind     FeeKind
	Rate     decimal.Decimal
	Amount   lendkit.Money
	Rounding lendkit.Rounding
}

func (f PlatformFee) validate(cur lendkit.Currency) error {
	switch f.Kind {
	case NoFee:
		return nil
	case ShareOfInterest, ShareOfOutstanding:
		if f.Rate.Sign() < 0 || f.Rate.GreaterThan(decimal.NewFromInt(1)) {
			return fmt.Errorf("%w: rate %s outside [0, 1]", ErrInvalidFee, f.Rate)
		}
		return nil
	case FixedPerInstalment:
		if f.Amount.Currency() != cur {
			return fmt.Errorf("%w: amount %s is not in %s", ErrInvalidFee, f.Amount, cur)
		}
		if f.Amount.IsNegative() {
			return fmt.Errorf("%w: negative amount %s", ErrInvalidFee, f.Amount)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown kind %d", ErrInvalidFee, f.Kind)
}

// cap returns the most the fee can take from an instalment whose interest is
// interest and whose opening principal is opening (minor units), or -1 when
// the fee is a share of what is collected (ShareOfInterest).
func (f PlatformFee) cap(interest, opening int64, cur lendkit.Currency) (int64, error) {
	switch f.Kind {
	case ShareOfOutstanding:
		m, err := lendkit.New(opening, cur).Mul(f.Rate, f.Rounding)
		if err != nil {
			return 0, fmt.Errorf("platform fee: %w", err)
		}
		return min(m.Minor(), interest), nil
	case FixedPerInstalment:
		return min(f.Amount.Minor(), interest), nil
	case ShareOfInterest:
		return -1, nil
	}
	return 0, nil
}

// due returns the fee earned when an instalment's interest paid so far goes
// from before to after (cumulative, minor units): the fee on the cumulative
// amount minus the fee on the previous cumulative amount, so partial payments
// add up to exactly the fee on the whole instalment.
func (f PlatformFee) due(capped, before, after int64, cur lendkit.Currency) (int64, error) {
	if f.Kind == NoFee || after == before {
		return 0, nil
	}
	if capped >= 0 {
		return min(capped, after) - min(capped, before), nil
	}
	a, err := lendkit.New(after, cur).Mul(f.Rate, f.Rounding)
	if err != nil {
		return 0, fmt.Errorf("platform fee: %w", err)
	}
	b, err := lendkit.New(before, cur).Mul(f.Rate, f.Rounding)
	if err != nil {
		return 0, fmt.Errorf("platform fee: %w", err)
	}
	return a.Minor() - b.Minor(), nil
}
