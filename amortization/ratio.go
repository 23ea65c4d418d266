package amortization

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// ratio is an exact non-negative rate num/den, such as a periodic rate
// 0.05/12 = 5/1200 or 0.05 × 31/365. Interest is amount × ratio rounded once
// with a named mode, so no rounding hides in the rate itself. When num and
// den fit in 64 bits (every proportional rate with a few decimals does) the
// product uses 128-bit integer arithmetic, which keeps a 360-row schedule in
// a few microseconds; otherwise it falls back to math/big.
type ratio struct {
	n, d  uint64   // the reduced fraction when small
	small bool     // n and d hold the value; num and den may be nil
	num   *big.Int // the reduced fraction when not small (nil when small)
	den   *big.Int
}

var bigOne = big.NewInt(1)

// newRatio returns num/den reduced. den must be positive, num non-negative.
func newRatio(num, den *big.Int) ratio {
	if num.IsUint64() && den.IsUint64() {
		return smallRatio(num.Uint64(), den.Uint64())
	}
	g := new(big.Int).GCD(nil, nil, num, den)
	r := ratio{num: new(big.Int).Set(num), den: new(big.Int).Set(den)}
	if g.Sign() > 0 && g.Cmp(bigOne) != 0 {
		r.num.Quo(r.num, g)
		r.den.Quo(r.den, g)
	}
	if r.num.IsUint64() && r.den.IsUint64() {
		return ratio{n: r.num.Uint64(), d: r.den.Uint64(), small: true}
	}
	return r
}

// smallRatio returns n/d reduced (d > 0), with no allocation.
func smallRatio(n, d uint64) ratio {
	if g := gcd64(n, d); g > 1 {
		n, d = n/g, d/g
	}
	return ratio{n: n, d: d, small: true}
}

func gcd64(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// bigs returns the fraction as big integers (fresh ones for a small ratio).
func (r ratio) bigs() (num, den *big.Int) {
	if r.small {
		return new(big.Int).SetUint64(r.n), new(big.Int).SetUint64(r.d)
	}
	return r.num, r.den
}

// rat returns the ratio as a math/big rational.
func (r ratio) rat() *big.Rat {
	num, den := r.bigs()
	return new(big.Rat).SetFrac(num, den)
}

// roundRat rounds q to an integer with mode, exactly.
func roundRat(q *big.Rat, mode lendkit.Rounding) (int64, error) {
	num, den := q.Num(), q.Denom() // den > 0
	neg := num.Sign() < 0
	a := new(big.Int).Abs(num)
	quo, rem := new(big.Int).QuoRem(a, den, new(big.Int))
	return finishBig(quo, rem, den, neg, mode)
}

// ratioOf returns the exact ratio of decimal d (d ≥ 0).
func ratioOf(d decimal.Decimal) ratio {
	c := d.Coefficient()
	e := d.Exponent()
	if e >= 0 {
		return newRatio(c.Mul(c, pow10(int(e))), bigOne)
	}
	return newRatio(c, pow10(int(-e)))
}

// mulFrac returns r × p / q exactly (p ≥ 0, q > 0). Day-count fractions
// keep it on the allocation-free 64-bit path.
func (r ratio) mulFrac(p, q int64) ratio {
	if r.small {
		// Cancel first so that the products stay small.
		up, uq := uint64(p), uint64(q)
		g1, g2 := gcd64(r.n, uq), gcd64(up, r.d)
		n1, q1 := r.n, uq
		if g1 > 1 {
			n1, q1 = n1/g1, q1/g1
		}
		p1, d1 := up, r.d
		if g2 > 1 {
			p1, d1 = p1/g2, d1/g2
		}
		nh, nl := bits.Mul64(n1, p1)
		dh, dl := bits.Mul64(d1, q1)
		if nh == 0 && dh == 0 {
			return smallRatio(nl, dl)
		}
	}
	num, den := r.bigs()
	return newRatio(new(big.Int).Mul(num, big.NewInt(p)), new(big.Int).Mul(den, big.NewInt(q)))
}

// add returns r + o exactly.
func (r ratio) add(o ratio) ratio {
	rn, rd := r.bigs()
	on, od := o.bigs()
	n := new(big.Int).Mul(rn, od)
	n.Add(n, new(big.Int).Mul(on, rd))
	return newRatio(n, new(big.Int).Mul(rd, od))
}

// quo sets z to r at ctx's precision and returns the condition of the one
// division (inexact unless r's decimal expansion fits the precision).
func (r ratio) quo(ctx *apd.Context, z *apd.Decimal) (apd.Condition, error) {
	var num, den apd.Decimal
	if r.small {
		num.Coeff.SetUint64(r.n)
		den.Coeff.SetUint64(r.d)
	} else {
		num.Coeff.SetMathBigInt(r.num)
		den.Coeff.SetMathBigInt(r.den)
	}
	return ctx.Quo(z, &num, &den)
}

// isZero reports whether the ratio is zero.
func (r ratio) isZero() bool {
	if r.small {
		return r.n == 0
	}
	return r.num.Sign() == 0
}

// decimal returns the ratio as a decimal rounded half-even to 40 places,
// which is exact for every ratio whose expansion terminates within them
// (all proportional rates with a few decimals over 1, 2, 4 or 12 periods
// do not; the schedule itself never uses this rounded value).
func (r ratio) decimal() decimal.Decimal {
	num, den := r.bigs()
	return decimal.NewFromBigInt(num, 0).DivRound(decimal.NewFromBigInt(den, 0), 40)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// apply returns m × r rounded to the minor unit with mode.
func (r ratio) apply(m lendkit.Money, mode lendkit.Rounding) (lendkit.Money, error) {
	v, err := mulRound(m.Minor(), r, mode)
	if err != nil {
		num, den := r.bigs()
		return lendkit.Money{}, fmt.Errorf("%s × %s/%s: %w", m, num, den, err)
	}
	return lendkit.New(v, m.Currency()), nil
}

// mulRound returns x × r rounded to an integer with mode.
func mulRound(x int64, r ratio, mode lendkit.Rounding) (int64, error) {
	neg := x < 0
	ux := uint64(x)
	if neg {
		ux = -ux
	}
	if r.small {
		hi, lo := bits.Mul64(ux, r.n)
		if hi < r.d {
			q, rem := bits.Div64(hi, lo, r.d)
			return finish(q, rem, r.d, neg, mode)
		}
	}
	// Slow path: the product or the quotient needs more than 64 bits.
	num, den := r.bigs()
	p := new(big.Int).Mul(new(big.Int).SetUint64(ux), num)
	q, rem := new(big.Int).QuoRem(p, den, new(big.Int))
	return finishBig(q, rem, den, neg, mode)
}

// finishBig rounds the quotient q + rem/den (den > 0, 0 ≤ rem < den) with
// mode and applies the sign. Rounding only needs to know whether rem/den is
// zero, below, at or above one half, so that is mapped onto an equivalent
// small fraction for finish.
func finishBig(q, rem, den *big.Int, neg bool, mode lendkit.Rounding) (int64, error) {
	if !q.IsUint64() {
		return 0, lendkit.ErrOverflow
	}
	sr, sd := uint64(0), uint64(4)
	if rem.Sign() != 0 {
		switch new(big.Int).Lsh(rem, 1).Cmp(den) {
		case -1:
			sr = 1
		case 0:
			sr = 2
		default:
			sr = 3
		}
	}
	return finish(q.Uint64(), sr, sd, neg, mode)
}

// finish rounds the magnitude q + rem/d (0 ≤ rem < d) with mode, applies the
// sign and checks the int64 range.
func finish(q, rem, d uint64, neg bool, mode lendkit.Rounding) (int64, error) {
	up := mode.Increments(q, rem, d, neg)
	if up {
		if q >= math.MaxInt64 {
			return 0, lendkit.ErrOverflow
		}
		q++
	}
	if q > math.MaxInt64 {
		return 0, lendkit.ErrOverflow
	}
	if neg {
		return -int64(q), nil
	}
	return int64(q), nil
}

// divRound returns x / n rounded with mode (n > 0): the linear principal part.
func divRound(x, n int64, mode lendkit.Rounding) (int64, error) {
	neg := x < 0
	ux := uint64(x)
	if neg {
		ux = -ux
	}
	q, rem := ux/uint64(n), ux%uint64(n)
	return finish(q, rem, uint64(n), neg, mode)
}
