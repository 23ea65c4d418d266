package amortization

import (
	"github.com/lendkit/lendkit"
)

// Prepayment is a lump sum of principal repaid ahead of the schedule.
type Prepayment struct {
	// Date the prepayment was received.
	Date lendkit.Date
	// Amount of principal repaid (interest accrued to Date is not part of it).
	Amount lendkit.Money
	// AfterRow is the number of the last row due on or before Date (0 if
	// the prepayment came before the first due date).
	AfterRow int
}
