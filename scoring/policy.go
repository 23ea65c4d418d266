package scoring

import (
	"fmt"
	"slices"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// RuleID names one limit of a policy ("P-AMOUNT-MAX"). A decision lists the
// ids of the rules that fired, so ids must be stable across policy versions.
type RuleID string

// Owner says whose policy it is.
type Owner string

// Policy owners.
const (
	OwnerPlatform Owner = "platform" // the lender's or platform's own credit policy
	OwnerEmployer Owner = "employer" // a partner company's policy for its employees
)

// ContractKind is an applicant's employment situation.
type ContractKind string

// Contract kinds.
const (
	ContractPermanent    ContractKind = "permanent"
	ContractFixedTerm    ContractKind = "fixed-term"
	ContractTemporary    ContractKind = "temporary" // agency work
	ContractCivilServant ContractKind = "civil-servant"
	ContractSelfEmployed ContractKind = "self-employed"
	ContractRetired      ContractKind = "retired"
	ContractStudent      ContractKind = "student"
	ContractUnemployed   ContractKind = "unemployed"
)

// MoneyLimit is a limit on an amount, with its rule id.
type MoneyLimit struct {
	Rule  RuleID        `json:"rule"`
	Value lendkit.Money `json:"value"`
}

// IntLimit is a limit on a count (months, years, points), with its rule id.
type IntLimit struct {
	Rule  RuleID `json:"rule"`
	Value int    `json:"value"`
}

// RatioLimit is a limit on a ratio (a fraction: 0.35), with its rule id.
type RatioLimit struct {
	Rule  RuleID          `json:"rule"`
	Value decimal.Decimal `json:"value"`
}

// KindsLimit lists the contract kinds a policy accepts, with its rule id.
type KindsLimit struct {
	Rule    RuleID         `json:"rule"`
	Allowed []ContractKind `json:"allowed"`
}

// FloorLimit is a residual-income floor per household, in major units of the
// policy's currency (see AffordabilityRules), with its rule id.
type FloorLimit struct {
	Rule       RuleID          `json:"rule"`
	Single     decimal.Decimal `json:"single"`
	ExtraAdult decimal.Decimal `json:"extraAdult"`
	Child      decimal.Decimal `json:"child"`
}

// RateBand offers Rate to applicants scoring at least MinScore who borrow
// for at most MaxTerm months.
type RateBand struct {
	MinScore int          `json:"minScore"`
	MaxTerm  int          `json:"maxTerm"`
	Rate     lendkit.Rate `json:"rate"`
}

// RateGrid is a policy's rates: the first band (in order) that matches an
// application gives its rate; an application no band matches is declined
// under Rule.
type RateGrid struct {
	Rule  RuleID     `json:"rule"`
	Bands []RateBand `json:"bands"`
}

// Policy is a versioned credit policy. Every limit is optional (nil: not
// limited) and carries the rule id a decision reports when it fires.
type Policy struct {
	ID       string           `json:"id"`      // stable across versions
	Version  string           `json:"version"` // recorded in every decision
	Owner    Owner            `json:"owner"`
	Employer string           `json:"employer,omitempty"` // the partner company's code, for OwnerEmployer
	Currency lendkit.Currency `json:"currency"`

	MinAmount        *MoneyLimit `json:"minAmount,omitempty"`
	MaxAmount        *MoneyLimit `json:"maxAmount,omitempty"`
	MinTerm          *IntLimit   `json:"minTerm,omitempty"` // months
	MaxTerm          *IntLimit   `json:"maxTerm,omitempty"` // months
	MinAge           *IntLimit   `json:"minAge,omitempty"`  // years, at the decision date
	MaxAgeAtMaturity *IntLimit   `json:"maxAgeAtMaturity,omitempty"`
	MinSeniority     *IntLimit   `json:"minSeniority,omitempty"` // months with the current employer
	ContractKinds    *KindsLimit `json:"contractKinds,omitempty"`
	MaxDSTI          *RatioLimit `json:"maxDSTI,omitempty"`
	ResidualFloor    *FloorLimit `json:"residualFloor,omitempty"`
	// MinScore declines applications scoring below it; ReferScore refers
	// those scoring below it (and at least MinScore) to a person.
	MinScore   *IntLimit `json:"minScore,omitempty"`
	ReferScore *IntLimit `json:"referScore,omitempty"`
	RateGrid   *RateGrid `json:"rateGrid,omitempty"`
}

// PolicyRef identifies a policy version in a decision.
type PolicyRef struct {
	ID       string `json:"id"`                 // the policy's id
	Version  string `json:"version"`            // the version in force
	Owner    Owner  `json:"owner"`              // platform or employer
	Employer string `json:"employer,omitempty"` // the company code of an employer policy
}

// Ref returns the policy's reference.
func (p *Policy) Ref() PolicyRef {
	return PolicyRef{ID: p.ID, Version: p.Version, Owner: p.Owner, Employer: p.Employer}
}

// Validate reports whether p is consistent: named and versioned, an owner
// (and company code for an employer), a currency, every limit with a unique
// rule id and a sensible value, minimums not above maximums.
func (p *Policy) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: policy %s/%s: %s", ErrInvalidPolicy, p.ID, p.Version, fmt.Sprintf(format, a...))
	}
	if p.ID == "" || p.Version == "" {
		return bad("needs an id and a version")
	}
	switch p.Owner {
	case OwnerPlatform:
		if p.Employer != "" {
			return bad("a platform policy has no employer code")
		}
	case OwnerEmployer:
		if p.Employer == "" {
			return bad("an employer policy needs the company code")
		}
	default:
		return bad("unknown owner %q", p.Owner)
	}
	if p.Currency.IsZero() {
		return bad("no currency")
	}
	rules := map[RuleID]bool{}
	rule := func(name string, r RuleID) error {
		if r == "" {
			return bad("limit %s has no rule id", name)
		}
		if rules[r] {
			return bad("rule id %s used twice", r)
		}
		rules[r] = true
		return nil
	}
	for _, m := range []struct {
		name string
		l    *MoneyLimit
	}{{"MinAmount", p.MinAmount}, {"MaxAmount", p.MaxAmount}} {
		if m.l == nil {
			continue
		}
		if err := rule(m.name, m.l.Rule); err != nil {
			return err
		}
		if m.l.Value.Currency() != p.Currency || m.l.Value.IsNegative() {
			return bad("%s %s must be a non-negative %s amount", m.name, m.l.Value, p.Currency)
		}
	}
	if p.MinAmount != nil && p.MaxAmount != nil && p.MinAmount.Value.Minor() > p.MaxAmount.Value.Minor() {
		return bad("MinAmount above MaxAmount")
	}
	for _, m := range []struct {
		name string
		l    *IntLimit
		min  int
	}{{"MinTerm", p.MinTerm, 1}, {"MaxTerm", p.MaxTerm, 1}, {"MinAge", p.MinAge, 0}, {"MaxAgeAtMaturity", p.MaxAgeAtMaturity, 0}, {"MinSeniority", p.MinSeniority, 0}, {"MinScore", p.MinScore, -1 << 30}, {"ReferScore", p.ReferScore, -1 << 30}} {
		if m.l == nil {
			continue
		}
		if err := rule(m.name, m.l.Rule); err != nil {
			return err
		}
		if m.l.Value < m.min {
			return bad("%s %d below %d", m.name, m.l.Value, m.min)
		}
	}
	if p.MinTerm != nil && p.MaxTerm != nil && p.MinTerm.Value > p.MaxTerm.Value {
		return bad("MinTerm above MaxTerm")
	}
	if p.MaxTerm != nil && p.MaxTerm.Value > maxTermMonths {
		return bad("MaxTerm above %d months", maxTermMonths)
	}
	if p.ContractKinds != nil {
		if err := rule("ContractKinds", p.ContractKinds.Rule); err != nil {
			return err
		}
	}
	if p.MaxDSTI != nil {
		if err := rule("MaxDSTI", p.MaxDSTI.Rule); err != nil {
			return err
		}
		if p.MaxDSTI.Value.Sign() <= 0 || p.MaxDSTI.Value.GreaterThan(decimal.NewFromInt(1)) {
			return bad("MaxDSTI %s outside (0, 1]", p.MaxDSTI.Value)
		}
	}
	if f := p.ResidualFloor; f != nil {
		if err := rule("ResidualFloor", f.Rule); err != nil {
			return err
		}
		if f.Single.Sign() < 0 || f.ExtraAdult.Sign() < 0 || f.Child.Sign() < 0 {
			return bad("negative residual floor")
		}
	}
	if g := p.RateGrid; g != nil {
		if err := rule("RateGrid", g.Rule); err != nil {
			return err
		}
		if len(g.Bands) == 0 {
			return bad("rate grid without bands")
		}
		for i, b := range g.Bands {
			if b.MaxTerm < 1 || b.Rate.Sign() < 0 {
				return bad("rate band %d: MaxTerm %d, rate %s", i, b.MaxTerm, b.Rate)
			}
		}
	}
	return nil
}

// Bound is a limit of the effective policy and the policy it comes from.
type Bound[T any] struct {
	Limit T         `json:"limit"` // the limit, with its rule id
	By    PolicyRef `json:"by"`    // the policy that set it
}

// EffectivePolicy is what applies to an application: the stricter of the
// platform's policy and the applicant's employer's, limit by limit. A scalar
// limit keeps the stricter value (the smaller maximum, the larger minimum; the
// platform's on a tie) and the policy it came from. Contract kinds, residual
// floors and rate grids keep both policies' limits: an application must pass
// each, the larger floor and the higher rate apply, and the decision records
// which one bound.
type EffectivePolicy struct {
	Platform PolicyRef        `json:"platform"`
	Employer *PolicyRef       `json:"employer,omitempty"` // nil without a partner employer
	Currency lendkit.Currency `json:"currency"`

	// The scalar limits, as in Policy; nil when neither policy sets one.
	MinAmount        *Bound[MoneyLimit] `json:"minAmount,omitempty"`
	MaxAmount        *Bound[MoneyLimit] `json:"maxAmount,omitempty"`
	MinTerm          *Bound[IntLimit]   `json:"minTerm,omitempty"`
	MaxTerm          *Bound[IntLimit]   `json:"maxTerm,omitempty"`
	MinAge           *Bound[IntLimit]   `json:"minAge,omitempty"`
	MaxAgeAtMaturity *Bound[IntLimit]   `json:"maxAgeAtMaturity,omitempty"`
	MinSeniority     *Bound[IntLimit]   `json:"minSeniority,omitempty"`
	MinScore         *Bound[IntLimit]   `json:"minScore,omitempty"`
	ReferScore       *Bound[IntLimit]   `json:"referScore,omitempty"`
	MaxDSTI          *Bound[RatioLimit] `json:"maxDSTI,omitempty"`
	// The limits every policy applies on its own (platform first).
	ContractKinds  []Bound[KindsLimit] `json:"contractKinds,omitempty"`
	ResidualFloors []Bound[FloorLimit] `json:"residualFloors,omitempty"`
	RateGrids      []Bound[RateGrid]   `json:"rateGrids,omitempty"`
}

// Effective returns the effective policy of platform and, when not nil,
// employer. Both must be valid and share a currency.
func Effective(platform Policy, employer *Policy) (EffectivePolicy, error) {
	if err := platform.Validate(); err != nil {
		return EffectivePolicy{}, err
	}
	if platform.Owner != OwnerPlatform {
		return EffectivePolicy{}, fmt.Errorf("%w: %s is not a platform policy", ErrInvalidPolicy, platform.ID)
	}
	pr := platform.Ref()
	e := EffectivePolicy{Platform: pr, Currency: platform.Currency}
	e.MinAmount, e.MaxAmount = bind(platform.MinAmount, pr), bind(platform.MaxAmount, pr)
	e.MinTerm, e.MaxTerm = bind(platform.MinTerm, pr), bind(platform.MaxTerm, pr)
	e.MinAge, e.MaxAgeAtMaturity = bind(platform.MinAge, pr), bind(platform.MaxAgeAtMaturity, pr)
	e.MinSeniority, e.MinScore, e.ReferScore = bind(platform.MinSeniority, pr), bind(platform.MinScore, pr), bind(platform.ReferScore, pr)
	e.MaxDSTI = bind(platform.MaxDSTI, pr)
	if platform.ContractKinds != nil {
		e.ContractKinds = append(e.ContractKinds, Bound[KindsLimit]{*platform.ContractKinds, pr})
	}
	if platform.ResidualFloor != nil {
		e.ResidualFloors = append(e.ResidualFloors, Bound[FloorLimit]{*platform.ResidualFloor, pr})
	}
	if platform.RateGrid != nil {
		e.RateGrids = append(e.RateGrids, Bound[RateGrid]{*platform.RateGrid, pr})
	}
	if employer == nil {
		return e, nil
	}
	if err := employer.Validate(); err != nil {
		return EffectivePolicy{}, err
	}
	if employer.Owner != OwnerEmployer {
		return EffectivePolicy{}, fmt.Errorf("%w: %s is not an employer policy", ErrInvalidPolicy, employer.ID)
	}
	if employer.Currency != platform.Currency {
		return EffectivePolicy{}, fmt.Errorf("%w: employer policy %s in %s, platform in %s", ErrInvalidPolicy, employer.ID, employer.Currency, platform.Currency)
	}
	er := employer.Ref()
	e.Employer = &er
	lower := func(a, b int) bool { return a < b }
	higher := func(a, b int) bool { return a > b }
	e.MinAmount = stricterMoney(e.MinAmount, bind(employer.MinAmount, er), false)
	e.MaxAmount = stricterMoney(e.MaxAmount, bind(employer.MaxAmount, er), true)
	e.MinTerm = stricterInt(e.MinTerm, bind(employer.MinTerm, er), higher)
	e.MaxTerm = stricterInt(e.MaxTerm, bind(employer.MaxTerm, er), lower)
	e.MinAge = stricterInt(e.MinAge, bind(employer.MinAge, er), higher)
	e.MaxAgeAtMaturity = stricterInt(e.MaxAgeAtMaturity, bind(employer.MaxAgeAtMaturity, er), lower)
	e.MinSeniority = stricterInt(e.MinSeniority, bind(employer.MinSeniority, er), higher)
	e.MinScore = stricterInt(e.MinScore, bind(employer.MinScore, er), higher)
	e.ReferScore = stricterInt(e.ReferScore, bind(employer.ReferScore, er), higher)
	if ed := bind(employer.MaxDSTI, er); ed != nil && (e.MaxDSTI == nil || ed.Limit.Value.LessThan(e.MaxDSTI.Limit.Value)) {
		e.MaxDSTI = ed
	}
	if employer.ContractKinds != nil {
		e.ContractKinds = append(e.ContractKinds, Bound[KindsLimit]{*employer.ContractKinds, er})
	}
	if employer.ResidualFloor != nil {
		e.ResidualFloors = append(e.ResidualFloors, Bound[FloorLimit]{*employer.ResidualFloor, er})
	}
	if employer.RateGrid != nil {
		e.RateGrids = append(e.RateGrids, Bound[RateGrid]{*employer.RateGrid, er})
	}
	return e, nil
}

func bind[T any](l *T, by PolicyRef) *Bound[T] {
	if l == nil {
		return nil
	}
	return &Bound[T]{Limit: *l, By: by}
}

// stricterMoney keeps the smaller maximum (isMax) or the larger minimum; the
// first (platform) wins ties.
func stricterMoney(a, b *Bound[MoneyLimit], isMax bool) *Bound[MoneyLimit] {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	av, bv := a.Limit.Value.Minor(), b.Limit.Value.Minor()
	if (isMax && bv < av) || (!isMax && bv > av) {
		return b
	}
	return a
}

// stricterInt keeps b only when stricter(b, a); the first wins ties.
func stricterInt(a, b *Bound[IntLimit], stricter func(b, a int) bool) *Bound[IntLimit] {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if stricter(b.Limit.Value, a.Limit.Value) {
		return b
	}
	return a
}

// Rate returns the rate for an application scoring score over termMonths: the
// highest of the rates the grids give, and the policy that set it. ok is false
// when a grid has no band for the application; by then names that grid. With
// no grid at all, ok is false and by is the platform.
func (e *EffectivePolicy) Rate(score, termMonths int) (rate lendkit.Rate, rule RuleID, by PolicyRef, ok bool) {
	if len(e.RateGrids) == 0 {
		return lendkit.Rate{}, "", e.Platform, false
	}
	found := false
	for _, g := range e.RateGrids {
		i := slices.IndexFunc(g.Limit.Bands, func(b RateBand) bool { return score >= b.MinScore && termMonths <= b.MaxTerm })
		if i < 0 {
			return lendkit.Rate{}, g.Limit.Rule, g.By, false
		}
		r := g.Limit.Bands[i].Rate
		if !found || r.Decimal().GreaterThan(rate.Decimal()) {
			rate, rule, by, found = r, g.Limit.Rule, g.By, true
		}
	}
	return rate, rule, by, true
}

// Floor returns the residual-income floor of household h under the effective
// policy — the largest of the policies' floors — and the limit that sets it;
// the limit is nil when no policy sets a floor.
func (e *EffectivePolicy) Floor(h Household) (lendkit.Money, *Bound[FloorLimit], error) {
	var floor lendkit.Money
	var binding *Bound[FloorLimit]
	for i := range e.ResidualFloors {
		f := &e.ResidualFloors[i]
		m, err := f.Limit.rules().Floor(h, e.Currency)
		if err != nil {
			return lendkit.Money{}, nil, err
		}
		if binding == nil || m.Minor() > floor.Minor() {
			floor, binding = m, f
		}
	}
	return floor, binding, nil
}

// rules returns the floor as AffordabilityRules floors.
func (f FloorLimit) rules() AffordabilityRules {
	return AffordabilityRules{FloorSingle: f.Single, FloorExtraAdult: f.ExtraAdult, FloorChild: f.Child}
}
