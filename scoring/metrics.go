package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// AUC returns the area under the ROC curve of scores against outcomes: the
// probability that a random good has a higher score than a random bad (ties
// count half), computed from average ranks (Mann–Whitney). Higher scores must
// mean lower risk. It returns NaN when there are no goods or no bads.
func AUC(scores []float64, bad []bool) float64 {
	order := sortedIdx(scores)
	goods, bads := 0, 0
	rankSumGood := 0.0
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && scores[order[j]] == scores[order[i]] {
			j++
		}
		avgRank := float64(i+j+1) / 2 // ranks i+1 … j
		for _, k := range order[i:j] {
			if bad[k] {
				bads++
			} else {
				goods++
				rankSumGood += avgRank
			}
		}
		i = j
	}
	if goods == 0 || bads == 0 {
		return math.NaN()
	}
	g := float64(goods)
	return (rankSumGood - g*(g+1)/2) / (g * float64(bads))
}

// Gini returns the Gini coefficient (accuracy ratio), 2 × AUC − 1.
func Gini(auc float64) float64 { return 2*auc - 1 }

// KS returns the Kolmogorov–Smirnov statistic: the largest gap between the
// cumulative score distributions of bads and goods. NaN without both.
func KS(scores []float64, bad []bool) float64 {
	order := sortedIdx(scores)
	goods, bads := 0, 0
	for _, b := range bad {
		if b {
			bads++
		} else {
			goods++
		}
	}
	if goods == 0 || bads == 0 {
		return math.NaN()
	}
	cg, cb, ks := 0, 0, 0.0
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && scores[order[j]] == scores[order[i]] {
			if bad[order[j]] {
				cb++
			} else {
				cg++
			}
			j++
		}
		ks = max(ks, math.Abs(float64(cb)/float64(bads)-float64(cg)/float64(goods)))
		i = j
	}
	return ks
}

func sortedIdx(scores []float64) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	return order
}

// Validation is the out-of-sample performance of a fitting recipe.
type Validation struct {
	Folds    int
	FoldAUC  []float64 // AUC on each held-out fold
	AUC      float64   // mean of FoldAUC
	Gini     float64   // 2 × AUC − 1
	KS       float64   // KS of the pooled out-of-fold scores
	FoldSize []int
}

// CrossValidate estimates how Fit with opt performs on unseen data: the rows
// are split into k stratified folds (goods and bads shuffled separately with a
// PCG generator seeded by seed, so the split is reproducible); each fold is
// scored by a scorecard fitted on the other k − 1.
func CrossValidate(d Dataset, opt FitOptions, k int, seed uint64) (Validation, error) {
	if k < 2 || k > d.Len() {
		return Validation{}, fmt.Errorf("%w: %d folds for %d rows", ErrFit, k, d.Len())
	}
	if err := d.Validate(); err != nil {
		return Validation{}, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var goods, bads []int
	for i, b := range d.Bad {
		if b {
			bads = append(bads, i)
		} else {
			goods = append(goods, i)
		}
	}
	rng.Shuffle(len(goods), func(i, j int) { goods[i], goods[j] = goods[j], goods[i] })
	rng.Shuffle(len(bads), func(i, j int) { bads[i], bads[j] = bads[j], bads[i] })
	fold := make([]int, d.Len())
	for n, i := range append(goods, bads...) {
		fold[i] = n % k
	}
	v := Validation{Folds: k}
	pooled := make([]float64, d.Len())
	for f := range k {
		var train, test []int
		for i := range fold {
			if fold[i] == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		card, _, err := Fit(d.Subset(train), opt)
		if err != nil {
			return Validation{}, fmt.Errorf("fold %d: %w", f, err)
		}
		scorer, err := card.Compile()
		if err != nil {
			return Validation{}, fmt.Errorf("fold %d: %w", f, err)
		}
		scores := make([]float64, len(test))
		outcomes := make([]bool, len(test))
		for n, i := range test {
			r, err := scorer.score(d.Row(i))
			if err != nil {
				return Validation{}, fmt.Errorf("fold %d row %d: %w", f, i, err)
			}
			scores[n], outcomes[n], pooled[i] = float64(r.Score), d.Bad[i], float64(r.Score)
		}
		v.FoldAUC = append(v.FoldAUC, AUC(scores, outcomes))
		v.FoldSize = append(v.FoldSize, len(test))
	}
	for _, a := range v.FoldAUC {
		v.AUC += a / float64(k)
	}
	v.Gini = Gini(v.AUC)
	v.KS = KS(pooled, d.Bad)
	return v, nil
}
