package amortization

import (
	"math/big"
	"testing"

	"github.com/lendkit/lendkit"
	"pgregory.net/rapid"
)

// exactPayment is the level payment computed with math/big rationals — an
// independent, exact evaluation of (bal − balloon·(1+r)^−n)·r/(1 − (1+r)^−n)
// in minor units, rounded half-up to a multiple of mult.
func exactPayment(bal, balloon int64, num, den uint64, n int, mult int64) int64 {
	r := new(big.Rat).SetFrac(new(big.Int).SetUint64(num), new(big.Int).SetUint64(den))
	g := new(big.Rat).Add(big.NewRat(1, 1), r)
	gn := new(big.Rat).SetInt64(1)
	for range n {
		gn.Mul(gn, g)
	}
	// P = (bal·g^n − balloon)·r / (g^n − 1)
	p := new(big.Rat).Mul(new(big.Rat).SetInt64(bal), gn)
	p.Sub(p, new(big.Rat).SetInt64(balloon))
	p.Mul(p, r)
	p.Quo(p, new(big.Rat).Sub(gn, big.NewRat(1, 1)))
	p.Quo(p, new(big.Rat).SetInt64(mult))
	// half-up on a non-negative rational: floor(p + 1/2)
	p.Add(p, big.NewRat(1, 2))
	q := new(big.Int).Quo(p.Num(), p.Denom())
	return q.Int64() * mult
}

// TestLevelPaymentIsExactlyRounded: the apd evaluation with escalating
// precision rounds exactly as the exact rational value does, including for
// tiny rates (where 1 − (1+r)^−n cancels most digits) and balloons close to
// the balance.
func TestLevelPaymentIsExactlyRounded(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		bal := rapid.Int64Range(1, 1_000_000_000_000).Draw(t, "bal")
		balloon := int64(0)
		if rapid.Bool().Draw(t, "withBalloon") {
			balloon = rapid.Int64Range(0, bal).Draw(t, "balloon")
		}
		num := rapid.Uint64Range(1, 500_000).Draw(t, "num")
		den := rapid.SampledFrom([]uint64{1_200_000, 12_000_000_000, 5_200_000, 400_000, 1_000_000}).Draw(t, "den")
		n := rapid.IntRange(1, 400).Draw(t, "n")
		mult := rapid.SampledFrom([]int64{1, 1, 100, 1000}).Draw(t, "mult")
		got, err := levelPayment(lendkit.New(bal, lendkit.EUR), lendkit.New(balloon, lendkit.EUR), smallRatio(num, den), n, Rules{PaymentMultiple: mult})
		if err != nil {
			t.Fatal(err)
		}
		if want := exactPayment(bal, balloon, num, den, n, mult); got.Minor() != want {
			t.Fatalf("payment %d, exact %d (bal %d balloon %d r %d/%d n %d mult %d)", got.Minor(), want, bal, balloon, num, den, n, mult)
		}
	})
}

// TestLevelPaymentOnHalf: a value exactly halfway between two cents rounds
// half-up (and half-even to the even cent): 1 minor unit over 2 periods at
// 0 % is 0.5 → 1; and a rate whose payment lands on .5 exactly.
func TestLevelPaymentOnHalf(t *testing.T) {
	t.Parallel()
	// r = 1 (100 % a period), n = 1: payment = bal·(1+r) = 2·bal exactly,
	// so use n = 2: bal·r·g²/(g² − 1) = bal·4/3 — not a half. Instead
	// r = 1, n = 1, balloon: (bal·2 − balloon)·1/(2 − 1) = 2·bal − balloon,
	// an integer; half cases come from the multiple: 250 minor units in
	// multiples of 100 is 2.5 → 3 half-up, 2 half-even.
	for _, tc := range []struct {
		mode lendkit.Rounding
		want int64
	}{{lendkit.HalfUp, 300}, {lendkit.HalfEven, 200}, {lendkit.Down, 200}, {lendkit.Up, 300}} {
		got, err := levelPayment(lendkit.New(125, lendkit.EUR), lendkit.New(0, lendkit.EUR), smallRatio(1, 1), 1, Rules{Payment: tc.mode, PaymentMultiple: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got.Minor() != tc.want {
			t.Errorf("%s: %d, want %d", tc.mode, got.Minor(), tc.want)
		}
	}
}

// TestLevelPaymentExactTie: (1·1.5 − 1)·0.5/(1.5 − 1) = 0.5 exactly, but
// apd evaluates it through (1.5)^−1 = 0.666…, which never terminates: no
// precision decides the tie, and the exact rational fallback does.
func TestLevelPaymentExactTie(t *testing.T) {
	t.Parallel()
	one := lendkit.New(1, lendkit.EUR)
	for _, tc := range []struct {
		mode lendkit.Rounding
		want int64
	}{{lendkit.HalfUp, 1}, {lendkit.HalfEven, 0}, {lendkit.Down, 0}, {lendkit.Ceiling, 1}} {
		got, err := levelPayment(one, one, smallRatio(1, 2), 1, Rules{Payment: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		if got.Minor() != tc.want {
			t.Errorf("closed form, %s: %d, want %d", tc.mode, got.Minor(), tc.want)
		}
		// The varying-rate formula over one period of rate 1/2 is the same.
		got, err = levelPaymentVarying(one, one, []ratio{smallRatio(1, 2)}, Rules{Payment: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		if got.Minor() != tc.want {
			t.Errorf("varying rates, %s: %d, want %d", tc.mode, got.Minor(), tc.want)
		}
	}
}

// TestLevelPaymentVaryingIsExactlyRounded: the day-based level payment
// rounds as the exact rational bal·Π(1+r_k) − balloon over Σ_j Π_{k>j}(1+r_k)
// does, for random period rates.
func TestLevelPaymentVaryingIsExactlyRounded(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		bal := rapid.Int64Range(1, 1_000_000_000_000).Draw(t, "bal")
		balloon := rapid.Int64Range(0, bal).Draw(t, "balloon")
		n := rapid.IntRange(1, 40).Draw(t, "n")
		rates := make([]ratio, n)
		h, sum := big.NewRat(1, 1), new(big.Rat)
		for j := range rates {
			// annual 0–30 % × 28–31 days / 360 or 365
			rates[j] = smallRatio(rapid.Uint64Range(0, 300_000).Draw(t, "annual")*rapid.Uint64Range(28, 31).Draw(t, "days"),
				1_000_000*rapid.SampledFrom([]uint64{360, 365}).Draw(t, "year"))
		}
		for j := n - 1; j >= 0; j-- {
			sum.Add(sum, h)
			h.Mul(h, new(big.Rat).Add(big.NewRat(1, 1), rates[j].rat()))
		}
		q := new(big.Rat).Mul(new(big.Rat).SetInt64(bal), h)
		q.Sub(q, new(big.Rat).SetInt64(balloon))
		q.Quo(q, sum)
		want, err := roundRat(q, lendkit.HalfUp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := levelPaymentVarying(lendkit.New(bal, lendkit.EUR), lendkit.New(balloon, lendkit.EUR), rates, Rules{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Minor() != want {
			t.Fatalf("payment %d, exact %d", got.Minor(), want)
		}
	})
}
