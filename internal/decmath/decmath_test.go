package decmath

import (
	"errors"
	"math/big"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

// closeTo reports whether |got − want| ≤ 10^exp.
func closeTo(t *testing.T, got *apd.Decimal, want string, exp int32) {
	t.Helper()
	ctx := NewContext(80)
	var d apd.Decimal
	if _, err := ctx.Sub(&d, got, dec(want)); err != nil {
		t.Fatal(err)
	}
	if d.Abs(&d).Cmp(apd.New(1, exp)) > 0 {
		t.Errorf("got %s, want %s (to 1e%d)", got, want, exp)
	}
}

func TestPowers(t *testing.T) {
	t.Parallel()
	ctx := NewContext(Precision)
	// Reference values from Python's decimal module at 60 digits.
	v, err := CompoundFactor(ctx, dec("0.05"), dec("0.08333333333333333333333333333333333")) // 1.05^(1/12)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, v, "1.00407412378364830160541960267210716", -32)
	v, err = DiscountFactor(ctx, dec("0.004166666666666666666666666666666667"), 36) // (1 + 5 %/12)^−36
	if err != nil {
		t.Fatal(err)
	}
	// apd's integer power rounds at each squaring: a few ulps per step.
	closeTo(t, v, "0.860976244651080009245794585613876818", -30)
	v, err = AnnuityFactor(ctx, dec("0.01"), 18) // PMT(1 %, 18, −1)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, v, "0.06098204789530132457550163960047", -31)
	v, err = AnnuityFactor(ctx, dec("0"), 4)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, v, "0.25", -33)
	var p apd.Decimal
	if _, err := PowInt(ctx, &p, dec("1.01"), 12); err != nil {
		t.Fatal(err)
	}
	closeTo(t, &p, "1.126825030131969720661201", -30) // exact: 1.01^12
}

func TestDomainErrors(t *testing.T) {
	t.Parallel()
	ctx := NewContext(Precision)
	for name, err := range map[string]error{
		"negative base, fractional exponent": func() error { _, err := Pow(ctx, dec("-2"), dec("0.5")); return err }(),
		"rate at −100 %":                     func() error { _, err := CompoundFactor(ctx, dec("-1"), dec("2")); return err }(),
		"annuity over no period":             func() error { _, err := AnnuityFactor(ctx, dec("0.01"), 0); return err }(),
		"negative integer power":             func() error { _, err := PowInt(ctx, new(apd.Decimal), dec("2"), -1); return err }(),
	} {
		if !errors.Is(err, ErrDomain) {
			t.Errorf("%s: got %v, want ErrDomain", name, err)
		}
	}
}

// square2 is f(x) = x² − 2 with f'(x) = 2x.
func square2(ctx *apd.Context) Func {
	return func(x, fx, dfx *apd.Decimal) error {
		if _, err := ctx.Mul(fx, x, x); err != nil {
			return err
		}
		if _, err := ctx.Sub(fx, fx, apd.New(2, 0)); err != nil {
			return err
		}
		_, err := ctx.Mul(dfx, x, apd.New(2, 0))
		return err
	}
}

const sqrt2 = "1.41421356237309504880168872420969807856967187537694"

func TestSolve(t *testing.T) {
	t.Parallel()
	ctx := NewContext(40)
	x, err := Solve(ctx, square2(ctx), dec("0"), dec("10"), nil, apd.New(1, -36), 100)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, x, sqrt2, -36)
	// Newton alone polishes a rough root.
	x, err = Newton(ctx, square2(ctx), dec("1.4"), apd.New(1, -36), 20)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, x, sqrt2, -36)
	// A flat derivative forces bisection steps: f(x) = x³ at 0 with
	// f'(x) = 3x² is found from a bracket all the same.
	cube := func(x, fx, dfx *apd.Decimal) error {
		if _, err := ctx.Mul(fx, x, x); err != nil {
			return err
		}
		if _, err := ctx.Mul(dfx, fx, apd.New(3, 0)); err != nil {
			return err
		}
		_, err := ctx.Mul(fx, fx, x)
		return err
	}
	x, err = Solve(ctx, cube, dec("-1"), dec("2"), dec("1.5"), apd.New(1, -30), 400)
	if err != nil {
		t.Fatal(err)
	}
	closeTo(t, x, "0", -9) // a triple root: x³ is below resolution first
	if _, err := Solve(ctx, square2(ctx), dec("2"), dec("3"), nil, apd.New(1, -30), 100); !errors.Is(err, ErrNoBracket) {
		t.Errorf("no sign change: got %v, want ErrNoBracket", err)
	}
	if _, err := Solve(ctx, square2(ctx), dec("0"), dec("10"), nil, apd.New(1, -36), 2); !errors.Is(err, ErrNoConvergence) {
		t.Errorf("2 iterations: got %v, want ErrNoConvergence", err)
	}
	flat := func(x, fx, dfx *apd.Decimal) error { fx.SetInt64(1); dfx.SetInt64(0); return nil }
	if _, err := Newton(ctx, flat, dec("1"), apd.New(1, -30), 10); !errors.Is(err, ErrNoConvergence) {
		t.Errorf("zero derivative: got %v, want ErrNoConvergence", err)
	}
}

// TestDecimalRoundTrip: shopspring ↔ apd conversions are exact, for small
// and for big coefficients (checked against math/big, as apd's own tests do).
func TestDecimalRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		digits := rapid.StringMatching(`-?[1-9][0-9]{0,60}`).Draw(t, "coefficient")
		exp := rapid.Int32Range(-40, 10).Draw(t, "exponent")
		c, ok := new(big.Int).SetString(digits, 10)
		if !ok {
			t.Fatalf("bad digits %q", digits)
		}
		d := decimal.NewFromBigInt(c, exp)
		a := FromDecimal(d)
		back, err := ToDecimal(a)
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(d) {
			t.Fatalf("%s → %s → %s", d, a, back)
		}
		if diff := cmp.Diff(d.String(), back.String()); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
}

// TestPowIntMatchesPow: square-and-multiply agrees with apd's correctly
// rounded Pow within the documented bound.
func TestPowIntMatchesPow(t *testing.T) {
	t.Parallel()
	ctx := NewContext(Precision)
	rapid.Check(t, func(t *rapid.T) {
		x := apd.New(rapid.Int64Range(1, 2_000_000).Draw(t, "x"), -6) // (0, 2]
		n := rapid.Int64Range(0, 5000).Draw(t, "n")
		var got apd.Decimal
		if _, err := PowInt(ctx, &got, x, n); err != nil {
			t.Fatal(err)
		}
		want, err := Pow(NewContext(60), x, apd.New(n, 0))
		if err != nil {
			t.Fatal(err)
		}
		// Relative error below 2·log2(n+1)·10^(1−34) ≤ 10^−30.
		wide := NewContext(80)
		var diff, bound apd.Decimal
		_, _ = wide.Sub(&diff, &got, want)
		_, _ = wide.Mul(&bound, want, apd.New(1, -30))
		if diff.Abs(&diff).Cmp(bound.Abs(&bound)) > 0 {
			t.Fatalf("%s^%d = %s, want %s", x, n, &got, want)
		}
	})
}
