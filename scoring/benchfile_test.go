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

func writeGermanFigures(t *testing.T, rep FitReport, v Validation) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "5-fold stratified cross-validation (seed 7): AUC %.4f (folds", v.AUC)
	for _, a := range v.FoldAUC {
		fmt.Fprintf(&b, " %.4f", a)
	}
	fmt.Fprintf(&b, "), Gini %.4f, KS %.4f (pooled out-of-fold scores)\n\n", v.Gini, v.KS)
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
