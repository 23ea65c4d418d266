package amortization

import (
	"fmt"
	"slices"
	"strconv"
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
	// Rows and prepayments usually arrive in date order already: checking
	// is linear, a stable sort of sorted input would change nothing.
	byDate := func(a, b CashFlow) int { return a.Date.Compare(b.Date) }
	if !slices.IsSortedFunc(flows, byDate) {
		slices.SortStableFunc(flows, byDate)
	}
	return flows, nil
}

// APR returns the annual percentage rate of charge of the schedule as a
// fraction (0.0512 for 5.12 %), by the EU Consumer Credit Directive formula
// (2008/48/EC Annex I): the rate X at which the present value of everything
// the borrower pays — instalments with their fees and insurance, and the
// upfront fee, kept back at disbursement — equals the credit drawn down,
// discounting each flow by (1+X)^−t with t in years by basis. It is solved
// to 34 significant digits (see solveAnnual); show it with FormatPercent.
func (s *Schedule) APR(basis TimeBasis) (decimal.Decimal, error) {
	flows, err := s.CashFlows()
	if err != nil {
		return decimal.Decimal{}, err
	}
	unit := 12
	if s.Terms.Frequency == Weekly || s.Terms.Frequency == Biweekly {
		unit = 52
	}
	// The nominal rate is close to the APR: Newton starts there.
	return annualRate(flows, basis, unit, s.Terms.Rate.Decimal())
}

// AnnualRate returns the annual rate X with Σ amount·(1+X)^−t = 0 over
// flows, t being the years from the earliest flow by basis; unit is 12
// (months) or 52 (weeks) for EqualPeriods and ignored for ActualDays. It is
// the APR of any dated flows. The flows must be in one currency, and contain
// both a positive and a negative amount; ErrNoSolution otherwise.
func AnnualRate(flows []CashFlow, basis TimeBasis, unit int) (decimal.Decimal, error) {
	return annualRate(flows, basis, unit, decimal.New(1, -1))
}

// annualRate is AnnualRate with the first guess of the search.
func annualRate(flows []CashFlow, basis TimeBasis, unit int, guess decimal.Decimal) (decimal.Decimal, error) {
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
	return solveAnnual(amounts, nums, dens, guess)
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
	return solveAnnual(minor, nums, dens, decimal.New(1, -1))
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
	if back == start { // the usual case: a due date on the start's day
		return int64(whole), int64(unit)
	}
	extra := int64(lendkit.DaysBetween(start, back))
	if extra == 0 {
		return int64(whole), int64(unit)
	}
	year := int64(lendkit.DaysBetween(back.AddYears(-1), back))
	return int64(whole)*year + extra*int64(unit), int64(unit) * year
}

// solveAnnual solves Σ amounts[i]·(1+X)^−(nums[i]/dens[i]) = 0 for X,
// starting from guess (an annual rate).
//
// With L the least common multiple of the denominators, every exponent is
// e_i/L for an integer e_i, so in v = (1+X)^(−1/L) the equation is the
// polynomial Σ a_i·v^e_i = 0: only integer powers, no logarithms, and runs
// of equal flows summed in closed form (see poly). v is found at 16
// digits (cheap: apd keeps such numbers inline) to 10^−13 by Newton from the
// guess, or, should that fail, by decmath.Solve in the bracket; then
// polished at 48 digits (see polish: two steps suffice from there); and
// X = v^−L − 1 is rounded to 34 significant digits.
//
// The work is done by solveAnnualFast (fastsolve.go), which runs the same
// iteration in binary arithmetic about 20 times faster; when it cannot vouch
// for its result, solveAnnualAPD does it all in apd as described here.
func solveAnnual(amounts, nums, dens []int64, guess decimal.Decimal) (decimal.Decimal, error) {
	pl, L, eMax := yieldPoly(amounts, nums, dens)
	if x, ok := solveAnnualFast(pl, L, eMax, guess); ok {
		return x, nil
	}
	return solveAnnualAPD(pl, L, eMax, guess)
}

// yieldPoly returns the polynomial of solveAnnual in v = (1+X)^(−1/L),
// L and the largest exponent (at least 1).
func yieldPoly(amounts, nums, dens []int64) (pl *poly, L, eMax int64) {
	L = 1
	for _, d := range dens {
		L = lcm(L, d)
	}
	exps := make([]int64, len(nums))
	for i := range nums {
		exps[i] = nums[i] * (L / dens[i])
	}
	// Flows in date order give sorted exponents; otherwise sort them
	// (stably: equal exponents keep their order).
	sa, se := amounts, exps
	if !slices.IsSorted(exps) {
		order := make([]int, len(nums))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmpInt64(exps[a], exps[b]) })
		sa = make([]int64, len(order))
		se = make([]int64, len(order))
		for j, i := range order {
			sa[j], se[j] = amounts[i], exps[i]
		}
	}
	return newPoly(runsOf(sa, se)), L, max(se[len(se)-1], 1)
}

// solveAnnualAPD is solveAnnual entirely in apd, safeguarded by a bracket.
func solveAnnualAPD(pl *poly, L, eMax int64, guess decimal.Decimal) (decimal.Decimal, error) {
	lo, hi := bracket(L)
	coarse := decmath.NewContext(16)
	// v0 ≈ (1+g)^(−1/L) ≈ 1 − (g − g²/2)/L, near enough for Newton.
	g := decmath.FromDecimal(guess)
	var v0, t apd.Decimal
	if _, err := coarse.Mul(&t, g, g); err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := coarse.Quo(&t, &t, apd.New(2, 0)); err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := coarse.Sub(&t, g, &t); err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := coarse.Quo(&t, &t, apd.New(L, 0)); err != nil {
		return decimal.Decimal{}, err
	}
	if _, err := coarse.Sub(&v0, apd.New(1, 0), &t); err != nil {
		return decimal.Decimal{}, err
	}
	fc := pl.fn(coarse)
	// Newton from the guess first: a loan's flows change sign once, so the
	// root in v > 0 is unique and Newton from a nearby guess finds it without
	// the two evaluations a bracket costs. If it fails or leaves the
	// bracket, the safeguarded search takes over.
	v, err := decmath.Newton(coarse, fc, &v0, apd.New(1, -13), 30)
	if err != nil || v.Cmp(lo) <= 0 || v.Cmp(hi) >= 0 {
		if v, err = decmath.Solve(coarse, fc, lo, hi, &v0, apd.New(1, -13), 200); err != nil {
			return decimal.Decimal{}, fmt.Errorf("%w: %w", ErrNoSolution, err)
		}
	}
	fine := decmath.NewContext(48)
	f := pl.fn(fine)
	// Newton's error after a step s is about s²·|f''/2f'|, and |f''/f'| is
	// at most the largest exponent: once s ≤ 10^−22/eMax the next iterate
	// is within 10^−44, beyond what X = v^−L − 1 needs for 34 digits.
	tol := apd.New(1, -22-int32(len(strconv.FormatInt(eMax, 10))))
	vf, err := polish(fine, coarse, pl, v, tol)
	var dist apd.Decimal
	if err == nil {
		_, err = fine.Sub(&dist, vf, v)
	}
	if err != nil || dist.Abs(&dist).Cmp(apd.New(1, -10)) > 0 {
		// Newton wandered off (a very flat function near the root): solve
		// again at full precision, safeguarded, over the whole bracket.
		if vf, err = decmath.Solve(fine, f, lo, hi, v, tol, 400); err != nil {
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

// polish refines v, a root of pl to about 10^−13, by Newton steps whose
// f is evaluated in fine and whose f' in coarse: the derivative only sets
// the speed of convergence, and with a relative error δ ≈ 10^−16 each step
// still multiplies the error by about δ. It stops after the step that is at
// most tol, within 8 steps, else ErrNoConvergence.
func polish(fine, coarse *apd.Context, pl *poly, v, tol *apd.Decimal) (*apd.Decimal, error) {
	var x, fx, dfx, scratch, t apd.Decimal
	x.Set(v)
	for range 8 {
		if err := pl.eval(fine, &x, &fx, nil); err != nil {
			return nil, err
		}
		if fx.IsZero() {
			return &x, nil
		}
		if err := pl.eval(coarse, &x, &scratch, &dfx); err != nil {
			return nil, err
		}
		if dfx.IsZero() {
			return nil, fmt.Errorf("%w: zero derivative", decmath.ErrNoConvergence)
		}
		if _, err := fine.Quo(&t, &fx, &dfx); err != nil {
			return nil, err
		}
		if _, err := fine.Sub(&x, &x, &t); err != nil {
			return nil, err
		}
		if t.Abs(&t).Cmp(tol) <= 0 {
			return &x, nil
		}
	}
	return nil, fmt.Errorf("%w: 8 polishing steps", decmath.ErrNoConvergence)
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
