package scoring

import (
	"testing"

	"github.com/lendkit/lendkit"
)

func platformPolicy() Policy {
	return Policy{
		ID: "retail", Version: "2026-01", Owner: OwnerPlatform, Currency: lendkit.EUR,
		MinAmount:        &MoneyLimit{"P-AMOUNT-MIN", eur("1000.00")},
		MaxAmount:        &MoneyLimit{"P-AMOUNT-MAX", eur("50000.00")},
		MinTerm:          &IntLimit{"P-TERM-MIN", 6},
		MaxTerm:          &IntLimit{"P-TERM-MAX", 84},
		MinAge:           &IntLimit{"P-AGE-MIN", 18},
		MaxAgeAtMaturity: &IntLimit{"P-AGE-MATURITY", 75},
		MinSeniority:     &IntLimit{"P-SENIORITY", 3},
		ContractKinds:    &KindsLimit{"P-CONTRACT", []ContractKind{ContractPermanent, ContractFixedTerm, ContractCivilServant, ContractRetired, ContractSelfEmployed}},
		MaxDSTI:          &RatioLimit{"P-DSTI", dec("0.35")},
		ResidualFloor:    &FloorLimit{"P-RESIDUAL", dec("800"), dec("400"), dec("300")},
		MinScore:         &IntLimit{"P-SCORE-MIN", 600},
		ReferScore:       &IntLimit{"P-SCORE-REFER", 650},
		RateGrid: &RateGrid{"P-RATE", []RateBand{
			{MinScore: 700, MaxTerm: 84, Rate: lendkit.MustParseRate("4.9%")},
			{MinScore: 650, MaxTerm: 84, Rate: lendkit.MustParseRate("6.9%")},
			{MinScore: 600, MaxTerm: 60, Rate: lendkit.MustParseRate("9.9%")},
		}},
	}
}

func employerPolicy() Policy {
	return Policy{
		ID: "acme-staff", Version: "3", Owner: OwnerEmployer, Employer: "ACME", Currency: lendkit.EUR,
		MaxAmount:     &MoneyLimit{"E-AMOUNT-MAX", eur("20000.00")},
		MaxTerm:       &IntLimit{"E-TERM-MAX", 60},
		MinSeniority:  &IntLimit{"E-SENIORITY", 12},
		ContractKinds: &KindsLimit{"E-CONTRACT", []ContractKind{ContractPermanent, ContractCivilServant}},
		ResidualFloor: &FloorLimit{"E-RESIDUAL", dec("1000"), dec("400"), dec("300")},
		RateGrid:      &RateGrid{"E-RATE", []RateBand{{MinScore: 680, MaxTerm: 60, Rate: lendkit.MustParseRate("5.5%")}}},
	}
}

func demoApplication() Application {
	return Application{
		ID: "app-1", AsOf: day("2026-06-15"), BirthDate: day("1988-04-02"),
		Contract: ContractPermanent, SeniorityMonths: 48,
		Budget: Budget{
			Incomes:     []Income{{IncomePermanent, eur("3200.00")}},
			DebtService: eur("150.00"), LivingCosts: eur("900.00"),
			Household: Household{Adults: 1},
		},
		Amount: eur("15000.00"), TermMonths: 48, InsuranceRate: dec("0.0036"),
		Features: goodFeatures(),
	}
}

func demoDecider(tb testing.TB) *Decider {
	tb.Helper()
	d, err := NewDecider(demoScorer(tb), platformPolicy(), []Policy{employerPolicy()}, DefaultAffordabilityRules())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
