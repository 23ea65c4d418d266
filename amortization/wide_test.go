package amortization

import (
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

// TestWideArithmetic: wide's products, sums and differences are within
// 2^−189 (relative) of big.Float's at 400 bits, and its conversions to and
// from big.Float are exact (to 192 bits).
func TestWideArithmetic(t *testing.T) {
	t.Parallel()
	gen := rapid.Custom(func(t *rapid.T) *big.Float {
		var i big.Int
		i.SetBytes([]byte(rapid.StringN(1, 30, 30).Draw(t, "bytes")))
		f := new(big.Float).SetPrec(192).SetInt(&i)
		if f.Sign() == 0 {
			f.SetInt64(1)
		}
		f.SetMantExp(f, rapid.IntRange(-400, 400).Draw(t, "exp"))
		if rapid.Bool().Draw(t, "neg") {
			f.Neg(f)
		}
		return f
	})
	rapid.Check(t, func(t *rapid.T) {
		x, y := gen.Draw(t, "x"), gen.Draw(t, "y")
		wx, wy := wideFloat(x), wideFloat(y)
		back := wx.float(new(big.Float).SetPrec(192))
		if back.Cmp(x) != 0 {
			t.Fatalf("round trip %s → %s", x.Text('g', 60), back.Text('g', 60))
		}
		for name, c := range map[string]struct {
			got  wide
			want *big.Float
		}{
			"mul": {wx.mul(wy), new(big.Float).SetPrec(400).Mul(x, y)},
			"add": {wx.add(wy), new(big.Float).SetPrec(400).Add(x, y)},
			"sub": {wx.sub(wy), new(big.Float).SetPrec(400).Sub(x, y)},
			"pow": {wx.powInt(7), new(big.Float).SetPrec(400).Mul(x, new(big.Float).SetPrec(400).Mul(x, new(big.Float).SetPrec(400).Mul(x, new(big.Float).SetPrec(400).Mul(x, new(big.Float).SetPrec(400).Mul(x, new(big.Float).SetPrec(400).Mul(x, x))))))},
		} {
			got := c.got.float(new(big.Float).SetPrec(400))
			diff := new(big.Float).SetPrec(400).Sub(got, c.want)
			// Relative to the larger operand for sums (truncation of the
			// aligned smaller one), to the result for products.
			scale := new(big.Float).Abs(c.want)
			if name == "add" || name == "sub" {
				if ax, ay := new(big.Float).Abs(x), new(big.Float).Abs(y); ax.Cmp(ay) > 0 {
					scale = ax
				} else {
					scale = ay
				}
			}
			bound := new(big.Float).SetMantExp(scale, -189)
			if name == "pow" {
				bound.SetMantExp(scale, -186)
			}
			if diff.Abs(diff).Cmp(bound) > 0 {
				t.Fatalf("%s: %s, want %s", name, got.Text('g', 70), c.want.Text('g', 70))
			}
		}
	})
}
