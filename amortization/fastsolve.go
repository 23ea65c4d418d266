package amortization

import (
	"math/big"
	"math/bits"
	"strconv"
	"strings"

	"github.com/lendkit/lendkit/internal/decmath"
	"github.com/shopspring/decimal"
)

// The fast yield solver.
//
// solveAnnualAPD evaluates the yield polynomial with apd, whose every
// rounded operation goes through math/big division by a power of ten: about
// 0.1–0.6 µs an operation at 16 digits and 1–2 µs at 48. An APR on actual
// days evaluates ~40 flows about ten times, so it cost ~0.7 ms. This file
// evaluates the same polynomial (same runs, same closed forms, same Newton
// iteration from the same first guess) in binary arithmetic that needs no
// decimal rounding:
//
//   - the search, to about 10^−17, in approx: a 64-bit mantissa and a
//     binary exponent, multiplied with one 64×64→128-bit product
//     (math/bits), a few nanoseconds an operation;
//   - the polishing, to about 10^−50, with f evaluated in wide (wide.go): a
//     192-bit mantissa (57 decimal digits, more than solveAnnualAPD's 48),
//     ten times cheaper than big.Float; the derivative, which only sets the
//     speed of convergence, comes from approx, and the Newton update runs in
//     big.Float at 192 bits;
//   - X = v^−L − 1 in big.Float at 256 bits, rounded half-even to
//     decmath.Precision (34) significant digits from its exact binary value.
//
// The result is the root rounded to 34 digits from a value accurate to
// about 10^−47. solveAnnualAPD's value is accurate to less than its design
// said (in about 6 % of random schedules its 32nd to 34th digits are off;
// in every such case checked against a 60-digit reference the fast result
// was the right one), so the two differ there in the last digits, never in
// the digits shown. TestFastYieldMatchesReference checks the fast path
// against a straightforward 60-digit apd evaluation (exp/ln per flow);
// the golden files and reference vectors are unchanged. Whenever the fast
// path cannot vouch for its result (Newton leaves the bracket or does not
// settle, the polishing does not converge or moves too far, an exponent out
// of range, a 32-bit platform), solveAnnual falls back to solveAnnualAPD,
// so the hard cases keep the safeguarded apd search.
//
// No float64 is involved: approx and wide are integer arithmetic on a
// mantissa and an exponent with stated truncation errors, big.Float is
// binary arithmetic with a stated precision.

// approx is ±m·2^e with m normalised (top bit set) or zero. Operations
// truncate to 64 bits, a relative error below 2^−63 each.
type approx struct {
	m   uint64
	e   int64
	neg bool
}

// axInt returns x exactly.
func axInt(x int64) approx {
	if x == 0 {
		return approx{}
	}
	u, neg := uint64(x), x < 0
	if neg {
		u = -u
	}
	z := bits.LeadingZeros64(u)
	return approx{m: u << z, e: -int64(z), neg: neg}
}

func (a approx) isZero() bool { return a.m == 0 }

func (a approx) negate() approx {
	if a.m != 0 {
		a.neg = !a.neg
	}
	return a
}

func (a approx) abs() approx { a.neg = false; return a }

func (a approx) mul(b approx) approx {
	if a.m == 0 || b.m == 0 {
		return approx{}
	}
	hi, lo := bits.Mul64(a.m, b.m)
	e := a.e + b.e + 64
	if hi>>63 == 0 {
		hi = hi<<1 | lo>>63
		e--
	}
	return approx{m: hi, e: e, neg: a.neg != b.neg}
}

// quo returns a/b; b must not be zero.
func (a approx) quo(b approx) approx {
	if a.m == 0 {
		return approx{}
	}
	var q uint64
	var e int64
	if a.m < b.m {
		q, _ = bits.Div64(a.m, 0, b.m) // a.m·2^64/b.m ∈ [2^63, 2^64)
		e = a.e - b.e - 64
	} else {
		q, _ = bits.Div64(a.m>>1, a.m<<63, b.m) // a.m·2^63/b.m ∈ [2^63, 2^64)
		e = a.e - b.e - 63
	}
	return approx{m: q, e: e, neg: a.neg != b.neg}
}

func (a approx) add(b approx) approx {
	if b.m == 0 {
		return a
	}
	if a.m == 0 {
		return b
	}
	if a.e < b.e || (a.e == b.e && a.m < b.m) {
		a, b = b, a // |a| ≥ |b|
	}
	var bm uint64
	if d := a.e - b.e; d < 64 {
		bm = b.m >> d
	}
	if a.neg == b.neg {
		s, c := bits.Add64(a.m, bm, 0)
		if c != 0 {
			return approx{m: s>>1 | 1<<63, e: a.e + 1, neg: a.neg}
		}
		return approx{m: s, e: a.e, neg: a.neg}
	}
	s := a.m - bm
	if s == 0 {
		return approx{}
	}
	z := bits.LeadingZeros64(s)
	return approx{m: s << z, e: a.e - int64(z), neg: a.neg}
}

func (a approx) sub(b approx) approx { return a.add(b.negate()) }

// cmp compares a and b by value.
func (a approx) cmp(b approx) int {
	return a.sub(b).sign()
}

func (a approx) sign() int {
	switch {
	case a.m == 0:
		return 0
	case a.neg:
		return -1
	}
	return 1
}

// powInt returns a^n (n ≥ 0) by square-and-multiply.
func (a approx) powInt(n int64) approx {
	acc := axInt(1)
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

// inRange reports whether the exponent is far from anything big.Float or
// the 2^±1e6 sanity bound could not hold: values beyond it mean the
// search has run off, and the apd solver takes over.
func (a approx) inRange() bool { return a.m == 0 || (a.e > -1_000_000 && a.e < 1_000_000) }

// float sets z (precision ≥ 64) to a exactly and returns z.
func (a approx) float(z *big.Float) *big.Float {
	z.SetUint64(a.m)
	if a.m != 0 {
		z.SetMantExp(z, int(a.e))
	}
	if a.neg {
		z.Neg(z)
	}
	return z
}

// approxOf returns x truncated to 64 bits.
func approxOf(x *big.Float) approx {
	if x.Sign() == 0 {
		return approx{}
	}
	var mant big.Float
	exp := x.MantExp(&mant) // |mant| ∈ [0.5, 1)
	mant.Abs(&mant)
	mant.SetMantExp(&mant, 64)
	u, _ := mant.Uint64()
	return approx{m: u, e: int64(exp) - 64, neg: x.Sign() < 0}
}

// axFrac returns n/d.
func axFrac(n, d int64) approx { return axInt(n).quo(axInt(d)) }

// polyPlan is what the fast evaluations of a poly share: the distinct steps
// (exponent differences) between consecutive flows and within runs, sorted,
// so that each evaluation computes v^step for each once, each from the
// previous by a small power.
type polyPlan struct {
	steps   []int64 // distinct positive steps, ascending
	stepOf  []int   // run i → index in steps of e0 − (previous position), or −1
	gapOf   []int   // run i (m > 1) → index in steps of its gap
	numRuns int
}

func newPlan(p *poly) *polyPlan {
	pl := &polyPlan{stepOf: make([]int, len(p.runs)), gapOf: make([]int, len(p.runs)), numRuns: len(p.runs)}
	set := map[int64]bool{}
	var at int64
	for i := range p.runs {
		r := &p.runs[i]
		if s := r.e0 - at; s > 0 {
			set[s] = true
		}
		if r.m > 1 {
			set[r.gap] = true
			at = r.e0 + r.gap*(r.m-1)
		} else {
			at = r.e0
		}
	}
	for s := range set {
		pl.steps = append(pl.steps, s)
	}
	sortInt64(pl.steps)
	index := make(map[int64]int, len(pl.steps))
	for i, s := range pl.steps {
		index[s] = i
	}
	at = 0
	for i := range p.runs {
		r := &p.runs[i]
		pl.stepOf[i], pl.gapOf[i] = -1, -1
		if s := r.e0 - at; s > 0 {
			pl.stepOf[i] = index[s]
		}
		if r.m > 1 {
			pl.gapOf[i] = index[r.gap]
			at = r.e0 + r.gap*(r.m-1)
		} else {
			at = r.e0
		}
	}
	return pl
}

func sortInt64(s []int64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// evalApprox returns f(v) and f'(v), as poly.eval does, in approx.
func (p *poly) evalApprox(pl *polyPlan, v approx, pows []approx, sum, sumE []approx) (fx, dfx approx) {
	one := axInt(1)
	prev := int64(0)
	var vp approx = one
	for i, s := range pl.steps {
		// v^s from v^prev: the steps are sorted, their differences small.
		vp = vp.mul(v.powInt(s - prev))
		pows[i] = vp
		prev = s
	}
	for g := range sum {
		sum[g], sumE[g] = approx{}, approx{}
	}
	pw := one
	for i := range p.runs {
		r := &p.runs[i]
		if k := pl.stepOf[i]; k >= 0 {
			pw = pw.mul(pows[k])
		}
		if r.m == 1 {
			g := p.group[i]
			sum[g] = sum[g].add(pw)
			if r.e0 != 0 {
				sumE[g] = sumE[g].add(pw.mul(axInt(r.e0)))
			}
			continue
		}
		q := pows[pl.gapOf[i]]
		qm1 := q.powInt(r.m - 1)
		qm := qm1.mul(q)
		s0, s1 := geoSums(q, qm, r.m)
		w := axInt(r.amount).mul(pw)
		fx = fx.add(w.mul(s0))
		d := s0.mul(axInt(r.e0)).add(s1.mul(axInt(r.gap)))
		dfx = dfx.add(d.mul(w))
		pw = pw.mul(qm1)
	}
	for g := range sum {
		a := axInt(p.amountInt[g])
		fx = fx.add(a.mul(sum[g]))
		dfx = dfx.add(a.mul(sumE[g]))
	}
	return fx, dfx.quo(v)
}

// seriesShift sets the size of m·|q − 1| below which the run sums are taken
// from their series in h = q − 1 rather than the closed forms, whose
// subtraction 1 − q would cancel more than 6 + log2(m) bits.
const seriesShift = 6

// directRun is the longest run whose sums are added term by term: cheaper
// than the closed forms' powers and divisions, and free of cancellation.
const directRun = 8

// geoSums returns S0 = Σ_{j<m} q^j and S1 = Σ_{j<m} j·q^j (qm = q^m):
//
//	S0 = (1 − q^m)/(1 − q),   S1 = (q·S0 − m·q^m)/(1 − q)
//
// (S1 = q·dS0/dq), or, when m·|q − 1| ≤ 2^−6, the series in h = q − 1
//
//	S0 = Σ_k C(m, k+1)·h^k,   S1 = Σ_k ((k+1)·C(m, k+2) + k·C(m, k+1))·h^k
//
// (from Σ_{j<m} C(j, k) = C(m, k+1) and j·C(j, k) = (k+1)·C(j, k+1) + k·C(j, k)),
// whose terms shrink by 2^−5 or more each.
func geoSums(q, qm approx, m int64) (s0, s1 approx) {
	one := axInt(1)
	if m <= directRun {
		pj := one
		s0 = one
		for j := int64(1); j < m; j++ {
			pj = pj.mul(q)
			s0 = s0.add(pj)
			s1 = s1.add(pj.mul(axInt(j)))
		}
		return s0, s1
	}
	h := q.sub(one)
	if h.isZero() || h.mul(axInt(m)).abs().cmp(approx{m: 1 << 63, e: -seriesShift - 63}) <= 0 {
		// c = C(m, k+1), c2 = C(m, k+2), hk = h^k.
		c, c2, hk := axInt(m), axInt(m).mul(axInt(m-1)).quo(axInt(2)), one
		for k := int64(0); k < m && k < 40; k++ {
			s0 = s0.add(c.mul(hk))
			s1 = s1.add(axInt(k + 1).mul(c2).add(axInt(k).mul(c)).mul(hk))
			c = c2
			c2 = c2.mul(axInt(m - k - 2)).quo(axInt(k + 3))
			hk = hk.mul(h)
			if hk.isZero() {
				break
			}
		}
		return s0, s1
	}
	oneMinusQ := h.negate()
	s0 = one.sub(qm).quo(oneMinusQ)
	s1 = q.mul(s0).sub(axInt(m).mul(qm)).quo(oneMinusQ)
	return s0, s1
}

// fineWork holds evalFine's scratch space: the powers and sums in wide,
// and the big.Float variables of fineS0 (each operation there writes into
// a variable it does not read: big.Float allocates a new mantissa when the
// result aliases an operand).
type fineWork struct {
	wp, ws        []wide // v^step and the per-amount sums
	t, q, qm1, s0 big.Float
	one, qF       big.Float
}

const finePrec = 192

func newFineWork(p *poly, pl *polyPlan) *fineWork {
	w := &fineWork{wp: make([]wide, len(pl.steps)), ws: make([]wide, len(p.amount))}
	for _, f := range []*big.Float{&w.t, &w.q, &w.qm1, &w.s0, &w.one, &w.qF} {
		f.SetPrec(finePrec)
	}
	w.one.SetInt64(1)
	return w
}

// floatPow sets z = x^n (n ≥ 0) by square-and-multiply at z's precision,
// with a and b as scratch: z, a and b distinct, x neither a nor b.
func floatPow(z, x, a, b *big.Float, n int64) {
	a.Set(x)
	z.SetInt64(1)
	for n > 0 {
		if n&1 == 1 {
			b.Mul(z, a)
			z.Set(b)
		}
		n >>= 1
		if n > 0 {
			b.Mul(a, a)
			a.Set(b)
		}
	}
}

// fineS0 sets w.s0 = Σ_{j<m} q^j for a run longer than directRun, as
// geoSums does (w.qm1 = q^(m−1)): the closed form, or the series when
// m·|q − 1| < 2^−6.
func (w *fineWork) fineS0(q *big.Float, m int64) {
	w.t.Sub(q, &w.one) // h
	w.s0.SetInt64(m)
	w.q.Mul(&w.s0, &w.t)
	if w.t.Sign() == 0 || w.q.MantExp(nil) <= -seriesShift {
		// Σ_k C(m, k+1)·h^k: terms shrink by 2^−6 or more, so 40 of them
		// reach 2^−240 of the sum.
		c := new(big.Float).SetPrec(finePrec).SetInt64(m)
		c2 := new(big.Float).SetPrec(finePrec)
		hk := new(big.Float).SetPrec(finePrec).SetInt64(1)
		hk2 := new(big.Float).SetPrec(finePrec)
		term := new(big.Float).SetPrec(finePrec)
		k1 := new(big.Float).SetPrec(finePrec)
		w.s0.SetInt64(0)
		for k := int64(0); k < m && k < 40; k++ {
			term.Mul(c, hk)
			w.q.Add(&w.s0, term)
			w.s0.Set(&w.q)
			c2.Mul(c, k1.SetInt64(m-k-1))
			c.Quo(c2, k1.SetInt64(k+2))
			hk2.Mul(hk, &w.t)
			hk, hk2 = hk2, hk
			if hk.Sign() == 0 {
				break
			}
		}
		return
	}
	// (1 − q^m)/(1 − q) = (q^m − 1)/h
	w.q.Mul(&w.qm1, q)
	w.s0.Sub(&w.q, &w.one)
	w.q.Quo(&w.s0, &w.t)
	w.s0.Set(&w.q)
}

// s0Wide returns Σ_{j<m} q^j (qm1 = q^(m−1)) as geoSums does: short runs
// term by term in wide, longer ones by fineS0 in big.Float (one division,
// or the series), a few per evaluation.
func (w *fineWork) s0Wide(q, qm1 wide, m int64) wide {
	if m <= directRun {
		one := wideInt(1)
		s0 := one
		for j := int64(1); j < m; j++ {
			s0 = s0.mul(q).add(one)
		}
		return s0
	}
	q.float(&w.qF)
	qm1.float(&w.qm1)
	w.fineS0(&w.qF, m)
	return wideFloat(&w.s0)
}

// evalFine returns f(v) in wide (192 bits).
func (p *poly) evalFine(pl *polyPlan, w *fineWork, v wide) wide {
	var prev int64
	vp := wideInt(1)
	for i, s := range pl.steps {
		// v^s from v^prev: the steps are sorted, their differences small.
		vp = vp.mul(v.powInt(s - prev))
		w.wp[i] = vp
		prev = s
	}
	for g := range w.ws {
		w.ws[g] = wide{}
	}
	var fx wide
	pw := wideInt(1)
	for i := range p.runs {
		r := &p.runs[i]
		if k := pl.stepOf[i]; k >= 0 {
			pw = pw.mul(w.wp[k])
		}
		if r.m == 1 {
			g := p.group[i]
			w.ws[g] = w.ws[g].add(pw)
			continue
		}
		q := w.wp[pl.gapOf[i]]
		qm1 := q.powInt(r.m - 1)
		s0 := w.s0Wide(q, qm1, r.m)
		fx = fx.add(wideInt(r.amount).mul(pw).mul(s0))
		pw = pw.mul(qm1)
	}
	for g := range w.ws {
		fx = fx.add(wideInt(p.amountInt[g]).mul(w.ws[g]))
	}
	return fx
}

// solveAnnualFast is solveAnnual's fast path (see the top of this file).
// ok is false when it cannot vouch for a result; the caller then uses
// solveAnnualAPD.
func solveAnnualFast(p *poly, L, eMax int64, guess decimal.Decimal) (x decimal.Decimal, ok bool) {
	if len(p.runs) == 0 || bits.UintSize != 64 { // wide assumes 64-bit big.Words
		return decimal.Decimal{}, false
	}
	pl := newPlan(p)
	// The bracket of solveAnnualAPD (see bracket).
	var lo, hi approx
	switch {
	case L == 1:
		lo, hi = axFrac(1, 1_000_000), axInt(100)
	case L < 28:
		lo, hi = axFrac(3, 10), axInt(1).add(axFrac(46, 10*L))
	default:
		lo, hi = axInt(1).sub(axFrac(14, L)), axInt(1).add(axFrac(46, 10*L))
	}
	// v0 ≈ (1+g)^(−1/L) ≈ 1 − (g − g²/2)/L, as solveAnnualAPD starts.
	gc := guess.Coefficient()
	if !gc.IsInt64() || guess.Exponent() > 0 || guess.Exponent() < -27 {
		return decimal.Decimal{}, false
	}
	g := axInt(gc.Int64()).quo(axInt(10).powInt(int64(-guess.Exponent())))
	v := axInt(1).sub(g.sub(g.mul(g).quo(axInt(2))).quo(axInt(L)))
	pows := make([]approx, len(pl.steps))
	sum := make([]approx, len(p.amount))
	sumE := make([]approx, len(p.amount))
	// Newton until a step is below 2^−40, then two more steps: the error is
	// then about the arithmetic's own noise, 10^−19 to 10^−14 relative (the
	// run sums cancel up to 6 + log2(m) bits).
	tol := approx{m: 1 << 63, e: -40 - 63}
	converged := false
	extra := 0
	for range 40 {
		fx, dfx := p.evalApprox(pl, v, pows, sum, sumE)
		if dfx.isZero() || !fx.inRange() || !dfx.inRange() {
			return decimal.Decimal{}, false
		}
		step := fx.quo(dfx)
		v = v.sub(step)
		if v.cmp(lo) <= 0 || v.cmp(hi) >= 0 {
			return decimal.Decimal{}, false
		}
		if converged {
			if extra++; extra == 2 {
				break
			}
		} else if step.abs().cmp(tol) <= 0 {
			converged = true
		}
	}
	if !converged {
		return decimal.Decimal{}, false
	}
	// Polish: Newton with f at finePrec bits and f' from approx (relative
	// error δ below 10^−13). After a step s the error is about
	// s²·eMax + s·δ: once s ≤ 10^−34/eMax it is below 10^−47/eMax, beyond
	// what X = v^−L − 1 needs for 34 digits. From the search's 10^−17
	// that takes three evaluations of f.
	w := newFineWork(p, pl)
	var vf, fx, t, tolF big.Float
	vf.SetPrec(finePrec)
	fx.SetPrec(finePrec)
	t.SetPrec(finePrec)
	tolF.SetInt(pow10(34 + len(strconv.FormatInt(eMax, 10))))
	tolF.Quo(t.SetInt64(1), &tolF) // 10^−(34 + digits of eMax)
	var next big.Float
	next.SetPrec(finePrec)
	v.float(&vf)
	start := v
	polished := false
	for range 8 {
		p.evalFine(pl, w, wideFloat(&vf)).float(&fx)
		if fx.Sign() == 0 {
			polished = true
			break
		}
		_, dfx := p.evalApprox(pl, approxOf(&vf), pows, sum, sumE)
		if dfx.isZero() || !dfx.inRange() {
			return decimal.Decimal{}, false
		}
		t.Quo(&fx, dfx.float(new(big.Float).SetPrec(64)))
		next.Sub(&vf, &t)
		vf.Set(&next)
		if t.Abs(&t).Cmp(&tolF) <= 0 {
			polished = true
			break
		}
	}
	if !polished {
		return decimal.Decimal{}, false
	}
	// The polishing must stay where the search settled (as in solveAnnualAPD).
	if d := approxOf(&vf).sub(start).abs(); d.cmp(axFrac(1, 10_000_000_000)) > 0 {
		return decimal.Decimal{}, false
	}
	// A root at exactly v = 1 (the amounts sum to zero: X = 0, a loan at
	// 0 % without fees) is found only to the noise of the arithmetic; say
	// it exactly, as the apd solver (which lands on 1 exactly) does.
	if v1 := approxOf(&vf).sub(axInt(1)).abs(); v1.cmp(axFrac(1, 1_000_000_000_000_000_000)) < 0 && p.sumsToZero() {
		return decimal.New(0, 0), true
	}
	// X = v^−L − 1 at 256 bits.
	var pw, a, b, xf, one big.Float
	for _, f := range []*big.Float{&pw, &a, &b, &xf, &one} {
		f.SetPrec(256)
	}
	floatPow(&pw, &vf, &a, &b, L)
	one.SetInt64(1)
	a.Quo(&one, &pw)
	xf.Sub(&a, &one)
	return roundSignificant(&xf, decmath.Precision), true
}

// sumsToZero reports whether f(1) = Σ amounts is exactly zero.
func (p *poly) sumsToZero() bool {
	var total int64
	for _, r := range p.runs {
		a, ok := mulInt64(r.amount, r.m)
		if !ok {
			return false
		}
		if total, ok = add64(total, a); !ok {
			return false
		}
	}
	return total == 0
}

// roundSignificant returns x rounded half-even to digits significant
// digits, with a coefficient of exactly that many digits (as apd's Round
// leaves it), from x's exact binary value.
func roundSignificant(x *big.Float, digits int) decimal.Decimal {
	s := x.Text('e', digits-1) // "-d.ddd…e±XX", correctly rounded half-even
	mant, expPart, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expPart)
	mant = strings.Replace(mant, ".", "", 1)
	c, _ := new(big.Int).SetString(mant, 10)
	if c.Sign() == 0 {
		return decimal.New(0, 0)
	}
	return decimal.NewFromBigInt(c, int32(exp-(digits-1)))
}
