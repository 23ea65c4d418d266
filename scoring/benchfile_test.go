package scoring

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// updateBench writes the German-credit figures to the file named by
// -bench-out (the lead merges it into BENCHMARKS.md).
var updateBench = flag.Bool("german-figures", false, "write the German credit validation figures to -bench-out")
var benchOut = flag.String("bench-out", "german-figures.md", "where -german-figures writes")

func writeGermanFigures(t *testing.T, rep FitReport, runs []Validation) {
	t.Helper()
	var b strings.Builder
	b.WriteString("| split seed | 5-fold AUC (mean of folds) | fold AUCs | Gini | KS (pooled out-of-fold) |\n|---|---|---|---|---|\n")
	meanAUC, meanKS := 0.0, 0.0
	for i, v := range runs {
		folds := ""
		for _, a := range v.FoldAUC {
			folds += fmt.Sprintf(" %.4f", a)
		}
		fmt.Fprintf(&b, "| %d | %.4f |%s | %.4f | %.4f |\n", i+1, v.AUC, folds, v.Gini, v.KS)
		meanAUC += v.AUC / float64(len(runs))
		meanKS += v.KS / float64(len(runs))
	}
	fmt.Fprintf(&b, "| mean | %.4f | | %.4f | %.4f |\n\n", meanAUC, Gini(meanAUC), meanKS)
	fmt.Fprintf(&b, "Full-sample fit: training AUC %.4f, intercept %.4f, %d IRLS iterations\n\n", rep.TrainAUC, rep.Intercept, rep.Iterations)
	b.WriteString("| characteristic | IV | bins | in scorecard | coefficient | note |\n|---|---|---|---|---|---|\n")
	for _, c := range rep.Characteristics {
		coef := ""
		if c.Selected {
			coef = fmt.Sprintf("%.4f", c.Coefficient)
		}
		fmt.Fprintf(&b, "| %s | %.4f | %d | %v | %s | %s |\n", c.Name, c.IV, c.Bins, c.Selected, coef, c.Dropped)
	}
	if err := os.WriteFile(*benchOut, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
