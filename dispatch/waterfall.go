package dispatch

import (
	"fmt"
)

// Component is one part of what a borrower owes on an instalment.
type Component uint8

const (
	// Penalty is late (penalty) interest on overdue amounts; dispersed to
	// holders.
	Penalty Component = iota + 1
	// Fee is the borrower's per-instalment fee; paid to the platform.
	Fee
	// Insurance is the borrower's insurance premium; paid to the insurer.
	Insurance
	// Interest is contractual interest; dispersed to holders after the
	// platform's service fee.
	Interest
	// Principal repays the holders' capital.
	Principal
)

var componentNames = [...]string{"", "penalty", "fee", "insurance", "interest", "principal"}

// String returns the component's name.
func (c Component) String() string {
	if c >= Penalty && c <= Principal {
		return componentNames[c]
	}
	return fmt.Sprintf("Component(%d)", uint8(c))
}

// DefaultOrder is the default allocation order: penalties, fees, interest,
// principal (insurance with the fees).
var DefaultOrder = []Component{Penalty, Fee, Insurance, Interest, Principal}

// Strategy says how the order meets the instalments.
type Strategy uint8

const (
	// OldestFirst settles instalments one at a time, oldest due first, each in
	// the component order: everything past due is paid before the current
	// instalment (Fineract's "horizontal" allocation). The default.
	OldestFirst Strategy = iota
	// ComponentFirst pays each component across all due instalments, oldest
	// first, before the next component: all penalties, then all fees, …
	// (Fineract's "vertical" allocation).
	ComponentFirst
)

// Overpayment says what happens to cash beyond what is due.
type Overpayment uint8

const (
	// KeepCredit keeps the excess as the borrower's credit, used first by the
	// next payment. The default.
	KeepCredit Overpayment = iota
	// Prepay applies the excess to principal not yet due, from the last
	// instalment backwards (the term shortens, the instalment amount stays).
	// Future interest stays as scheduled until the caller reschedules with
	// the interest recomputed (see Book.Reschedule).
	Prepay
)

// Waterfall configures how collected cash is applied to what is due.
type Waterfall struct {
	// Order is a permutation of the five components; nil means DefaultOrder.
	Order       []Component
	Strategy    Strategy
	Overpayment Overpayment
}

func (w Waterfall) order() []Component {
	if len(w.Order) == 0 {
		return DefaultOrder
	}
	return w.Order
}

func (w Waterfall) validate() error {
	if w.Strategy > ComponentFirst {
		return fmt.Errorf("%w: unknown strategy %d", ErrInvalidWaterfall, w.Strategy)
	}
	if w.Overpayment > Prepay {
		return fmt.Errorf("%w: unknown overpayment rule %d", ErrInvalidWaterfall, w.Overpayment)
	}
	if len(w.Order) == 0 {
		return nil
	}
	if len(w.Order) != 5 {
		return fmt.Errorf("%w: order %v must list all five components once", ErrInvalidWaterfall, w.Order)
	}
	var seen [6]bool
	for _, c := range w.Order {
		if c < Penalty || c > Principal || seen[c] {
			return fmt.Errorf("%w: order %v must list all five components once", ErrInvalidWaterfall, w.Order)
		}
		seen[c] = true
	}
	return nil
}
