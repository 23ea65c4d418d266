package amortization

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/internal/decmath"
	"github.com/shopspring/decimal"
)

// Row is one instalment. Amounts are in the schedule's currency and always
// satisfy Payment = Principal + Interest + Fee + Insurance and
// Balance = previous Balance − Principal (minus any prepayment made in between).
type Row struct {
	// N is the instalment number, from 1.
	N int
	// Due is the due date.
	Due lendkit.Date
	// Payment is what the borrower owes on Due: the sum of the four parts.
	Payment lendkit.Money
	// Interest is the interest of the period. On a total-grace row it is
	// capitalised rather than paid (Principal is then its negative).
	Interest lendkit.Money
	// Principal is the principal repaid. Negative only on total-grace rows
	// (capitalised interest) or when a day-based period's interest exceeds
	// the level payment.
	Principal lendkit.Money
	// Fee is the per-instalment fee.
	Fee lendkit.Money
	// Insurance is the borrower-insurance premium.
	Insurance lendkit.Money
	// Balance is the principal outstanding after this row.
	Balance lendkit.Money
}

// Schedule is a loan's instalments with the terms that produced them. It is a
// plain value: dispatch splits each row among holders, contract prints it,
// servicing (Prepay, Reschedule, Quote) derives new schedules from it.
type Schedule struct {
	// Terms are the validated terms the schedule was generated from.
	Terms Terms
	// Rows are the instalments in due-date order. There are Terms.Periods of
	// them unless rounding repaid the principal early (a payment multiple, a
	// rounded-up linear part), or servicing changed the term.
	Rows []Row
	// PeriodicRate is the regular periodic rate, exact for Proportional
	// (shown to 40 decimals when it does not terminate), to 34 digits for
	// Equivalent. It is informational: rows use the exact ratio.
	PeriodicRate decimal.Decimal
	// Prepayments are the lump sums applied by Prepay, in date order.
	Prepayments []Prepayment
}

// Currency returns the schedule's currency.
func (s *Schedule) Currency() lendkit.Currency { return s.Terms.Principal.Currency() }

// Totals are the column sums of a schedule.
type Totals struct {
	Payment, Interest, Principal, Fee, Insurance lendkit.Money
}

// Totals sums the rows' columns. Prepayments are not rows: Principal plus
// the prepaid amounts is the principal lent.
func (s *Schedule) Totals() (Totals, error) {
	c := s.Currency()
	t := Totals{lendkit.Zero(c), lendkit.Zero(c), lendkit.Zero(c), lendkit.Zero(c), lendkit.Zero(c)}
	for _, r := range s.Rows {
		for _, p := range [...]struct {
			dst *lendkit.Money
			v   lendkit.Money
		}{
			{&t.Payment, r.Payment}, {&t.Interest, r.Interest}, {&t.Principal, r.Principal}, {&t.Fee, r.Fee}, {&t.Insurance, r.Insurance},
		} {
			v, err := p.dst.Add(p.v)
			if err != nil {
				return Totals{}, fmt.Errorf("amortization: totals of row %d: %w", r.N, err)
			}
			*p.dst = v
		}
	}
	return t, nil
}

// Generate returns the schedule of t, or a *TermsError (wrapping
// ErrInvalidTerms) naming the first invalid field.
//
// The rounding convention, each step rounded with the mode of t.Rules
// (half-up to the minor unit by default):
//
//   - a period's interest is the balance at its start × the periodic rate;
//   - an annuity's level payment is the exact annuity formula, rounded (to
//     t.Rules.PaymentMultiple if set); each row's principal is payment −
//     interest; the last row repays the whole remaining balance with its
//     interest, so it may differ by a few minor units;
//   - a linear principal part is principal / n; the last row takes the
//     remainder; flat interest is the initial principal × periodic rate;
//   - a zero rate makes the annuity payment principal / n, last row the rest;
//   - due dates are Start (or FirstDue) + k periods by the end-of-month rule.
//
// Grace periods come first, then (for InterestOnly) the interest-only
// periods, then the amortising phase, whose payment is computed on the
// balance then outstanding over the periods left.
//
// An odd first period (FirstDue not one period after Start) accrues, when
// the schedule is not day-based, the periodic rate for each whole period
// counted back from FirstDue plus annual rate × the broken part's year
// fraction (BrokenDayCount, ACT/365F by default). The first row's principal
// is then what a regular first period would repay, so the rest of the
// schedule is the regular one and the first payment carries the difference.
// A day-based schedule (DayCount set) accrues every period by its days; its
// level payment is the one that repays the loan exactly at those periods'
// rates (the annuity formula generalised: bal·Π(1+r_k) = P·Σ_j Π_{k>j}(1+r_k),
// which is the plain formula when the periods are equal, as under 30/360),
// and every row repays payment − interest.
func Generate(t Terms) (*Schedule, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	if t.Conversion == Equivalent && t.DayCount != Periodic {
		return nil, termsErr("Conversion", "equivalent applies to periodic schedules; a day-based schedule (DayCount %s) accrues annual rate × day fraction", t.DayCount)
	}
	g, err := newGen(&t)
	if err != nil {
		return nil, err
	}
	rows, err := g.rows(t.Principal, 1, t.Periods, t.Start, rowOpts{})
	if err != nil {
		return nil, err
	}
	return &Schedule{Terms: t, Rows: rows, PeriodicRate: g.periodic.decimal()}, nil
}

// gen holds what every row of one schedule shares.
type gen struct {
	t        *Terms
	cur      lendkit.Currency
	annual   ratio // the annual nominal rate
	periodic ratio // the regular periodic rate
	ins      ratio // the periodic insurance rate
	fee      lendkit.Money
}

func newGen(t *Terms) (*gen, error) {
	g := &gen{t: t, cur: t.Principal.Currency(), fee: t.InstallmentFee}
	if g.fee.Currency().IsZero() {
		g.fee = lendkit.Zero(g.cur)
	}
	g.annual = ratioOf(t.Rate.Decimal())
	ppy := int64(t.Frequency.PerYear())
	switch t.Conversion {
	case Equivalent:
		r, err := equivalentRate(t.Rate.Decimal(), ppy)
		if err != nil {
			return nil, err
		}
		g.periodic = ratioOf(r)
	default:
		g.periodic = g.annual.mulFrac(1, ppy)
	}
	g.ins = ratioOf(t.Insurance.Rate).mulFrac(1, ppy)
	return g, nil
}

// equivalentRate returns (1 + annual)^(1/ppy) − 1 to decmath.Precision digits.
func equivalentRate(annual decimal.Decimal, ppy int64) (decimal.Decimal, error) {
	ctx := decmath.NewContext(decmath.Precision)
	var y apd.Decimal
	if _, err := ctx.Quo(&y, apd.New(1, 0), apd.New(ppy, 0)); err != nil {
		return decimal.Decimal{}, fmt.Errorf("amortization: equivalent rate: %w", err)
	}
	f, err := decmath.CompoundFactor(ctx, decmath.FromDecimal(annual), &y)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amortization: equivalent rate: %w", err)
	}
	if _, err := ctx.Sub(f, f, apd.New(1, 0)); err != nil {
		return decimal.Decimal{}, fmt.Errorf("amortization: equivalent rate: %w", err)
	}
	return decmath.ToDecimal(f)
}

// rowRate returns the rate of row k running from from to to.
func (g *gen) rowRate(k int, from, to lendkit.Date) ratio {
	if g.t.DayCount != Periodic {
		n, d := YearFraction(g.t.DayCount, from, to)
		return g.annual.mulFrac(n, d)
	}
	if k == 1 && !g.t.FirstDue.IsZero() {
		return g.brokenRate()
	}
	return g.periodic
}

// brokenRate is the first period's rate when FirstDue is set on a periodic
// schedule: whole periods counted back from FirstDue at the periodic rate,
// the rest at annual × year fraction.
func (g *gen) brokenRate() ratio {
	t := g.t
	whole := 0
	stubEnd := t.FirstDue
	for whole < 2 {
		prev := t.Frequency.Due(t.FirstDue, -(whole + 1))
		if prev.Before(t.Start) {
			break
		}
		whole++
		stubEnd = prev
	}
	n, d := YearFraction(t.BrokenDayCount, t.Start, stubEnd)
	return g.periodic.mulFrac(int64(whole), 1).add(g.annual.mulFrac(n, d))
}

// rowOpts are what servicing imposes on regenerated rows.
type rowOpts struct {
	// payment, when set, is the level payment to keep instead of computing
	// one (a prepayment that keeps the payment, a payment-led rescheduling).
	payment *lendkit.Money
	// part, when set, is the linear principal part to keep.
	part *lendkit.Money
	// firstInterest, when set, is the first row's interest (a period split
	// by a prepayment accrues on two balances).
	firstInterest *lendkit.Money
}

// rows generates rows first..last (1-based, inclusive) from balance bal,
// the previous due date (or disbursement) being from.
func (g *gen) rows(bal lendkit.Money, first, last int, from lendkit.Date, o rowOpts) ([]Row, error) {
	t := g.t
	rules := t.Rules
	zero := lendkit.Zero(g.cur)
	rows := make([]Row, 0, last-first+1)
	ioEnd := t.Grace // last row that is grace or interest-only
	if t.Method == InterestOnly {
		ioEnd += t.InterestOnlyPeriods
	}
	var (
		payment    lendkit.Money // level payment of the amortising phase
		havePay    bool
		part       lendkit.Money // linear / flat principal part
		flatBase   lendkit.Money // principal flat interest is charged on
		insInitial lendkit.Money
	)
	if t.Insurance.Basis == InsuranceOnInitial {
		var err error
		if insInitial, err = g.ins.apply(t.Principal, rules.Insurance); err != nil {
			return nil, err
		}
	}
	if o.payment != nil {
		payment, havePay = *o.payment, true
	}
	if o.part != nil {
		part, flatBase = *o.part, bal
	}
	prev := from
	for k := first; k <= last; k++ {
		due := t.due(k)
		rate := g.rowRate(k, prev, due)
		interest, err := rate.apply(bal, rules.Interest)
		if err != nil {
			return nil, fmt.Errorf("amortization: row %d interest: %w", k, err)
		}
		if k == first && o.firstInterest != nil {
			interest = *o.firstInterest
		}
		row := Row{N: k, Due: due, Interest: interest, Principal: zero, Fee: g.fee, Insurance: zero}
		switch t.Insurance.Basis {
		case InsuranceOnOutstanding:
			if row.Insurance, err = g.ins.apply(bal, rules.Insurance); err != nil {
				return nil, err
			}
		default:
			row.Insurance = insInitial
		}
		isLast := k == last
		switch {
		case k <= t.Grace && t.GraceKind == GraceTotal:
			// Nothing is paid; the interest joins the principal.
			if row.Principal, err = interest.Neg(); err != nil {
				return nil, err
			}
			row.Fee, row.Insurance = zero, zero
		case k <= ioEnd:
			// Partial grace or interest-only: principal deferred.
		case t.Method == Bullet:
			if isLast {
				row.Principal = bal
			}
		case t.Method == Linear || t.Method == Flat:
			if part.Currency().IsZero() {
				// The phase starts here: split what is outstanding.
				if part, err = linearPart(bal, last-k+1, rules.Principal); err != nil {
					return nil, err
				}
				flatBase = bal
			}
			row.Principal = part
			if isLast || part.Minor() > bal.Minor() {
				row.Principal = bal
			}
			if t.Method == Flat {
				if row.Interest, err = rate.apply(flatBase, rules.Interest); err != nil {
					return nil, err
				}
			}
		default: // Annuity, InterestOnly's amortising phase
			if !havePay {
				balloon := zero
				if t.Method == InterestOnly && !t.Balloon.IsZero() {
					balloon = t.Balloon
				}
				if t.DayCount == Periodic {
					payment, err = levelPayment(bal, balloon, g.periodic, last-k+1, rules)
				} else {
					// Each period has its own rate: level the payment over
					// them, so that it repays the loan as the day count runs.
					rates := make([]ratio, 0, last-k+1)
					p := prev
					for j := k; j <= last; j++ {
						d := t.due(j)
						rates = append(rates, g.rowRate(j, p, d))
						p = d
					}
					payment, err = levelPaymentVarying(bal, balloon, rates, rules)
				}
				if err != nil {
					return nil, err
				}
				havePay = true
			}
			amortised := interest
			if k == 1 && !t.FirstDue.IsZero() && t.DayCount == Periodic {
				// Odd first period: repay what a regular period would.
				if amortised, err = g.periodic.apply(bal, rules.Interest); err != nil {
					return nil, err
				}
			}
			if row.Principal, err = payment.Sub(amortised); err != nil {
				return nil, err
			}
			if isLast || row.Principal.Minor() >= bal.Minor() {
				row.Principal = bal
			}
		}
		if row.Payment, err = lendkit.Sum(g.cur, row.Principal, row.Interest, row.Fee, row.Insurance); err != nil {
			return nil, fmt.Errorf("amortization: row %d payment: %w", k, err)
		}
		if bal, err = bal.Sub(row.Principal); err != nil {
			return nil, fmt.Errorf("amortization: row %d balance: %w", k, err)
		}
		row.Balance = bal
		rows = append(rows, row)
		prev = due
		if bal.IsZero() && k > ioEnd {
			break // rounding repaid the principal early
		}
	}
	return rows, nil
}

// linearPart returns bal / n rounded with mode.
func linearPart(bal lendkit.Money, n int, mode lendkit.Rounding) (lendkit.Money, error) {
	v, err := divRound(bal.Minor(), int64(n), mode)
	if err != nil {
		return lendkit.Money{}, err
	}
	return lendkit.New(v, bal.Currency()), nil
}
