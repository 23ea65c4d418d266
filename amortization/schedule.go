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
	// Capitalisations are the arrears Reschedule added to the principal.
	// The rows' principal plus the prepayments always sum to the principal
	// lent plus the capitalisations.
	Capitalisations []Capitalisation
}

// Currency returns the schedule's currency.
func (s *Schedule) Currency() lendkit.Currency { return s.Terms.Principal.Currency() }

// Totals are the column sums of a schedule.
type Totals struct {
	Payment, Interest, Principal, Fee, Insurance lendkit.Money
}

// Totals sums the rows' columns. Prepayments are not rows: Principal plus
// the prepaid amounts is the principal lent plus the capitalisations.
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
//
// The loop works on int64 minor units with checked arithmetic and writes
// each Row once, in place: a 360-row schedule is mostly memory traffic.
func (g *gen) rows(bal lendkit.Money, first, last int, from lendkit.Date, o rowOpts) ([]Row, error) {
	t := g.t
	rules := t.Rules
	cur := g.cur
	rows := make([]Row, 0, last-first+1)
	ioEnd := t.Grace // last row that is grace or interest-only
	if t.Method == InterestOnly {
		ioEnd += t.InterestOnlyPeriods
	}
	var (
		payment    int64 // level payment of the amortising phase
		havePay    bool
		part       int64 // linear / flat principal part
		havePart   bool
		flatBase   int64 // principal flat interest is charged on
		insInitial int64
		err        error
	)
	if t.Insurance.Basis == InsuranceOnInitial && !g.ins.isZero() {
		if insInitial, err = mulRound(t.Principal.Minor(), g.ins, rules.Insurance); err != nil {
			return nil, fmt.Errorf("amortization: insurance: %w", err)
		}
	}
	if o.payment != nil {
		payment, havePay = o.payment.Minor(), true
	}
	if o.part != nil {
		part, havePart, flatBase = o.part.Minor(), true, bal.Minor()
	}
	b := bal.Minor()
	fee := g.fee.Minor()
	prev := from
	for k := first; k <= last; k++ {
		due := t.due(k)
		rate := g.rowRate(k, prev, due)
		interest, err := mulRound(b, rate, rules.Interest)
		if err != nil {
			return nil, fmt.Errorf("amortization: row %d interest: %w", k, err)
		}
		if k == first && o.firstInterest != nil {
			interest = o.firstInterest.Minor()
		}
		var principal int64
		rowFee, ins := fee, insInitial
		if t.Insurance.Basis == InsuranceOnOutstanding && !g.ins.isZero() {
			if ins, err = mulRound(b, g.ins, rules.Insurance); err != nil {
				return nil, fmt.Errorf("amortization: row %d insurance: %w", k, err)
			}
		}
		isLast := k == last
		switch {
		case k <= t.Grace && t.GraceKind == GraceTotal:
			// Nothing is paid; the interest joins the principal.
			principal, rowFee, ins = -interest, 0, 0
		case k <= ioEnd:
			// Partial grace or interest-only: principal deferred.
		case t.Method == Bullet:
			if isLast {
				principal = b
			}
		case t.Method == Linear || t.Method == Flat:
			if !havePart {
				// The phase starts here: split what is outstanding.
				if part, err = divRound(b, int64(last-k+1), rules.Principal); err != nil {
					return nil, err
				}
				havePart, flatBase = true, b
			}
			principal = part
			if isLast || part > b {
				principal = b
			}
			if t.Method == Flat {
				if interest, err = mulRound(flatBase, rate, rules.Interest); err != nil {
					return nil, fmt.Errorf("amortization: row %d interest: %w", k, err)
				}
			}
		default: // Annuity, InterestOnly's amortising phase
			if !havePay {
				p, err := g.levelPayment(lendkit.New(b, cur), k, last, prev)
				if err != nil {
					return nil, err
				}
				payment, havePay = p.Minor(), true
			}
			amortised := interest
			if k == 1 && !t.FirstDue.IsZero() && t.DayCount == Periodic {
				// Odd first period: repay what a regular period would.
				if amortised, err = mulRound(b, g.periodic, rules.Interest); err != nil {
					return nil, err
				}
			}
			var ok bool
			if principal, ok = sub64(payment, amortised); !ok {
				return nil, fmt.Errorf("amortization: row %d principal: %w", k, lendkit.ErrOverflow)
			}
			if isLast || principal >= b {
				principal = b
			}
		}
		pay, ok1 := add64(principal, interest)
		pay, ok2 := add64(pay, rowFee)
		pay, ok3 := add64(pay, ins)
		nb, ok4 := sub64(b, principal)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, fmt.Errorf("amortization: row %d: %w", k, lendkit.ErrOverflow)
		}
		b = nb
		rows = append(rows, Row{
			N: k, Due: due,
			Payment:   lendkit.New(pay, cur),
			Interest:  lendkit.New(interest, cur),
			Principal: lendkit.New(principal, cur),
			Fee:       lendkit.New(rowFee, cur),
			Insurance: lendkit.New(ins, cur),
			Balance:   lendkit.New(b, cur),
		})
		prev = due
		if b == 0 && k > ioEnd {
			break // rounding repaid the principal early
		}
	}
	return rows, nil
}

// levelPayment returns the level payment of the amortising phase that
// starts at row k with balance bal, the previous due date being prev.
func (g *gen) levelPayment(bal lendkit.Money, k, last int, prev lendkit.Date) (lendkit.Money, error) {
	t := g.t
	balloon := lendkit.Zero(g.cur)
	if t.Method == InterestOnly && !t.Balloon.IsZero() {
		balloon = t.Balloon
	}
	if t.DayCount == Periodic {
		return levelPayment(bal, balloon, g.periodic, last-k+1, t.Rules)
	}
	// Each period has its own rate: level the payment over them, so that
	// it repays the loan as the day count runs.
	rates := make([]ratio, 0, last-k+1)
	p := prev
	for j := k; j <= last; j++ {
		d := t.due(j)
		rates = append(rates, g.rowRate(j, p, d))
		p = d
	}
	return levelPaymentVarying(bal, balloon, rates, t.Rules)
}

// add64 returns a + b and whether it did not overflow.
func add64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a >= 0) != (b >= 0) || (s >= 0) == (a >= 0)
}

// sub64 returns a − b and whether it did not overflow.
func sub64(a, b int64) (int64, bool) {
	d := a - b
	return d, (a >= 0) == (b >= 0) || (d >= 0) == (a >= 0)
}
