package lendkit_test

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
)

func minors(ms []lendkit.Money) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Minor()
	}
	return out
}

func TestAllocate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"even", 300, []int64{1, 1, 1}, []int64{100, 100, 100}},
		// 100 / 3: 33.33… each, the one leftover cent to the first (ties by position).
		{"thirds", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"two leftovers", 200, []int64{1, 1, 1}, []int64{67, 67, 66}},
		// Exact shares 0.5, 0.3, 0.2 of 1 cent: the largest remainder wins it.
		{"largest remainder", 1, []int64{5, 3, 2}, []int64{1, 0, 0}},
		{"remainder beats position", 10, []int64{1, 2}, []int64{3, 7}},
		{"zero weight gets zero", 100, []int64{0, 1, 0, 1}, []int64{0, 50, 0, 50}},
		{"zero weight never gets a leftover", 1, []int64{0, 1, 1}, []int64{0, 1, 0}},
		{"negative total", -100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		{"zero total", 0, []int64{3, 7}, []int64{0, 0}},
		{"single", 12345, []int64{9}, []int64{12345}},
		{"huge weights", 1000, []int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}, []int64{334, 333, 333}},
		{"min total", math.MinInt64, []int64{1, 1}, []int64{math.MinInt64 / 2, math.MinInt64 / 2}},
		{"max total", math.MaxInt64, []int64{1, 1}, []int64{math.MaxInt64/2 + 1, math.MaxInt64 / 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := lendkit.Allocate(lendkit.New(tt.total, lendkit.EUR), tt.weights)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, minors(got)); diff != "" {
				t.Errorf("Allocate(%d, %v) (-want +got):\n%s", tt.total, tt.weights, diff)
			}
			for _, p := range got {
				if p.Currency() != lendkit.EUR {
					t.Errorf("part currency %s", p.Currency())
				}
			}
		})
	}
}

func TestAllocateErrors(t *testing.T) {
	t.Parallel()
	eur := lendkit.New(100, lendkit.EUR)
	for name, w := range map[string][]int64{"empty": nil, "all zero": {0, 0}, "negative": {1, -1, 5}} {
		if _, err := lendkit.Allocate(eur, w); !errors.Is(err, lendkit.ErrInvalidWeights) {
			t.Errorf("%s: error = %v, want ErrInvalidWeights", name, err)
		}
	}
	for name, w := range map[string][]decimal.Decimal{
		"empty":    nil,
		"all zero": {decimal.Zero, decimal.RequireFromString("0.00")},
		"negative": {decimal.RequireFromString("1.5"), decimal.RequireFromString("-0.01")},
	} {
		if _, err := lendkit.AllocateDecimal(eur, w); !errors.Is(err, lendkit.ErrInvalidWeights) {
			t.Errorf("decimal %s: error = %v, want ErrInvalidWeights", name, err)
		}
	}
}

func TestAllocateDecimal(t *testing.T) {
	t.Parallel()
	// Weights 33.3333 %, 33.3333 %, 33.3334 % of 100.00 EUR.
	w := []decimal.Decimal{decimal.RequireFromString("33.3333"), decimal.RequireFromString("33.3333"), decimal.RequireFromString("33.3334")}
	got, err := lendkit.AllocateDecimal(lendkit.New(10000, lendkit.EUR), w)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{3333, 3333, 3334}, minors(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Mixed scales and a weight that needs more than 64 bits once scaled.
	w = []decimal.Decimal{decimal.RequireFromString("1e20"), decimal.RequireFromString("0.000001"), decimal.RequireFromString("1e20")}
	got, err = lendkit.AllocateDecimal(lendkit.New(1001, lendkit.EUR), w)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{501, 0, 500}, minors(got)); diff != "" {
		t.Errorf("big weights (-want +got):\n%s", diff)
	}
}

// referenceAllocate is an independent, obviously-correct implementation with
// big.Rat and a full sort: floor every exact share, then hand the leftover
// units to the largest fractional parts, earlier index first on ties.
func referenceAllocate(total int64, weights []int64) []int64 {
	sum := new(big.Int)
	for _, w := range weights {
		sum.Add(sum, big.NewInt(w))
	}
	abs := new(big.Int).Abs(big.NewInt(total))
	type share struct {
		i    int
		q    int64
		frac *big.Rat
	}
	shares := make([]share, len(weights))
	given := new(big.Int)
	for i, w := range weights {
		num := new(big.Int).Mul(abs, big.NewInt(w))
		q, r := new(big.Int).QuoRem(num, sum, new(big.Int))
		shares[i] = share{i: i, q: int64(q.Uint64()), frac: new(big.Rat).SetFrac(r, sum)}
		given.Add(given, q)
	}
	left := new(big.Int).Sub(abs, given).Int64()
	order := make([]share, len(shares))
	copy(order, shares)
	sort.SliceStable(order, func(a, b int) bool { return order[a].frac.Cmp(order[b].frac) > 0 })
	out := make([]int64, len(weights))
	for _, s := range shares {
		out[s.i] = s.q
	}
	for k := int64(0); k < left; k++ {
		out[order[k].i]++
	}
	if total < 0 {
		for i := range out {
			out[i] = int64(-uint64(out[i]))
		}
	}
	return out
}

func TestAllocateProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 300).Draw(t, "n")
		maxW := rapid.SampledFrom([]int64{1, 3, 100, 1_000_000, math.MaxInt64 / 2, math.MaxInt64}).Draw(t, "maxW")
		weights := rapid.SliceOfN(rapid.Int64Range(0, maxW), n, n).Draw(t, "weights")
		weights[rapid.IntRange(0, n-1).Draw(t, "nonzero")] |= 1
		total := rapid.OneOf(rapid.Int64Range(-1_000_000, 1_000_000), rapid.Int64()).Draw(t, "total")
		parts, err := lendkit.Allocate(lendkit.New(total, lendkit.EUR), weights)
		if err != nil {
			t.Fatal(err)
		}
		got := minors(parts)
		// The parts sum to the whole.
		sum := new(big.Int)
		for _, p := range got {
			sum.Add(sum, big.NewInt(p))
		}
		if sum.Cmp(big.NewInt(total)) != 0 {
			t.Fatalf("parts sum to %s, want %d", sum, total)
		}
		// Each part is within one minor unit of its exact share, zero weights get
		// zero, and no part has the opposite sign of the total.
		wsum := new(big.Int)
		for _, w := range weights {
			wsum.Add(wsum, big.NewInt(w))
		}
		for i, p := range got {
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(total), big.NewInt(weights[i])), wsum)
			d := new(big.Rat).Sub(new(big.Rat).SetInt64(p), exact)
			if d.Abs(d).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %d is %s from its exact share", i, p, d.FloatString(4))
			}
			if weights[i] == 0 && p != 0 {
				t.Fatalf("zero weight %d got %d", i, p)
			}
			if (total >= 0 && p < 0) || (total <= 0 && p > 0) {
				t.Fatalf("part %d = %d has the wrong sign for total %d", i, p, total)
			}
		}
		// Same as the independent reference, tie-break included.
		if diff := cmp.Diff(referenceAllocate(total, weights), got); diff != "" {
			t.Fatalf("differs from reference (-want +got):\n%s", diff)
		}
	})
}

func TestAllocateDecimalMatchesInteger(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 50).Draw(t, "n")
		scale := rapid.Int32Range(0, 6).Draw(t, "scale")
		weights := rapid.SliceOfN(rapid.Int64Range(0, 1_000_000_000), n, n).Draw(t, "weights")
		weights[0]++
		dec := make([]decimal.Decimal, n)
		for i, w := range weights {
			dec[i] = decimal.New(w, -scale)
		}
		total := lendkit.New(rapid.Int64Range(-10_000_000, 10_000_000).Draw(t, "total"), lendkit.EUR)
		a, err := lendkit.Allocate(total, weights)
		if err != nil {
			t.Fatal(err)
		}
		b, err := lendkit.AllocateDecimal(total, dec)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(minors(a), minors(b)); diff != "" {
			t.Fatalf("decimal weights scaled by 10^-%d differ (-int +dec):\n%s", scale, diff)
		}
	})
}

func BenchmarkAllocate(b *testing.B) {
	for _, n := range []int{3_000, 100_000} {
		weights := make([]int64, n)
		seed := uint64(1)
		for i := range weights {
			seed = seed*6364136223846793005 + 1442695040888963407
			weights[i] = int64(seed>>40)%500_000 + 2_000 // 20.00 to 5,020.00 EUR holdings
		}
		total := lendkit.New(98_765_432_10, lendkit.EUR)
		b.Run(fmt.Sprintf("weights=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := lendkit.Allocate(total, weights); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
