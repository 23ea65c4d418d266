package scoring

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lendkit/lendkit"
)

// recordOpts compare decision records: root types by value.
var recordOpts = []cmp.Option{decimalCmp, cmpopts.EquateComparable(lendkit.Money{}, lendkit.Date{}, lendkit.Currency{}),
	cmp.Comparer(func(a, b lendkit.Rate) bool { return a.Equal(b) })}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestDecideApprove(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	app := demoApplication()
	dec, err := d.Decide(app)
	if err != nil {
		t.Fatal(err)
	}
	r := dec.Record()
	inst, err := Instalment(eur("15000.00"), lendkit.MustParseRate("4.9%"), 48)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Outcome() != Approve || r.Outcome != Approve || len(r.RulesFired) != 0 {
		t.Fatalf("outcome %s, fired %+v", dec.Outcome(), r.RulesFired)
	}
	if r.Score != 745 || r.Model != "demo" || r.ModelVersion != "2026.1" || r.Platform.Version != "2026-01" || r.Employer != nil {
		t.Errorf("record %+v", r)
	}
	if r.InputHash != app.InputHash() || len(r.InputHash) != 64 {
		t.Errorf("input hash %q", r.InputHash)
	}
	if r.Offer == nil || !r.Offer.Rate.Equal(lendkit.MustParseRate("4.9%")) || r.Offer.Instalment != inst || r.Offer.RateRule != "P-RATE" {
		t.Errorf("offer %+v, instalment want %s", r.Offer, inst)
	}
	// 15000 × 0.0036 / 12 = 4.50
	if r.Offer.Insurance != eur("4.50") {
		t.Errorf("insurance %s", r.Offer.Insurance)
	}
	if len(r.Reasons) != 0 {
		t.Errorf("reasons for a maximal score: %+v", r.Reasons)
	}
	checkGolden(t, "decision-approve.json", dec)
}

// checkGolden compares v's indented JSON with testdata/name (-update rewrites).
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)+"\n"); diff != "" {
		t.Errorf("%s (-golden +got):\n%s", path, diff)
	}
}

func TestDecideRules(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	referFeatures := Features{"checking_status": Cat("healthy"), "days_overdrawn_90d": Num(0)} // 625
	tests := []struct {
		name    string
		mutate  func(a *Application)
		outcome Outcome
		rules   []RuleID
		by      []Owner
	}{
		{"amount below minimum", func(a *Application) { a.Amount = eur("500.00") }, Decline, []RuleID{"P-AMOUNT-MIN"}, []Owner{OwnerPlatform}},
		{"amount above maximum", func(a *Application) { a.Amount = eur("60000.00") }, Decline, []RuleID{"P-AMOUNT-MAX", "P-DSTI", "P-RESIDUAL"}, []Owner{OwnerPlatform, OwnerPlatform, OwnerPlatform}},
		{"term too long", func(a *Application) { a.TermMonths = 96 }, Decline, []RuleID{"P-TERM-MAX", "P-RATE"}, []Owner{OwnerPlatform, OwnerPlatform}},
		{"too young", func(a *Application) { a.BirthDate = day("2009-01-01") }, Decline, []RuleID{"P-AGE-MIN"}, []Owner{OwnerPlatform}},
		{"too old at maturity", func(a *Application) { a.BirthDate = day("1953-01-01") }, Decline, []RuleID{"P-AGE-MATURITY"}, []Owner{OwnerPlatform}},
		{"new in the job", func(a *Application) { a.SeniorityMonths = 1 }, Decline, []RuleID{"P-SENIORITY"}, []Owner{OwnerPlatform}},
		{"student", func(a *Application) { a.Contract = ContractStudent }, Decline, []RuleID{"P-CONTRACT"}, []Owner{OwnerPlatform}},
		{"debt service too high", func(a *Application) { a.Budget.DebtService = eur("800.00") }, Decline, []RuleID{"P-DSTI"}, []Owner{OwnerPlatform}},
		{"large family below floor", func(a *Application) { a.Budget.Household = Household{Adults: 2, Children: 4} }, Decline, []RuleID{"P-RESIDUAL"}, []Owner{OwnerPlatform}},
		{"score below minimum", func(a *Application) { a.Features = Features{} }, Decline, []RuleID{"P-SCORE-MIN", "P-RATE"}, []Owner{OwnerPlatform, OwnerPlatform}},
		{"score in the refer band", func(a *Application) { a.Features = referFeatures }, Refer, []RuleID{"P-SCORE-REFER"}, []Owner{OwnerPlatform}},
		{"refer band has no rate for 72 months", func(a *Application) { a.Features = referFeatures; a.TermMonths = 72 }, Decline, []RuleID{"P-SCORE-REFER", "P-RATE"}, []Owner{OwnerPlatform, OwnerPlatform}},
		{"employer maximum binds", func(a *Application) { a.Employer = "ACME"; a.Amount = eur("25000.00") }, Decline, []RuleID{"E-AMOUNT-MAX"}, []Owner{OwnerEmployer}},
		{"employer term binds", func(a *Application) { a.Employer = "ACME"; a.TermMonths = 72 }, Decline, []RuleID{"E-TERM-MAX", "E-RATE"}, []Owner{OwnerEmployer, OwnerEmployer}},
		{"employer seniority binds", func(a *Application) { a.Employer = "ACME"; a.SeniorityMonths = 6 }, Decline, []RuleID{"E-SENIORITY"}, []Owner{OwnerEmployer}},
		{"both refuse the contract", func(a *Application) { a.Employer = "ACME"; a.Contract = ContractStudent }, Decline, []RuleID{"P-CONTRACT", "E-CONTRACT"}, []Owner{OwnerPlatform, OwnerEmployer}},
		{"employer refuses fixed-term", func(a *Application) { a.Employer = "ACME"; a.Contract = ContractFixedTerm }, Decline, []RuleID{"E-CONTRACT"}, []Owner{OwnerEmployer}},
		{"employer floor binds", func(a *Application) {
			a.Employer = "ACME"
			a.Budget.LivingCosts = eur("1700.00") // residual 3200 − 1700 − 150 − 348.xx ≈ 1000 − … < 1000
		}, Decline, []RuleID{"E-RESIDUAL"}, []Owner{OwnerEmployer}},
		{"unknown employer: platform alone", func(a *Application) { a.Employer = "NOT-A-PARTNER"; a.Amount = eur("25000.00") }, Approve, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := demoApplication()
			tc.mutate(&app)
			dec, err := d.Decide(app)
			if err != nil {
				t.Fatal(err)
			}
			r := dec.Record()
			var rules []RuleID
			var by []Owner
			for _, f := range r.RulesFired {
				rules = append(rules, f.Rule)
				by = append(by, f.By.Owner)
				if f.Detail == "" {
					t.Errorf("rule %s has no sentence", f.Rule)
				}
			}
			if diff := cmp.Diff(tc.rules, rules); diff != "" {
				t.Errorf("rules (-want +got):\n%s\n%+v", diff, r.RulesFired)
			}
			if diff := cmp.Diff(tc.by, by); diff != "" {
				t.Errorf("bound by (-want +got):\n%s", diff)
			}
			if dec.Outcome() != tc.outcome {
				t.Errorf("outcome %s, want %s", dec.Outcome(), tc.outcome)
			}
		})
	}
}

func TestDecideEmployerRateBinds(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	app := demoApplication()
	app.Employer = "ACME"
	dec, err := d.Decide(app)
	if err != nil {
		t.Fatal(err)
	}
	r := dec.Record()
	if dec.Outcome() != Approve {
		t.Fatalf("outcome %s: %+v", dec.Outcome(), r.RulesFired)
	}
	// Platform 4.9 %, employer 5.5 %: the stricter (higher) applies, and the
	// record says the employer's grid set it.
	if !r.Offer.Rate.Equal(lendkit.MustParseRate("5.5%")) || r.Offer.RateBy.Owner != OwnerEmployer || r.Offer.RateRule != "E-RATE" {
		t.Errorf("offer %+v", r.Offer)
	}
	if r.Employer == nil || r.Employer.ID != "acme-staff" || r.Employer.Version != "3" {
		t.Errorf("employer ref %+v", r.Employer)
	}
	// The offer's maximum amount is capped by the employer's 20000.
	if r.Offer.MaxAmount != eur("20000.00") || r.Offer.MaxAmountRule != "E-AMOUNT-MAX" || r.Offer.MaxAmountBy == nil || r.Offer.MaxAmountBy.Owner != OwnerEmployer {
		t.Errorf("max amount %s by %s %+v", r.Offer.MaxAmount, r.Offer.MaxAmountRule, r.Offer.MaxAmountBy)
	}
}

func TestDecideBadInput(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	tests := []struct {
		name   string
		mutate func(a *Application)
		want   error
	}{
		{"missing income", func(a *Application) { a.Budget.Incomes = nil }, ErrMissingIncome},
		{"negative income", func(a *Application) { a.Budget.Incomes[0].Monthly = eur("-100.00") }, ErrInvalidInput},
		{"negative amount", func(a *Application) { a.Amount = eur("-100.00") }, ErrInvalidInput},
		{"zero amount", func(a *Application) { a.Amount = eur("0.00") }, ErrInvalidInput},
		{"amount in another currency", func(a *Application) { a.Amount = lendkit.MustParseMoney("1000.00", "USD") }, lendkit.ErrCurrencyMismatch},
		{"incomes in another currency", func(a *Application) { a.Budget.Incomes[0].Monthly = lendkit.MustParseMoney("3000.00", "USD") }, lendkit.ErrCurrencyMismatch},
		{"negative debt service", func(a *Application) { a.Budget.DebtService = eur("-1.00") }, ErrInvalidInput},
		{"unknown income kind", func(a *Application) { a.Budget.Incomes[0].Kind = "crypto" }, ErrUnknownIncomeKind},
		{"no adult", func(a *Application) { a.Budget.Household.Adults = 0 }, ErrInvalidInput},
		{"no id", func(a *Application) { a.ID = "" }, ErrInvalidInput},
		{"no date", func(a *Application) { a.AsOf = lendkit.Date{} }, ErrInvalidInput},
		{"born after the decision", func(a *Application) { a.BirthDate = day("2030-01-01") }, ErrInvalidInput},
		{"negative seniority", func(a *Application) { a.SeniorityMonths = -1 }, ErrInvalidInput},
		{"zero term", func(a *Application) { a.TermMonths = 0 }, ErrInvalidInput},
		{"negative insurance", func(a *Application) { a.InsuranceRate = dec("-0.01") }, ErrInvalidInput},
		{"protected feature", func(a *Application) { a.Features["marital_status"] = Cat("single") }, ErrProtectedAttribute},
		{"feature of the wrong kind", func(a *Application) { a.Features["dsti"] = Cat("high") }, ErrValueKind},
		{"negative income without a rate", func(a *Application) { a.Budget.Incomes[0].Monthly = eur("-1.00"); a.TermMonths = 96 }, ErrInvalidInput},
		{"foreign income without a rate", func(a *Application) {
			a.Budget.Incomes[0].Monthly = lendkit.MustParseMoney("1.00", "USD")
			a.TermMonths = 96
		}, lendkit.ErrCurrencyMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := demoApplication()
			tc.mutate(&app)
			dec, err := d.Decide(app)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if dec.Outcome() != "" {
				t.Errorf("a failed decision has outcome %q", dec.Outcome())
			}
		})
	}
}

func TestInputHash(t *testing.T) {
	t.Parallel()
	base := demoApplication()
	h := base.InputHash()
	// The same input built differently hashes the same.
	same := demoApplication()
	same.Features = Features{}
	for _, k := range []string{"purpose", "days_overdrawn_90d", "years_with_bank", "dsti", "checking_status"} {
		same.Features[k] = base.Features[k]
	}
	same.InsuranceRate = dec("0.00360")
	if got := same.InputHash(); got != h {
		t.Errorf("equal inputs hash differently: %s %s", got, h)
	}
	// Any change changes it.
	mutations := map[string]func(a *Application){
		"id":        func(a *Application) { a.ID = "app-2" },
		"asOf":      func(a *Application) { a.AsOf = day("2026-06-16") },
		"birth":     func(a *Application) { a.BirthDate = day("1988-04-03") },
		"contract":  func(a *Application) { a.Contract = ContractFixedTerm },
		"seniority": func(a *Application) { a.SeniorityMonths = 49 },
		"employer":  func(a *Application) { a.Employer = "ACME" },
		"income":    func(a *Application) { a.Budget.Incomes[0].Monthly = eur("3200.01") },
		"kind":      func(a *Application) { a.Budget.Incomes[0].Kind = IncomePension },
		"currency":  func(a *Application) { a.Amount = lendkit.MustParseMoney("15000.00", "CHF") },
		"debt":      func(a *Application) { a.Budget.DebtService = eur("150.01") },
		"living":    func(a *Application) { a.Budget.LivingCosts = eur("0.00") },
		"adults":    func(a *Application) { a.Budget.Household.Adults = 2 },
		"children":  func(a *Application) { a.Budget.Household.Children = 1 },
		"amount":    func(a *Application) { a.Amount = eur("15000.01") },
		"term":      func(a *Application) { a.TermMonths = 47 },
		"insurance": func(a *Application) { a.InsuranceRate = dec("0.0037") },
		"feature":   func(a *Application) { a.Features["dsti"] = Num(0.050000001) },
		"missing":   func(a *Application) { a.Features["dsti"] = Missing() },
		"removed":   func(a *Application) { delete(a.Features, "dsti") },
		"added":     func(a *Application) { a.Features["extra"] = Cat("x") },
		"kindswap":  func(a *Application) { a.Features["purpose"] = Cat("0.05") },
		"two incomes": func(a *Application) {
			a.Budget.Incomes = []Income{{IncomePermanent, eur("1600.00")}, {IncomePermanent, eur("1600.00")}}
		},
	}
	seen := map[string]string{h: "base"}
	for name, m := range mutations {
		a := demoApplication()
		m(&a)
		got := a.InputHash()
		if prev, dup := seen[got]; dup {
			t.Errorf("%s hashes like %s", name, prev)
		}
		seen[got] = name
	}
	// A field boundary cannot be forged by moving characters between fields.
	a, b := demoApplication(), demoApplication()
	a.ID, a.Employer = "x;employer:0:", ""
	b.ID, b.Employer = "x", ""
	if a.InputHash() == b.InputHash() {
		t.Error("field boundary is ambiguous")
	}
}

func TestOverride(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	app := demoApplication()
	app.Features = Features{"checking_status": Cat("healthy"), "days_overdrawn_90d": Num(0)}
	orig, err := d.Decide(app)
	if err != nil {
		t.Fatal(err)
	}
	if orig.Outcome() != Refer {
		t.Fatalf("outcome %s", orig.Outcome())
	}
	at := time.Date(2026, 6, 16, 9, 30, 0, 0, time.UTC)
	ov := Override{By: "agent-17", At: at, Reason: "Payslips confirm a stable income; account history clean.", Outcome: Approve}
	approved, err := orig.Override(ov)
	if err != nil {
		t.Fatal(err)
	}
	if approved.Outcome() != Approve || orig.Outcome() != Refer || len(orig.Record().Overrides) != 0 {
		t.Errorf("override changed the original or did not apply")
	}
	r := approved.Record()
	if r.Outcome != Refer || len(r.Overrides) != 1 || r.Overrides[0] != ov {
		t.Errorf("record %+v", r)
	}
	for _, bad := range []Override{
		{At: at, Reason: "x", Outcome: Approve},
		{By: "a", Reason: "x", Outcome: Approve},
		{By: "a", At: at, Outcome: Approve},
		{By: "a", At: at, Reason: "x", Outcome: "maybe"},
		{By: "a", At: at.Add(-time.Hour), Reason: "x", Outcome: Decline}, // before the previous one
	} {
		if _, err := approved.Override(bad); !errors.Is(err, ErrInvalidOverride) {
			t.Errorf("override %+v: %v", bad, err)
		}
	}
	// JSON round trip keeps everything.
	b, err := json.Marshal(approved)
	if err != nil {
		t.Fatal(err)
	}
	var back Decision
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(approved.Record(), back.Record(), recordOpts...); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"outcome":"approve"}`), &back); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("record without hash: %v", err)
	}
	checkGolden(t, "decision-override.json", approved)
}

func TestDecisionImmutable(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	app := demoApplication()
	app.Features["dsti"] = Num(0.3)
	dec, err := d.Decide(app)
	if err != nil {
		t.Fatal(err)
	}
	before := dec.Record()
	r := dec.Record()
	r.Points[0].Points = 9999
	r.Reasons[0].Code = "forged"
	r.Offer.Rate = lendkit.MustParseRate("0%")
	r.Affordable.DSTIOK = false
	r.Outcome = Decline
	if r.Offer.MaxAmountBy != nil {
		r.Offer.MaxAmountBy.ID = "forged"
	}
	// Changing the input after the decision changes nothing either.
	app.Features["dsti"] = Num(0.9)
	if diff := cmp.Diff(before, dec.Record(), recordOpts...); diff != "" {
		t.Errorf("decision changed (-before +after):\n%s", diff)
	}
}

func TestPreCheck(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	form := Form{AsOf: day("2026-06-15"), BirthDate: day("1990-01-01"), Amount: eur("10000.00"), TermMonths: 36,
		Contract: ContractPermanent, SeniorityMonths: 24, MonthlyIncome: eur("2500.00"), DebtService: eur("0.00")}
	tests := []struct {
		name   string
		mutate func(f *Form)
		rules  []RuleID
	}{
		{"eligible", func(f *Form) {}, nil},
		{"contract", func(f *Form) { f.Contract = ContractUnemployed }, []RuleID{"P-CONTRACT"}},
		{"employer maximum", func(f *Form) { f.Employer = "ACME"; f.Amount = eur("22000.00") }, []RuleID{"E-AMOUNT-MAX"}},
		{"no term in the grid", func(f *Form) { f.TermMonths = 90 }, []RuleID{"P-TERM-MAX", "P-RATE"}},
		// 4.9 % over 36 months on 30000 is 897.82; 35 % of 2500 is 875.
		{"income cannot carry it even at the best rate", func(f *Form) { f.Amount = eur("30000.00") }, []RuleID{"P-DSTI"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := form
			tc.mutate(&f)
			pc, err := d.PreCheck(f)
			if err != nil {
				t.Fatal(err)
			}
			var rules []RuleID
			for _, r := range pc.RulesFired {
				rules = append(rules, r.Rule)
			}
			if diff := cmp.Diff(tc.rules, rules); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if pc.Eligible != (len(tc.rules) == 0) {
				t.Errorf("eligible %v", pc.Eligible)
			}
		})
	}
	f := form
	f.MonthlyIncome = lendkit.Money{}
	if _, err := d.PreCheck(f); !errors.Is(err, ErrMissingIncome) {
		t.Errorf("missing income: %v", err)
	}
	f = form
	f.Amount = eur("-1.00")
	if _, err := d.PreCheck(f); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative amount: %v", err)
	}
	// The application's own form passes the pre-check when the decision approves.
	app := demoApplication()
	af, err := app.Form()
	if err != nil {
		t.Fatal(err)
	}
	if pc, err := d.PreCheck(af); err != nil || !pc.Eligible {
		t.Errorf("pre-check of an approved application: %+v %v", pc, err)
	}
}

func TestNewDeciderRejects(t *testing.T) {
	t.Parallel()
	s := demoScorer(t)
	noGrid := platformPolicy()
	noGrid.RateGrid = nil
	usd := employerPolicy()
	usd.Currency = lendkit.USD
	usd.MaxAmount = &MoneyLimit{"E-AMOUNT-MAX", lendkit.MustParseMoney("1.00", "USD")}
	dup := employerPolicy()
	wrongOwner := employerPolicy()
	wrongOwner.Owner = OwnerPlatform
	wrongOwner.Employer = ""
	tests := []struct {
		name      string
		scorer    *Scorer
		platform  Policy
		employers []Policy
	}{
		{"no scorer", nil, platformPolicy(), nil},
		{"no rate grid", s, noGrid, nil},
		{"employer in another currency", s, platformPolicy(), []Policy{usd}},
		{"two policies for one employer", s, platformPolicy(), []Policy{employerPolicy(), dup}},
		{"employer policy owned by the platform", s, platformPolicy(), []Policy{wrongOwner}},
		{"platform given as employer", s, employerPolicy(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewDecider(tc.scorer, tc.platform, tc.employers, DefaultAffordabilityRules())
			if !errors.Is(err, ErrInvalidPolicy) && !errors.Is(err, ErrInvalidScorecard) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
