package decmath_test

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit/internal/decmath"
)

// The level payment of a 10,000 loan over 36 months at 5 %/12 a month.
func ExampleAnnuityFactor() {
	ctx := decmath.NewContext(decmath.Precision)
	r := new(apd.Decimal)
	if _, err := ctx.Quo(r, apd.New(5, -2), apd.New(12, 0)); err != nil {
		fmt.Println(err)
		return
	}
	f, err := decmath.AnnuityFactor(ctx, r, 36)
	if err != nil {
		fmt.Println(err)
		return
	}
	var pay apd.Decimal
	if _, err := ctx.Mul(&pay, f, apd.New(10000, 0)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pay.Text('f')[:12])
	// Output: 299.70897104
}

// Solving x² = 2 inside [0, 10] to 30 decimals.
func ExampleSolve() {
	ctx := decmath.NewContext(40)
	f := func(x, fx, dfx *apd.Decimal) error {
		if _, err := ctx.Mul(fx, x, x); err != nil {
			return err
		}
		if _, err := ctx.Sub(fx, fx, apd.New(2, 0)); err != nil {
			return err
		}
		_, err := ctx.Mul(dfx, x, apd.New(2, 0))
		return err
	}
	x, err := decmath.Solve(ctx, f, apd.New(0, 0), apd.New(10, 0), nil, apd.New(1, -35), 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	var r apd.Decimal
	if _, err := decmath.NewContext(31).Round(&r, x); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(&r)
	// Output: 1.414213562373095048801688724210
}
