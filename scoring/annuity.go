package scoring

import (
	"fmt"
	"sync"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// annuityPrecision is the number of significant digits the annuity arithmetic
// keeps. (1+i)^n for n ≤ 1200 months is computed by repeated squaring, so 50
// digits leave more than 40 correct ones after the last division: far beyond
// the minor unit of any amount that fits in int64 (19 digits).
const annuityPrecision = 50

// maxTermMonths bounds the terms the annuity arithmetic accepts (100 years):
// every loop and power in this package has a bound.
const maxTermMonths = 1200

// annuityContext returns a fresh apd context: contexts are cheap and keeping
// one per call makes the functions safe for concurrent use.
func annuityContext() *apd.Context { return apd.BaseContext.WithPrecision(annuityPrecision) }

// apdFrom converts an exact shopspring decimal to apd without loss.
func apdFrom(d decimal.Decimal) (*apd.Decimal, error) {
	a, _, err := apd.NewFromString(d.String())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrArithmetic, d, err)
	}
	return a, nil
}

// apdMoney returns m's exact amount in major units as apd: minor × 10^-exp.
func apdMoney(m lendkit.Money) *apd.Decimal {
	return apd.New(m.Minor(), -int32(m.Currency().Exponent()))
}

// moneyFromAPD rounds a to the minor unit of c with mode (lendkit.HalfUp or
// lendkit.Down, the two the annuity needs) and returns it as Money.
func moneyFromAPD(a *apd.Decimal, c lendkit.Currency, mode lendkit.Rounding) (lendkit.Money, error) {
	ctx := annuityContext()
	switch mode {
	case lendkit.HalfUp:
		ctx.Rounding = apd.RoundHalfUp // ties away from zero, as lendkit.HalfUp
	case lendkit.Down:
		ctx.Rounding = apd.RoundDown // toward zero, as lendkit.Down
	default:
		return lendkit.Money{}, fmt.Errorf("%w: rounding %s not supported here", ErrArithmetic, mode)
	}
	q := new(apd.Decimal)
	if _, err := ctx.Quantize(q, a, -int32(c.Exponent())); err != nil {
		return lendkit.Money{}, fmt.Errorf("%w: %s: %v", ErrArithmetic, a.Text('f'), err)
	}
	q.Exponent += int32(c.Exponent()) // now an integer count of minor units
	minor, err := q.Int64()
	if err != nil {
		return lendkit.Money{}, fmt.Errorf("%w: %s %s", lendkit.ErrOverflow, a.Text('f'), c.Code())
	}
	return lendkit.New(minor, c), nil
}

type apdOps struct {
	ctx *apd.Context
	err error
}

func (o *apdOps) check(_ apd.Condition, err error) {
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("%w: %v", ErrArithmetic, err)
	}
}

// annuityFactor returns Σ_{k=1..n} (1+i)^-k = (1 − (1+i)^-n) / i, the present
// value of 1 paid at the end of each of n periods at periodic rate i (n when i
// is zero).
func (o *apdOps) annuityFactor(i *apd.Decimal, n int) *apd.Decimal {
	f := new(apd.Decimal)
	if i.IsZero() {
		f.SetInt64(int64(n))
		return f
	}
	one := apd.New(1, 0)
	base, pow := new(apd.Decimal), new(apd.Decimal)
	o.check(o.ctx.Add(base, one, i))
	o.check(o.ctx.Pow(pow, base, apd.New(int64(-n), 0)))
	o.check(o.ctx.Sub(f, one, pow))
	o.check(o.ctx.Quo(f, f, i))
	return f
}

// monthlyRate returns the periodic rate of a nominal annual rate paid monthly
// (the proportional rate, annual / 12), as European consumer and mortgage
// loans quote it.
func (o *apdOps) monthlyRate(r lendkit.Rate) *apd.Decimal {
	a, err := apdFrom(r.Decimal())
	if err != nil {
		o.err = err
		return new(apd.Decimal)
	}
	o.check(o.ctx.Quo(a, a, apd.New(12, 0)))
	return a
}

func checkAnnuityTerms(rate lendkit.Rate, termMonths int) error {
	if termMonths < 1 || termMonths > maxTermMonths {
		return inputErr("termMonths", fmt.Sprintf("%d months is outside 1…%d", termMonths, maxTermMonths))
	}
	if rate.Sign() < 0 {
		return inputErr("rate", fmt.Sprintf("negative rate %s", rate))
	}
	return nil
}

// Instalment returns the constant monthly payment (principal and interest) that
// repays principal over termMonths at the nominal annual rate, interest being
// charged monthly at rate/12: principal × i / (1 − (1+i)^-n). The exact value
// is rounded half-up to the minor unit (lendkit.HalfUp), as lenders quote
// instalments. The amortization package owns full schedules; this is the one
// figure affordability needs.
func Instalment(principal lendkit.Money, rate lendkit.Rate, termMonths int) (lendkit.Money, error) {
	f, err := annuityFactor(rate, termMonths)
	if err != nil {
		return lendkit.Money{}, err
	}
	return instalmentWith(f, principal)
}

// annuityFactor returns a(n, i) for a nominal annual rate and a term.
func annuityFactor(rate lendkit.Rate, termMonths int) (*apd.Decimal, error) {
	if err := checkAnnuityTerms(rate, termMonths); err != nil {
		return nil, err
	}
	o := &apdOps{ctx: annuityContext()}
	f := o.annuityFactor(o.monthlyRate(rate), termMonths)
	return f, o.err
}

// instalmentWith is Instalment given the annuity factor f (never modified).
func instalmentWith(f *apd.Decimal, principal lendkit.Money) (lendkit.Money, error) {
	if principal.IsNegative() {
		return lendkit.Money{}, inputErr("principal", "negative amount "+principal.String())
	}
	o := &apdOps{ctx: annuityContext()}
	p := apdMoney(principal)
	o.check(o.ctx.Quo(p, p, f))
	if o.err != nil {
		return lendkit.Money{}, o.err
	}
	return moneyFromAPD(p, principal.Currency(), lendkit.HalfUp)
}

// MaxPrincipal returns the largest principal whose monthly payment — the
// annuity instalment at rate over termMonths plus a borrower insurance premium
// of insuranceRate a year on the initial principal, charged monthly — does not
// exceed payment. It is the annuity present value
//
//	payment / (1/a(n,i) + insuranceRate/12),  a(n,i) = (1 − (1+i)^-n) / i,
//
// computed to 50 significant digits with apd and rounded down to the minor unit
// (lendkit.Down), so that the instalment of the result never exceeds payment.
// A zero or negative payment gives zero.
func MaxPrincipal(payment lendkit.Money, rate lendkit.Rate, termMonths int, insuranceRate decimal.Decimal) (lendkit.Money, error) {
	f, err := annuityFactor(rate, termMonths)
	if err != nil {
		return lendkit.Money{}, err
	}
	return maxPrincipalWith(f, payment, insuranceRate)
}

// maxPrincipalWith is MaxPrincipal given the annuity factor f (never modified).
func maxPrincipalWith(f *apd.Decimal, payment lendkit.Money, insuranceRate decimal.Decimal) (lendkit.Money, error) {
	if insuranceRate.Sign() < 0 {
		return lendkit.Money{}, inputErr("insuranceRate", "negative rate "+insuranceRate.String())
	}
	if !payment.IsPositive() {
		return lendkit.Zero(payment.Currency()), nil
	}
	o := &apdOps{ctx: annuityContext()}
	ins, err := apdFrom(insuranceRate)
	if err != nil {
		return lendkit.Money{}, err
	}
	pay := apdMoney(payment)
	perUnit := new(apd.Decimal) // monthly outgoing per unit of principal
	o.check(o.ctx.Quo(perUnit, apd.New(1, 0), f))
	o.check(o.ctx.Quo(ins, ins, apd.New(12, 0)))
	o.check(o.ctx.Add(perUnit, perUnit, ins))
	o.check(o.ctx.Quo(pay, pay, perUnit))
	if o.err != nil {
		return lendkit.Money{}, o.err
	}
	return moneyFromAPD(pay, payment.Currency(), lendkit.Down)
}

// factorKey identifies an annuity factor: the rate's exact decimal text and
// the term.
type factorKey struct {
	rate string
	term int
}

// factorCache memoises annuity factors. A Decider's rates come from its
// policies' grids and terms are bounded by maxTermMonths, so the cache holds
// at most (rates in the grids) × 1200 entries; callers passing other rates
// are bounded by maxCachedFactors.
type factorCache struct {
	mu sync.RWMutex
	m  map[factorKey]*apd.Decimal
}

// maxCachedFactors bounds the cache; beyond it factors are computed afresh.
const maxCachedFactors = 16384

func (c *factorCache) factor(rate lendkit.Rate, term int) (*apd.Decimal, error) {
	k := factorKey{rate.Decimal().String(), term}
	c.mu.RLock()
	f, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return f, nil
	}
	f, err := annuityFactor(rate, term)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[factorKey]*apd.Decimal{}
	}
	if len(c.m) < maxCachedFactors {
		c.m[k] = f
	}
	c.mu.Unlock()
	return f, nil
}

// MonthlyInsurance returns the borrower insurance premium per month for an
// annual rate on the initial principal, rounded half-up to the minor unit.
func MonthlyInsurance(principal lendkit.Money, insuranceRate decimal.Decimal) (lendkit.Money, error) {
	if insuranceRate.Sign() < 0 {
		return lendkit.Money{}, inputErr("insuranceRate", "negative rate "+insuranceRate.String())
	}
	if principal.IsNegative() {
		return lendkit.Money{}, inputErr("principal", "negative amount "+principal.String())
	}
	// principal × rate is exact; dividing by 12 = 2²·3 either terminates within
	// two more places or ends in a repeating 3 or 6, so truncating the quotient
	// at 30 places (far below any minor unit) never moves the half-up rounding.
	exact := principal.Decimal().Mul(insuranceRate)
	q, _ := exact.QuoRem(decimal.NewFromInt(12), 30)
	return lendkit.FromDecimal(q, principal.Currency(), lendkit.HalfUp)
}
