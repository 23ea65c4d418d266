package main

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/scoring"
)

// The platform's credit set-up: one scorecard and one platform policy,
// decided by scoring.Decider. The scorecard is illustrative (two
// characteristics with hand-set points, in the spirit of a starter card); a
// real platform fits its own with scoring.Fit on its history and loads it
// with scoring.ParseScorecard. The policy's scores are chosen so that a
// clean account is approved, a few overdrawn days are referred to an agent,
// and a chronically overdrawn one is declined.

func bin(label string, lo, hi *float64, points int) scoring.Bin {
	return scoring.Bin{Label: label, Lo: lo, Hi: hi, Points: points}
}

func fptr(f float64) *float64 { return &f }

// newDecider builds the platform's decider.
func newDecider() (*scoring.Decider, error) {
	card := &scoring.Scorecard{Name: "platform-starter", Version: "2027-01", Scaling: scoring.DefaultScaling,
		Characteristics: []scoring.Characteristic{
			{Name: "days_overdrawn_90d", Kind: scoring.Numeric, ReasonCode: "OD", Reason: "Your account was often overdrawn in the last 90 days.",
				Bins: []scoring.Bin{
					{Label: "missing", Missing: true, Points: 280},
					bin("< 1", nil, fptr(1), 340),
					bin("1 to 9", fptr(1), fptr(10), 300),
					bin("≥ 10", fptr(10), nil, 230),
				}},
			{Name: "housing", Kind: scoring.Categorical, ReasonCode: "HS", Reason: "Your housing situation carries more risk.",
				Bins: []scoring.Bin{
					{Label: "missing", Missing: true, Points: 290},
					{Label: "owner", Categories: []string{"owner"}, Points: 320},
					{Label: "tenant or other", Categories: []string{"tenant"}, Other: true, Points: 300},
				}},
		}}
	scorer, err := card.Compile()
	if err != nil {
		return nil, fmt.Errorf("platform scorecard: %w", err)
	}
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	policy := scoring.Policy{ID: "platform-retail", Version: "2027-01", Owner: scoring.OwnerPlatform, Currency: lendkit.EUR,
		MinAmount:  &scoring.MoneyLimit{Rule: "P-AMOUNT-MIN", Value: eur("500.00")},
		MaxAmount:  &scoring.MoneyLimit{Rule: "P-AMOUNT-MAX", Value: eur("50000.00")},
		MinTerm:    &scoring.IntLimit{Rule: "P-TERM-MIN", Value: 6},
		MaxTerm:    &scoring.IntLimit{Rule: "P-TERM-MAX", Value: 84},
		MinAge:     &scoring.IntLimit{Rule: "P-AGE-MIN", Value: 18},
		MaxDSTI:    &scoring.RatioLimit{Rule: "P-DSTI", Value: decimal.RequireFromString("0.35")},
		MinScore:   &scoring.IntLimit{Rule: "P-SCORE-MIN", Value: 580},
		ReferScore: &scoring.IntLimit{Rule: "P-SCORE-REFER", Value: 640},
		RateGrid: &scoring.RateGrid{Rule: "P-RATE", Bands: []scoring.RateBand{
			{MinScore: 650, MaxTerm: 84, Rate: lendkit.MustParseRate("5.9%")},
			{MinScore: 0, MaxTerm: 84, Rate: lendkit.MustParseRate("7.9%")},
		}},
	}
	// A partner company backing its employees' loans: its policy applies on
	// top of the platform's (the stricter limit wins), and lenders may
	// choose to fund only its employees (auto-invest preferences).
	acme := scoring.Policy{ID: "acme-staff", Version: "2027-01", Owner: scoring.OwnerEmployer, Employer: "ACME", Currency: lendkit.EUR,
		MaxAmount:    &scoring.MoneyLimit{Rule: "ACME-AMOUNT-MAX", Value: eur("20000.00")},
		MinSeniority: &scoring.IntLimit{Rule: "ACME-SENIORITY-MIN", Value: 6}}
	return scoring.NewDecider(scorer, policy, []scoring.Policy{acme}, scoring.DefaultAffordabilityRules())
}
