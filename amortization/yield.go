package amortization

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/internal/decmath"
	"github.com/shopspring/decimal"
)

// CashFlow is an amount paid or received on a date, from one party's side:
// positive is money received, negative money paid out. A lender's loan is a
// negative flow at disbursement followed by positive repayments.
type CashFlow struct {
	Date   lendkit.Date
	Amount lendkit.Money
}

// TimeBasis is how the time between two dates becomes years in an APR.
type TimeBasis uint8

const (
	// EqualPeriods is the directive's "a year is 12 equal months" (52 weeks
	// for weekly and biweekly schedules): whole months (weeks) counted back
	// from each flow's date towards the first flow, and any days left over
	// divided by the days (365 or 366) of the year ending on the last of
	// them (2008/48/EC Annex I, part I, remark (d)).
	EqualPeriods TimeBasis = iota
	// ActualDays is the days since the first flow / 365.
	ActualDays
)

// ParseTimeBasis returns EqualPeriods for "months" (or "weeks", "periods")
// and ActualDays for "days".
func ParseTimeBasis(s string) (TimeBasis, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "months", "weeks", "periods", "":
		return EqualPeriods, nil
	case "days":
		return ActualDays, nil
	}
	return 0, fmt.Errorf("%w: unknown APR basis %q (want months or days)", ErrInvalidArgument, s)
}

// CashFlows returns the schedule's flows from the lender's side: the
// principal less the upfront fee paid out at Start, every instalment and
// prepayment received. Zero flows (total-grace rows) are left out.
func (s *Schedule) CashFlows() ([]CashFlow, error) {
	t := &s.Terms
	out, err := t.Principal.Neg()
	if err != nil {
		return nil, err
	}
	if !t.UpfrontFee.IsZero() {
		if out, err = out.Add(t.UpfrontFee); err != nil {
			return nil, err
		}
	}
	flows := make([]CashFlow, 0, len(s.Rows)+len(s.Prepayments)+1)
	flows = append(flows, CashFlow{Date: t.Start, Amount: out})
	for _, p := range s.Prepayments {
		flows = append(flows, CashFlow{Date: p.Date, Amount: p.Amount})
	}
	for _, r := range s.Rows {
		if !r.Payment.IsZero() {
			flows = append(flows, CashFlow{Date: r.Due, Amount: r.Payment})
		}
	}
	slices.SortStableFunc(flows, func(a, b CashFlow) int { return a.Date.Compare(b.Date) })
	return flows, nil
}

// APR returns the annual percentage rate of charge of the schedule as a
// fraction (0.0512 for 5.12 %), by the EU Consumer Credit Directive formula
// (2008/48/EC Annex I): the rate X at which the present value of everything
// the borrower pays — instalments with their fees and insurance, and the
// upfront fee, kept back at disbursement — equals the credit drawn down,
// discounting each flow by (1+X)^−t with t in years by basis. It is solved
// with apd to 34 significant digits; show it with FormatPercent.
func (s *Schedule) APR(basis TimeBasis) (decimal.Decimal, error) {
	flows, err := s.CashFlows()
	if err != nil {
		return decimal.Decimal{}, err
	}
	unit := 12
	if s.Terms.Frequency == Weekly || s.Terms.Frequency == Biweekly {
		unit = 52
	}
	return AnnualRate(flows, basis, unit)
}

// AnnualRate returns the annual rate X with Σ amount·(1+X)^−t = 0 over
// flows, t being the years from the earliest flow by basis; unit is 12
// (months) or 52 (weeks) for EqualPeriods and ignored for ActualDays. It is
// the APR of any dated flows. The flows must be in one currency, and contain
// both a positive and a negative amount; ErrNoSolution otherwise.
func AnnualRate(flows []CashFlow, basis TimeBasis, unit int) (decimal.Decimal, error) {
	if basis == EqualPeriods && unit != 12 && unit != 52 {
		return decimal.Decimal{}, fmt.Errorf("%w: equal-period unit %d (want 12 or 52)", ErrInvalidArgument, unit)
	}
	if basis > ActualDays {
		return decimal.Decimal{}, fmt.Errorf("%w: unknown time basis %d", ErrInvalidArgument, basis)
	}
	first, err := checkFlows(flows)
	if err != nil {
		return decimal.Decimal{}, err
	}
	amounts := make([]int64, len(flows))
	nums := make([]int64, len(flows))
	dens := make([]int64, len(flows))
	for i, f := range flows {
		amounts[i] = f.Amount.Minor()
		if basis == ActualDays {
			nums[i], dens[i] = int64(lendkit.DaysBetween(first, f.Date)), 365
		} else {
			nums[i], dens[i] = equalPeriodYears(first, f.Date, unit)
		}
	}
	return solveAnnual(amounts, nums, dens)
}

// XIRR returns the annual rate with Σ amount·(1+X)^−(days/365) = 0, days
// counted from the earliest flow: Excel's and LibreOffice's XIRR. Flows may
// come in any order. Dispatch uses it for lender portfolios: pass every
// contribution (negative) and every receipt (positive), and the valuation of
// what is still outstanding as a positive flow on the valuation date.
func XIRR(flows []CashFlow) (decimal.Decimal, error) {
	return AnnualRate(flows, ActualDays, 0)
}

// IRR returns the periodic rate r with Σ amounts[k]·(1+r)^−k = 0 (Excel's
// and LibreOffice's IRR): one flow per period, the first at time 0.
func IRR(amounts []lendkit.Money) (decimal.Decimal, error) {
	if len(amounts) < 2 {
		return decimal.Decimal{}, fmt.Errorf("%w: %d flows, need at least 2", ErrNoSolution, len(amounts))
	}
	minor := make([]int64, len(amounts))
	nums := make([]int64, len(amounts))
	dens := make([]int64, len(amounts))
	pos, neg := false, false
	for i, a := range amounts {
		if a.Currency() != amounts[0].Currency() {
			return decimal.Decimal{}, fmt.Errorf("amortization: IRR flow %d: %w", i, lendkit.ErrCurrencyMismatch)
		}
		minor[i], nums[i], dens[i] = a.Minor(), int64(i), 1
		pos, neg = pos || a.IsPositive(), neg || a.IsNegative()
	}
	if !pos || !neg {
		return decimal.Decimal{}, fmt.Errorf("%w: flows need both a positive and a negative amount", ErrNoSolution)
	}
	return solveAnnual(minor, nums, dens)
}

// checkFlows validates flows and returns the earliest date.
func checkFlows(flows []CashFlow) (lendkit.Date, error) {
	if len(flows) < 2 {
		return lendkit.Date{}, fmt.Errorf("%w: %d flows, need at least 2", ErrNoSolution, len(flows))
	}
	first := flows[0].Date
	pos, neg := false, false
	for i, f := range flows {
		if f.Date.IsZero() {
			return lendkit.Date{}, fmt.Errorf("%w: flow %d has no date", ErrInvalidArgument, i)
		}
		if f.Amount.Currency() != flows[0].Amount.Currency() {
			return lendkit.Date{}, fmt.Errorf("amortization: flow %d: %w", i, lendkit.ErrCurrencyMismatch)
		}
		if f.Date.Before(first) {
			first = f.Date
		}
		pos, neg = pos || f.Amount.IsPositive(), neg || f.Amount.IsNegative()
	}
	if !pos || !neg {
		return lendkit.Date{}, fmt.Errorf("%w: flows need both a positive and a negative amount", ErrNoSolution)
	}
	return first, nil
}

// equalPeriodYears returns the time from start to d in years as num/den by
// the directive's equal-period rule: whole months (unit 12) or weeks (unit
// 52), then the days left over at the start of the interval, divided by the
// days of the year ending on the last of those days.
func equalPeriodYears(start, d lendkit.Date, unit int) (int64, int64) {
	var whole int
	var back lendkit.Date // d moved back by the whole periods
	if unit == 52 {
		days := lendkit.DaysBetween(start, d)
		whole = days / 7
		back = d.AddDays(-7 * whole)
	} else {
		whole = 12*(d.Year()-start.Year()) + int(d.Month()) - int(start.Month())
		if d.Day() < start.Day() && d != d.EndOfMonth() {
			whole-- // the last month is not complete
		}
		if d == d.EndOfMonth() && d.Day() < start.Day() {
			// d is start + whole months clipped to a month end (31 Jan →
			// 28 Feb): an exact number of months, no days left over.
			return int64(whole), 12
		}
		back = d.AddMonths(-whole)
		for whole > 0 && back.Before(start) {
			whole--
			back = d.AddMonths(-whole)
		}
	}
	extra := int64(lendkit.DaysBetween(start, back))
	if extra == 0 {
		return int64(whole), int64(unit)
	}
	year := int64(lendkit.DaysBetween(back.AddYears(-1), back))
	return int64(whole)*year + extra*int64(unit), int64(unit) * year
}

// solveAnnual solves Σ amounts[i]·(1+X)^−(nums[i]/dens[i]) = 0 for X.
//
// With L the least common multiple of the denominators, every exponent is
// e_i/L for an integer e_i, so in v = (1+X)^(−1/L) the equation is the
// polynomial Σ a_i·v^e_i = 0: only integer powers, no logarithms. v is found
// with decmath.Solve — first at 24 digits to 10^−20, then polished at 40
// digits in a bracket of ±10^−18 — and X = v^−L − 1, rounded to 34 digits.
func solveAnnual(amounts, nums, dens []int64) (decimal.Decimal, error) {
	L := int64(1)
	for _, d := range dens {
		L = lcm(L, d)
	}
	exps := make([]int64, len(nums))
	order := make([]int, len(nums))
	for i := range nums {
		exps[i] = nums[i] * (L / dens[i])
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmpInt64(exps[a], exps[b]) })
	sa := make([]int64, len(order))
	se := make([]int64, len(order))
	for j, i := range order {
		sa[j], se[j] = amounts[i], exps[i]
	}
	lo, hi := bracket(L)
	coarse := decmath.NewContext(24)
	f := polynomial(coarse, sa, se)
	guess := new(apd.Decimal)
	// Start near 10 % a year: v ≈ 1 − ln(1.1)/L.
	if _, err := coarse.Quo(guess, apd.New(-953, -4), apd.New(L, 0)); err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := coarse.Add(guess, guess, apd.New(1, 0)); err != nil {
		return decimal.Decimal{}, err
	}
	v, err := decmath.Solve(coarse, f, lo, hi, guess, apd.New(1, -20), 200)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %w", ErrNoSolution, err)
	}
	fine := decmath.NewContext(40)
	var plo, phi apd.Decimal
	if _, err := fine.Sub(&plo, v, apd.New(1, -18)); err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := fine.Add(&phi, v, apd.New(1, -18)); err != nil {
		return decimal.Decimal{}, err
	}
	vf, err := decmath.Solve(fine, polynomial(fine, sa, se), &plo, &phi, v, apd.New(1, -37), 60)
	if err != nil {
		// The coarse root was not within 10^−18 (a very flat function):
		// solve again at full precision over the whole bracket.
		if vf, err = decmath.Solve(fine, polynomial(fine, sa, se), lo, hi, v, apd.New(1, -37), 400); err != nil {
			return decimal.Decimal{}, fmt.Errorf("%w: %w", ErrNoSolution, err)
		}
	}
	// X = v^−L − 1.
	x, err := decmath.Pow(fine, vf, apd.New(-L, 0))
	if err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := fine.Sub(x, x, apd.New(1, 0)); err != nil {
		return decimal.Decimal{}, err
	}
	out := decmath.NewContext(decmath.Precision)
	if _, err := out.Round(x, x); err != nil {
		return decimal.Decimal{}, err
	}
	return decmath.ToDecimal(x)
}

// bracket returns the search interval for v = (1+X)^(−1/L): X from about
// −98 % to at least 10^6 % a year. It uses e^−y ≥ 1 − y and e^y ≥ 1 + y so
// that no logarithm is needed.
func bracket(L int64) (lo, hi *apd.Decimal) {
	switch {
	case L == 1:
		return apd.New(1, -6), apd.New(100, 0)
	case L < 28:
		// 0.3^−12 − 1 ≈ 1.9·10^6: the linear bound 1 − 14/L is unusable here.
		return apd.New(3, -1), hiFor(L)
	}
	return loFor(L), hiFor(L)
}

func loFor(L int64) *apd.Decimal {
	ctx := decmath.NewContext(30)
	var d apd.Decimal
	_, _ = ctx.Quo(&d, apd.New(14, 0), apd.New(L, 0))
	_, _ = ctx.Sub(&d, apd.New(1, 0), &d)
	return &d
}

func hiFor(L int64) *apd.Decimal {
	ctx := decmath.NewContext(30)
	var d apd.Decimal
	_, _ = ctx.Quo(&d, apd.New(46, -1), apd.New(L, 0))
	_, _ = ctx.Add(&d, apd.New(1, 0), &d)
	return &d
}

// polynomial returns f(v) = Σ a_i·v^e_i and f'(v) = Σ a_i·e_i·v^(e_i−1) for
// exponents sorted ascending. Powers are built incrementally from the gaps
// between exponents, each gap's power computed once per evaluation.
func polynomial(ctx *apd.Context, a, e []int64) decmath.Func {
	coef := make([]apd.Decimal, len(a))
	for i := range a {
		coef[i].SetInt64(a[i])
	}
	return func(v, fx, dfx *apd.Decimal) error {
		var p, term, gp, et, ei apd.Decimal
		p.SetInt64(1)
		fx.SetInt64(0)
		dfx.SetInt64(0)
		prev := int64(0)
		lastGap := int64(-1)
		for i := range a {
			if gap := e[i] - prev; gap > 0 {
				if gap != lastGap {
					if gap == 1 {
						gp.Set(v)
					} else if _, err := ctx.Pow(&gp, v, apd.New(gap, 0)); err != nil {
						return err
					}
					lastGap = gap
				}
				if _, err := ctx.Mul(&p, &p, &gp); err != nil {
					return err
				}
				prev = e[i]
			}
			if _, err := ctx.Mul(&term, &coef[i], &p); err != nil {
				return err
			}
			if _, err := ctx.Add(fx, fx, &term); err != nil {
				return err
			}
			if e[i] != 0 {
				if _, err := ctx.Mul(&et, &term, ei.SetInt64(e[i])); err != nil {
					return err
				}
				if _, err := ctx.Add(dfx, dfx, &et); err != nil {
					return err
				}
			}
		}
		_, err := ctx.Quo(dfx, dfx, v)
		return err
	}
}

func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FormatPercent returns rate (a fraction) in percent rounded half-up to
// places decimals, with exactly that many decimals: FormatPercent(0.051162, 2)
// is "5.12". It is how an APR is shown to a borrower.
func FormatPercent(rate decimal.Decimal, places int32) string {
	return lendkit.HalfUp.Round(rate.Shift(2), places).StringFixed(places)
}
