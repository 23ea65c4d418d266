package dispatch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// cmpOpts compares the root vocabulary's values by equality (their fields are
// unexported).
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b TaxProfile) bool { return a.same(b) }),
}

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

func day(s string) lendkit.Date { return lendkit.MustParseDate(s) }

// threeHolders is the hand-checked loan of the unit tests: 1,000.00 EUR lent
// by a French individual (500), an Italian individual (300) and a company
// (200), repaid in two instalments.
func threeHolders(t *testing.T, mod func(*Terms)) *Book {
	t.Helper()
	terms := Terms{
		Loan: "L1", Borrower: "B1", Currency: lendkit.EUR, Funded: day("2025-01-01"),
		Schedule: []Instalment{
			{N: 1, Due: day("2025-02-01"), Principal: eur("500.00"), Interest: eur("10.00")},
			{N: 2, Due: day("2025-03-01"), Principal: eur("500.00"), Interest: eur("5.00")},
		},
		Stakes: []Stake{
			{Holder: Holder{ID: "c-corp", Kind: Company}, Amount: eur("200.00")},
			{Holder: Holder{ID: "a-fr", Kind: Individual, Tax: FranceIndividual()}, Amount: eur("500.00")},
			{Holder: Holder{ID: "b-it", Kind: Individual, Tax: ItalyIndividual()}, Amount: eur("300.00")},
		},
	}
	if mod != nil {
		mod(&terms)
	}
	b, err := Open(terms)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return b
}

func mustPay(t *testing.T, b *Book, key, date, amount string) Dispersal {
	t.Helper()
	d, err := b.Pay(Payment{Key: key, Date: day(date), Amount: eur(amount)})
	if err != nil {
		t.Fatalf("Pay %s: %v", key, err)
	}
	return d
}

// brief is a dispersal's shares as strings, for readable table tests.
type brief struct {
	Holder                       HolderID
	Principal, Interest, Penalty string
	Taxes                        map[string]string
	Net                          string
}

func briefs(d Dispersal) []brief {
	out := make([]brief, len(d.Shares))
	for i, s := range d.Shares {
		b := brief{Holder: s.Holder, Principal: s.Principal.Amount(), Interest: s.Interest.Amount(),
			Penalty: s.Penalty.Amount(), Net: s.Net.Amount()}
		if len(s.Taxes) > 0 {
			b.Taxes = map[string]string{}
			for _, l := range s.Taxes {
				b.Taxes[l.Code] = l.Amount.Amount()
			}
		}
		out[i] = b
	}
	return out
}
