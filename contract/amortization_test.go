package contract

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestFromAmortization: any schedule amortization generates becomes a
// contract that validates, renders, and prints the schedule's own totals.
func TestFromAmortization(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	rapid.Check(t, func(t *rapid.T) {
		terms := amortization.Terms{
			Principal:      lendkit.New(rapid.Int64Range(100_00, 1_000_000_00).Draw(t, "principal"), lendkit.EUR),
			Rate:           lendkit.RateFromDecimal(decimal.New(rapid.Int64Range(0, 2000).Draw(t, "rate bp"), -4)),
			Periods:        rapid.IntRange(1, 120).Draw(t, "periods"),
			Method:         rapid.SampledFrom([]amortization.Method{amortization.Annuity, amortization.Linear}).Draw(t, "method"),
			Start:          lendkit.MustParseDate("2027-01-31"),
			InstallmentFee: lendkit.New(rapid.Int64Range(0, 500).Draw(t, "fee"), lendkit.EUR),
		}
		// An upfront fee of up to 2 % of the principal: far larger fees on a
		// short loan give APRs of thousands of percent, which the APR
		// solver does not bracket (reported to amortization's owner).
		terms.UpfrontFee = lendkit.New(rapid.Int64Range(0, terms.Principal.Minor()/50).Draw(t, "upfront"), lendkit.EUR)
		terms.Grace = rapid.IntRange(0, min(terms.Periods-1, 3)).Draw(t, "grace")
		terms.GraceKind = rapid.SampledFrom([]amortization.GraceKind{amortization.GraceKind(0), amortization.GraceKind(1)}).Draw(t, "grace kind")
		s, err := amortization.Generate(terms)
		if err != nil {
			t.Skip(err) // terms the generator refuses are its concern
		}
		loan, sched, err := FromAmortization(s)
		if err != nil {
			t.Fatal(err)
		}
		d := Sample(ConsumerLoan, "fr")
		d.Loan, d.Schedule = loan, sched
		tot, err := d.Validate()
		if err != nil {
			t.Fatalf("contract refuses the amortization schedule: %v", err)
		}
		at, err := s.Totals()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]lendkit.Money{at.Payment, at.Interest, at.Principal, at.Insurance},
			[]lendkit.Money{tot.Payments, tot.Interest, tot.Principal, tot.Insurance}, moneyEqual); diff != "" {
			t.Fatalf("totals differ (-amortization +contract):\n%s", diff)
		}
		if terms.Periods <= 24 {
			if _, err := r.HTML(d); err != nil {
				t.Fatal(err)
			}
		}
	})
}
