package decmath

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// Func evaluates a function and its derivative at x, writing f(x) into fx and
// f'(x) into dfx. It must not keep x, fx or dfx after it returns.
type Func func(x, fx, dfx *apd.Decimal) error

// Solve returns a root of f inside [lo, hi], to within tol on x.
//
// f(lo) and f(hi) must have opposite signs (or one of them be zero), else
// ErrNoBracket: a bracket is what makes the search safe. Starting from x0
// (the midpoint when x0 is nil or outside the bracket), each step is a Newton
// step x − f(x)/f'(x) when that stays strictly inside the current bracket and
// at least halves the step before the last; otherwise it is a bisection step.
// The bracket shrinks around the root at every step, so the method converges
// whenever the bracket holds a root, quadratically near a simple root. After
// maxIter evaluations without reaching tol, Solve returns ErrNoConvergence.
//
// All arithmetic runs in ctx; tol should be well above ctx's resolution near
// the root (for a root near 1 and precision p, 10^(2−p) or coarser).
func Solve(ctx *apd.Context, f Func, lo, hi, x0, tol *apd.Decimal, maxIter int) (*apd.Decimal, error) {
	if maxIter < 1 {
		return nil, fmt.Errorf("%w: maxIter %d", ErrDomain, maxIter)
	}
	var flo, fhi, scratch apd.Decimal
	if err := f(lo, &flo, &scratch); err != nil {
		return nil, err
	}
	if flo.IsZero() {
		return new(apd.Decimal).Set(lo), nil
	}
	if err := f(hi, &fhi, &scratch); err != nil {
		return nil, err
	}
	if fhi.IsZero() {
		return new(apd.Decimal).Set(hi), nil
	}
	if flo.Sign() == fhi.Sign() {
		return nil, fmt.Errorf("%w: f(%s) = %s and f(%s) = %s", ErrNoBracket, lo, flo.Text('g'), hi, fhi.Text('g'))
	}
	// neg is the end where f < 0, pos the end where f > 0.
	var neg, pos apd.Decimal
	if flo.Sign() < 0 {
		neg.Set(lo)
		pos.Set(hi)
	} else {
		neg.Set(hi)
		pos.Set(lo)
	}
	var x, fx, dfx, dx, dxOld, t, u apd.Decimal
	two := apd.New(2, 0)
	inside := func(v *apd.Decimal) bool {
		a, b := &neg, &pos
		if a.Cmp(b) > 0 {
			a, b = b, a
		}
		return v.Cmp(a) > 0 && v.Cmp(b) < 0
	}
	if x0 != nil && inside(x0) {
		x.Set(x0)
	} else {
		if err := check(ctx.Add(&t, &neg, &pos)); err != nil {
			return nil, err
		}
		if err := check(ctx.Quo(&x, &t, two)); err != nil {
			return nil, err
		}
	}
	if err := check(ctx.Sub(&dxOld, hi, lo)); err != nil {
		return nil, err
	}
	dxOld.Abs(&dxOld)
	dx.Set(&dxOld)
	if err := f(&x, &fx, &dfx); err != nil {
		return nil, err
	}
	narrow := func() {
		if fx.Sign() < 0 {
			neg.Set(&x)
		} else if fx.Sign() > 0 {
			pos.Set(&x)
		}
	}
	narrow()
	for i := 0; i < maxIter; i++ {
		if fx.IsZero() {
			return new(apd.Decimal).Set(&x), nil
		}
		newton := false
		if !dfx.IsZero() {
			// Newton candidate x − f/f', accepted if it lands strictly inside
			// the bracket and |f| < |dxOld·f'|/2 (it shrinks fast enough).
			if err := check(ctx.Quo(&t, &fx, &dfx)); err != nil {
				return nil, err
			}
			if err := check(ctx.Sub(&u, &x, &t)); err != nil {
				return nil, err
			}
			if t.Abs(&t).Cmp(tol) <= 0 {
				// The Newton correction is below the tolerance (possibly
				// below the context's resolution, where x − t rounds back
				// to x): x is the root to within tol.
				return new(apd.Decimal).Set(&u), nil
			}
			var lhs, rhs apd.Decimal
			if err := check(ctx.Mul(&lhs, &fx, two)); err != nil {
				return nil, err
			}
			if err := check(ctx.Mul(&rhs, &dxOld, &dfx)); err != nil {
				return nil, err
			}
			lhs.Abs(&lhs)
			rhs.Abs(&rhs)
			newton = inside(&u) && lhs.Cmp(&rhs) < 0
		}
		dxOld.Set(&dx)
		if newton {
			dx.Abs(&t)
			x.Set(&u)
		} else {
			if err := check(ctx.Sub(&t, &pos, &neg)); err != nil {
				return nil, err
			}
			if err := check(ctx.Quo(&t, &t, two)); err != nil {
				return nil, err
			}
			if err := check(ctx.Add(&x, &neg, &t)); err != nil {
				return nil, err
			}
			dx.Abs(&t)
		}
		if dx.Cmp(tol) <= 0 {
			return new(apd.Decimal).Set(&x), nil
		}
		if err := f(&x, &fx, &dfx); err != nil {
			return nil, err
		}
		narrow()
	}
	return nil, fmt.Errorf("%w: %d iterations, last x = %s", ErrNoConvergence, maxIter, x.Text('g'))
}

// Newton polishes x0, an approximation of a simple root of f, by plain
// Newton steps until a step is at most tol, and returns the last iterate.
// It takes no bracket and so costs no extra evaluation, but it is only safe
// close to the root: use it to refine, at a higher precision, what Solve
// found at a lower one, and check the result. A zero derivative is
// ErrNoConvergence, as is reaching maxIter.
func Newton(ctx *apd.Context, f Func, x0, tol *apd.Decimal, maxIter int) (*apd.Decimal, error) {
	var x, fx, dfx, t apd.Decimal
	x.Set(x0)
	for i := 0; i < maxIter; i++ {
		if err := f(&x, &fx, &dfx); err != nil {
			return nil, err
		}
		if fx.IsZero() {
			return &x, nil
		}
		if dfx.IsZero() {
			return nil, fmt.Errorf("%w: zero derivative at %s", ErrNoConvergence, x.Text('g'))
		}
		if err := check(ctx.Quo(&t, &fx, &dfx)); err != nil {
			return nil, err
		}
		if err := check(ctx.Sub(&x, &x, &t)); err != nil {
			return nil, err
		}
		if t.Abs(&t).Cmp(tol) <= 0 {
			return &x, nil
		}
	}
	return nil, fmt.Errorf("%w: %d Newton steps, last x = %s", ErrNoConvergence, maxIter, x.Text('g'))
}
