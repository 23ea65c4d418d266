package scoring

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// Outcome is what a decision says.
type Outcome string

// Outcomes, from the most to the least favourable.
const (
	Approve Outcome = "approve"
	Refer   Outcome = "refer" // to a person, who decides and records an Override
	Decline Outcome = "decline"
)

// rank orders outcomes: Decline < Refer < Approve; 0 for an unknown outcome.
func (o Outcome) rank() int {
	switch o {
	case Decline:
		return 1
	case Refer:
		return 2
	case Approve:
		return 3
	}
	return 0
}

// Valid reports whether o is Approve, Refer or Decline.
func (o Outcome) Valid() bool { return o.rank() > 0 }

// worse returns the less favourable of a and b.
func worse(a, b Outcome) Outcome {
	if b.rank() < a.rank() {
		return b
	}
	return a
}

// FiredRule is a policy rule an application broke.
type FiredRule struct {
	Rule    RuleID    `json:"rule"`    // the limit's rule id
	By      PolicyRef `json:"by"`      // the policy whose limit bound
	Outcome Outcome   `json:"outcome"` // Decline or Refer
	Detail  string    `json:"detail"`  // a plain sentence for the applicant and the agent
}

// Form is what an application form asks before any document: enough for the
// eligibility pre-check.
type Form struct {
	AsOf            lendkit.Date // the day of the check
	BirthDate       lendkit.Date
	Amount          lendkit.Money
	TermMonths      int
	Contract        ContractKind
	SeniorityMonths int    // months in the current job or activity
	Employer        string // partner company code, "" if none
	// MonthlyIncome is the declared net monthly income; DebtService the
	// declared monthly credit payments.
	MonthlyIncome, DebtService lendkit.Money
}

// PreCheck is the result of the eligibility pre-check.
type PreCheck struct {
	Eligible   bool        `json:"eligible"` // no rule fired
	Platform   PolicyRef   `json:"platform"`
	Employer   *PolicyRef  `json:"employer,omitempty"`
	RulesFired []FiredRule `json:"rulesFired"`
}

// Application is a complete credit application: the form, the budget and the
// scorecard features. It is the input a decision hashes.
type Application struct {
	ID              string       // the caller's application id, recorded in the decision
	AsOf            lendkit.Date // the decision date: ages and maturities count from it
	BirthDate       lendkit.Date
	Contract        ContractKind
	SeniorityMonths int
	Employer        string
	Budget          Budget
	Amount          lendkit.Money
	TermMonths      int
	// InsuranceRate is the borrower insurance premium a year on the initial
	// principal (0.0036 for 0.36 %); zero without insurance.
	InsuranceRate decimal.Decimal
	Features      Features
}

// Form returns the application's pre-check form; the declared income is the
// gross of the budget's incomes (a form has no haircuts).
func (a *Application) Form() (Form, error) {
	f := Form{AsOf: a.AsOf, BirthDate: a.BirthDate, Amount: a.Amount, TermMonths: a.TermMonths, Contract: a.Contract,
		SeniorityMonths: a.SeniorityMonths, Employer: a.Employer, DebtService: a.Budget.DebtService}
	if len(a.Budget.Incomes) == 0 {
		return Form{}, &InputError{Field: "Budget.Incomes", Reason: "no income given", Err: ErrMissingIncome}
	}
	var err error
	if f.MonthlyIncome, err = lendkit.Sum(a.Budget.Incomes[0].Monthly.Currency(), moneys(a.Budget.Incomes)...); err != nil {
		return Form{}, fmt.Errorf("budget incomes: %w", err)
	}
	return f, nil
}

func moneys(in []Income) []lendkit.Money {
	out := make([]lendkit.Money, len(in))
	for i, x := range in {
		out[i] = x.Monthly
	}
	return out
}

// Offer is what an approved (or referred) application may be granted.
type Offer struct {
	Rate       lendkit.Rate  `json:"rate"`
	RateRule   RuleID        `json:"rateRule"`
	RateBy     PolicyRef     `json:"rateBy"`     // the policy whose grid set the rate
	Instalment lendkit.Money `json:"instalment"` // for the requested amount and term
	Insurance  lendkit.Money `json:"insurance"`  // monthly premium
	// MaxAmount is the most the applicant could borrow at this rate and term:
	// the affordable principal, capped by the policy's maximum amount.
	MaxAmount lendkit.Money `json:"maxAmount"`
	// MaxAmountRule and MaxAmountBy name the policy limit that capped
	// MaxAmount; both are empty when affordability was the tighter bound.
	MaxAmountRule RuleID     `json:"maxAmountRule,omitempty"`
	MaxAmountBy   *PolicyRef `json:"maxAmountBy,omitempty"`
}

// Override is a person's decision replacing the automatic one: who, when
// (given by the caller, never read from a clock here) and why.
type Override struct {
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason"`
	Outcome Outcome   `json:"outcome"`
}

// Record is the content of a decision, as stored and shown to a reviewer.
type Record struct {
	ApplicationID string       `json:"applicationId"`
	DecidedOn     lendkit.Date `json:"decidedOn"`
	// InputHash is the hex SHA-256 of the application's canonical encoding
	// (Application.InputHash): proof of what was decided on.
	InputHash    string         `json:"inputHash"`
	Outcome      Outcome        `json:"outcome"`            // the automatic outcome
	Platform     PolicyRef      `json:"platform"`           // the platform policy version applied
	Employer     *PolicyRef     `json:"employer,omitempty"` // the employer policy version, if any
	Model        string         `json:"model"`              // the scorecard's name
	ModelVersion string         `json:"modelVersion"`       // the scorecard's version
	Score        int            `json:"score"`
	PD           float64        `json:"pd"`                      // probability of default at Score
	Points       []Points       `json:"points"`                  // per characteristic, scorecard order
	RulesFired   []FiredRule    `json:"rulesFired"`              // every rule broken, in check order
	Reasons      []Reason       `json:"reasons"`                 // at most MaxReasons
	Affordable   *Affordability `json:"affordability,omitempty"` // nil when no rate could be set
	Offer        *Offer         `json:"offer,omitempty"`         // nil when no rate could be set
	Overrides    []Override     `json:"overrides,omitempty"`     // oldest first
}

// Decision is an immutable decision record: its fields are reachable only as a
// copy (Record), and Override returns a new Decision.
type Decision struct{ rec Record }

// Record returns a deep copy of the decision's content.
func (d Decision) Record() Record { return d.rec.clone() }

func (r Record) clone() Record {
	c := r
	c.Points = slices.Clone(r.Points)
	c.RulesFired = slices.Clone(r.RulesFired)
	c.Reasons = slices.Clone(r.Reasons)
	c.Overrides = slices.Clone(r.Overrides)
	if r.Employer != nil {
		e := *r.Employer
		c.Employer = &e
	}
	if r.Affordable != nil {
		a := *r.Affordable
		c.Affordable = &a
	}
	if r.Offer != nil {
		o := *r.Offer
		if o.MaxAmountBy != nil {
			by := *o.MaxAmountBy
			o.MaxAmountBy = &by
		}
		c.Offer = &o
	}
	return c
}

// Outcome returns the outcome in force: the last override's, or the automatic one.
func (d Decision) Outcome() Outcome {
	if n := len(d.rec.Overrides); n > 0 {
		return d.rec.Overrides[n-1].Outcome
	}
	return d.rec.Outcome
}

// Override returns a copy of d with o appended. The reviewer, the time, the
// reason and a valid outcome are required (ErrInvalidOverride); an override
// may not predate the previous one.
func (d Decision) Override(o Override) (Decision, error) {
	if o.By == "" || o.Reason == "" || o.At.IsZero() || !o.Outcome.Valid() {
		return Decision{}, fmt.Errorf("%w: need who (By), when (At), why (Reason) and a valid outcome, got %+v", ErrInvalidOverride, o)
	}
	if n := len(d.rec.Overrides); n > 0 && o.At.Before(d.rec.Overrides[n-1].At) {
		return Decision{}, fmt.Errorf("%w: at %s is before the previous override at %s", ErrInvalidOverride, o.At, d.rec.Overrides[n-1].At)
	}
	nd := Decision{rec: d.rec.clone()}
	nd.rec.Overrides = append(nd.rec.Overrides, o)
	return nd, nil
}

// MarshalJSON encodes the record.
func (d Decision) MarshalJSON() ([]byte, error) { return json.Marshal(d.rec) }

// UnmarshalJSON decodes a record written by MarshalJSON (to load a stored
// decision); it checks the outcome and the hash's form.
func (d *Decision) UnmarshalJSON(b []byte) error {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%w: decision: %v", ErrInvalidInput, err)
	}
	if !r.Outcome.Valid() || len(r.InputHash) != 64 {
		return fmt.Errorf("%w: decision record without a valid outcome or input hash", ErrInvalidInput)
	}
	d.rec = r
	return nil
}

// Decider decides applications with one scorecard, the platform's policy and
// the partner companies' policies. It is immutable and safe for concurrent use.
type Decider struct {
	scorer    *Scorer
	afford    AffordabilityRules
	platform  EffectivePolicy
	employers map[string]EffectivePolicy
	factors   *factorCache // annuity factors by rate and term: the Pow is the costly part of a decision
}

// NewDecider validates its inputs and precomputes each employer's effective
// policy. The platform policy must have a rate grid (a decision must price
// the loan). afford supplies the income haircuts only: the DSTI limit and the
// residual-income floor of a decision are the effective policy's (none when no
// policy sets them), so that every limit applied has a rule id.
func NewDecider(scorer *Scorer, platform Policy, employers []Policy, afford AffordabilityRules) (*Decider, error) {
	if scorer == nil {
		return nil, fmt.Errorf("%w: no scorecard", ErrInvalidScorecard)
	}
	if err := afford.Validate(); err != nil {
		return nil, err
	}
	if platform.RateGrid == nil {
		return nil, fmt.Errorf("%w: platform policy %s has no rate grid", ErrInvalidPolicy, platform.ID)
	}
	d := &Decider{scorer: scorer, afford: afford, employers: map[string]EffectivePolicy{}, factors: &factorCache{}}
	var err error
	if d.platform, err = Effective(platform, nil); err != nil {
		return nil, err
	}
	for i := range employers {
		e := &employers[i]
		if _, dup := d.employers[e.Employer]; dup {
			return nil, fmt.Errorf("%w: two policies for employer %q", ErrInvalidPolicy, e.Employer)
		}
		if d.employers[e.Employer], err = Effective(platform, e); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Policy returns the effective policy for an applicant of employer (the
// platform's alone when employer is "" or not a partner).
func (d *Decider) Policy(employer string) EffectivePolicy {
	if e, ok := d.employers[employer]; ok {
		return e
	}
	return d.platform
}

// ageOn returns the age in whole years on day at of a person born on birth.
func ageOn(birth, at lendkit.Date) int {
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		age--
	}
	return age
}

// checkForm applies the eligibility limits to f.
func checkForm(e *EffectivePolicy, f Form) ([]FiredRule, error) {
	if f.AsOf.IsZero() {
		return nil, inputErr("AsOf", "no decision date")
	}
	if f.BirthDate.IsZero() || f.BirthDate.After(f.AsOf) {
		return nil, inputErr("BirthDate", fmt.Sprintf("%q is not a birth date before %s", f.BirthDate, f.AsOf))
	}
	if f.Amount.Currency() != e.Currency {
		return nil, fmt.Errorf("amount: %w: %s under a %s policy", lendkit.ErrCurrencyMismatch, f.Amount, e.Currency)
	}
	if !f.Amount.IsPositive() {
		return nil, inputErr("Amount", "must be positive, got "+f.Amount.String())
	}
	if f.TermMonths < 1 || f.TermMonths > maxTermMonths {
		return nil, inputErr("TermMonths", fmt.Sprintf("%d months is outside 1…%d", f.TermMonths, maxTermMonths))
	}
	if f.SeniorityMonths < 0 {
		return nil, inputErr("SeniorityMonths", fmt.Sprintf("negative %d", f.SeniorityMonths))
	}
	var fired []FiredRule
	decline := func(rule RuleID, by PolicyRef, format string, a ...any) {
		fired = append(fired, FiredRule{Rule: rule, By: by, Outcome: Decline, Detail: fmt.Sprintf(format, a...)})
	}
	if l := e.MinAmount; l != nil && f.Amount.Minor() < l.Limit.Value.Minor() {
		decline(l.Limit.Rule, l.By, "The amount %s is below the minimum of %s.", f.Amount, l.Limit.Value)
	}
	if l := e.MaxAmount; l != nil && f.Amount.Minor() > l.Limit.Value.Minor() {
		decline(l.Limit.Rule, l.By, "The amount %s is above the maximum of %s.", f.Amount, l.Limit.Value)
	}
	if l := e.MinTerm; l != nil && f.TermMonths < l.Limit.Value {
		decline(l.Limit.Rule, l.By, "The term of %d months is shorter than the minimum of %d months.", f.TermMonths, l.Limit.Value)
	}
	if l := e.MaxTerm; l != nil && f.TermMonths > l.Limit.Value {
		decline(l.Limit.Rule, l.By, "The term of %d months is longer than the maximum of %d months.", f.TermMonths, l.Limit.Value)
	}
	if l := e.MinAge; l != nil {
		if age := ageOn(f.BirthDate, f.AsOf); age < l.Limit.Value {
			decline(l.Limit.Rule, l.By, "The applicant is %d; the minimum age is %d.", age, l.Limit.Value)
		}
	}
	if l := e.MaxAgeAtMaturity; l != nil {
		if age := ageOn(f.BirthDate, f.AsOf.AddMonths(f.TermMonths)); age > l.Limit.Value {
			decline(l.Limit.Rule, l.By, "The applicant would be %d at the end of the loan; the maximum is %d.", age, l.Limit.Value)
		}
	}
	if l := e.MinSeniority; l != nil && f.SeniorityMonths < l.Limit.Value {
		decline(l.Limit.Rule, l.By, "%d months in the current job is less than the %d months required.", f.SeniorityMonths, l.Limit.Value)
	}
	for _, k := range e.ContractKinds {
		if !slices.Contains(k.Limit.Allowed, f.Contract) {
			decline(k.Limit.Rule, k.By, "The employment contract %q is not accepted.", f.Contract)
		}
	}
	return fired, nil
}

// PreCheck tells from the form alone whether an application can succeed:
// the amount, term, age, seniority and contract limits, and whether the
// declared income could carry the loan at the best rate of the grid within
// the DSTI limit. Eligible means no rule fired; a full decision may still
// decline. Bad input (no income, a negative amount, a birth date after the
// check) is an error.
func (d *Decider) PreCheck(f Form) (PreCheck, error) {
	e := d.Policy(f.Employer)
	fired, err := checkForm(&e, f)
	if err != nil {
		return PreCheck{}, err
	}
	if f.MonthlyIncome.Currency().IsZero() {
		return PreCheck{}, &InputError{Field: "MonthlyIncome", Reason: "no income given", Err: ErrMissingIncome}
	}
	if f.MonthlyIncome.Currency() != e.Currency || (!f.DebtService.Currency().IsZero() && f.DebtService.Currency() != e.Currency) {
		return PreCheck{}, fmt.Errorf("form income or debt service: %w: policy in %s", lendkit.ErrCurrencyMismatch, e.Currency)
	}
	if f.MonthlyIncome.IsNegative() || f.DebtService.IsNegative() {
		return PreCheck{}, inputErr("MonthlyIncome/DebtService", "negative amount")
	}
	rate, rule, by, ok := e.Rate(math.MaxInt, f.TermMonths)
	if !ok {
		fired = append(fired, FiredRule{Rule: rule, By: by, Outcome: Decline, Detail: fmt.Sprintf("No rate is offered for a term of %d months.", f.TermMonths)})
	} else if l := e.MaxDSTI; l != nil {
		factor, err := d.factors.factor(rate, f.TermMonths)
		if err != nil {
			return PreCheck{}, err
		}
		inst, err := instalmentWith(factor, f.Amount)
		if err != nil {
			return PreCheck{}, err
		}
		debt := f.DebtService.Decimal().Add(inst.Decimal())
		if debt.GreaterThan(f.MonthlyIncome.Decimal().Mul(l.Limit.Value)) {
			fired = append(fired, FiredRule{Rule: l.Limit.Rule, By: l.By, Outcome: Decline,
				Detail: fmt.Sprintf("Even at the best rate (%s) the monthly payment of %s would take debt payments above %s %% of the declared income.", rate, inst, l.Limit.Value.Shift(2))})
		}
	}
	return PreCheck{Eligible: len(fired) == 0, Platform: e.Platform, Employer: e.Employer, RulesFired: fired}, nil
}

// Decide makes the full decision on a: the eligibility limits, the score
// (MinScore declines, ReferScore refers), the price from the rate grids, and
// affordability after the new loan (DSTI and residual income). Any declining
// rule declines; otherwise any referring rule refers; otherwise it approves.
// Bad input is an error, never a partial decision: a protected feature is
// ErrProtectedAttribute, missing income ErrMissingIncome, a negative amount
// an InputError.
func (d *Decider) Decide(a Application) (Decision, error) {
	if err := d.scorer.checkFeatures(a.Features); err != nil {
		return Decision{}, err
	}
	if a.ID == "" {
		return Decision{}, inputErr("ID", "an application needs an id")
	}
	if a.InsuranceRate.Sign() < 0 {
		return Decision{}, inputErr("InsuranceRate", "negative rate "+a.InsuranceRate.String())
	}
	if len(a.Budget.Incomes) == 0 {
		return Decision{}, &InputError{Field: "Budget.Incomes", Reason: "no income given", Err: ErrMissingIncome}
	}
	e := d.Policy(a.Employer)
	f := Form{AsOf: a.AsOf, BirthDate: a.BirthDate, Amount: a.Amount, TermMonths: a.TermMonths, Contract: a.Contract, SeniorityMonths: a.SeniorityMonths, Employer: a.Employer}
	fired, err := checkForm(&e, f)
	if err != nil {
		return Decision{}, err
	}
	res, err := d.scorer.score(a.Features)
	if err != nil {
		return Decision{}, err
	}
	if l := e.MinScore; l != nil && res.Score < l.Limit.Value {
		fired = append(fired, FiredRule{Rule: l.Limit.Rule, By: l.By, Outcome: Decline, Detail: fmt.Sprintf("The score %d is below the minimum of %d.", res.Score, l.Limit.Value)})
	} else if l := e.ReferScore; l != nil && res.Score < l.Limit.Value {
		fired = append(fired, FiredRule{Rule: l.Limit.Rule, By: l.By, Outcome: Refer, Detail: fmt.Sprintf("The score %d is below %d: a credit analyst reviews the application.", res.Score, l.Limit.Value)})
	}

	rec := Record{
		ApplicationID: a.ID, DecidedOn: a.AsOf, InputHash: a.InputHash(),
		Platform: e.Platform, Employer: e.Employer,
		Model: d.scorer.name, ModelVersion: d.scorer.version,
		Score: res.Score, PD: res.PD, Points: res.Points, Reasons: d.scorer.Reasons(res),
	}
	rate, rateRule, rateBy, ok := e.Rate(res.Score, a.TermMonths)
	if !ok {
		fired = append(fired, FiredRule{Rule: rateRule, By: rateBy, Outcome: Decline, Detail: fmt.Sprintf("No rate is offered for a score of %d over %d months.", res.Score, a.TermMonths)})
		// Without a rate there is no affordability to assess, but bad budget
		// input must still be an error, whatever the policy.
		if _, err := d.afford.Assess(a.Budget, NewLoanPayment{}); err != nil {
			return Decision{}, err
		}
		if c := a.Budget.Incomes[0].Monthly.Currency(); c != e.Currency {
			return Decision{}, fmt.Errorf("budget: %w: incomes in %s under a %s policy", lendkit.ErrCurrencyMismatch, c, e.Currency)
		}
	} else {
		aff, offer, more, err := d.priceAndAssess(&e, a, rate)
		if err != nil {
			return Decision{}, err
		}
		offer.RateRule, offer.RateBy = rateRule, rateBy
		fired = append(fired, more...)
		rec.Affordable, rec.Offer = &aff, &offer
	}
	rec.RulesFired = fired
	rec.Outcome = Approve
	for _, r := range fired {
		rec.Outcome = worse(rec.Outcome, r.Outcome)
	}
	return Decision{rec: rec}, nil
}

// priceAndAssess prices the requested loan at rate and assesses affordability under
// the effective policy's DSTI and floor.
func (d *Decider) priceAndAssess(e *EffectivePolicy, a Application, rate lendkit.Rate) (Affordability, Offer, []FiredRule, error) {
	var offer Offer
	var err error
	offer.Rate = rate
	factor, err := d.factors.factor(rate, a.TermMonths)
	if err != nil {
		return Affordability{}, Offer{}, nil, err
	}
	if offer.Instalment, err = instalmentWith(factor, a.Amount); err != nil {
		return Affordability{}, Offer{}, nil, err
	}
	if offer.Insurance, err = MonthlyInsurance(a.Amount, a.InsuranceRate); err != nil {
		return Affordability{}, Offer{}, nil, err
	}
	// The policy's limits are the only limits: without a DSTI limit the
	// offer is bounded at 100 % of stable income, without a floor at zero.
	rules := d.afford
	rules.MaxDSTI = decimal.NewFromInt(1)
	rules.FloorSingle, rules.FloorExtraAdult, rules.FloorChild = decimal.Zero, decimal.Zero, decimal.Zero
	if e.MaxDSTI != nil {
		rules.MaxDSTI = e.MaxDSTI.Limit.Value
	}
	floor, fl, err := e.Floor(a.Budget.Household)
	if err != nil {
		return Affordability{}, Offer{}, nil, err
	}
	if fl != nil {
		rules.FloorSingle, rules.FloorExtraAdult, rules.FloorChild = fl.Limit.Single, fl.Limit.ExtraAdult, fl.Limit.Child
	}
	aff, err := rules.Assess(a.Budget, NewLoanPayment{Instalment: offer.Instalment, Insurance: offer.Insurance})
	if err != nil {
		return Affordability{}, Offer{}, nil, err
	}
	if aff.StableIncome.Currency() != e.Currency {
		return Affordability{}, Offer{}, nil, fmt.Errorf("budget: %w: incomes in %s under a %s policy", lendkit.ErrCurrencyMismatch, aff.StableIncome.Currency(), e.Currency)
	}
	var fired []FiredRule
	if l := e.MaxDSTI; l != nil && !aff.DSTIOK {
		detail := "There is no stable income to carry the loan."
		if aff.HasStableIncome {
			detail = fmt.Sprintf("Debt payments would take %s %% of stable income; the maximum is %s %%.", aff.DSTIAfter.Shift(2).StringFixed(2), l.Limit.Value.Shift(2))
		}
		fired = append(fired, FiredRule{Rule: l.Limit.Rule, By: l.By, Outcome: Decline, Detail: detail})
	}
	if fl != nil && !aff.ResidualOK {
		fired = append(fired, FiredRule{Rule: fl.Limit.Rule, By: fl.By, Outcome: Decline,
			Detail: fmt.Sprintf("%s would be left to live on each month; this household needs at least %s.", aff.ResidualAfter, floor)})
	}
	if offer.MaxAmount, err = maxPrincipalWith(factor, aff.MaxPayment, a.InsuranceRate); err != nil {
		return Affordability{}, Offer{}, nil, err
	}
	if l := e.MaxAmount; l != nil && l.Limit.Value.Minor() < offer.MaxAmount.Minor() {
		by := l.By
		offer.MaxAmount, offer.MaxAmountRule, offer.MaxAmountBy = l.Limit.Value, l.Limit.Rule, &by
	}
	return aff, offer, fired, nil
}
