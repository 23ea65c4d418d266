package scoring

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func TestScore(t *testing.T) {
	t.Parallel()
	s := demoScorer(t)
	tests := []struct {
		name  string
		f     Features
		score int
		bins  []string
	}{
		{"best", goodFeatures(), 745, []string{"healthy", "< 0.1", "≥ 5", "< 1", "home improvement"}},
		{"all missing", Features{}, 550, []string{"missing", "missing", "missing", "missing", "missing"}},
		{"unknown categories go to other", Features{"checking_status": Cat("frozen"), "purpose": Cat("yacht")}, 110 + 100 + 110 + 115 + 120,
			[]string{"other", "missing", "missing", "missing", "other"}},
		{"edges are lower-inclusive", Features{"dsti": Num(0.35), "years_with_bank": Num(1), "days_overdrawn_90d": Num(10)}, 110 + 90 + 125 + 80 + 115,
			[]string{"missing", "≥ 0.35", "[1, 5)", "≥ 10", "missing"}},
		{"NaN and empty are missing; infinities are numbers", Features{"dsti": Num(math.NaN()), "checking_status": Cat(""), "years_with_bank": Num(math.Inf(1)), "days_overdrawn_90d": Num(math.Inf(-1))},
			110 + 100 + 145 + 150 + 115, []string{"missing", "missing", "≥ 5", "< 1", "missing"}},
		{"unknown feature ignored", Features{"shoe_size": Num(44)}, 550, []string{"missing", "missing", "missing", "missing", "missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := s.Score(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var bins []string
			for _, p := range r.Points {
				bins = append(bins, p.Bin)
			}
			if diff := cmp.Diff(tc.bins, bins); diff != "" {
				t.Errorf("bins (-want +got):\n%s", diff)
			}
			if r.Score != tc.score {
				t.Errorf("score %d, want %d", r.Score, tc.score)
			}
			if want := DefaultScaling.PD(float64(tc.score)); r.PD != want {
				t.Errorf("PD %v, want %v", r.PD, want)
			}
		})
	}
}

func TestScoreBadInput(t *testing.T) {
	t.Parallel()
	s := demoScorer(t)
	if _, err := s.Score(Features{"dsti": Cat("high")}); !errors.Is(err, ErrValueKind) {
		t.Errorf("category for numeric: %v", err)
	}
	if _, err := s.Score(Features{"purpose": Num(3)}); !errors.Is(err, ErrValueKind) {
		t.Errorf("number for categorical: %v", err)
	}
	for _, name := range []string{"sex", "marital_status", "nationality", "applicantGender"} {
		if _, err := s.Score(Features{name: Cat("x")}); !errors.Is(err, ErrProtectedAttribute) {
			t.Errorf("feature %q: %v", name, err)
		}
	}
}

func TestScalingKnownValues(t *testing.T) {
	t.Parallel()
	s := DefaultScaling // 600 at 50:1, 20 PDO
	for _, tc := range []struct{ score, pd float64 }{{600, 1.0 / 51}, {620, 1.0 / 101}, {580, 1.0 / 26}} {
		if got := s.PD(tc.score); math.Abs(got-tc.pd) > 1e-15 {
			t.Errorf("PD(%v) = %v, want %v", tc.score, got, tc.pd)
		}
		got, err := s.Score(tc.pd)
		if err != nil || math.Abs(got-tc.score) > 1e-9 {
			t.Errorf("Score(%v) = %v, %v; want %v", tc.pd, got, err, tc.score)
		}
	}
	for _, pd := range []float64{0, 1, -0.1, 1.5, math.NaN()} {
		if _, err := s.Score(pd); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Score(%v): %v", pd, err)
		}
	}
}

func TestScorePDRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := Scaling{
			PDO:       rapid.Float64Range(5, 100).Draw(t, "pdo"),
			BaseScore: rapid.Float64Range(0, 1000).Draw(t, "base"),
			BaseOdds:  rapid.Float64Range(0.01, 1000).Draw(t, "odds"),
		}
		// Within ±20 doublings of the base odds the PD stays far from 0 and 1
		// in float64, so the conversion is invertible.
		score := s.BaseScore + rapid.Float64Range(-20, 20).Draw(t, "doublings")*s.PDO
		pd := s.PD(score)
		back, err := s.Score(pd)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(back-score) > 1e-6*s.PDO {
			t.Fatalf("score %v → PD %v → score %v", score, pd, back)
		}
		// And PD → score → PD.
		pd2 := rapid.Float64Range(1e-6, 1-1e-6).Draw(t, "pd")
		sc, err := s.Score(pd2)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.PD(sc); math.Abs(got-pd2) > 1e-9 {
			t.Fatalf("PD %v → score %v → PD %v", pd2, sc, got)
		}
		// Higher scores mean lower risk.
		if s.PD(score+1) >= pd && pd > 1e-300 {
			t.Fatalf("PD not decreasing at %v", score)
		}
	})
}

// randomCard draws a valid scorecard of numeric and categorical
// characteristics, and features for it (some missing, some unknown).
func randomCard(t *rapid.T) (*Scorecard, Features) {
	card := &Scorecard{Name: "random", Version: "1", Scaling: DefaultScaling}
	f := Features{}
	n := rapid.IntRange(1, 12).Draw(t, "chars")
	for i := range n {
		name := "c" + string(rune('a'+i))
		ch := Characteristic{Name: name, ReasonCode: "R" + name, Reason: "because " + name}
		ch.Bins = append(ch.Bins, Bin{Label: "missing", Missing: true, Points: rapid.IntRange(-50, 150).Draw(t, "pm")})
		if rapid.Bool().Draw(t, "numeric") {
			ch.Kind = Numeric
			edges := rapid.SliceOfNDistinct(rapid.IntRange(-100, 100), 0, 6, func(v int) int { return v }).Draw(t, "edges")
			slices.Sort(edges)
			var lo *float64
			for k := 0; k <= len(edges); k++ {
				b := Bin{Label: "r" + string(rune('0'+k)), Lo: lo, Points: rapid.IntRange(-50, 150).Draw(t, "p")}
				if k < len(edges) {
					b.Hi = f64(float64(edges[k]))
					lo = b.Hi
				}
				ch.Bins = append(ch.Bins, b)
			}
			switch rapid.IntRange(0, 2).Draw(t, "valueKind") {
			case 0:
				f[name] = Num(rapid.Float64Range(-200, 200).Draw(t, "v"))
			case 1:
				f[name] = Missing()
			}
		} else {
			ch.Kind = Categorical
			k := rapid.IntRange(1, 5).Draw(t, "cats")
			for c := range k {
				ch.Bins = append(ch.Bins, Bin{Label: "k" + string(rune('0'+c)), Categories: []string{string(rune('A' + c))}, Points: rapid.IntRange(-50, 150).Draw(t, "p")})
			}
			ch.Bins = append(ch.Bins, Bin{Label: "other", Other: true, Points: rapid.IntRange(-50, 150).Draw(t, "po")})
			f[name] = Cat(string(rune('A' + rapid.IntRange(0, 7).Draw(t, "cat")))) // F…H are unknown
		}
		card.Characteristics = append(card.Characteristics, ch)
	}
	return card, f
}

func TestPointsSumToScore(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		card, f := randomCard(t)
		s, err := card.Compile()
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Score(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, p := range r.Points {
			sum += p.Points
			if p.Points > p.MaxPoints {
				t.Fatalf("%s: %d points above its max %d", p.Characteristic, p.Points, p.MaxPoints)
			}
		}
		if sum != r.Score || len(r.Points) != len(card.Characteristics) {
			t.Fatalf("points sum %d, score %d", sum, r.Score)
		}
		if r.PD != card.Scaling.PD(float64(r.Score)) {
			t.Fatalf("PD %v is not the scaling's", r.PD)
		}
	})
}

func TestReasonsAmongScoredCharacteristics(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		card, f := randomCard(t)
		s, err := card.Compile()
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Score(f)
		if err != nil {
			t.Fatal(err)
		}
		reasons := s.Reasons(r)
		if len(reasons) > MaxReasons {
			t.Fatalf("%d reasons", len(reasons))
		}
		short := map[string]int{}
		below := 0
		for _, p := range r.Points {
			short[p.Characteristic] = p.MaxPoints - p.Points
			if p.MaxPoints > p.Points {
				below++
			}
		}
		if len(reasons) != min(below, MaxReasons) {
			t.Fatalf("%d reasons for %d characteristics below their max", len(reasons), below)
		}
		seen := map[string]bool{}
		for i, rs := range reasons {
			sh, ok := short[rs.Characteristic]
			if !ok || seen[rs.Characteristic] {
				t.Fatalf("reason %q is not a scored characteristic or repeats", rs.Characteristic)
			}
			seen[rs.Characteristic] = true
			if sh != rs.Shortfall || sh <= 0 || rs.Code != "R"+rs.Characteristic || rs.Sentence == "" {
				t.Fatalf("reason %+v, shortfall %d", rs, sh)
			}
			if i > 0 && reasons[i-1].Shortfall < rs.Shortfall {
				t.Fatalf("reasons not ranked: %+v", reasons)
			}
		}
		// Every characteristic left out falls short by no more than the last reason.
		if len(reasons) == MaxReasons {
			for c, sh := range short {
				if !seen[c] && sh > reasons[MaxReasons-1].Shortfall {
					t.Fatalf("%s falls %d short but is not a reason", c, sh)
				}
			}
		}
	})
}

func TestReasonsDemo(t *testing.T) {
	t.Parallel()
	s := demoScorer(t)
	r, err := s.Score(Features{"checking_status": Cat("negative"), "dsti": Num(0.3), "years_with_bank": Num(8), "days_overdrawn_90d": Num(12), "purpose": Cat("car")})
	if err != nil {
		t.Fatal(err)
	}
	want := []Reason{
		{Code: "R04", Characteristic: "days_overdrawn_90d", Bin: "≥ 10", Sentence: "Your account was often overdrawn in the last 90 days.", Shortfall: 70},
		{Code: "R01", Characteristic: "checking_status", Bin: "negative", Sentence: "The balance of your current account is low or negative.", Shortfall: 65},
		{Code: "R02", Characteristic: "dsti", Bin: "[0.25, 0.35)", Sentence: "Your existing debt payments are high compared with your income.", Shortfall: 40},
		{Code: "R05", Characteristic: "purpose", Bin: "car", Sentence: "The purpose of the loan carries more risk.", Shortfall: 10},
	}
	if diff := cmp.Diff(want, s.Reasons(r)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	best, err := s.Score(goodFeatures())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Reasons(best); len(got) != 0 {
		t.Errorf("a maximal score has reasons %+v", got)
	}
}

func TestCompileRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(c *Scorecard)
		want   error
	}{
		{"protected characteristic", func(c *Scorecard) { c.Characteristics[0].Name = "marital_status" }, ErrProtectedAttribute},
		{"protected camelCase", func(c *Scorecard) { c.Characteristics[0].Name = "applicantNationality" }, ErrProtectedAttribute},
		{"no version", func(c *Scorecard) { c.Version = "" }, ErrInvalidScorecard},
		{"bad scaling", func(c *Scorecard) { c.Scaling.PDO = 0 }, ErrInvalidScorecard},
		{"NaN scaling", func(c *Scorecard) { c.Scaling.BaseOdds = math.NaN() }, ErrInvalidScorecard},
		{"no characteristics", func(c *Scorecard) { c.Characteristics = nil }, ErrInvalidScorecard},
		{"duplicate name", func(c *Scorecard) { c.Characteristics[1].Name = c.Characteristics[0].Name }, ErrInvalidScorecard},
		{"duplicate reason code", func(c *Scorecard) { c.Characteristics[1].ReasonCode = "R01" }, ErrInvalidScorecard},
		{"no reason sentence", func(c *Scorecard) { c.Characteristics[1].Reason = "" }, ErrInvalidScorecard},
		{"no missing bin", func(c *Scorecard) { c.Characteristics[1].Bins = c.Characteristics[1].Bins[1:] }, ErrInvalidScorecard},
		{"no other bin", func(c *Scorecard) { c.Characteristics[0].Bins = c.Characteristics[0].Bins[:4] }, ErrInvalidScorecard},
		{"gap", func(c *Scorecard) { c.Characteristics[1].Bins[2].Lo = f64(0.11) }, ErrInvalidScorecard},
		{"overlap", func(c *Scorecard) { c.Characteristics[1].Bins[2].Lo = f64(0.09) }, ErrInvalidScorecard},
		{"not unbounded above", func(c *Scorecard) { c.Characteristics[1].Bins[4].Hi = f64(1) }, ErrInvalidScorecard},
		{"empty range", func(c *Scorecard) { c.Characteristics[1].Bins[2].Hi = f64(0.1) }, ErrInvalidScorecard},
		{"category twice", func(c *Scorecard) { c.Characteristics[0].Bins[1].Categories = []string{"low"} }, ErrInvalidScorecard},
		{"category in numeric", func(c *Scorecard) { c.Characteristics[1].Bins[1].Categories = []string{"x"} }, ErrInvalidScorecard},
		{"range in categorical", func(c *Scorecard) { c.Characteristics[0].Bins[1].Lo = f64(1) }, ErrInvalidScorecard},
		{"unknown kind", func(c *Scorecard) { c.Characteristics[0].Kind = "ordinal" }, ErrInvalidScorecard},
		{"unlabelled bin", func(c *Scorecard) { c.Characteristics[0].Bins[1].Label = "" }, ErrInvalidScorecard},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := demoCard()
			tc.mutate(c)
			if _, err := c.Compile(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestIsProtected(t *testing.T) {
	t.Parallel()
	yes := []string{"sex", "Sex", "applicant_sex", "applicantSex", "gender", "marital_status", "MaritalStatus", "marital", "nationality", "Nationality_Code",
		"citizenship", "personal_status_sex", "personal-status", "foreign_worker", "ForeignWorker", "country_of_birth", "is_female", "ethnicity"}
	no := []string{"sussex_branch", "essex", "age", "checking_status", "foreign_currency_income", "status", "personal_loan_count", "duration_months"}
	for _, n := range yes {
		if !IsProtected(n) {
			t.Errorf("IsProtected(%q) = false", n)
		}
	}
	for _, n := range no {
		if IsProtected(n) {
			t.Errorf("IsProtected(%q) = true", n)
		}
	}
}

func TestValueJSON(t *testing.T) {
	t.Parallel()
	in := Features{"a": Num(1.5), "b": Cat("x"), "c": Missing(), "d": Num(-0.000001)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Features
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out, cmp.AllowUnexported(Value{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"a":true}`), &out); !errors.Is(err, ErrValueKind) {
		t.Errorf("boolean feature: %v", err)
	}
}

// The allocation-free ASCII path agrees with the general one.
func TestIsProtectedPaths(t *testing.T) {
	t.Parallel()
	words := []string{"sex", "Sex", "marital", "Status", "personal", "status", "foreign", "Worker", "nationality", "age", "checking", "x", "9", "citizen", "ship", "Gender", "female"}
	seps := []string{"", "_", "-", " ", ".", "__"}
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.SliceOfN(rapid.SampledFrom(words), 1, 4).Draw(t, "parts")
		name := ""
		for i, p := range parts {
			if i > 0 {
				name += rapid.SampledFrom(seps).Draw(t, "sep")
			}
			name += p
		}
		fast, ok := isProtectedASCII(name)
		if !ok {
			t.Fatalf("%q took the slow path", name)
		}
		if slow := isProtectedUnicode(name); fast != slow {
			t.Fatalf("IsProtected(%q): ASCII %v, Unicode %v", name, fast, slow)
		}
	})
	if _, ok := isProtectedASCII("nationalité"); ok {
		t.Error("non-ASCII name took the ASCII path")
	}
	if !IsProtected("Staatsangehörigkeit_nationality") || !IsProtected("genre_Gender") {
		t.Error("Unicode names are not checked")
	}
}
