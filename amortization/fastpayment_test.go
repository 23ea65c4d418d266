package amortization

import (
	"math/big"
	"testing"

	"github.com/lendkit/lendkit"
	"pgregory.net/rapid"
)

// TestLevelUnitsFastIsExactlyRounded: whenever the 64-bit evaluation
// decides a level payment, it is the exact rational value rounded with the
// mode, for every rounding mode; and it decides nearly always (a value
// within its error bound of a boundary is left to the apd path).
func TestLevelUnitsFastIsExactlyRounded(t *testing.T) {
	t.Parallel()
	decided, total := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		bal := rapid.Int64Range(1, 1_000_000_000_000).Draw(t, "bal")
		num := rapid.Uint64Range(1, 500_000).Draw(t, "num")
		den := rapid.SampledFrom([]uint64{1_200_000, 12_000_000_000, 5_200_000, 400_000, 1_000_000, 1}).Draw(t, "den")
		n := rapid.IntRange(1, 1200).Draw(t, "n")
		mult := rapid.SampledFrom([]int64{1, 1, 100, 1000}).Draw(t, "mult")
		mode := rapid.SampledFrom([]lendkit.Rounding{lendkit.HalfUp, lendkit.HalfEven, lendkit.Down, lendkit.Up, lendkit.Floor, lendkit.Ceiling}).Draw(t, "mode")
		r := smallRatio(num, den)
		total++
		got, ok := levelUnitsFast(bal, r, n, mult, mode)
		if !ok {
			return
		}
		decided++
		g := new(big.Rat).Add(big.NewRat(1, 1), r.rat())
		want, err := roundRat(exactLevel(lendkit.New(bal, lendkit.EUR), lendkit.New(0, lendkit.EUR), ratPow(g, n),
			new(big.Rat).Quo(r.rat(), new(big.Rat).Sub(ratPow(g, n), big.NewRat(1, 1))), mult), mode)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("fast %d, exact %d (bal %d r %d/%d n %d mult %d %s)", got, want, bal, num, den, n, mult, mode)
		}
	})
	if decided < total*9/10 {
		t.Errorf("decided %d of %d payments, expected nearly all", decided, total)
	}
}
