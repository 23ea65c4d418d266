package scoring

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Fitting is statistics: weights of evidence, information values and the
// logistic regression are float64 (see the note on Scorecard). Only integer
// points leave it.

// CharacteristicSpec says how to fit one characteristic.
type CharacteristicSpec struct {
	Name string // the data set column
	// Monotonic forces a numeric characteristic's bad rate to rise or fall
	// monotonically across its ranges (the direction the data shows), which
	// makes points explainable: more of a good thing never costs points.
	Monotonic bool
	// ReasonCode and Reason are given to applicants; they default to the
	// upper-cased name and "<name> lowered the score."
	ReasonCode, Reason string
}

// FitOptions configure Fit. Zero fields take the documented defaults.
type FitOptions struct {
	Name, Version string
	Scaling       Scaling // DefaultScaling when zero
	// Characteristics to consider. Nil means every column of the data set, and
	// then a protected column in the data set is an error: say which to use.
	Characteristics []CharacteristicSpec
	FineBins        int     // initial quantile classes of a numeric column (20)
	MaxBins         int     // most bins per characteristic, missing and other excluded (6)
	MinBinShare     float64 // smallest share of rows a bin may hold (0.05)
	MinIV           float64 // characteristics with a lower information value are left out (0.02)
	// Ridge is an L2 penalty on the regression coefficients (1e-6), which only
	// keeps the IRLS system invertible when two characteristics coincide.
	Ridge float64
}

func (o FitOptions) withDefaults() FitOptions {
	if o.Scaling == (Scaling{}) {
		o.Scaling = DefaultScaling
	}
	if o.FineBins == 0 {
		o.FineBins = 20
	}
	if o.MaxBins == 0 {
		o.MaxBins = 6
	}
	if o.MinBinShare == 0 {
		o.MinBinShare = 0.05
	}
	if o.MinIV == 0 {
		o.MinIV = 0.02
	}
	if o.Ridge == 0 {
		o.Ridge = 1e-6
	}
	return o
}

// CharacteristicReport is the fit's account of one candidate characteristic.
type CharacteristicReport struct {
	Name        string
	IV          float64 // information value of its bins
	Bins        int     // bins, missing and other included
	Selected    bool    // in the scorecard
	Coefficient float64 // regression coefficient on its WoE (negative when selected)
	Dropped     string  // why it is not in the scorecard
}

// FitReport documents a fit: every candidate characteristic, ranked by
// information value, and the regression.
type FitReport struct {
	Characteristics []CharacteristicReport
	Intercept       float64
	Iterations      int     // IRLS iterations of the final regression
	TrainAUC        float64 // AUC of the fitted scorecard's scores on the training data
}

// binning is a characteristic's bins with their statistics during fitting.
type binning struct {
	spec  CharacteristicSpec
	col   *Column
	bins  []Bin // missing first; numeric ranges or categorical groups; other last
	assig []int // row → bin index
	iv    float64
}

// Fit fits a scorecard to d: it bins each characteristic (quantile fine
// classes merged until every bin holds MinBinShare of the rows, monotonic
// where asked, at most MaxBins), computes weights of evidence and information
// values, drops characteristics below MinIV, fits a logistic regression of
// bad on the WoE values by iteratively reweighted least squares, drops
// characteristics whose coefficient has the wrong sign (a higher WoE must
// lower the risk) and refits, then turns coefficients into integer points with
// the scaling. A protected characteristic is ErrProtectedAttribute; data that
// cannot support a fit is ErrFit.
func Fit(d Dataset, opt FitOptions) (*Scorecard, FitReport, error) {
	opt = opt.withDefaults()
	if err := opt.Scaling.Validate(); err != nil {
		return nil, FitReport{}, err
	}
	if opt.Name == "" || opt.Version == "" {
		return nil, FitReport{}, fmt.Errorf("%w: a scorecard needs a name and a version", ErrFit)
	}
	if opt.MaxBins < 2 || opt.FineBins < opt.MaxBins || opt.MinBinShare < 0 || opt.MinBinShare >= 0.5 {
		return nil, FitReport{}, fmt.Errorf("%w: options MaxBins %d, FineBins %d, MinBinShare %v are not usable", ErrFit, opt.MaxBins, opt.FineBins, opt.MinBinShare)
	}
	if err := d.Validate(); err != nil {
		return nil, FitReport{}, err
	}
	specs := opt.Characteristics
	if specs == nil {
		for _, c := range d.Columns {
			if IsProtected(c.Name) {
				return nil, FitReport{}, protectedErr("data set column (list the characteristics to use)", c.Name)
			}
			specs = append(specs, CharacteristicSpec{Name: c.Name})
		}
	}
	goods, bads := 0, 0
	for _, b := range d.Bad {
		if b {
			bads++
		} else {
			goods++
		}
	}
	if goods < 10 || bads < 10 {
		return nil, FitReport{}, fmt.Errorf("%w: %d goods and %d bads; need at least 10 of each", ErrFit, goods, bads)
	}
	minCount := max(1, int(math.Ceil(opt.MinBinShare*float64(d.Len()))))

	var report FitReport
	var cands []*binning
	for _, sp := range specs {
		if IsProtected(sp.Name) {
			return nil, FitReport{}, protectedErr("characteristic", sp.Name)
		}
		col, ok := d.Column(sp.Name)
		if !ok {
			return nil, FitReport{}, fmt.Errorf("%w: no column %q in the data set", ErrFit, sp.Name)
		}
		if sp.Monotonic && col.Kind != Numeric {
			return nil, FitReport{}, fmt.Errorf("%w: %q is categorical; only numeric characteristics can be monotonic", ErrFit, sp.Name)
		}
		if sp.ReasonCode == "" {
			sp.ReasonCode = strings.ToUpper(sp.Name)
		}
		if sp.Reason == "" {
			sp.Reason = sp.Name + " lowered the score."
		}
		bn := bin(col, sp, d.Bad, goods, bads, minCount, opt)
		cands = append(cands, bn)
	}
	slices.SortStableFunc(cands, func(a, b *binning) int {
		switch {
		case a.iv > b.iv:
			return -1
		case a.iv < b.iv:
			return 1
		}
		return 0
	})
	var selected []*binning
	dropped := map[string]string{}
	for _, c := range cands {
		if c.iv < opt.MinIV {
			dropped[c.spec.Name] = fmt.Sprintf("information value %.4f below %.4f", c.iv, opt.MinIV)
			continue
		}
		selected = append(selected, c)
	}

	// Regression, dropping wrong-sign coefficients; each pass removes at least
	// one characteristic, so the loop ends within len(selected) passes.
	var beta []float64
	var iters int
	for pass := 0; ; pass++ {
		if len(selected) == 0 {
			return nil, FitReport{}, fmt.Errorf("%w: no characteristic with enough information", ErrFit)
		}
		var err error
		beta, iters, err = irls(selected, d.Bad, opt.Ridge)
		if err != nil {
			return nil, FitReport{}, err
		}
		keep := selected[:0:0]
		for j, c := range selected {
			if beta[j+1] >= 0 {
				dropped[c.spec.Name] = fmt.Sprintf("coefficient %.4f has the wrong sign given the other characteristics", beta[j+1])
				continue
			}
			keep = append(keep, c)
		}
		if len(keep) == len(selected) || pass > len(cands) {
			break
		}
		selected = keep
	}

	card := &Scorecard{Name: opt.Name, Version: opt.Version, Scaling: opt.Scaling}
	factor, offset := opt.Scaling.Factor(), opt.Scaling.Offset()
	n := float64(len(selected))
	coef := map[string]float64{}
	for j, c := range selected {
		ch := Characteristic{Name: c.spec.Name, Kind: c.col.Kind, ReasonCode: c.spec.ReasonCode, Reason: c.spec.Reason, IV: c.iv, Coefficient: beta[j+1]}
		coef[c.spec.Name] = beta[j+1]
		for _, b := range c.bins {
			// score = offset + factor × ln(good odds) and ln(good odds) =
			// −(a + Σ βj·WoEj): spread the intercept and offset evenly.
			b.Points = int(math.Round(-(beta[j+1]*b.WoE+beta[0]/n)*factor + offset/n))
			ch.Bins = append(ch.Bins, b)
		}
		card.Characteristics = append(card.Characteristics, ch)
	}
	for _, c := range cands {
		r := CharacteristicReport{Name: c.spec.Name, IV: c.iv, Bins: len(c.bins), Dropped: dropped[c.spec.Name]}
		if b, ok := coef[c.spec.Name]; ok {
			r.Selected, r.Coefficient = true, b
		}
		report.Characteristics = append(report.Characteristics, r)
	}
	report.Intercept, report.Iterations = beta[0], iters

	scorer, err := card.Compile()
	if err != nil {
		return nil, FitReport{}, fmt.Errorf("%w: fitted scorecard does not compile: %v", ErrFit, err)
	}
	scores := make([]float64, d.Len())
	for i := range scores {
		r, err := scorer.score(d.Row(i))
		if err != nil {
			return nil, FitReport{}, err
		}
		scores[i] = float64(r.Score)
	}
	report.TrainAUC = AUC(scores, d.Bad)
	return card, report, nil
}

// group is a bin under construction.
type group struct {
	lo, hi     float64  // numeric range [lo, hi)
	cats       []string // categorical
	good, bad  int
	firstIndex int // for stable labels of categorical groups
}

func (g group) n() int { return g.good + g.bad }

func (g group) rate() float64 {
	if g.n() == 0 {
		return 0
	}
	return float64(g.bad) / float64(g.n())
}

func merge(a, b group) group {
	return group{lo: min(a.lo, b.lo), hi: max(a.hi, b.hi), cats: append(slices.Clone(a.cats), b.cats...), good: a.good + b.good, bad: a.bad + b.bad, firstIndex: min(a.firstIndex, b.firstIndex)}
}

// mergeAt merges gs[i] and gs[i+1].
func mergeAt(gs []group, i int) []group {
	gs[i] = merge(gs[i], gs[i+1])
	return slices.Delete(gs, i+1, i+2)
}

// bin classes one column and computes WoE and IV.
func bin(col *Column, sp CharacteristicSpec, bad []bool, goods, bads, minCount int, opt FitOptions) *binning {
	var miss group
	var gs []group
	switch col.Kind {
	case Numeric:
		type pt struct {
			v   float64
			bad bool
		}
		var pts []pt
		for i, v := range col.Num {
			if math.IsNaN(v) {
				if bad[i] {
					miss.bad++
				} else {
					miss.good++
				}
				continue
			}
			pts = append(pts, pt{v, bad[i]})
		}
		slices.SortFunc(pts, func(a, b pt) int {
			switch {
			case a.v < b.v:
				return -1
			case a.v > b.v:
				return 1
			}
			return 0
		})
		// Quantile edges on distinct values.
		var edges []float64
		for k := 1; k < opt.FineBins && len(pts) > 0; k++ {
			e := pts[k*len(pts)/opt.FineBins].v
			if e > pts[0].v && (len(edges) == 0 || e > edges[len(edges)-1]) {
				edges = append(edges, e)
			}
		}
		lo := math.Inf(-1)
		for _, e := range append(edges, math.Inf(1)) {
			gs = append(gs, group{lo: lo, hi: e})
			lo = e
		}
		k := 0
		for _, p := range pts {
			for p.v >= gs[k].hi {
				k++
			}
			if p.bad {
				gs[k].bad++
			} else {
				gs[k].good++
			}
		}
		gs = mergeSmall(gs, minCount)
		if sp.Monotonic {
			gs = monotone(gs)
		}
		gs = capBins(gs, opt.MaxBins)
	case Categorical:
		idx := map[string]int{}
		for i, v := range col.Cat {
			if v == "" {
				if bad[i] {
					miss.bad++
				} else {
					miss.good++
				}
				continue
			}
			k, ok := idx[v]
			if !ok {
				k = len(gs)
				idx[v] = k
				gs = append(gs, group{cats: []string{v}, firstIndex: k})
			}
			if bad[i] {
				gs[k].bad++
			} else {
				gs[k].good++
			}
		}
		// Order by bad rate so that merging neighbours joins similar risks.
		slices.SortStableFunc(gs, func(a, b group) int {
			switch {
			case a.rate() < b.rate():
				return -1
			case a.rate() > b.rate():
				return 1
			}
			return 0
		})
		gs = mergeSmall(gs, minCount)
		gs = capBins(gs, opt.MaxBins)
		for i := range gs {
			slices.Sort(gs[i].cats)
		}
	}

	woe := func(g group) float64 {
		// +0.5 on each count keeps an all-good or all-bad bin finite.
		return math.Log(((float64(g.good) + 0.5) / float64(goods)) / ((float64(g.bad) + 0.5) / float64(bads)))
	}
	bn := &binning{spec: sp, col: col}
	missBin := Bin{Label: "missing", Missing: true, Goods: miss.good, Bads: miss.bad}
	// A missing bin with too few rows to estimate gets WoE 0: the population's
	// own odds, the neutral guess.
	if miss.n() >= minCount {
		missBin.WoE = woe(miss)
	}
	bn.bins = append(bn.bins, missBin)
	for _, g := range gs {
		b := Bin{Goods: g.good, Bads: g.bad, WoE: woe(g)}
		if col.Kind == Numeric {
			if !math.IsInf(g.lo, -1) {
				b.Lo = ptr(g.lo)
			}
			if !math.IsInf(g.hi, 1) {
				b.Hi = ptr(g.hi)
			}
			b.Label = rangeLabel(g.lo, g.hi)
		} else {
			b.Categories = g.cats
			b.Label = strings.Join(g.cats, ", ")
		}
		bn.bins = append(bn.bins, b)
	}
	if col.Kind == Categorical {
		// Categories never seen in development have no evidence: neutral WoE.
		bn.bins = append(bn.bins, Bin{Label: "other", Other: true})
	}
	for _, b := range bn.bins {
		dg, db := float64(b.Goods)/float64(goods), float64(b.Bads)/float64(bads)
		bn.iv += (dg - db) * b.WoE
	}
	// Row assignment for the regression.
	bn.assig = make([]int, len(bad))
	for i := range bad {
		bn.assig[i] = assign(bn.bins, col.value(i))
	}
	return bn
}

// assign returns the index of the bin of value v (bins as bin builds them).
func assign(bins []Bin, v Value) int {
	if v.IsMissing() {
		return 0
	}
	other := 0
	for i, b := range bins {
		if b.Missing {
			continue
		}
		if v.Kind() == Numeric {
			if (b.Lo == nil || v.num >= *b.Lo) && (b.Hi == nil || v.num < *b.Hi) {
				return i
			}
			continue
		}
		if b.Other {
			other = i
		}
		if slices.Contains(b.Categories, v.cat) {
			return i
		}
	}
	return other
}

func ptr(f float64) *float64 { return &f }

func rangeLabel(lo, hi float64) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		return "any"
	case math.IsInf(lo, -1):
		return "< " + f(hi)
	case math.IsInf(hi, 1):
		return "≥ " + f(lo)
	}
	return "[" + f(lo) + ", " + f(hi) + ")"
}

// mergeSmall merges every group with fewer than minCount rows into the
// neighbour with the closer bad rate, smallest first. Each merge removes one
// group, so it ends within len(gs) steps.
func mergeSmall(gs []group, minCount int) []group {
	for len(gs) > 1 {
		s := -1
		for i, g := range gs {
			if g.n() < minCount && (s < 0 || g.n() < gs[s].n()) {
				s = i
			}
		}
		if s < 0 {
			break
		}
		switch {
		case s == 0:
			gs = mergeAt(gs, 0)
		case s == len(gs)-1:
			gs = mergeAt(gs, s-1)
		case math.Abs(gs[s].rate()-gs[s-1].rate()) <= math.Abs(gs[s].rate()-gs[s+1].rate()):
			gs = mergeAt(gs, s-1)
		default:
			gs = mergeAt(gs, s)
		}
	}
	return gs
}

// monotone pools adjacent groups (pool-adjacent-violators) until bad rates
// rise or fall monotonically, in the direction of the overall trend (bad rate
// of the upper half of the rows against the lower half).
func monotone(gs []group) []group {
	total := 0
	for _, g := range gs {
		total += g.n()
	}
	var lo, hi group
	seen := 0
	for _, g := range gs {
		if seen < total/2 {
			lo = merge(lo, g)
		} else {
			hi = merge(hi, g)
		}
		seen += g.n()
	}
	increasing := hi.rate() >= lo.rate()
	for len(gs) > 1 {
		v := -1
		for i := 0; i+1 < len(gs); i++ {
			if (increasing && gs[i].rate() > gs[i+1].rate()) || (!increasing && gs[i].rate() < gs[i+1].rate()) {
				v = i
				break
			}
		}
		if v < 0 {
			break
		}
		gs = mergeAt(gs, v)
	}
	return gs
}

// capBins merges the adjacent pair with the closest bad rates until at most
// maxBins groups remain; merging neighbours keeps a monotone sequence monotone.
func capBins(gs []group, maxBins int) []group {
	for len(gs) > maxBins {
		best, bestD := 0, math.Inf(1)
		for i := 0; i+1 < len(gs); i++ {
			if d := math.Abs(gs[i].rate() - gs[i+1].rate()); d < bestD {
				best, bestD = i, d
			}
		}
		gs = mergeAt(gs, best)
	}
	return gs
}

// irls fits logit P(bad) = β0 + Σ βj·WoEj by iteratively reweighted least
// squares (Newton's method on the log-likelihood) with an L2 penalty ridge on
// β1…βp. It stops when no coefficient moves by more than 1e-10, within 100
// iterations.
func irls(chars []*binning, bad []bool, ridge float64) ([]float64, int, error) {
	n, p := len(bad), len(chars)+1
	x := make([]float64, n*p) // row-major design matrix
	for i := range n {
		x[i*p] = 1
		for j, c := range chars {
			x[i*p+j+1] = c.bins[c.assig[i]].WoE
		}
	}
	beta := make([]float64, p)
	h := make([]float64, p*p)
	g := make([]float64, p)
	const maxIter = 100
	for it := 1; it <= maxIter; it++ {
		clear(h)
		clear(g)
		for i := range n {
			row := x[i*p : (i+1)*p]
			eta := 0.0
			for j, v := range row {
				eta += v * beta[j]
			}
			mu := 1 / (1 + math.Exp(-eta))
			w := mu * (1 - mu)
			y := 0.0
			if bad[i] {
				y = 1
			}
			for j, vj := range row {
				g[j] += vj * (y - mu)
				for k := 0; k <= j; k++ {
					h[j*p+k] += w * vj * row[k]
				}
			}
		}
		for j := 1; j < p; j++ {
			h[j*p+j] += ridge
			g[j] -= ridge * beta[j]
		}
		for j := range p {
			for k := 0; k < j; k++ {
				h[k*p+j] = h[j*p+k]
			}
		}
		delta, err := choleskySolve(h, g, p)
		if err != nil {
			return nil, it, err
		}
		step := 0.0
		for j := range p {
			beta[j] += delta[j]
			step = max(step, math.Abs(delta[j]))
		}
		for _, b := range beta {
			if math.IsNaN(b) || math.IsInf(b, 0) {
				return nil, it, fmt.Errorf("%w: regression diverged", ErrFit)
			}
		}
		if step < 1e-10 {
			return beta, it, nil
		}
	}
	return nil, maxIter, fmt.Errorf("%w: regression did not converge in %d iterations", ErrFit, maxIter)
}

// choleskySolve solves A x = b for a symmetric positive definite p×p matrix A
// (row-major), or reports ErrFit when A is not positive definite.
func choleskySolve(a, b []float64, p int) ([]float64, error) {
	l := make([]float64, p*p)
	for i := range p {
		for j := 0; j <= i; j++ {
			s := a[i*p+j]
			for k := 0; k < j; k++ {
				s -= l[i*p+k] * l[j*p+k]
			}
			if i == j {
				if s <= 0 || math.IsNaN(s) {
					return nil, fmt.Errorf("%w: singular system (characteristic %d is redundant)", ErrFit, i)
				}
				l[i*p+i] = math.Sqrt(s)
			} else {
				l[i*p+j] = s / l[j*p+j]
			}
		}
	}
	y := make([]float64, p)
	for i := range p {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i*p+k] * y[k]
		}
		y[i] = s / l[i*p+i]
	}
	x := make([]float64, p)
	for i := p - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < p; k++ {
			s -= l[k*p+i] * x[k]
		}
		x[i] = s / l[i*p+i]
	}
	return x, nil
}
