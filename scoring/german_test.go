package scoring

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// germanColumns names the 20 attributes of the UCI Statlog German Credit data
// (testdata/german-credit/NOTICE.md gives the coding) and says which are
// numeric.
var germanColumns = []struct {
	name    string
	numeric bool
}{
	{"checking_status", false}, {"duration_months", true}, {"credit_history", false},
	{"purpose", false}, {"credit_amount", true}, {"savings", false},
	{"employment_since", false}, {"instalment_rate", true},
	{"personal_status_sex", false}, // A9: sex and marital status — protected
	{"other_debtors", false}, {"residence_since", true}, {"property", false},
	{"age", true}, {"other_instalment_plans", false}, {"housing", false},
	{"existing_credits", true}, {"job", false}, {"people_liable", true},
	{"telephone", false},
	{"foreign_worker", false}, // A20: a nationality proxy — protected
}

// loadGerman reads testdata/german-credit/german.data into a Dataset with all
// 20 attributes; the class 2 (bad) is Bad.
func loadGerman(tb testing.TB) Dataset {
	tb.Helper()
	f, err := os.Open("testdata/german-credit/german.data")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d := Dataset{Columns: make([]Column, len(germanColumns))}
	for i, c := range germanColumns {
		d.Columns[i] = Column{Name: c.name, Kind: Categorical}
		if c.numeric {
			d.Columns[i].Kind = Numeric
		}
	}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 21 {
			tb.Fatalf("line %d: %d fields, want 21", line, len(fields))
		}
		for i, c := range germanColumns {
			if c.numeric {
				v, err := strconv.ParseFloat(fields[i], 64)
				if err != nil {
					tb.Fatalf("line %d field %d: %v", line, i+1, err)
				}
				d.Columns[i].Num = append(d.Columns[i].Num, v)
			} else {
				d.Columns[i].Cat = append(d.Columns[i].Cat, fields[i])
			}
		}
		switch fields[20] {
		case "1":
			d.Bad = append(d.Bad, false)
		case "2":
			d.Bad = append(d.Bad, true)
		default:
			tb.Fatalf("line %d: class %q", line, fields[20])
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return d
}

// germanOptions fits every attribute except the two protected ones:
// personal_status_sex (A9, sex and marital status) and foreign_worker (A20,
// nationality-like). Numeric characteristics with a known risk direction are
// binned monotonically.
func germanOptions() FitOptions {
	monotonic := map[string]bool{"duration_months": true, "age": true, "credit_amount": true}
	sentences := map[string]string{
		"checking_status":        "The balance of your current account is low, negative or unknown to us.",
		"duration_months":        "Longer loans carry more risk.",
		"credit_history":         "Your past repayment record lowered the score.",
		"purpose":                "The purpose of the loan carries more risk.",
		"credit_amount":          "The amount asked for carries more risk.",
		"savings":                "Your savings are low.",
		"employment_since":       "You have been in your current job for a short time.",
		"instalment_rate":        "The instalment takes a large share of your disposable income.",
		"property":               "You have little property to support the loan.",
		"age":                    "Your age group has repaid less reliably in our data.",
		"other_instalment_plans": "You repay other instalment plans.",
		"housing":                "Your housing situation carries more risk.",
	}
	var specs []CharacteristicSpec
	for _, c := range germanColumns {
		if IsProtected(c.name) {
			continue
		}
		specs = append(specs, CharacteristicSpec{Name: c.name, Monotonic: monotonic[c.name], Reason: sentences[c.name]})
	}
	return FitOptions{Name: "german-credit", Version: "1", Characteristics: specs}
}

func TestGermanCredit(t *testing.T) {
	t.Parallel()
	d := loadGerman(t)
	if d.Len() != 1000 {
		t.Fatalf("%d rows, want 1000", d.Len())
	}
	card, rep, err := Fit(d, germanOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Characteristics {
		t.Logf("%-24s IV %.4f bins %d selected %-5v coef %7.4f %s", c.Name, c.IV, c.Bins, c.Selected, c.Coefficient, c.Dropped)
	}
	t.Logf("training AUC %.4f, %d characteristics, %d IRLS iterations", rep.TrainAUC, len(card.Characteristics), rep.Iterations)

	// Information value: checking-account status ranks first, above 0.5.
	if first := rep.Characteristics[0]; first.Name != "checking_status" || first.IV <= 0.5 {
		t.Errorf("first characteristic %s with IV %.4f; want checking_status above 0.5", first.Name, first.IV)
	}
	for i := 1; i < len(rep.Characteristics); i++ {
		if rep.Characteristics[i].IV > rep.Characteristics[i-1].IV {
			t.Errorf("report not ranked by IV at %d", i)
		}
	}
	for _, c := range card.Characteristics {
		if IsProtected(c.Name) {
			t.Errorf("scorecard uses protected %s", c.Name)
		}
		if c.Coefficient >= 0 {
			t.Errorf("%s has coefficient %v", c.Name, c.Coefficient)
		}
	}

	// Monotonic characteristics: the bad rate moves one way across the ranges.
	for _, c := range card.Characteristics {
		if c.Name != "duration_months" && c.Name != "age" && c.Name != "credit_amount" {
			continue
		}
		var rates []float64
		for _, b := range c.Bins[1:] { // ranges after the missing bin
			rates = append(rates, float64(b.Bads)/float64(b.Goods+b.Bads))
		}
		up, down := true, true
		for i := 1; i < len(rates); i++ {
			up = up && rates[i] >= rates[i-1]
			down = down && rates[i] <= rates[i-1]
		}
		if !up && !down {
			t.Errorf("%s bad rates %v are not monotonic", c.Name, rates)
		}
	}

	// Out of sample: 5-fold stratified cross-validation, repeated over ten
	// random splits so that the figure does not hang on one lucky split.
	var runs []Validation
	meanAUC, meanKS := 0.0, 0.0
	for seed := uint64(1); seed <= 10; seed++ {
		v, err := CrossValidate(d, germanOptions(), 5, seed)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %2d: 5-fold AUC %.4f (folds %.4f) Gini %.4f KS %.4f", seed, v.AUC, v.FoldAUC, v.Gini, v.KS)
		if v.AUC < 0.74 || v.AUC > 0.80 {
			t.Errorf("seed %d: cross-validated AUC %.4f outside 0.74–0.80", seed, v.AUC)
		}
		if math.Abs(v.Gini-(2*v.AUC-1)) > 1e-12 {
			t.Errorf("seed %d: Gini %.4f is not 2·AUC − 1", seed, v.Gini)
		}
		if v.KS < 0.35 || v.KS > 0.55 {
			t.Errorf("seed %d: KS %.4f outside 0.35–0.55", seed, v.KS)
		}
		runs = append(runs, v)
		meanAUC += v.AUC / 10
		meanKS += v.KS / 10
	}
	t.Logf("mean over 10 splits: AUC %.4f Gini %.4f KS %.4f", meanAUC, Gini(meanAUC), meanKS)
	if *updateBench {
		writeGermanFigures(t, rep, runs)
	}
}

// The same data with the protected columns offered is refused.
func TestGermanCreditProtected(t *testing.T) {
	t.Parallel()
	d := loadGerman(t)
	if _, _, err := Fit(d, FitOptions{Name: "all", Version: "1"}); !errors.Is(err, ErrProtectedAttribute) {
		t.Errorf("fitting every column: %v", err)
	}
	for _, name := range []string{"personal_status_sex", "foreign_worker"} {
		opt := germanOptions()
		opt.Characteristics = append(opt.Characteristics, CharacteristicSpec{Name: name})
		if _, _, err := Fit(d, opt); !errors.Is(err, ErrProtectedAttribute) {
			t.Errorf("fitting with %s: %v", name, err)
		}
	}
}

// A fitted scorecard survives JSON: it loads back equal, and a tampered file
// that slips in a protected characteristic is refused on load.
func TestScorecardJSONRoundTrip(t *testing.T) {
	t.Parallel()
	card, _, err := Fit(loadGerman(t), germanOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(card, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseScorecard(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(card, back); diff != "" {
		t.Errorf("(-fitted +loaded):\n%s", diff)
	}
	b2, err := json.MarshalIndent(back, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("re-encoding differs")
	}
	// Scores agree row by row.
	s1, _ := card.Compile()
	s2, _ := back.Compile()
	d := loadGerman(t)
	for i := range d.Len() {
		r1, err1 := s1.Score(withoutProtected(d.Row(i)))
		r2, err2 := s2.Score(withoutProtected(d.Row(i)))
		if err1 != nil || err2 != nil || r1.Score != r2.Score {
			t.Fatalf("row %d: %v %v %v %v", i, r1.Score, r2.Score, err1, err2)
		}
	}

	tampered := bytes.Replace(b, []byte(`"name": "checking_status"`), []byte(`"name": "personal_status_sex"`), 1)
	if _, err := ParseScorecard(tampered); !errors.Is(err, ErrProtectedAttribute) {
		t.Errorf("tampered scorecard: %v", err)
	}
	if _, err := ParseScorecard([]byte(`{"name":"x","version":"1","extra":1}`)); !errors.Is(err, ErrInvalidScorecard) {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := ParseScorecard([]byte(`not json`)); !errors.Is(err, ErrInvalidScorecard) {
		t.Errorf("not JSON: %v", err)
	}
}

func withoutProtected(f Features) Features {
	for k := range f {
		if IsProtected(k) {
			delete(f, k)
		}
	}
	return f
}

func TestFitBadInput(t *testing.T) {
	t.Parallel()
	d := loadGerman(t)
	tests := []struct {
		name string
		d    Dataset
		opt  FitOptions
		want error
	}{
		{"no name", d, FitOptions{Characteristics: []CharacteristicSpec{{Name: "age"}}}, ErrFit},
		{"unknown column", d, FitOptions{Name: "x", Version: "1", Characteristics: []CharacteristicSpec{{Name: "shoe_size"}}}, ErrFit},
		{"monotonic categorical", d, FitOptions{Name: "x", Version: "1", Characteristics: []CharacteristicSpec{{Name: "purpose", Monotonic: true}}}, ErrFit},
		{"too few bads", d.Subset([]int{0, 1, 2, 3, 4}), FitOptions{Name: "x", Version: "1", Characteristics: []CharacteristicSpec{{Name: "age"}}}, ErrFit},
		{"ragged column", Dataset{Columns: []Column{{Name: "a", Kind: Numeric, Num: []float64{1}}}, Bad: []bool{true, false}}, FitOptions{Name: "x", Version: "1"}, ErrInvalidInput},
		{"infinite value", Dataset{Columns: []Column{{Name: "a", Kind: Numeric, Num: []float64{math.Inf(1)}}}, Bad: []bool{true}}, FitOptions{Name: "x", Version: "1"}, ErrInvalidInput},
		{"no informative characteristic", d, FitOptions{Name: "x", Version: "1", Characteristics: []CharacteristicSpec{{Name: "people_liable"}}}, ErrFit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := Fit(tc.d, tc.opt); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// Missing values in development data get their own bin, and values never
// seen in development go to a defined bin when scoring.
func TestFitMissingAndUnknown(t *testing.T) {
	t.Parallel()
	d := loadGerman(t)
	age, _ := d.Column("age")
	purpose, _ := d.Column("purpose")
	for i := 0; i < d.Len(); i += 7 { // one row in seven: 143 rows, above 5 %
		age.Num[i] = math.NaN()
		purpose.Cat[i] = ""
	}
	card, _, err := Fit(d, FitOptions{Name: "m", Version: "1", Characteristics: []CharacteristicSpec{{Name: "checking_status"}, {Name: "age", Monotonic: true}, {Name: "purpose"}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := card.Compile()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range card.Characteristics {
		if c.Name == "checking_status" {
			continue // no missing value
		}
		if !c.Bins[0].Missing || c.Bins[0].Goods+c.Bins[0].Bads != 143 || c.Bins[0].WoE == 0 {
			t.Errorf("%s missing bin %+v", c.Name, c.Bins[0])
		}
	}
	r, err := s.Score(Features{"checking_status": Cat("A19"), "purpose": Cat("A499")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"checking_status": "other", "age": "missing", "purpose": "other"}
	got := map[string]string{}
	for _, p := range r.Points {
		got[p.Characteristic] = p.Bin
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	// Goods 3, 4, 5 and bads 1, 2, 4: pairs good > bad 3·2 + 1 (5>4) + 2 (4>1, 4>2)…
	// count directly: (3>1,3>2,4>1,4>2,5>1,5>2,5>4) = 7, tie (4,4) = ½: 7.5/9.
	scores := []float64{3, 4, 5, 1, 2, 4}
	bad := []bool{false, false, false, true, true, true}
	if got, want := AUC(scores, bad), 7.5/9; math.Abs(got-want) > 1e-15 {
		t.Errorf("AUC %v, want %v", got, want)
	}
	// Cumulative at ≤2: bads 2/3, goods 0 → KS 2/3.
	if got := KS(scores, bad); math.Abs(got-2.0/3) > 1e-15 {
		t.Errorf("KS %v, want 2/3", got)
	}
	if !math.IsNaN(AUC([]float64{1}, []bool{true})) || !math.IsNaN(KS([]float64{1}, []bool{false})) {
		t.Error("AUC/KS without both classes should be NaN")
	}
	if _, err := CrossValidate(loadGerman(t), germanOptions(), 1, 1); !errors.Is(err, ErrFit) {
		t.Errorf("1 fold: %v", err)
	}
}
