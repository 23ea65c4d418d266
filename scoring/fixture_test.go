package scoring

import "testing"

func f64(v float64) *float64 { return &v }

// demoCard is a small hand-built scorecard used across the tests.
func demoCard() *Scorecard {
	return &Scorecard{Name: "demo", Version: "2026.1", Scaling: DefaultScaling, Characteristics: []Characteristic{
		{Name: "checking_status", Kind: Categorical, ReasonCode: "R01", Reason: "The balance of your current account is low or negative.", Bins: []Bin{
			{Label: "missing", Missing: true, Points: 110},
			{Label: "negative", Categories: []string{"negative"}, Points: 85},
			{Label: "low", Categories: []string{"low"}, Points: 115},
			{Label: "healthy", Categories: []string{"healthy", "savings-linked"}, Points: 150},
			{Label: "other", Other: true, Points: 110},
		}},
		{Name: "dsti", Kind: Numeric, ReasonCode: "R02", Reason: "Your existing debt payments are high compared with your income.",
			MissingReason: "Your debt payments and income could not be compared.", Bins: []Bin{
				{Label: "missing", Missing: true, Points: 100},
				{Label: "< 0.1", Hi: f64(0.1), Points: 160},
				{Label: "[0.1, 0.25)", Lo: f64(0.1), Hi: f64(0.25), Points: 140},
				{Label: "[0.25, 0.35)", Lo: f64(0.25), Hi: f64(0.35), Points: 120},
				{Label: "≥ 0.35", Lo: f64(0.35), Points: 90},
			}},
		{Name: "years_with_bank", Kind: Numeric, ReasonCode: "R03", Reason: "You have been a customer for a short time.", Bins: []Bin{
			{Label: "missing", Missing: true, Points: 110},
			{Label: "< 1", Hi: f64(1), Points: 100},
			{Label: "[1, 5)", Lo: f64(1), Hi: f64(5), Points: 125},
			{Label: "≥ 5", Lo: f64(5), Points: 145},
		}},
		{Name: "days_overdrawn_90d", Kind: Numeric, ReasonCode: "R04", Reason: "Your account was often overdrawn in the last 90 days.", Bins: []Bin{
			{Label: "missing", Missing: true, Points: 115},
			{Label: "< 1", Hi: f64(1), Points: 150},
			{Label: "[1, 10)", Lo: f64(1), Hi: f64(10), Points: 125},
			{Label: "≥ 10", Lo: f64(10), Points: 80},
		}},
		{Name: "purpose", Kind: Categorical, ReasonCode: "R05", Reason: "The purpose of the loan carries more risk.", Bins: []Bin{
			{Label: "missing", Missing: true, Points: 115},
			{Label: "car", Categories: []string{"car"}, Points: 130},
			{Label: "home improvement", Categories: []string{"home-improvement"}, Points: 140},
			{Label: "debt consolidation", Categories: []string{"debt-consolidation"}, Points: 100},
			{Label: "other", Other: true, Points: 120},
		}},
	}}
}

func demoScorer(tb testing.TB) *Scorer {
	tb.Helper()
	s, err := demoCard().Compile()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// goodFeatures scores 150+160+145+150+140 = 745, the demo card's maximum.
func goodFeatures() Features {
	return Features{"checking_status": Cat("healthy"), "dsti": Num(0.05), "years_with_bank": Num(8), "days_overdrawn_90d": Num(0), "purpose": Cat("home-improvement")}
}
