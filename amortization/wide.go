package amortization

import (
	"math/big"
	"math/bits"
)

// wide is ±(h·2^128 + m·2^64 + l)·2^e, a 192-bit mantissa with its top bit
// set (or zero): the fine evaluation of the yield polynomial. Each
// operation truncates once, a relative error below 2^−190. Unlike
// big.Float it is a plain value (separate words rather than an array, so
// that the compiler keeps it in registers) and allocates nothing.
type wide struct {
	h, m, l uint64
	e       int64
	neg     bool
}

func wideInt(x int64) wide { return wideOf(axInt(x)) }

// wideOf returns a exactly.
func wideOf(a approx) wide {
	if a.m == 0 {
		return wide{}
	}
	return wide{h: a.m, e: a.e - 128, neg: a.neg}
}

// normalise shifts the 4-word magnitude h:m:l:g (g a guard word) left until
// the top bit is set; it returns the top three words, the shift, and false
// when the magnitude is zero.
func normalise(h, m, l, g uint64) (uint64, uint64, uint64, int64, bool) {
	s := int64(0)
	for h == 0 {
		if m == 0 && l == 0 && g == 0 {
			return 0, 0, 0, 0, false
		}
		h, m, l, g = m, l, g, 0
		s += 64
	}
	if z := uint(bits.LeadingZeros64(h)); z > 0 {
		h = h<<z | m>>(64-z)
		m = m<<z | l>>(64-z)
		l = l<<z | g>>(64-z)
		s += int64(z)
	}
	return h, m, l, s, true
}

// mac returns the two-word sum hi:lo + x·y + c (which cannot overflow 128
// bits when hi:lo and c are below 2^64... see mul).
func mac(x, y, lo, c uint64) (uint64, uint64) {
	hi, l := bits.Mul64(x, y)
	var k uint64
	l, k = bits.Add64(l, lo, 0)
	hi += k
	l, k = bits.Add64(l, c, 0)
	hi += k
	return hi, l
}

func (a wide) mul(b wide) wide {
	if a.h == 0 || b.h == 0 {
		return wide{}
	}
	// Schoolbook product of a = a2:a1:a0 and b = b2:b1:b0 into r5…r0.
	a0, a1, a2 := a.l, a.m, a.h
	b0, b1, b2 := b.l, b.m, b.h
	var r0, r1, r2, r3, r4, r5, c uint64
	c, r0 = mac(a0, b0, 0, 0)
	c, r1 = mac(a0, b1, 0, c)
	c, r2 = mac(a0, b2, 0, c)
	r3 = c
	c, r1 = mac(a1, b0, r1, 0)
	c, r2 = mac(a1, b1, r2, c)
	c, r3 = mac(a1, b2, r3, c)
	r4 = c
	c, r2 = mac(a2, b0, r2, 0)
	c, r3 = mac(a2, b1, r3, c)
	c, r4 = mac(a2, b2, r4, c)
	r5 = c
	_, _ = r0, r1 // below the guard word: they only decide the truncation
	h, m, l, s, _ := normalise(r5, r4, r3, r2)
	return wide{h: h, m: m, l: l, e: a.e + b.e + 192 - s, neg: a.neg != b.neg}
}

// shr returns h:m:l shifted right by d ≥ 0 bits (truncating).
func shr(h, m, l uint64, d int64) (uint64, uint64, uint64) {
	if d >= 192 {
		return 0, 0, 0
	}
	for d >= 64 {
		h, m, l = 0, h, m
		d -= 64
	}
	if d > 0 {
		u := uint(d)
		l = l>>u | m<<(64-u)
		m = m>>u | h<<(64-u)
		h >>= u
	}
	return h, m, l
}

// magLess reports whether |a| < |b| for mantissas with equal exponents.
func magLess(a, b wide) bool {
	if a.h != b.h {
		return a.h < b.h
	}
	if a.m != b.m {
		return a.m < b.m
	}
	return a.l < b.l
}

func (a wide) add(b wide) wide {
	if b.h == 0 {
		return a
	}
	if a.h == 0 {
		return b
	}
	if a.e < b.e || (a.e == b.e && magLess(a, b)) {
		a, b = b, a // |a| ≥ |b|
	}
	bh, bm, bl := shr(b.h, b.m, b.l, a.e-b.e)
	if a.neg == b.neg {
		l, c := bits.Add64(a.l, bl, 0)
		m, c := bits.Add64(a.m, bm, c)
		h, c := bits.Add64(a.h, bh, c)
		if c != 0 {
			h, m, l = shr(h, m, l, 1)
			return wide{h: h | 1<<63, m: m, l: l, e: a.e + 1, neg: a.neg}
		}
		return wide{h: h, m: m, l: l, e: a.e, neg: a.neg}
	}
	l, bw := bits.Sub64(a.l, bl, 0)
	m, bw := bits.Sub64(a.m, bm, bw)
	h, _ := bits.Sub64(a.h, bh, bw)
	h, m, l, s, ok := normalise(h, m, l, 0)
	if !ok {
		return wide{}
	}
	return wide{h: h, m: m, l: l, e: a.e - s, neg: a.neg}
}

func (a wide) sub(b wide) wide {
	if b.h != 0 {
		b.neg = !b.neg
	}
	return a.add(b)
}

// powInt returns a^n (n ≥ 0) by square-and-multiply.
func (a wide) powInt(n int64) wide {
	if n == 1 {
		return a
	}
	acc := wideInt(1)
	for n > 0 {
		if n&1 == 1 {
			acc = acc.mul(a)
		}
		n >>= 1
		if n > 0 {
			a = a.mul(a)
		}
	}
	return acc
}

// float sets z (precision ≥ 192) to a exactly and returns z. It assumes
// 64-bit big.Words (solveAnnualFast checks).
func (a wide) float(z *big.Float) *big.Float {
	if a.h == 0 {
		return z.SetInt64(0)
	}
	var i big.Int
	i.SetBits([]big.Word{big.Word(a.l), big.Word(a.m), big.Word(a.h)})
	z.SetInt(&i)
	z.SetMantExp(z, int(a.e))
	if a.neg {
		z.Neg(z)
	}
	return z
}

// wideFloat returns x truncated to 192 bits.
func wideFloat(x *big.Float) wide {
	if x.Sign() == 0 {
		return wide{}
	}
	var mant big.Float
	mant.SetPrec(x.Prec())
	exp := x.MantExp(&mant) // |mant| ∈ [0.5, 1)
	mant.Abs(&mant)
	mant.SetMantExp(&mant, 192)
	var i big.Int
	mant.Int(&i)
	var w [3]uint64
	for k, d := range i.Bits() {
		if k < 3 {
			w[k] = uint64(d)
		}
	}
	return wide{h: w[2], m: w[1], l: w[0], e: int64(exp) - 192, neg: x.Sign() < 0}
}
