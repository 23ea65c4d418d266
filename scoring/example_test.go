package scoring_test

import (
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/scoring"
	"github.com/shopspring/decimal"
)

func ExampleAffordabilityRules_Assess() {
	rules := scoring.DefaultAffordabilityRules()
	budget := scoring.Budget{
		Incomes: []scoring.Income{
			{Kind: scoring.IncomePermanent, Monthly: lendkit.MustParseMoney("2800.00", "EUR")},
			{Kind: scoring.IncomeRental, Monthly: lendkit.MustParseMoney("500.00", "EUR")}, // counts 70 %
		},
		DebtService: lendkit.MustParseMoney("250.00", "EUR"),
		LivingCosts: lendkit.MustParseMoney("750.00", "EUR"),
		Household:   scoring.Household{Adults: 2, Children: 1},
	}
	loan := scoring.NewLoanPayment{Instalment: lendkit.MustParseMoney("600.00", "EUR"), Insurance: lendkit.MustParseMoney("15.00", "EUR")}
	a, err := rules.Assess(budget, loan)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stable income:", a.StableIncome)
	fmt.Println("DSTI before/after:", a.DSTIBefore, a.DSTIAfter, "ok:", a.DSTIOK)
	fmt.Println("residual after:", a.ResidualAfter, "floor:", a.Floor, "ok:", a.ResidualOK)
	fmt.Println("max payment:", a.MaxPayment)
	max, err := a.MaxAmount(lendkit.MustParseRate("4.5%"), 60, decimal.RequireFromString("0.003"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("max amount over 60 months at 4.5 %:", max)
	// Output:
	// stable income: 3150.00 EUR
	// DSTI before/after: 0.079365 0.274603 ok: true
	// residual after: 1535.00 EUR floor: 1500.00 EUR ok: true
	// max payment: 650.00 EUR
	// max amount over 60 months at 4.5 %: 34404.24 EUR
}

func ExampleMaxPrincipal() {
	// What can 1000 EUR a month borrow over 20 years at 3.5 %?
	p, err := scoring.MaxPrincipal(lendkit.MustParseMoney("1000.00", "EUR"), lendkit.MustParseRate("3.5%"), 240, decimal.Zero)
	if err != nil {
		fmt.Println(err)
		return
	}
	inst, _ := scoring.Instalment(p, lendkit.MustParseRate("3.5%"), 240)
	fmt.Println(p, "at", inst, "a month")
	// Output: 172425.76 EUR at 1000.00 EUR a month
}

func ExampleBusinessRules_Capacity() {
	f := scoring.BusinessFinancials{
		Revenue:      lendkit.MustParseMoney("1200000.00", "EUR"),
		EBITDAMargin: decimal.RequireFromString("0.10"),
		DebtService:  lendkit.MustParseMoney("60000.00", "EUR"),
		Debt:         lendkit.MustParseMoney("100000.00", "EUR"),
		Cash:         lendkit.MustParseMoney("50000.00", "EUR"),
	}
	c, err := scoring.DefaultBusinessRules().Capacity(f, lendkit.MustParseRate("6%"), 24)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("EBITDA", c.EBITDA, "max instalment", c.MaxInstalment)
	fmt.Println("max amount", c.MaxAmount, "bound by", c.Binding)
	// Output:
	// EBITDA 120000.00 EUR max instalment 3000.00 EUR
	// max amount 67688.59 EUR bound by debt-service
}

func ExampleScaling() {
	s := scoring.DefaultScaling // 600 points at 50:1, 20 points to double the odds
	fmt.Printf("PD at 600: %.4f, at 620: %.4f\n", s.PD(600), s.PD(620))
	score, _ := s.Score(0.02)
	fmt.Printf("score at PD 2 %%: %.1f\n", score)
	// Output:
	// PD at 600: 0.0196, at 620: 0.0099
	// score at PD 2 %: 599.4
}

func ExampleScorer_Reasons() {
	card := &scoring.Scorecard{Name: "starter", Version: "1", Scaling: scoring.DefaultScaling,
		Characteristics: []scoring.Characteristic{
			{Name: "days_overdrawn_90d", Kind: scoring.Numeric, ReasonCode: "OD", Reason: "Your account was often overdrawn.",
				Bins: []scoring.Bin{
					{Label: "missing", Missing: true, Points: 280},
					{Label: "< 1", Hi: ptr(1), Points: 320},
					{Label: "≥ 1", Lo: ptr(1), Points: 250},
				}},
			{Name: "housing", Kind: scoring.Categorical, ReasonCode: "HS", Reason: "Your housing situation carries more risk.",
				Bins: []scoring.Bin{
					{Label: "missing", Missing: true, Points: 290},
					{Label: "owner", Categories: []string{"owner"}, Points: 310},
					{Label: "tenant or other", Categories: []string{"tenant"}, Other: true, Points: 280},
				}},
		}}
	s, err := card.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := s.Score(scoring.Features{"days_overdrawn_90d": scoring.Num(12), "housing": scoring.Cat("houseboat")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("score %d, PD %.3f\n", r.Score, r.PD)
	for _, rs := range s.Reasons(r) {
		fmt.Printf("%s (-%d): %s\n", rs.Code, rs.Shortfall, rs.Sentence)
	}
	// Output:
	// score 530, PD 0.185
	// OD (-70): Your account was often overdrawn.
	// HS (-30): Your housing situation carries more risk.
}

func ptr(f float64) *float64 { return &f }

func ExampleDecider_Decide() {
	card := &scoring.Scorecard{Name: "starter", Version: "1", Scaling: scoring.DefaultScaling,
		Characteristics: []scoring.Characteristic{
			{Name: "days_overdrawn_90d", Kind: scoring.Numeric, ReasonCode: "OD", Reason: "Your account was often overdrawn.",
				Bins: []scoring.Bin{
					{Label: "missing", Missing: true, Points: 300},
					{Label: "< 1", Hi: ptr(1), Points: 340},
					{Label: "≥ 1", Lo: ptr(1), Points: 290},
				}},
		}}
	scorer, err := card.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	platform := scoring.Policy{ID: "retail", Version: "2026-01", Owner: scoring.OwnerPlatform, Currency: lendkit.EUR,
		MaxAmount:  &scoring.MoneyLimit{Rule: "P-AMOUNT-MAX", Value: eur("30000.00")},
		MaxDSTI:    &scoring.RatioLimit{Rule: "P-DSTI", Value: decimal.RequireFromString("0.35")},
		MinScore:   &scoring.IntLimit{Rule: "P-SCORE-MIN", Value: 580},
		ReferScore: &scoring.IntLimit{Rule: "P-SCORE-REFER", Value: 620},
		RateGrid:   &scoring.RateGrid{Rule: "P-RATE", Bands: []scoring.RateBand{{MinScore: 0, MaxTerm: 84, Rate: lendkit.MustParseRate("5.9%")}}},
	}
	acme := scoring.Policy{ID: "acme-staff", Version: "1", Owner: scoring.OwnerEmployer, Employer: "ACME", Currency: lendkit.EUR,
		MaxAmount: &scoring.MoneyLimit{Rule: "ACME-AMOUNT-MAX", Value: eur("10000.00")}}
	d, err := scoring.NewDecider(scorer, platform, []scoring.Policy{acme}, scoring.DefaultAffordabilityRules())
	if err != nil {
		fmt.Println(err)
		return
	}
	app := scoring.Application{ID: "A-1", AsOf: lendkit.MustParseDate("2026-09-01"), BirthDate: lendkit.MustParseDate("1990-05-17"),
		Contract: scoring.ContractPermanent, SeniorityMonths: 30, Employer: "ACME",
		Budget: scoring.Budget{Incomes: []scoring.Income{{Kind: scoring.IncomePermanent, Monthly: eur("2600.00")}},
			Household: scoring.Household{Adults: 1}},
		Amount: eur("12000.00"), TermMonths: 48,
		Features: scoring.Features{"days_overdrawn_90d": scoring.Num(3)},
	}
	dec, err := d.Decide(app)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := dec.Record()
	fmt.Println(dec.Outcome(), "score", r.Score)
	for _, f := range r.RulesFired {
		fmt.Printf("%s (%s %s): %s\n", f.Rule, f.By.Owner, f.By.ID, f.Detail)
	}
	// An analyst reviews it and lends the employer's maximum instead.
	dec, err = dec.Override(scoring.Override{By: "analyst-4", At: time.Date(2026, 9, 2, 10, 0, 0, 0, time.UTC),
		Reason: "Offered 10000 EUR within the employer's limit; applicant accepted.", Outcome: scoring.Approve})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after review:", dec.Outcome(), "automatic:", dec.Record().Outcome)
	// Output:
	// decline score 290
	// ACME-AMOUNT-MAX (employer acme-staff): The amount 12000.00 EUR is above the maximum of 10000.00 EUR.
	// P-SCORE-MIN (platform retail): The score 290 is below the minimum of 580.
	// after review: approve automatic: decline
}
