package scoring

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(p *Policy)
	}{
		{"no id", func(p *Policy) { p.ID = "" }},
		{"no version", func(p *Policy) { p.Version = "" }},
		{"unknown owner", func(p *Policy) { p.Owner = "bank" }},
		{"platform with employer code", func(p *Policy) { p.Employer = "ACME" }},
		{"no currency", func(p *Policy) { p.Currency = lendkit.Currency{} }},
		{"limit without rule id", func(p *Policy) { p.MaxTerm.Rule = "" }},
		{"rule id twice", func(p *Policy) { p.MaxTerm.Rule = "P-TERM-MIN" }},
		{"amount in another currency", func(p *Policy) { p.MaxAmount.Value = lendkit.MustParseMoney("10", "USD") }},
		{"negative amount", func(p *Policy) { p.MinAmount.Value = eur("-1.00") }},
		{"min above max amount", func(p *Policy) { p.MinAmount.Value = eur("60000.00") }},
		{"min above max term", func(p *Policy) { p.MinTerm.Value = 90 }},
		{"zero term", func(p *Policy) { p.MinTerm.Value = 0 }},
		{"term beyond bound", func(p *Policy) { p.MaxTerm.Value = 2000 }},
		{"DSTI zero", func(p *Policy) { p.MaxDSTI.Value = decimal.Zero }},
		{"DSTI above one", func(p *Policy) { p.MaxDSTI.Value = dec("1.2") }},
		{"negative floor", func(p *Policy) { p.ResidualFloor.Child = dec("-1") }},
		{"empty grid", func(p *Policy) { p.RateGrid.Bands = nil }},
		{"negative rate", func(p *Policy) { p.RateGrid.Bands[0].Rate = lendkit.MustParseRate("-1%") }},
		{"band without term", func(p *Policy) { p.RateGrid.Bands[0].MaxTerm = 0 }},
		{"negative age", func(p *Policy) { p.MinAge.Value = -1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := platformPolicy()
			tc.mutate(&p)
			if err := p.Validate(); !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("got %v", err)
			}
		})
	}
	p, e := platformPolicy(), employerPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	e.Employer = ""
	if err := e.Validate(); !errors.Is(err, ErrInvalidPolicy) {
		t.Errorf("employer policy without company code: %v", err)
	}
}

func TestEffective(t *testing.T) {
	t.Parallel()
	p, e := platformPolicy(), employerPolicy()
	// The employer also sets a looser minimum age and a stricter DSTI.
	e.MinAge = &IntLimit{"E-AGE-MIN", 16}
	e.MaxDSTI = &RatioLimit{"E-DSTI", dec("0.30")}
	eff, err := Effective(p, &e)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Rule  RuleID
		Owner Owner
	}
	got := map[string]row{
		"MinAmount": {eff.MinAmount.Limit.Rule, eff.MinAmount.By.Owner},
		"MaxAmount": {eff.MaxAmount.Limit.Rule, eff.MaxAmount.By.Owner},
		"MinTerm":   {eff.MinTerm.Limit.Rule, eff.MinTerm.By.Owner},
		"MaxTerm":   {eff.MaxTerm.Limit.Rule, eff.MaxTerm.By.Owner},
		"MinAge":    {eff.MinAge.Limit.Rule, eff.MinAge.By.Owner},
		"Seniority": {eff.MinSeniority.Limit.Rule, eff.MinSeniority.By.Owner},
		"MaxDSTI":   {eff.MaxDSTI.Limit.Rule, eff.MaxDSTI.By.Owner},
		"MinScore":  {eff.MinScore.Limit.Rule, eff.MinScore.By.Owner},
	}
	want := map[string]row{
		"MinAmount": {"P-AMOUNT-MIN", OwnerPlatform},
		"MaxAmount": {"E-AMOUNT-MAX", OwnerEmployer}, // 20000 < 50000
		"MinTerm":   {"P-TERM-MIN", OwnerPlatform},
		"MaxTerm":   {"E-TERM-MAX", OwnerEmployer}, // 60 < 84
		"MinAge":    {"P-AGE-MIN", OwnerPlatform},  // 18 > 16
		"Seniority": {"E-SENIORITY", OwnerEmployer},
		"MaxDSTI":   {"E-DSTI", OwnerEmployer}, // 0.30 < 0.35
		"MinScore":  {"P-SCORE-MIN", OwnerPlatform},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(eff.ContractKinds) != 2 || len(eff.ResidualFloors) != 2 || len(eff.RateGrids) != 2 {
		t.Errorf("both policies' kinds, floors and grids must apply: %+v", eff)
	}
	floor, fl, err := eff.Floor(Household{Adults: 2, Children: 1})
	if err != nil || floor != eur("1700.00") || fl.By.Owner != OwnerEmployer {
		t.Errorf("floor %s by %+v, %v; want 1700.00 EUR by the employer", floor, fl, err)
	}
	// Equal limits: the platform's is recorded.
	e2 := employerPolicy()
	e2.MaxTerm.Value = 84
	eff2, err := Effective(p, &e2)
	if err != nil || eff2.MaxTerm.By.Owner != OwnerPlatform {
		t.Errorf("tie: %+v %v", eff2.MaxTerm, err)
	}
	if _, err := Effective(e, nil); !errors.Is(err, ErrInvalidPolicy) {
		t.Errorf("employer as platform: %v", err)
	}
}

// drawPolicy draws a valid platform policy in EUR: each limit present or not,
// always a rate grid.
func drawPolicy(t *rapid.T, label string) Policy {
	p := Policy{ID: label, Version: "1", Owner: OwnerPlatform, Currency: lendkit.EUR}
	maybe := func(name string) bool { return rapid.Bool().Draw(t, label+"-has-"+name) }
	if maybe("minAmount") {
		p.MinAmount = &MoneyLimit{"MIN-AMOUNT", lendkit.New(rapid.Int64Range(0, 5_000_00).Draw(t, label+"minAmount"), lendkit.EUR)}
	}
	if maybe("maxAmount") {
		p.MaxAmount = &MoneyLimit{"MAX-AMOUNT", lendkit.New(40_000_00+rapid.Int64Range(-35_000_00, 40_000_00).Draw(t, label+"maxAmount"), lendkit.EUR)}
	}
	if maybe("minTerm") {
		p.MinTerm = &IntLimit{"MIN-TERM", rapid.IntRange(1, 12).Draw(t, label+"minTerm")}
	}
	if maybe("maxTerm") {
		p.MaxTerm = &IntLimit{"MAX-TERM", 72 + rapid.IntRange(-60, 48).Draw(t, label+"maxTerm")}
	}
	if maybe("minAge") {
		p.MinAge = &IntLimit{"MIN-AGE", rapid.IntRange(16, 30).Draw(t, label+"minAge")}
	}
	if maybe("maxAge") {
		p.MaxAgeAtMaturity = &IntLimit{"MAX-AGE", 80 + rapid.IntRange(-20, 10).Draw(t, label+"maxAge")}
	}
	if maybe("seniority") {
		p.MinSeniority = &IntLimit{"SENIORITY", rapid.IntRange(0, 12).Draw(t, label+"seniority")}
	}
	if maybe("kinds") {
		all := []ContractKind{ContractPermanent, ContractFixedTerm, ContractTemporary, ContractCivilServant, ContractSelfEmployed, ContractRetired, ContractStudent, ContractUnemployed}
		allowed := []ContractKind{ContractPermanent} // most applicants are permanent: keep approvals common
		for _, k := range all[1:] {
			if rapid.Bool().Draw(t, label+"kind-"+string(k)) {
				allowed = append(allowed, k)
			}
		}
		p.ContractKinds = &KindsLimit{"KINDS", allowed}
	}
	if maybe("dsti") {
		p.MaxDSTI = &RatioLimit{"DSTI", decimal.New(40+rapid.Int64Range(-30, 20).Draw(t, label+"dsti"), -2)}
	}
	if maybe("floor") {
		p.ResidualFloor = &FloorLimit{"FLOOR", decimal.NewFromInt(rapid.Int64Range(0, 1500).Draw(t, label+"single")),
			decimal.NewFromInt(rapid.Int64Range(0, 600).Draw(t, label+"adult")), decimal.NewFromInt(rapid.Int64Range(0, 500).Draw(t, label+"child"))}
	}
	if maybe("minScore") {
		p.MinScore = &IntLimit{"MIN-SCORE", rapid.IntRange(450, 650).Draw(t, label+"minScore")}
	}
	if maybe("referScore") {
		p.ReferScore = &IntLimit{"REFER-SCORE", rapid.IntRange(500, 750).Draw(t, label+"referScore")}
	}
	nb := rapid.IntRange(1, 4).Draw(t, label+"bands")
	g := &RateGrid{Rule: "RATE"}
	for i := range nb {
		lowest := 500 // the last band is wide, so that most applications get a rate
		if i < nb-1 {
			lowest = 600
		}
		g.Bands = append(g.Bands, RateBand{
			MinScore: lowest + rapid.IntRange(0, 750-lowest).Draw(t, label+"bandScore"),
			MaxTerm:  84 + rapid.IntRange(-48, 36).Draw(t, label+"bandTerm"),
			Rate:     lendkit.RateFromDecimal(decimal.New(rapid.Int64Range(0, 2000).Draw(t, label+"bandRate"), -4)),
		})
	}
	p.RateGrid = g
	if p.MinAmount != nil && p.MaxAmount != nil && p.MinAmount.Value.Minor() > p.MaxAmount.Value.Minor() {
		p.MinAmount.Value = p.MaxAmount.Value
	}
	return p
}

// tighten returns a policy at least as strict as p on every limit: maxima
// lowered, minima raised, fewer contract kinds, higher floors and rates, and
// limits p lacks possibly added. Raising a minimum past a maximum makes it
// invalid; the caller skips those.
func tighten(t *rapid.T, p Policy) Policy {
	q := drawPolicy(t, "extra") // candidate new limits where p has none
	q.ID, q.Version = p.ID+"-strict", "2"
	pick := func(name string) bool { return rapid.Bool().Draw(t, "tighten-"+name) }
	d := func(name string, hi int) int { return rapid.IntRange(0, hi).Draw(t, "delta-"+name) }
	if p.MinAmount != nil {
		q.MinAmount = &MoneyLimit{p.MinAmount.Rule, lendkit.New(p.MinAmount.Value.Minor()+int64(d("minAmount", 1_000_00)), lendkit.EUR)}
	} else if !pick("minAmount") {
		q.MinAmount = nil
	}
	if p.MaxAmount != nil {
		q.MaxAmount = &MoneyLimit{p.MaxAmount.Rule, lendkit.New(max(0, p.MaxAmount.Value.Minor()-int64(d("maxAmount", 5_000_00))), lendkit.EUR)}
	} else if !pick("maxAmount") {
		q.MaxAmount = nil
	}
	intTighten := func(pl *IntLimit, ql **IntLimit, name string, up bool, hi int) {
		switch {
		case pl != nil && up:
			*ql = &IntLimit{pl.Rule, pl.Value + d(name, hi)}
		case pl != nil:
			*ql = &IntLimit{pl.Rule, max(1, pl.Value-d(name, hi))}
		case !pick(name):
			*ql = nil
		}
	}
	intTighten(p.MinTerm, &q.MinTerm, "minTerm", true, 6)
	intTighten(p.MaxTerm, &q.MaxTerm, "maxTerm", false, 24)
	intTighten(p.MinAge, &q.MinAge, "minAge", true, 5)
	intTighten(p.MaxAgeAtMaturity, &q.MaxAgeAtMaturity, "maxAge", false, 10)
	intTighten(p.MinSeniority, &q.MinSeniority, "seniority", true, 12)
	intTighten(p.MinScore, &q.MinScore, "minScore", true, 50)
	intTighten(p.ReferScore, &q.ReferScore, "referScore", true, 50)
	if p.ContractKinds != nil {
		var allowed []ContractKind
		for _, k := range p.ContractKinds.Allowed {
			if rapid.Bool().Draw(t, "keep-"+string(k)) {
				allowed = append(allowed, k)
			}
		}
		q.ContractKinds = &KindsLimit{p.ContractKinds.Rule, allowed}
	} else if !pick("kinds") {
		q.ContractKinds = nil
	}
	if p.MaxDSTI != nil {
		q.MaxDSTI = &RatioLimit{p.MaxDSTI.Rule, decimal.Max(decimal.New(1, -2), p.MaxDSTI.Value.Sub(decimal.New(int64(d("dsti", 10)), -2)))}
	} else if !pick("dsti") {
		q.MaxDSTI = nil
	}
	if f := p.ResidualFloor; f != nil {
		q.ResidualFloor = &FloorLimit{f.Rule, f.Single.Add(decimal.NewFromInt(int64(d("single", 300)))),
			f.ExtraAdult.Add(decimal.NewFromInt(int64(d("adult", 200)))), f.Child.Add(decimal.NewFromInt(int64(d("child", 200))))}
	} else if !pick("floor") {
		q.ResidualFloor = nil
	}
	// Same bands (so the same band matches), higher rates.
	g := &RateGrid{Rule: p.RateGrid.Rule}
	for _, b := range p.RateGrid.Bands {
		b.Rate = lendkit.RateFromDecimal(b.Rate.Decimal().Add(decimal.New(int64(d("rate", 300)), -4)))
		g.Bands = append(g.Bands, b)
	}
	q.RateGrid = g
	return q
}

// drawApplication draws an application for the demo scorecard.
func drawApplication(t *rapid.T) Application {
	kinds := []ContractKind{ContractPermanent, ContractPermanent, ContractPermanent, ContractPermanent, ContractFixedTerm, ContractTemporary, ContractCivilServant, ContractSelfEmployed, ContractRetired, ContractStudent, ContractUnemployed}
	f := Features{}
	if rapid.Bool().Draw(t, "hasChecking") {
		f["checking_status"] = Cat(rapid.SampledFrom([]string{"negative", "low", "healthy", "savings-linked", "frozen"}).Draw(t, "checking"))
	}
	if rapid.Bool().Draw(t, "hasDSTI") {
		f["dsti"] = Num(rapid.Float64Range(0, 0.8).Draw(t, "dsti"))
	}
	if rapid.Bool().Draw(t, "hasYears") {
		f["years_with_bank"] = Num(float64(rapid.IntRange(0, 30).Draw(t, "years")))
	}
	if rapid.Bool().Draw(t, "hasOverdrawn") {
		f["days_overdrawn_90d"] = Num(float64(rapid.IntRange(0, 90).Draw(t, "overdrawn")))
	}
	if rapid.Bool().Draw(t, "hasPurpose") {
		f["purpose"] = Cat(rapid.SampledFrom([]string{"car", "home-improvement", "debt-consolidation", "holiday"}).Draw(t, "purpose"))
	}
	asOf := day("2026-06-15")
	return Application{
		ID: "rapid", AsOf: asOf, BirthDate: asOf.AddDays(-(40*365 + rapid.IntRange(-22*365, 35*365).Draw(t, "ageDays"))),
		Contract: rapid.SampledFrom(kinds).Draw(t, "contract"), SeniorityMonths: rapid.IntRange(0, 240).Draw(t, "seniority"),
		Budget: Budget{
			Incomes:     []Income{{rapid.SampledFrom([]IncomeKind{IncomePermanent, IncomeFixedTerm, IncomeSelfEmployed, IncomePension}).Draw(t, "incomeKind"), lendkit.New(4_000_00+rapid.Int64Range(-4_000_00, 8_000_00).Draw(t, "income"), lendkit.EUR)}},
			DebtService: lendkit.New(rapid.Int64Range(0, 1_000_00).Draw(t, "debt"), lendkit.EUR),
			LivingCosts: lendkit.New(rapid.Int64Range(0, 1_500_00).Draw(t, "living"), lendkit.EUR),
			Household:   Household{Adults: rapid.IntRange(1, 3).Draw(t, "adults"), Children: rapid.IntRange(0, 4).Draw(t, "children")},
		},
		Amount: lendkit.New(10_000_00+rapid.Int64Range(-9_900_00, 20_000_00).Draw(t, "amount"), lendkit.EUR), TermMonths: 36 + rapid.IntRange(-30, 36).Draw(t, "term"),
		InsuranceRate: decimal.New(rapid.Int64Range(0, 60).Draw(t, "ins"), -4),
		Features:      f,
	}
}

// A stricter policy never approves what a looser one declines: its outcome
// is never more favourable, whether the stricter policy is a tightened copy
// or the effective policy with any employer's.
func TestStricterPolicyNeverMoreFavourable(t *testing.T) {
	t.Parallel()
	scorer := demoScorer(t)
	rapid.Check(t, func(t *rapid.T) {
		p := drawPolicy(t, "platform")
		q := tighten(t, p)
		if err := q.Validate(); err != nil {
			// Raising a minimum and lowering a maximum can cross them; such a
			// policy is invalid, not stricter, so the case does not apply.
			t.Skipf("tightened limits cross: %v", err)
		}
		e := drawPolicy(t, "employer")
		e.Owner, e.Employer, e.ID = OwnerEmployer, "ACME", "acme"
		loose, err := NewDecider(scorer, p, []Policy{e}, DefaultAffordabilityRules())
		if err != nil {
			t.Fatal(err)
		}
		strict, err := NewDecider(scorer, q, nil, DefaultAffordabilityRules())
		if err != nil {
			t.Fatal(err)
		}
		app := drawApplication(t)
		dl, errL := loose.Decide(app)
		ds, errS := strict.Decide(app)
		if (errL == nil) != (errS == nil) {
			t.Fatalf("bad input depends on the policy: %v / %v", errL, errS)
		}
		if errL != nil {
			return
		}
		if ds.Outcome().rank() > dl.Outcome().rank() {
			t.Fatalf("stricter policy gives %s where the looser gives %s\nloose %+v\nstrict %+v", ds.Outcome(), dl.Outcome(), dl.Record().RulesFired, ds.Record().RulesFired)
		}
		// The employer's effective policy is stricter than the platform's.
		app.Employer = "ACME"
		de, err := loose.Decide(app)
		if err != nil {
			t.Fatalf("valid input refused under the employer's policy: %v", err)
		}
		if de.Outcome().rank() > dl.Outcome().rank() {
			t.Fatalf("effective policy gives %s where the platform's alone gives %s", de.Outcome(), dl.Outcome())
		}
		// And every fired rule names a policy that is in force.
		for _, r := range de.Record().RulesFired {
			if r.By.ID != p.ID && r.By.ID != e.ID {
				t.Fatalf("rule %s bound by unknown policy %+v", r.Rule, r.By)
			}
		}
		if !slices.ContainsFunc(de.Record().RulesFired, func(r FiredRule) bool { return r.Outcome == de.Outcome() }) && de.Outcome() != Approve {
			t.Fatalf("outcome %s without a rule", de.Outcome())
		}
	})
}

// A policy survives JSON, as the platform stores it.
func TestPolicyJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []Policy{platformPolicy(), employerPolicy()} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Policy
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := back.Validate(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, back, recordOpts...); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}
