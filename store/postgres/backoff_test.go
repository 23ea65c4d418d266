package postgres_test

import (
	"math/big"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/lendkit/lendkit/store/postgres"
)

// TestBackoffBounds: the sleep after attempt n is in (0, min(max, base·2^(n-1))],
// for every attempt number, including those where base·2^(n-1) overflows.
func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		base := time.Duration(rapid.Int64Range(1, int64(time.Second)).Draw(t, "base"))
		max := base + time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "extra"))
		n := rapid.IntRange(1, 1000).Draw(t, "attempt")
		// min(max, base·2^(n-1)) in exact integers.
		exp := new(big.Int).Lsh(big.NewInt(int64(base)), uint(n-1))
		ceiling := big.NewInt(int64(max))
		if exp.Cmp(ceiling) < 0 {
			ceiling = exp
		}
		d := postgres.Backoff(base, max, n)
		if d <= 0 || big.NewInt(int64(d)).Cmp(ceiling) > 0 {
			t.Fatalf("Backoff(%v, %v, %d) = %v, want in (0, %v]", base, max, n, d, ceiling)
		}
	})
}
