package lendkit

import (
	"fmt"
	"math/big"
	"math/bits"
	"slices"

	"github.com/shopspring/decimal"
)

// Allocate splits total into len(weights) parts proportional to weights by the
// largest-remainder method, so that:
//
//   - the parts sum exactly to total;
//   - each part is its exact share rounded toward zero, or one minor unit more
//     (so within one minor unit of the exact share);
//   - a zero weight gets zero;
//   - the leftover minor units go to the parts with the largest remainders;
//     equal remainders are broken by position, the earlier weight first. The
//     result is therefore deterministic, but it does depend on the order of
//     equal-remainder weights: callers who need order independence sort their
//     holders by a stable key first.
//
// A negative total is split as its absolute value and every part negated.
// Negative weights, an empty or all-zero weight vector are ErrInvalidWeights.
// Allocate runs in time linear in len(weights) and allocates two slices.
func Allocate(total Money, weights []int64) ([]Money, error) {
	if len(weights) == 0 {
		return nil, fmt.Errorf("%w: no weights", ErrInvalidWeights)
	}
	var sum uint64
	overflow := false
	for i, w := range weights {
		if w < 0 {
			return nil, fmt.Errorf("%w: weight %d is negative (%d)", ErrInvalidWeights, i, w)
		}
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(w), 0)
		overflow = overflow || carry != 0
	}
	if overflow {
		bw := make([]*big.Int, len(weights))
		for i, w := range weights {
			bw[i] = big.NewInt(w)
		}
		return allocateBig(total, bw)
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: all %d weights are zero", ErrInvalidWeights, len(weights))
	}
	return allocateUint(total, weights, sum), nil
}

// AllocateDecimal is Allocate with decimal weights (outstanding principals in
// major units, percentages such as 33.3333). Weights are scaled exactly to a
// common integer scale, so no rounding happens before the split.
func AllocateDecimal(total Money, weights []decimal.Decimal) ([]Money, error) {
	if len(weights) == 0 {
		return nil, fmt.Errorf("%w: no weights", ErrInvalidWeights)
	}
	minExp := int32(0)
	for i, w := range weights {
		if w.Sign() < 0 {
			return nil, fmt.Errorf("%w: weight %d is negative (%s)", ErrInvalidWeights, i, w)
		}
		minExp = min(minExp, w.Exponent())
	}
	ints := make([]int64, len(weights))
	fits := true
	bw := make([]*big.Int, len(weights))
	for i, w := range weights {
		c := w.Coefficient()
		if e := w.Exponent() - minExp; e > 0 {
			c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil))
		}
		bw[i] = c
		if fits && c.IsInt64() {
			ints[i] = c.Int64()
		} else {
			fits = false
		}
	}
	if fits {
		return Allocate(total, ints)
	}
	return allocateBig(total, bw)
}

// allocateUint is the fast path: weights are non-negative and their sum, which
// is positive, fits in a uint64. Products use 128-bit arithmetic.
func allocateUint(total Money, weights []int64, sum uint64) []Money {
	neg := total.minor < 0
	t := uint64(total.minor)
	if neg {
		t = -t
	}
	parts := make([]Money, len(weights))
	rem := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		hi, lo := bits.Mul64(t, uint64(w))
		// hi < sum always holds: the quotient t*w/sum ≤ t fits in 64 bits.
		q, r := bits.Div64(hi, lo, sum)
		parts[i].minor = int64(q)
		rem[i] = r
		given += q
	}
	leftover := int(t - given) // < number of non-zero remainders ≤ len(weights)
	if leftover > 0 {
		top := largestRemainders(len(weights), leftover, func(i int) bool { return rem[i] != 0 },
			func(a, b int32) bool { return rem[a] > rem[b] || (rem[a] == rem[b] && a < b) })
		for _, i := range top {
			parts[i].minor++
		}
	}
	for i := range parts {
		parts[i].cur = total.cur
		if neg {
			parts[i].minor = int64(-uint64(parts[i].minor))
		}
	}
	return parts
}

// allocateBig is the arbitrary-precision path for weights whose sum does not
// fit in 64 bits. It follows exactly the same rule as allocateUint.
func allocateBig(total Money, weights []*big.Int) ([]Money, error) {
	sum := new(big.Int)
	for _, w := range weights {
		sum.Add(sum, w)
	}
	if sum.Sign() == 0 {
		return nil, fmt.Errorf("%w: all %d weights are zero", ErrInvalidWeights, len(weights))
	}
	t := big.NewInt(total.minor)
	t.Abs(t)
	parts := make([]Money, len(weights))
	rem := make([]*big.Int, len(weights))
	given := new(big.Int)
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(t, w), sum, new(big.Int))
		parts[i].minor = int64(q.Uint64()) // q ≤ |total| ≤ 2^63
		rem[i] = r
		given.Add(given, q)
	}
	leftover := int(new(big.Int).Sub(t, given).Int64())
	if leftover > 0 {
		top := largestRemainders(len(weights), leftover, func(i int) bool { return rem[i].Sign() != 0 },
			func(a, b int32) bool {
				c := rem[a].Cmp(rem[b])
				return c > 0 || (c == 0 && a < b)
			})
		for _, i := range top {
			parts[i].minor++
		}
	}
	for i := range parts {
		parts[i].cur = total.cur
		if total.minor < 0 {
			parts[i].minor = int64(-uint64(parts[i].minor))
		}
	}
	return parts, nil
}

// largestRemainders returns the k candidates (indices i < n with eligible(i))
// that come first by before, using an introselect: quickselect with a bounded
// number of rounds, then a sort of what is left. The order of the returned
// indices is unspecified.
func largestRemainders(n, k int, eligible func(int) bool, before func(a, b int32) bool) []int32 {
	idx := make([]int32, 0, n)
	for i := range n {
		if eligible(i) {
			idx = append(idx, int32(i))
		}
	}
	if k >= len(idx) {
		return idx
	}
	lo, hi := 0, len(idx) // the k-th element lies in idx[lo:hi]
	for rounds := 2 * bits.Len(uint(len(idx))); hi-lo > 16 && rounds > 0; rounds-- {
		p := medianOfThree(idx, lo, lo+(hi-lo)/2, hi-1, before)
		idx[p], idx[hi-1] = idx[hi-1], idx[p]
		pivot := idx[hi-1]
		store := lo
		for i := lo; i < hi-1; i++ {
			if before(idx[i], pivot) {
				idx[store], idx[i] = idx[i], idx[store]
				store++
			}
		}
		idx[store], idx[hi-1] = idx[hi-1], idx[store]
		switch {
		case store == k:
			return idx[:k]
		case store < k:
			lo = store + 1
		default:
			hi = store
		}
	}
	slices.SortFunc(idx[lo:hi], func(a, b int32) int {
		if before(a, b) {
			return -1
		}
		return 1 // keys are unique: the index breaks every tie
	})
	return idx[:k]
}

func medianOfThree(idx []int32, a, b, c int, before func(a, b int32) bool) int {
	if before(idx[b], idx[a]) {
		a, b = b, a
	}
	if before(idx[c], idx[b]) {
		b = c
		if before(idx[b], idx[a]) {
			b = a
		}
	}
	return b
}
