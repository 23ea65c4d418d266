package contract

import (
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
)

// FromAmortization converts a schedule made by amortization.Generate into
// the contract's terms and schedule: the amount, the term in months (from
// the disbursement date to the last due date, a started month counting as
// one), the nominal rate, the APR by the EU Consumer Credit Directive
// (amortization.EqualPeriods), the upfront fee, and every row. The rest of
// Data (parties, late payment, …) is the caller's.
//
// A schedule on which prepayments were applied is refused: a contract
// carries the schedule agreed at signature, and a servicing change is a new
// version of the contract made from the new schedule.
func FromAmortization(s *amortization.Schedule) (Loan, Schedule, error) {
	if s == nil || len(s.Rows) == 0 {
		return Loan{}, Schedule{}, fmt.Errorf("%w: empty amortization schedule", ErrInvalidData)
	}
	if len(s.Prepayments) > 0 {
		return Loan{}, Schedule{}, fmt.Errorf("%w: schedule carries %d prepayments; generate the contract from the schedule agreed at signature", ErrInvalidData, len(s.Prepayments))
	}
	cur := s.Terms.Principal.Currency()
	rows := make([]Installment, len(s.Rows))
	for i, r := range s.Rows {
		rows[i] = Installment{
			N: r.N, Due: r.Due, Payment: r.Payment, Principal: r.Principal, Interest: r.Interest,
			Fee: r.Fee, Insurance: r.Insurance, Tax: lendkit.Zero(cur), Balance: r.Balance,
		}
	}
	apr, err := s.APR(amortization.EqualPeriods)
	if err != nil {
		return Loan{}, Schedule{}, fmt.Errorf("contract: APR of the schedule: %w", err)
	}
	rate := s.Terms.Rate
	aprRate := lendkit.RateFromDecimal(apr)
	fee := s.Terms.UpfrontFee
	if fee.Currency().IsZero() {
		fee = lendkit.Zero(cur)
	}
	loan := Loan{
		Amount:     s.Terms.Principal,
		TermMonths: monthsBetween(s.Terms.Start, s.Rows[len(s.Rows)-1].Due),
		Rate:       &rate,
		APR:        &aprRate,
		Fees:       fee,
	}
	return loan, Schedule{Rows: rows}, nil
}

// monthsBetween counts whole months from a to b, a started month counting
// as one.
func monthsBetween(a, b lendkit.Date) int {
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Day() > a.Day() {
		m++
	}
	return max(m, 1)
}
