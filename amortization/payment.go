package amortization

import (
	"fmt"
	"math/big"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/internal/decmath"
	"github.com/shopspring/decimal"
)

// levelPayment returns the level payment that amortises bal down to balloon
// over n periods at periodic rate r:
//
//	(bal − balloon·(1+r)^−n) · r / (1 − (1+r)^−n)     (r > 0)
//	(bal − balloon) / n                               (r = 0)
//
// rounded with rules.Payment to the minor unit, or to a multiple of
// rules.PaymentMultiple minor units.
//
// The formula is evaluated with apd. So that the rounding is that of the exact
// value, the result is accepted only when the value lies far enough from a
// rounding boundary for the evaluation error not to matter; otherwise it is
// evaluated again with twice the digits (Ziv's strategy). With r rational and
// n an integer the exact value is rational and may lie exactly on a boundary
// (a tie), which no finite precision resolves: if 128 digits still cannot
// decide, the value is computed exactly with math/big rationals.
func levelPayment(bal, balloon lendkit.Money, r ratio, n int, rules Rules) (lendkit.Money, error) {
	mult := max(rules.PaymentMultiple, 1)
	if r.isZero() {
		v, err := divRound(bal.Minor()-balloon.Minor(), int64(n)*mult, rules.Payment)
		if err != nil {
			return lendkit.Money{}, err
		}
		return lendkit.New(v*mult, bal.Currency()), nil
	}
	if balloon.IsZero() {
		if units, ok := levelUnitsFast(bal.Minor(), r, n, mult, rules.Payment); ok {
			if v, ok := mulInt64(units, mult); ok {
				return lendkit.New(v, bal.Currency()), nil
			}
		}
	}
	eval := func(prec uint32) (decimal.Decimal, int32, bool, error) {
		return paymentUnits(bal, balloon, r, n, mult, prec)
	}
	exact := func() *big.Rat {
		g := new(big.Rat).Add(big.NewRat(1, 1), r.rat())
		gn := ratPow(g, n)
		// P = (bal·g^n − balloon)·r/(g^n − 1)
		factor := new(big.Rat).Quo(r.rat(), new(big.Rat).Sub(gn, big.NewRat(1, 1)))
		return exactLevel(bal, balloon, gn, factor, mult)
	}
	return roundPayment(bal.Currency(), rules, eval, exact)
}

// levelPaymentVarying is levelPayment when each period has its own rate
// r_k (a day-based schedule: months of 28 to 31 days under ACT/360). The
// payment P that repays bal down to balloon exactly solves
//
//	bal·Π(1+r_k) − balloon = P · Σ_j Π_{k>j}(1+r_k)
//
// which is the annuity formula when every r_k is equal.
func levelPaymentVarying(bal, balloon lendkit.Money, rates []ratio, rules Rules) (lendkit.Money, error) {
	mult := max(rules.PaymentMultiple, 1)
	eval := func(prec uint32) (decimal.Decimal, int32, bool, error) {
		return varyingUnits(bal, balloon, rates, mult, prec)
	}
	exact := func() *big.Rat {
		h, sum := big.NewRat(1, 1), new(big.Rat)
		for j := len(rates) - 1; j >= 0; j-- {
			sum.Add(sum, h)
			h.Mul(h, new(big.Rat).Add(big.NewRat(1, 1), rates[j].rat()))
		}
		return exactLevel(bal, balloon, h, new(big.Rat).Inv(sum), mult)
	}
	return roundPayment(bal.Currency(), rules, eval, exact)
}

// ratPow returns x^n for n ≥ 0 by square-and-multiply.
func ratPow(x *big.Rat, n int) *big.Rat {
	acc, base := big.NewRat(1, 1), new(big.Rat).Set(x)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			acc.Mul(acc, base)
		}
		base.Mul(base, base)
	}
	return acc
}

// exactLevel returns (bal·growth − balloon)·factor / mult exactly: the
// level payment in units of the payment multiple.
func exactLevel(bal, balloon lendkit.Money, growth, factor *big.Rat, mult int64) *big.Rat {
	q := new(big.Rat).Mul(new(big.Rat).SetInt64(bal.Minor()), growth)
	q.Sub(q, new(big.Rat).SetInt64(balloon.Minor()))
	q.Mul(q, factor)
	return q.Quo(q, new(big.Rat).SetInt64(mult))
}

// roundPayment evaluates a payment in units of the payment multiple with
// eval at increasing precision until its rounding with rules.Payment is
// certain, and returns it as Money. eval reports how many digits its
// subtractions cancelled (lost): the error bound grows by as many. If 128
// digits do not decide, exact computes the value as a rational.
func roundPayment(c lendkit.Currency, rules Rules, eval func(prec uint32) (q decimal.Decimal, lost int32, exact bool, err error), exact func() *big.Rat) (lendkit.Money, error) {
	mult := max(rules.PaymentMultiple, 1)
	var last decimal.Decimal
	decided := false
	// 16 digits first (apd multiplies such numbers without allocating),
	// escalating only when the value is too close to a rounding boundary.
	for prec := uint32(16); prec <= 128; prec *= 2 {
		q, lost, exact, err := eval(prec)
		if err != nil {
			return lendkit.Money{}, err
		}
		last = q
		if exact {
			decided = true
			break
		}
		// ε is a generous bound on the evaluation error at this precision:
		// 10^8 units in the last place, times the cancellation's 10^lost.
		e := -int32(prec) + 8 + lost
		if e >= 0 {
			continue // nothing left of the digits: try more of them
		}
		eps := q.Abs().Shift(e).Add(decimal.New(1, e))
		if rules.Payment.Round(q.Sub(eps), 0).Equal(rules.Payment.Round(q.Add(eps), 0)) {
			decided = true
			break
		}
	}
	var units int64
	if decided {
		u := rules.Payment.Round(last, 0)
		if !u.BigInt().IsInt64() {
			return lendkit.Money{}, fmt.Errorf("amortization: level payment: %w", lendkit.ErrOverflow)
		}
		units = u.IntPart()
	} else {
		var err error
		if units, err = roundRat(exact(), rules.Payment); err != nil {
			return lendkit.Money{}, fmt.Errorf("amortization: level payment: %w", err)
		}
	}
	v, ok := mulInt64(units, mult)
	if !ok {
		return lendkit.Money{}, fmt.Errorf("amortization: level payment: %w", lendkit.ErrOverflow)
	}
	return lendkit.New(v, c), nil
}

// varyingUnits evaluates levelPaymentVarying's formula in units of mult
// minor units at precision prec, reporting the digits cancelled and
// whether no step was inexact.
func varyingUnits(bal, balloon lendkit.Money, rates []ratio, mult int64, prec uint32) (decimal.Decimal, int32, bool, error) {
	ctx := decmath.NewContext(prec)
	var cond apd.Condition
	fail := func(err error) (decimal.Decimal, int32, bool, error) {
		return decimal.Decimal{}, 0, false, fmt.Errorf("amortization: level payment: %w", err)
	}
	do := func(c apd.Condition, err error) error {
		cond |= c
		return err
	}
	// Periods of equal length share their factor 1 + r_k: compute each once.
	factors := make(map[[2]uint64]*apd.Decimal, 4)
	factor := func(r ratio) (*apd.Decimal, error) {
		key := [2]uint64{r.n, r.d}
		if f, ok := factors[key]; ok && r.small {
			return f, nil
		}
		var f apd.Decimal
		if err := do(r.quo(ctx, &f)); err != nil {
			return nil, err
		}
		if err := do(ctx.Add(&f, &f, apd.New(1, 0))); err != nil {
			return nil, err
		}
		if r.small {
			factors[key] = &f
		}
		return &f, nil
	}
	// From the last period back: sum = Σ_j H_j with H_m = 1 and
	// H_{j−1} = H_j·(1 + r_j); at the end h = H_0 = Π(1 + r_k).
	var h, sum, x apd.Decimal
	h.SetInt64(1)
	for j := len(rates) - 1; j >= 0; j-- {
		if err := do(ctx.Add(&sum, &sum, &h)); err != nil {
			return fail(err)
		}
		f, err := factor(rates[j])
		if err != nil {
			return fail(err)
		}
		if err := do(ctx.Mul(&h, &h, f)); err != nil {
			return fail(err)
		}
	}
	var grown apd.Decimal
	if err := do(ctx.Mul(&grown, apd.New(bal.Minor(), 0), &h)); err != nil {
		return fail(err)
	}
	if err := do(ctx.Sub(&x, &grown, apd.New(balloon.Minor(), 0))); err != nil {
		return fail(err)
	}
	lost := cancelled(&grown, &x)
	if err := do(ctx.Quo(&x, &x, &sum)); err != nil {
		return fail(err)
	}
	if err := do(ctx.Quo(&x, &x, apd.New(mult, 0))); err != nil {
		return fail(err)
	}
	d, err := decmath.ToDecimal(&x)
	if err != nil {
		return fail(err)
	}
	return d, lost, cond&apd.Inexact == 0, nil
}

// cancelled returns how many leading digits the subtraction that turned a
// into diff cancelled: the relative error of diff is that many powers of ten
// larger than a's. A zero diff cancelled everything.
func cancelled(a, diff *apd.Decimal) int32 {
	if diff.IsZero() {
		return 1 << 20
	}
	adj := func(d *apd.Decimal) int64 { return int64(d.Exponent) + d.NumDigits() }
	return int32(max(0, adj(a)-adj(diff)))
}

// paymentUnits evaluates the level payment in units of mult minor units at
// precision prec and reports the digits its subtractions cancelled and
// whether no step was inexact.
func paymentUnits(bal, balloon lendkit.Money, r ratio, n int, mult int64, prec uint32) (decimal.Decimal, int32, bool, error) {
	ctx := decmath.NewContext(prec)
	var cond apd.Condition
	do := func(c apd.Condition, err error) error {
		cond |= c
		return err
	}
	var rate apd.Decimal
	if err := do(r.quo(ctx, &rate)); err != nil {
		return decimal.Decimal{}, 0, false, fmt.Errorf("amortization: level payment: %w", err)
	}
	// v = (1+r)^−n by square-and-multiply (decmath.PowInt): its error,
	// below 2·log2(n+1)·10^(1−prec) relative, is far inside the margin
	// roundPayment allows for, and it is several times cheaper than apd's
	// correctly rounded Pow. Its roundings are not reported: treat v as
	// inexact unless it is short enough to be exact.
	var v, growth apd.Decimal
	if err := do(ctx.Add(&growth, &rate, apd.New(1, 0))); err != nil {
		return decimal.Decimal{}, 0, false, fmt.Errorf("amortization: level payment: %w", err)
	}
	if _, err := decmath.PowInt(ctx, &growth, &growth, int64(n)); err != nil {
		return decimal.Decimal{}, 0, false, fmt.Errorf("amortization: level payment: %w", err)
	}
	if growth.NumDigits() >= int64(prec) {
		cond |= apd.Inexact
	}
	if err := do(ctx.Quo(&v, apd.New(1, 0), &growth)); err != nil {
		return decimal.Decimal{}, 0, false, fmt.Errorf("amortization: level payment: %w", err)
	}
	var x, t, one, owed apd.Decimal
	one.SetInt64(1)
	fail := func(err error) (decimal.Decimal, int32, bool, error) {
		return decimal.Decimal{}, 0, false, fmt.Errorf("amortization: level payment: %w", err)
	}
	// owed = bal − balloon·v; both it and 1 − v may cancel digits.
	if err := do(ctx.Mul(&t, apd.New(balloon.Minor(), 0), &v)); err != nil {
		return fail(err)
	}
	if err := do(ctx.Sub(&owed, apd.New(bal.Minor(), 0), &t)); err != nil {
		return fail(err)
	}
	lost := cancelled(apd.New(bal.Minor(), 0), &owed)
	if err := do(ctx.Sub(&t, &one, &v)); err != nil {
		return fail(err)
	}
	lost += cancelled(&one, &t)
	if err := do(ctx.Mul(&x, &owed, &rate)); err != nil {
		return fail(err)
	}
	if err := do(ctx.Quo(&x, &x, &t)); err != nil {
		return fail(err)
	}
	if err := do(ctx.Quo(&x, &x, apd.New(mult, 0))); err != nil {
		return fail(err)
	}
	d, err := decmath.ToDecimal(&x)
	if err != nil {
		return fail(err)
	}
	return d, lost, cond&apd.Inexact == 0, nil
}

// mulInt64 returns a × b and whether it fits in int64.
func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == -1<<63) || (b == -1 && a == -1<<63) {
		return 0, false
	}
	return p, true
}
