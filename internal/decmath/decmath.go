package decmath

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/apd/v3"
	"github.com/shopspring/decimal"
)

// Precision is the working precision lendkit uses by default: 34 significant
// digits, the precision of IEEE 754 decimal128. It is far beyond what any
// amount in minor units or any rate shown to two decimals needs, so the
// rounding that follows is the only one that matters.
const Precision = 34

var (
	// ErrDomain is returned when an argument is outside a function's domain
	// (a non-positive base with a fractional exponent, a negative count).
	ErrDomain = errors.New("decmath: argument out of domain")
	// ErrNoBracket is returned by Solve when f has the same sign at both ends
	// of the bracket, so a root is not known to lie between them.
	ErrNoBracket = errors.New("decmath: root not bracketed")
	// ErrNoConvergence is returned by Solve when the iteration bound is
	// reached before the tolerance.
	ErrNoConvergence = errors.New("decmath: no convergence")
)

// NewContext returns a context with precision digits, half-even rounding (the
// IEEE default, which keeps intermediate errors unbiased) and traps on
// division by zero, invalid operations, overflow and underflow, so such a
// result becomes an error rather than an infinity or a NaN.
func NewContext(precision uint32) *apd.Context {
	c := apd.BaseContext.WithPrecision(precision)
	c.Rounding = apd.RoundHalfEven
	c.Traps = apd.DivisionByZero | apd.InvalidOperation | apd.Overflow | apd.Underflow | apd.DivisionImpossible | apd.DivisionUndefined
	return c
}

// FromDecimal returns d as an apd decimal. The conversion is exact.
func FromDecimal(d decimal.Decimal) *apd.Decimal {
	var r apd.Decimal
	SetDecimal(&r, d)
	return &r
}

// SetDecimal sets z to d exactly and returns z; it lets hot loops reuse z.
func SetDecimal(z *apd.Decimal, d decimal.Decimal) *apd.Decimal {
	c := d.Coefficient()
	if c.IsInt64() {
		z.SetFinite(c.Int64(), d.Exponent())
		return z
	}
	z.Coeff.SetMathBigInt(c)
	z.Negative = false
	if z.Coeff.Sign() < 0 {
		z.Coeff.Neg(&z.Coeff)
		z.Negative = true
	}
	z.Exponent = d.Exponent()
	z.Form = apd.Finite
	return z
}

// ToDecimal returns d as a shopspring decimal. The conversion is exact; an
// infinite or NaN d is ErrDomain.
func ToDecimal(d *apd.Decimal) (decimal.Decimal, error) {
	if d.Form != apd.Finite {
		return decimal.Decimal{}, fmt.Errorf("%w: %s is not finite", ErrDomain, d)
	}
	c := d.Coeff.MathBigInt()
	if d.Negative {
		c.Neg(c)
	}
	return decimal.NewFromBigInt(c, d.Exponent), nil
}

// check turns an apd error (a trapped condition) into a wrapped error; the
// condition itself is informational once the traps have not fired.
func check(_ apd.Condition, err error) error {
	if err != nil {
		return fmt.Errorf("decmath: %w", err)
	}
	return nil
}

// Pow returns x^y. An integral y uses exact repeated squaring (only the
// context's per-step rounding applies), any other y requires x > 0 and is
// computed by apd as exp(y·ln x), correctly rounded to the context.
func Pow(ctx *apd.Context, x, y *apd.Decimal) (*apd.Decimal, error) {
	var frac, integ apd.Decimal
	y.Modf(&integ, &frac)
	if !frac.IsZero() && x.Sign() <= 0 {
		return nil, fmt.Errorf("%w: %s ^ %s", ErrDomain, x, y)
	}
	var r apd.Decimal
	if err := check(ctx.Pow(&r, x, y)); err != nil {
		return nil, err
	}
	return &r, nil
}

// CompoundFactor returns (1+r)^y, the growth of one unit at periodic rate r
// over y periods (y may be fractional: an equivalent periodic rate is
// CompoundFactor(annual, 1/n) − 1). r must be above −1.
func CompoundFactor(ctx *apd.Context, r, y *apd.Decimal) (*apd.Decimal, error) {
	var base apd.Decimal
	if err := check(ctx.Add(&base, r, apd.New(1, 0))); err != nil {
		return nil, err
	}
	if base.Sign() <= 0 {
		return nil, fmt.Errorf("%w: rate %s is not above -1", ErrDomain, r)
	}
	return Pow(ctx, &base, y)
}

// DiscountFactor returns (1+r)^−n for an integer n ≥ 0: the present value of
// one unit paid n periods from now.
func DiscountFactor(ctx *apd.Context, r *apd.Decimal, n int64) (*apd.Decimal, error) {
	if n < 0 {
		return nil, fmt.Errorf("%w: negative period count %d", ErrDomain, n)
	}
	return CompoundFactor(ctx, r, apd.New(-n, 0))
}

// AnnuityFactor returns r / (1 − (1+r)^−n), the level payment that repays one
// unit of principal over n periods at periodic rate r (Excel's −PMT(r, n, 1)).
// For r = 0 it is 1/n. n must be at least 1.
func AnnuityFactor(ctx *apd.Context, r *apd.Decimal, n int64) (*apd.Decimal, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: annuity over %d periods", ErrDomain, n)
	}
	var f apd.Decimal
	if r.IsZero() {
		if err := check(ctx.Quo(&f, apd.New(1, 0), apd.New(n, 0))); err != nil {
			return nil, err
		}
		return &f, nil
	}
	v, err := DiscountFactor(ctx, r, n)
	if err != nil {
		return nil, err
	}
	var den apd.Decimal
	if err := check(ctx.Sub(&den, apd.New(1, 0), v)); err != nil {
		return nil, err
	}
	if err := check(ctx.Quo(&f, r, &den)); err != nil {
		return nil, err
	}
	return &f, nil
}

// PowInt sets d to x^n for an integer n ≥ 0 by square-and-multiply in ctx
// and returns d. Unlike Pow it does not raise the working precision to
// round the result correctly: each of the at most 2·log2(n) multiplications
// rounds once, so the relative error is below 2·log2(n+1)·10^(1−p) for
// precision p. Root finders evaluate many powers whose last digits do not
// matter, and this is several times faster. d may be x.
func PowInt(ctx *apd.Context, d, x *apd.Decimal, n int64) (*apd.Decimal, error) {
	if n < 0 {
		return nil, fmt.Errorf("%w: negative exponent %d", ErrDomain, n)
	}
	var base, acc apd.Decimal
	base.Set(x)
	acc.SetInt64(1)
	for n > 0 {
		if n&1 == 1 {
			if err := check(ctx.Mul(&acc, &acc, &base)); err != nil {
				return nil, err
			}
		}
		n >>= 1
		if n > 0 {
			if err := check(ctx.Mul(&base, &base, &base)); err != nil {
				return nil, err
			}
		}
	}
	return d.Set(&acc), nil
}
