package scoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Scorecards are statistical models: their inputs (features), bin edges,
// weights of evidence, points and probabilities are float64. That is
// deliberate and safe: no amount of money is ever computed from them — a
// score only selects a rule outcome or a rate band, and every money figure of
// a decision stays lendkit.Money. float64 is also what makes scoring fast
// enough (over 200,000 decisions a second on one core).

// Kind is the kind of a characteristic: numeric (binned by ranges) or
// categorical (binned by category).
type Kind string

// Characteristic kinds.
const (
	Numeric     Kind = "numeric"
	Categorical Kind = "categorical"
)

// Value is one feature of an applicant: a number, a category or missing. The
// zero Value is missing.
type Value struct {
	kind Kind // "" when missing
	num  float64
	cat  string
}

// Num returns a numeric value. NaN is treated as missing.
func Num(v float64) Value {
	if math.IsNaN(v) {
		return Value{}
	}
	return Value{kind: Numeric, num: v}
}

// Cat returns a categorical value. The empty string is treated as missing.
func Cat(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{kind: Categorical, cat: s}
}

// Missing returns the missing value.
func Missing() Value { return Value{} }

// IsMissing reports whether v is missing.
func (v Value) IsMissing() bool { return v.kind == "" }

// Kind returns Numeric, Categorical or "" for a missing value.
func (v Value) Kind() Kind { return v.kind }

// Number returns the numeric value (0 unless Kind is Numeric).
func (v Value) Number() float64 { return v.num }

// Category returns the category ("" unless Kind is Categorical).
func (v Value) Category() string { return v.cat }

// String formats v as "12.5", "A11" or "<missing>".
func (v Value) String() string {
	switch v.kind {
	case Numeric:
		return strconv.FormatFloat(v.num, 'g', -1, 64)
	case Categorical:
		return v.cat
	}
	return "<missing>"
}

// MarshalJSON encodes a number as a JSON number, a category as a JSON string
// and a missing value as null.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case Numeric:
		if math.IsInf(v.num, 0) {
			return nil, fmt.Errorf("%w: infinite feature value", ErrValueKind)
		}
		return strconv.AppendFloat(nil, v.num, 'g', -1, 64), nil
	case Categorical:
		return json.Marshal(v.cat)
	}
	return []byte("null"), nil
}

// UnmarshalJSON decodes what MarshalJSON writes.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*v = Value{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%w: %v", ErrValueKind, err)
		}
		*v = Cat(s)
	default:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("%w: %s is neither a number, a string nor null", ErrValueKind, b)
		}
		*v = Num(f)
	}
	return nil
}

// Features are an applicant's scorecard inputs by characteristic name. A
// characteristic absent from the map is missing.
type Features map[string]Value

// Bin is one class of a characteristic. A numeric bin holds [Lo, Hi) — a nil
// bound is unbounded — a categorical bin holds Categories; the Missing bin
// holds missing values; the Other bin of a categorical characteristic also
// takes every category no bin names (unknown categories land there, a defined
// place, rather than being an error).
type Bin struct {
	Label      string   `json:"label"`
	Lo         *float64 `json:"lo,omitempty"`
	Hi         *float64 `json:"hi,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Missing    bool     `json:"missing,omitempty"`
	Other      bool     `json:"other,omitempty"`
	Points     int      `json:"points"`
	// Fit statistics (zero in a hand-built scorecard): goods and bads in the
	// training data and the bin's weight of evidence ln(%good / %bad).
	Goods int     `json:"goods,omitempty"`
	Bads  int     `json:"bads,omitempty"`
	WoE   float64 `json:"woe,omitempty"`
}

// Characteristic is one scored input: its bins and points, and the reason
// code and sentence given to an applicant when it lowers their score.
type Characteristic struct {
	Name       string `json:"name"`
	Kind       Kind   `json:"kind"`
	ReasonCode string `json:"reasonCode"`
	Reason     string `json:"reason"`
	// MissingReason is the sentence when the applicant's value was missing
	// (Reason would then accuse them of something unknown); a generic
	// sentence naming the characteristic is used when it is empty.
	MissingReason string `json:"missingReason,omitempty"`
	Bins          []Bin  `json:"bins"`
	// Fit statistics: information value and regression coefficient.
	IV          float64 `json:"iv,omitempty"`
	Coefficient float64 `json:"coefficient,omitempty"`
}

// Scaling maps scores to odds: the score BaseScore has good:bad odds BaseOdds,
// and every PDO points double the odds. Score = Offset + Factor × ln(odds)
// with Factor = PDO / ln 2 and Offset = BaseScore − Factor × ln(BaseOdds).
type Scaling struct {
	PDO       float64 `json:"pdo"`
	BaseScore float64 `json:"baseScore"`
	BaseOdds  float64 `json:"baseOdds"`
}

// DefaultScaling is a common industry scaling: 600 points at 50:1 odds, 20
// points to double the odds.
var DefaultScaling = Scaling{PDO: 20, BaseScore: 600, BaseOdds: 50}

// Validate reports whether the scaling is usable.
func (s Scaling) Validate() error {
	for _, v := range []float64{s.PDO, s.BaseScore, s.BaseOdds} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: scaling %+v is not finite", ErrInvalidScorecard, s)
		}
	}
	if s.PDO <= 0 || s.BaseOdds <= 0 {
		return fmt.Errorf("%w: scaling needs PDO > 0 and base odds > 0, got %+v", ErrInvalidScorecard, s)
	}
	return nil
}

// Factor returns PDO / ln 2, points per unit of log-odds.
func (s Scaling) Factor() float64 { return s.PDO / math.Ln2 }

// Offset returns BaseScore − Factor × ln(BaseOdds), the score at even odds.
func (s Scaling) Offset() float64 { return s.BaseScore - s.Factor()*math.Log(s.BaseOdds) }

// PD returns the probability of default (bad) at a score: 1 / (1 + odds) with
// odds = exp((score − Offset) / Factor).
func (s Scaling) PD(score float64) float64 {
	z := (score - s.Offset()) / s.Factor()
	// 1/(1+e^z) written to stay accurate for large |z|.
	if z >= 0 {
		e := math.Exp(-z)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(z))
}

// Score returns the score at probability of default pd, which must be in
// (0, 1): Offset + Factor × ln((1 − pd) / pd).
func (s Scaling) Score(pd float64) (float64, error) {
	if !(pd > 0 && pd < 1) {
		return 0, fmt.Errorf("%w: probability of default %v outside (0, 1)", ErrInvalidInput, pd)
	}
	return s.Offset() + s.Factor()*(math.Log1p(-pd)-math.Log(pd)), nil
}

// Scorecard is a points scorecard: each characteristic's value falls in one
// bin, the score is the sum of the bins' points, and Scaling turns it into a
// probability of default. It is plain data that serialises to JSON; Compile
// validates it and returns the Scorer that scores applicants.
type Scorecard struct {
	Name            string           `json:"name"`
	Version         string           `json:"version"`
	Scaling         Scaling          `json:"scaling"`
	Characteristics []Characteristic `json:"characteristics"`
}

// ParseScorecard decodes and validates a scorecard written by json.Marshal. A
// scorecard using a protected attribute is ErrProtectedAttribute; any other
// defect is ErrInvalidScorecard.
func ParseScorecard(b []byte) (*Scorecard, error) {
	var c Scorecard
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidScorecard, err)
	}
	if _, err := c.Compile(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Points is the contribution of one characteristic to a score.
type Points struct {
	Characteristic string `json:"characteristic"`
	Code           string `json:"code"`
	Bin            string `json:"bin"`
	Points         int    `json:"points"`
	MaxPoints      int    `json:"maxPoints"`         // the most this characteristic can give
	Missing        bool   `json:"missing,omitempty"` // the value was missing
}

// Result is a scored applicant: the score (the sum of Points), its PD and the
// points of each characteristic in scorecard order.
type Result struct {
	Score  int      `json:"score"`
	PD     float64  `json:"pd"`
	Points []Points `json:"points"`
}

// Scorer is a validated, compiled scorecard. It is immutable and safe for
// concurrent use.
type Scorer struct {
	name, version string
	scaling       Scaling
	chars         []compiledChar
	// known holds the characteristic names, checked once by Compile: the
	// per-applicant protected-name scan skips them.
	known map[string]struct{}
}

type compiledChar struct {
	name, code, reason string
	missingReason      string
	kind               Kind
	bins               []compiledBin // numeric: the ranges in order
	cats               map[string]int
	missing, other     int // bin indexes; other is -1 for numeric
	maxPoints          int
}

type compiledBin struct {
	lo, hi float64 // numeric range [lo, hi)
	label  string
	points int
}

// Compile validates the scorecard — a usable scaling; every characteristic
// named, unique, not protected, with a reason code and sentence; numeric bins
// that cover every number exactly once; categories in one bin each; one
// Missing bin per characteristic; one Other bin per categorical one — and
// returns its Scorer.
func (c *Scorecard) Compile() (*Scorer, error) {
	if err := c.Scaling.Validate(); err != nil {
		return nil, err
	}
	if c.Name == "" || c.Version == "" {
		return nil, fmt.Errorf("%w: a scorecard needs a name and a version", ErrInvalidScorecard)
	}
	if len(c.Characteristics) == 0 {
		return nil, fmt.Errorf("%w: %s has no characteristic", ErrInvalidScorecard, c.Name)
	}
	s := &Scorer{name: c.Name, version: c.Version, scaling: c.Scaling, known: map[string]struct{}{}}
	seen := map[string]bool{}
	codes := map[string]bool{}
	for _, ch := range c.Characteristics {
		if IsProtected(ch.Name) {
			return nil, protectedErr("scorecard "+c.Name+" characteristic", ch.Name)
		}
		if ch.Name == "" || seen[ch.Name] {
			return nil, fmt.Errorf("%w: characteristic name %q empty or repeated", ErrInvalidScorecard, ch.Name)
		}
		seen[ch.Name] = true
		s.known[ch.Name] = struct{}{}
		if ch.ReasonCode == "" || ch.Reason == "" || codes[ch.ReasonCode] {
			return nil, fmt.Errorf("%w: characteristic %q needs a unique reason code and a reason sentence", ErrInvalidScorecard, ch.Name)
		}
		codes[ch.ReasonCode] = true
		cc, err := compileChar(ch)
		if err != nil {
			return nil, err
		}
		s.chars = append(s.chars, cc)
	}
	return s, nil
}

func compileChar(ch Characteristic) (compiledChar, error) {
	bad := func(format string, a ...any) (compiledChar, error) {
		return compiledChar{}, fmt.Errorf("%w: characteristic %q: %s", ErrInvalidScorecard, ch.Name, fmt.Sprintf(format, a...))
	}
	cc := compiledChar{name: ch.Name, code: ch.ReasonCode, reason: ch.Reason, missingReason: ch.MissingReason, kind: ch.Kind, missing: -1, other: -1, maxPoints: math.MinInt}
	if cc.missingReason == "" {
		cc.missingReason = fmt.Sprintf("Information on %q was not provided, which lowered the score.", ch.Name)
	}
	if len(ch.Bins) == 0 {
		return bad("no bins")
	}
	var ranges []compiledBin
	for i, b := range ch.Bins {
		cb := compiledBin{label: b.Label, points: b.Points, lo: math.Inf(-1), hi: math.Inf(1)}
		cc.maxPoints = max(cc.maxPoints, b.Points)
		if b.Label == "" {
			return bad("bin %d has no label", i)
		}
		if b.Missing {
			if cc.missing >= 0 || b.Lo != nil || b.Hi != nil || len(b.Categories) > 0 || b.Other {
				return bad("the missing bin must be unique and hold nothing else")
			}
			cc.missing = len(cc.bins)
			cc.bins = append(cc.bins, cb)
			continue
		}
		switch ch.Kind {
		case Numeric:
			if len(b.Categories) > 0 || b.Other {
				return bad("numeric bin %q holds categories", b.Label)
			}
			if b.Lo != nil {
				cb.lo = *b.Lo
			}
			if b.Hi != nil {
				cb.hi = *b.Hi
			}
			if math.IsNaN(cb.lo) || math.IsNaN(cb.hi) || !(cb.lo < cb.hi) {
				return bad("bin %q is not a range lo < hi", b.Label)
			}
			ranges = append(ranges, cb)
		case Categorical:
			if b.Lo != nil || b.Hi != nil {
				return bad("categorical bin %q has a numeric range", b.Label)
			}
			if len(b.Categories) == 0 && !b.Other {
				return bad("categorical bin %q holds no category", b.Label)
			}
			idx := len(cc.bins)
			if cc.cats == nil {
				cc.cats = map[string]int{}
			}
			for _, cat := range b.Categories {
				if _, dup := cc.cats[cat]; dup || cat == "" {
					return bad("category %q empty or in two bins", cat)
				}
				cc.cats[cat] = idx
			}
			if b.Other {
				if cc.other >= 0 {
					return bad("two Other bins")
				}
				cc.other = idx
			}
			cc.bins = append(cc.bins, cb)
		default:
			return bad("unknown kind %q", ch.Kind)
		}
	}
	if cc.missing < 0 {
		return bad("no missing bin")
	}
	if ch.Kind == Categorical && cc.other < 0 {
		return bad("no Other bin for unknown categories")
	}
	if ch.Kind == Numeric {
		if len(ranges) == 0 {
			return bad("no range bin")
		}
		slices.SortFunc(ranges, func(a, b compiledBin) int {
			switch {
			case a.lo < b.lo:
				return -1
			case a.lo > b.lo:
				return 1
			}
			return 0
		})
		if !math.IsInf(ranges[0].lo, -1) || !math.IsInf(ranges[len(ranges)-1].hi, 1) {
			return bad("ranges must start at −∞ and end at +∞")
		}
		for i := 1; i < len(ranges); i++ {
			if ranges[i].lo != ranges[i-1].hi {
				return bad("ranges %q and %q leave a gap or overlap", ranges[i-1].label, ranges[i].label)
			}
		}
		// Keep the missing bin first, then the ranges in order.
		missing := cc.bins[cc.missing]
		cc.bins = append([]compiledBin{missing}, ranges...)
		cc.missing = 0
	}
	return cc, nil
}

// Name returns the scorecard's name.
func (s *Scorer) Name() string { return s.name }

// Version returns the scorecard's version.
func (s *Scorer) Version() string { return s.version }

// Scaling returns the scorecard's scaling.
func (s *Scorer) Scaling() Scaling { return s.scaling }

// Characteristics returns the names of the scored characteristics in order.
func (s *Scorer) Characteristics() []string {
	names := make([]string, len(s.chars))
	for i, c := range s.chars {
		names[i] = c.name
	}
	return names
}

// Score scores features f. A missing feature goes to the missing bin, an
// unknown category to the Other bin, and features the scorecard does not use
// are ignored (but still checked for protected names); a feature of the wrong kind is
// ErrValueKind and a protected feature in f is ErrProtectedAttribute (the
// applicant's record must not carry them into a decision).
func (s *Scorer) Score(f Features) (Result, error) {
	if err := s.checkFeatures(f); err != nil {
		return Result{}, err
	}
	return s.score(f)
}

// checkFeatures refuses a protected feature name.
func (s *Scorer) checkFeatures(f Features) error {
	for name := range f {
		if _, ok := s.known[name]; ok {
			continue
		}
		if IsProtected(name) {
			return protectedErr("feature", name)
		}
	}
	return nil
}

// score is Score without the protected-feature scan, for callers that did it.
func (s *Scorer) score(f Features) (Result, error) {
	r := Result{Points: make([]Points, len(s.chars))}
	for i := range s.chars {
		c := &s.chars[i]
		b, err := c.bin(f[c.name])
		if err != nil {
			return Result{}, err
		}
		r.Points[i] = Points{Characteristic: c.name, Code: c.code, Bin: c.bins[b].label, Points: c.bins[b].points, MaxPoints: c.maxPoints, Missing: b == c.missing}
		r.Score += c.bins[b].points
	}
	r.PD = s.scaling.PD(float64(r.Score))
	return r, nil
}

func (c *compiledChar) bin(v Value) (int, error) {
	switch v.kind {
	case "":
		return c.missing, nil
	case Numeric:
		if c.kind != Numeric {
			return 0, fmt.Errorf("%w: %q is categorical, got the number %v", ErrValueKind, c.name, v.num)
		}
		// Ranges follow the missing bin at index 0; few bins, so a linear scan
		// beats a binary search.
		for i := 1; i < len(c.bins); i++ {
			if v.num < c.bins[i].hi {
				return i, nil
			}
		}
		return len(c.bins) - 1, nil // +Inf: the last range is unbounded above
	default:
		if c.kind != Categorical {
			return 0, fmt.Errorf("%w: %q is numeric, got the category %q", ErrValueKind, c.name, v.cat)
		}
		if i, ok := c.cats[v.cat]; ok {
			return i, nil
		}
		return c.other, nil
	}
}

// Reason explains one characteristic that lowered a score.
type Reason struct {
	Code           string `json:"code"`           // the characteristic's stable reason code
	Characteristic string `json:"characteristic"` // the characteristic's name
	Bin            string `json:"bin"`            // the applicant's bin
	Sentence       string `json:"sentence"`       // plain language, for the applicant
	Shortfall      int    `json:"shortfall"`      // max points − points, > 0
}

// MaxReasons is the most reasons a decision gives: enough to explain, few
// enough to read (US adverse-action practice gives four).
const MaxReasons = 4

// Reasons returns up to MaxReasons reasons for result r, the characteristics
// whose points fall furthest below their maximum, largest shortfall first
// (scorecard order breaks ties, so the ranking is stable). A characteristic at
// its maximum is never a reason.
func (s *Scorer) Reasons(r Result) []Reason {
	// Keep the top MaxReasons in a fixed array by insertion: no sort, no
	// allocation but the result. A candidate moves ahead only of strictly
	// smaller shortfalls, so ties keep scorecard order.
	type cand struct{ idx, short int }
	var top [MaxReasons]cand
	n := 0
	for i, p := range r.Points {
		short := p.MaxPoints - p.Points
		if short <= 0 || i >= len(s.chars) || s.chars[i].name != p.Characteristic {
			continue
		}
		if n == MaxReasons && short <= top[n-1].short {
			continue
		}
		k := min(n, MaxReasons-1)
		for k > 0 && top[k-1].short < short {
			top[k] = top[k-1]
			k--
		}
		top[k] = cand{i, short}
		n = min(n+1, MaxReasons)
	}
	out := make([]Reason, n)
	for k, c := range top[:n] {
		p := r.Points[c.idx]
		sentence := s.chars[c.idx].reason
		if p.Missing {
			sentence = s.chars[c.idx].missingReason
		}
		out[k] = Reason{Code: p.Code, Characteristic: p.Characteristic, Bin: p.Bin, Sentence: sentence, Shortfall: c.short}
	}
	return out
}
