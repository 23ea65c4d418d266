package amortization

import (
	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit/internal/decmath"
)

// run is a stretch of cash flows of one amount at evenly spaced exponents:
// amount·v^e0, amount·v^(e0+gap), …, m flows in all. A loan's level
// instalments are one run, so the yield equation of a 360-month annuity has
// three terms instead of 361.
type run struct {
	amount    int64
	e0, gap   int64
	m         int64
	amountDec apd.Decimal
}

// runsOf compresses flows sorted by exponent into runs; flows at the same
// exponent are added first (exps ascending, amounts in minor units).
func runsOf(amounts, exps []int64) []run {
	merged := make([][2]int64, 0, len(amounts))
	for i := range amounts {
		if n := len(merged); n > 0 && merged[n-1][1] == exps[i] {
			if sum, ok := add64(merged[n-1][0], amounts[i]); ok {
				merged[n-1][0] = sum
				continue
			} // else keep them apart: two terms at one exponent are fine
		}
		merged = append(merged, [2]int64{amounts[i], exps[i]})
	}
	var runs []run
	for i := 0; i < len(merged); {
		r := run{amount: merged[i][0], e0: merged[i][1], gap: 1, m: 1}
		j := i + 1
		if j < len(merged) && merged[j][0] == r.amount {
			r.gap = merged[j][1] - r.e0
			for j < len(merged) && merged[j][0] == r.amount && merged[j][1]-merged[j-1][1] == r.gap {
				r.m++
				j++
			}
		}
		if r.amount != 0 {
			r.amountDec.SetInt64(r.amount)
			runs = append(runs, r)
		}
		i = j
	}
	return runs
}

// gapPower is v^gap for one evaluation of the polynomial.
type gapPower struct {
	gap int64
	pow apd.Decimal
}

// poly is Σ a_i·v^e_i as runs, with the single flows (runs of one) grouped
// by amount: Σ_k A·v^e_k is evaluated as A·Σ_k v^e_k, so a flow costs one
// multiplication and one addition (two more for the derivative) however
// irregular its dates. Lender portfolios under XIRR are such flows: the
// same instalment on dates 28 to 31 days apart.
type poly struct {
	runs      []run
	amount    []apd.Decimal // the distinct amounts of single flows
	amountInt []int64       // the same in minor units
	group     []int         // run index → index in amount (single flows only)
}

func newPoly(runs []run) *poly {
	p := &poly{runs: runs, group: make([]int, len(runs))}
	index := map[int64]int{}
	for i, r := range runs {
		if r.m != 1 {
			continue
		}
		g, ok := index[r.amount]
		if !ok {
			g = len(p.amount)
			index[r.amount] = g
			p.amount = append(p.amount, r.amountDec)
			p.amountInt = append(p.amountInt, r.amount)
		}
		p.group[i] = g
	}
	return p
}

// fn adapts eval to decmath.Func at ctx.
func (p *poly) fn(ctx *apd.Context) decmath.Func {
	return func(v, fx, dfx *apd.Decimal) error { return p.eval(ctx, v, fx, dfx) }
}

// eval sets fx = f(v) and, unless dfx is nil, dfx = f'(v). Runs of m > 1
// equal flows at a constant gap use the geometric sums
//
//	S0 = Σ_{j<m} q^j   = (1 − q^m)/(1 − q)
//	S1 = Σ_{j<m} j·q^j = (q − m·q^m + (m−1)·q^(m+1))/(1 − q)²
//
// for q = v^gap: such a run contributes A·v^e0·S0 to f and
// A·v^(e0−1)·(e0·S0 + gap·S1) to f'. At q = 1 the sums are m and m(m−1)/2.
func (p *poly) eval(ctx *apd.Context, v, fx, dfx *apd.Decimal) error {
	var (
		pw, t, u, q, qm, s0, s1, oneMinusQ, w apd.Decimal
		lastGap                               int64 = -1
		at                                    int64
	)
	one := apd.New(1, 0)
	gapPowers := make([]gapPower, 0, 8)
	sum := make([]apd.Decimal, len(p.amount))  // Σ v^e per amount
	sumE := make([]apd.Decimal, len(p.amount)) // Σ e·v^e per amount
	pw.SetInt64(1)
	fx.SetInt64(0)
	if dfx != nil {
		dfx.SetInt64(0)
	}
	pow := func(d, x *apd.Decimal, n int64) error {
		switch n {
		case 0:
			d.SetInt64(1)
			return nil
		case 1:
			d.Set(x)
			return nil
		}
		_, err := decmath.PowInt(ctx, d, x, n)
		return err
	}
	for i := range p.runs {
		r := &p.runs[i]
		// pw = v^e0, from the previous position. Dated flows repeat a few
		// gaps (28 to 31 days): each gap's power is computed once.
		if gap := r.e0 - at; gap > 0 {
			var g *apd.Decimal
			for j := range gapPowers {
				if gapPowers[j].gap == gap {
					g = &gapPowers[j].pow
					break
				}
			}
			if g == nil {
				if len(gapPowers) == cap(gapPowers) {
					gapPowers = gapPowers[:0] // bounded: recompute rather than grow
				}
				gapPowers = append(gapPowers, gapPower{gap: gap})
				g = &gapPowers[len(gapPowers)-1].pow
				if err := pow(g, v, gap); err != nil {
					return err
				}
			}
			if _, err := ctx.Mul(&pw, &pw, g); err != nil {
				return err
			}
			at = r.e0
		}
		if r.m == 1 {
			g := p.group[i]
			if _, err := ctx.Add(&sum[g], &sum[g], &pw); err != nil {
				return err
			}
			if dfx != nil && r.e0 != 0 {
				if _, err := ctx.Mul(&t, &pw, u.SetInt64(r.e0)); err != nil {
					return err
				}
				if _, err := ctx.Add(&sumE[g], &sumE[g], &t); err != nil {
					return err
				}
			}
			continue
		}
		if r.gap != lastGap {
			if err := pow(&q, v, r.gap); err != nil {
				return err
			}
			if _, err := ctx.Sub(&oneMinusQ, one, &q); err != nil {
				return err
			}
			lastGap = r.gap
		}
		if err := pow(&qm, &q, r.m); err != nil {
			return err
		}
		if oneMinusQ.IsZero() {
			s0.SetInt64(r.m)
			s1.SetInt64(r.m * (r.m - 1) / 2)
		} else {
			// S0 = (1 − q^m)/(1 − q)
			if _, err := ctx.Sub(&t, one, &qm); err != nil {
				return err
			}
			if _, err := ctx.Quo(&s0, &t, &oneMinusQ); err != nil {
				return err
			}
			if dfx != nil {
				// S1 = (q − m·q^m + (m−1)·q^(m+1))/(1 − q)²
				if _, err := ctx.Mul(&t, &qm, u.SetInt64(r.m-1)); err != nil {
					return err
				}
				if _, err := ctx.Mul(&t, &t, &q); err != nil {
					return err
				}
				if _, err := ctx.Add(&t, &t, &q); err != nil {
					return err
				}
				if _, err := ctx.Mul(&w, &qm, u.SetInt64(r.m)); err != nil {
					return err
				}
				if _, err := ctx.Sub(&t, &t, &w); err != nil {
					return err
				}
				if _, err := ctx.Mul(&w, &oneMinusQ, &oneMinusQ); err != nil {
					return err
				}
				if _, err := ctx.Quo(&s1, &t, &w); err != nil {
					return err
				}
			}
		}
		// A·v^e0
		if _, err := ctx.Mul(&w, &r.amountDec, &pw); err != nil {
			return err
		}
		if _, err := ctx.Mul(&t, &w, &s0); err != nil {
			return err
		}
		if _, err := ctx.Add(fx, fx, &t); err != nil {
			return err
		}
		if dfx != nil {
			// A·v^e0·(e0·S0 + gap·S1); divided by v once at the end.
			if _, err := ctx.Mul(&t, &s0, u.SetInt64(r.e0)); err != nil {
				return err
			}
			if _, err := ctx.Mul(&s1, &s1, u.SetInt64(r.gap)); err != nil {
				return err
			}
			if _, err := ctx.Add(&t, &t, &s1); err != nil {
				return err
			}
			if _, err := ctx.Mul(&t, &t, &w); err != nil {
				return err
			}
			if _, err := ctx.Add(dfx, dfx, &t); err != nil {
				return err
			}
		}
		// Move to the run's last flow: v^(e0 + gap·(m−1)) = pw·q^m/q.
		if _, err := ctx.Mul(&pw, &pw, &qm); err != nil {
			return err
		}
		if _, err := ctx.Quo(&pw, &pw, &q); err != nil {
			return err
		}
		at = r.e0 + r.gap*(r.m-1)
	}
	for g := range p.amount {
		if _, err := ctx.Mul(&t, &p.amount[g], &sum[g]); err != nil {
			return err
		}
		if _, err := ctx.Add(fx, fx, &t); err != nil {
			return err
		}
		if dfx != nil {
			if _, err := ctx.Mul(&t, &p.amount[g], &sumE[g]); err != nil {
				return err
			}
			if _, err := ctx.Add(dfx, dfx, &t); err != nil {
				return err
			}
		}
	}
	if dfx == nil {
		return nil
	}
	_, err := ctx.Quo(dfx, dfx, v)
	return err
}
