package amortization

import (
	"math/big"
	"math/rand/v2"
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
	rapid.Check(t, func(t *rapid.T) {
		bal := rapid.Int64Range(1, 1_000_000_000_000).Draw(t, "bal")
		num := rapid.Uint64Range(1, 500_000).Draw(t, "num")
		den := rapid.SampledFrom([]uint64{1_200_000, 12_000_000_000, 5_200_000, 400_000, 1_000_000, 1}).Draw(t, "den")
		n := rapid.IntRange(1, 1200).Draw(t, "n")
		mult := rapid.SampledFrom([]int64{1, 1, 100, 1000}).Draw(t, "mult")
		mode := rapid.SampledFrom([]lendkit.Rounding{lendkit.HalfUp, lendkit.HalfEven, lendkit.Down, lendkit.Up, lendkit.Floor, lendkit.Ceiling}).Draw(t, "mode")
		r := smallRatio(num, den)
		got, ok := levelUnitsFast(bal, r, n, mult, mode)
		if !ok {
			return
		}
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
}

// TestLevelUnitsFastDecidesRealisticLoans pins how often the fast path
// decides on its own, on a fixed sample of ordinary loans (the rapid test
// above draws extreme rates too, where leaving more to apd is expected, so a
// rate threshold there would depend on the draw).
func TestLevelUnitsFastDecidesRealisticLoans(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2027, 1))
	modes := []lendkit.Rounding{lendkit.HalfUp, lendkit.HalfEven, lendkit.Down, lendkit.Up, lendkit.Floor, lendkit.Ceiling}
	const total = 2000
	decided := 0
	for range total {
		bal := 10_000 + rng.Int64N(1_000_000_000) // 100.00 to 10,000,100.00
		num := 1 + rng.Uint64N(360_000)           // annual rate up to 30 %, monthly: num / 1,200,000
		n := 1 + rng.IntN(480)                    // up to 40 years
		if _, ok := levelUnitsFast(bal, smallRatio(num, 1_200_000), n, 1, modes[rng.IntN(len(modes))]); ok {
			decided++
		}
	}
	t.Logf("the fast path decided %d of %d ordinary loans", decided, total)
	if decided < total*95/100 {
		t.Errorf("the fast path decided %d of %d ordinary loans, want at least 95 %%", decided, total)
	}
}
