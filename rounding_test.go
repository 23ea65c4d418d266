package lendkit_test

import (
	"math/big"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestIncrementsMatchesRound checks the integer rounding core against
// Rounding.Round on the exact decimal quotient: for every mode, the signed
// q + rem/den rounded to an integer is ±q, moved one unit away from zero
// exactly when Increments says so.
func TestIncrementsMatchesRound(t *testing.T) {
	modes := []lendkit.Rounding{lendkit.HalfUp, lendkit.HalfEven, lendkit.Down, lendkit.Up, lendkit.Floor, lendkit.Ceiling}
	rapid.Check(t, func(t *rapid.T) {
		mode := rapid.SampledFrom(modes).Draw(t, "mode")
		den := rapid.OneOf(rapid.Uint64Range(1, 20), rapid.Uint64Range(1, 1<<63)).Draw(t, "den")
		// Ties need an even denominator and rem = den/2: draw them often.
		rem := rapid.OneOf(rapid.Uint64Range(0, den-1), rapid.Just(den/2), rapid.Just(den-1)).Draw(t, "rem")
		if rem >= den {
			rem = 0
		}
		q := rapid.OneOf(rapid.Uint64Range(0, 10), rapid.Uint64Range(0, 1<<62)).Draw(t, "q")
		neg := rapid.Bool().Draw(t, "neg")

		exact := new(big.Rat).SetFrac(new(big.Int).SetUint64(q), big.NewInt(1))
		exact.Add(exact, new(big.Rat).SetFrac(new(big.Int).SetUint64(rem), new(big.Int).SetUint64(den)))
		if neg {
			exact.Neg(exact)
		}
		// 40 digits represent every q + rem/den drawn here exactly enough
		// to decide the rounding: den ≤ 2^63 means any difference from a
		// tie or an integer is ≥ 1/2^63 ≈ 1e-19.
		d, err := decimal.NewFromString(exact.FloatString(40))
		if err != nil {
			t.Fatal(err)
		}
		got := mode.Round(d, 0)
		want := new(big.Int).SetUint64(q)
		if mode.Increments(q, rem, den, neg) {
			want.Add(want, big.NewInt(1))
		}
		if neg {
			want.Neg(want)
		}
		if got.BigInt().Cmp(want) != 0 {
			t.Fatalf("%s of %s: Round gives %s, Increments gives %s", mode, exact.FloatString(25), got, want)
		}
	})
}
