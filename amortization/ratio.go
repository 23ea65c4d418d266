package amortization

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"

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
	num, den *big.Int // reduced, den > 0, num ≥ 0
	n, d     uint64   // num and den when small
	small    bool
}

var bigOne = big.NewInt(1)

// newRatio returns num/den reduced. den must be positive, num non-negative.
func newRatio(num, den *big.Int) ratio {
	g := new(big.Int).GCD(nil, nil, num, den)
	r := ratio{num: new(big.Int).Set(num), den: new(big.Int).Set(den)}
	if g.Sign() > 0 && g.Cmp(bigOne) != 0 {
		r.num.Quo(r.num, g)
		r.den.Quo(r.den, g)
	}
	if r.num.IsUint64() && r.den.IsUint64() {
		r.n, r.d, r.small = r.num.Uint64(), r.den.Uint64(), true
	}
	return r
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

// mulFrac returns r × p / q exactly (p ≥ 0, q > 0).
func (r ratio) mulFrac(p, q int64) ratio {
	return newRatio(new(big.Int).Mul(r.num, big.NewInt(p)), new(big.Int).Mul(r.den, big.NewInt(q)))
}

// add returns r + o exactly.
func (r ratio) add(o ratio) ratio {
	n := new(big.Int).Mul(r.num, o.den)
	n.Add(n, new(big.Int).Mul(o.num, r.den))
	return newRatio(n, new(big.Int).Mul(r.den, o.den))
}

// isZero reports whether the ratio is zero.
func (r ratio) isZero() bool { return r.num.Sign() == 0 }

// decimal returns the ratio as a decimal with 34 significant digits (for
// display and for the annuity formula, which apd evaluates anyway).
func (r ratio) decimal() decimal.Decimal {
	return decimal.NewFromBigInt(r.num, 0).DivRound(decimal.NewFromBigInt(r.den, 0), 40)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// apply returns m × r rounded to the minor unit with mode.
func (r ratio) apply(m lendkit.Money, mode lendkit.Rounding) (lendkit.Money, error) {
	v, err := mulRound(m.Minor(), r, mode)
	if err != nil {
		return lendkit.Money{}, fmt.Errorf("%s × %s/%s: %w", m, r.num, r.den, err)
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
	p := new(big.Int).Mul(new(big.Int).SetUint64(ux), r.num)
	q, rem := new(big.Int).QuoRem(p, r.den, new(big.Int))
	if !q.IsUint64() {
		return 0, lendkit.ErrOverflow
	}
	// Rounding only needs to know whether rem/den is zero, below, at or above
	// one half; map that onto an equivalent small fraction for finish.
	sr, sd := uint64(0), uint64(4)
	if rem.Sign() != 0 {
		switch new(big.Int).Lsh(rem, 1).Cmp(r.den) {
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
	up := false
	if rem != 0 {
		switch mode {
		case lendkit.Down:
		case lendkit.Up:
			up = true
		case lendkit.Floor:
			up = neg
		case lendkit.Ceiling:
			up = !neg
		case lendkit.HalfEven:
			// rem vs d−rem compares 2·rem with d without overflow.
			up = rem > d-rem || (rem == d-rem && q%2 == 1)
		default: // HalfUp
			up = rem >= d-rem
		}
	}
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
