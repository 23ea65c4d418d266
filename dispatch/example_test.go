package dispatch_test

import (
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/dispatch"
)

// A loan of 1,000.00 EUR funded by a French lender, an Italian lender and a
// company; its first instalment is paid on time.
func Example() {
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	book, err := dispatch.Open(dispatch.Terms{
		Loan: "loan-1", Borrower: "acme", Currency: lendkit.EUR, Funded: lendkit.MustParseDate("2025-01-01"),
		Schedule: []dispatch.Instalment{
			{N: 1, Due: lendkit.MustParseDate("2025-02-01"), Principal: eur("500.00"), Interest: eur("10.00")},
			{N: 2, Due: lendkit.MustParseDate("2025-03-01"), Principal: eur("500.00"), Interest: eur("5.00")},
		},
		Stakes: []dispatch.Stake{
			{Holder: dispatch.Holder{ID: "anne", Kind: dispatch.Individual, Tax: dispatch.FranceIndividual()}, Amount: eur("500.00")},
			{Holder: dispatch.Holder{ID: "bruno", Kind: dispatch.Individual, Tax: dispatch.ItalyIndividual()}, Amount: eur("300.00")},
			{Holder: dispatch.Holder{ID: "corp", Kind: dispatch.Company}, Amount: eur("200.00")},
		},
	})
	if err != nil {
		panic(err)
	}
	d, err := book.Pay(dispatch.Payment{Key: "sdd-2025-02", Date: lendkit.MustParseDate("2025-02-01"), Amount: eur("510.00")})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Kind)
	for _, s := range d.Shares {
		fmt.Printf("%-5s capital %s interest %s tax %s net %s\n", s.Holder, s.Principal.Amount(), s.Interest.Amount(), s.Tax.Amount(), s.Net.Amount())
	}
	e, _ := d.Entry()
	for _, l := range e.Legs {
		fmt.Printf("%-6s %-22s %s\n", l.Side, l.Account, l.Amount)
	}
	// Output:
	// on-time
	// anne  capital 250.00 interest 5.00 tax 1.50 net 253.50
	// bruno capital 150.00 interest 3.00 tax 0.78 net 152.22
	// corp  capital 100.00 interest 2.00 tax 0.00 net 102.00
	// debit  borrower-wallet:acme   510.00 EUR
	// credit holder-wallet:anne     253.50 EUR
	// credit holder-wallet:bruno    152.22 EUR
	// credit holder-wallet:corp     102.00 EUR
	// credit tax-authority:FR-IR    0.64 EUR
	// credit tax-authority:FR-PS    0.86 EUR
	// credit tax-authority:IT-RIT   0.78 EUR
}

// Every lender's schedule at funding; on-time payments will disperse exactly
// these rows.
func ExampleBook_Project() {
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	book, err := dispatch.Open(dispatch.Terms{
		Loan: "loan-2", Borrower: "acme", Currency: lendkit.EUR, Funded: lendkit.MustParseDate("2025-11-15"),
		Schedule: []dispatch.Instalment{
			{N: 1, Due: lendkit.MustParseDate("2025-12-15"), Principal: eur("600.00"), Interest: eur("12.00")},
			{N: 2, Due: lendkit.MustParseDate("2026-01-15"), Principal: eur("600.00"), Interest: eur("6.00")},
		},
		Stakes: []dispatch.Stake{
			{Holder: dispatch.Holder{ID: "anne", Kind: dispatch.Individual, Tax: dispatch.FranceIndividual()}, Amount: eur("1000.00")},
			{Holder: dispatch.Holder{ID: "fund", Kind: dispatch.Fund}, Amount: eur("200.00")},
		},
	})
	if err != nil {
		panic(err)
	}
	p, err := book.Project()
	if err != nil {
		panic(err)
	}
	for r := range p.Rows() {
		fmt.Printf("%d %s %-4s capital %s interest %s", r.N, r.Due, r.Holder, r.Capital.Amount(), r.Interest.Amount())
		for _, t := range r.Taxes {
			fmt.Printf(" %s %s", t.Code, t.Amount.Amount())
		}
		fmt.Printf(" net %s\n", r.Net.Amount())
	}
	// Output:
	// 1 2025-12-15 anne capital 500.00 interest 10.00 FR-IR 1.28 FR-PS 1.72 net 507.00
	// 1 2025-12-15 fund capital 100.00 interest 2.00 net 102.00
	// 2 2026-01-15 anne capital 500.00 interest 5.00 FR-IR 0.64 FR-PS 0.93 net 503.43
	// 2 2026-01-15 fund capital 100.00 interest 1.00 net 101.00
}
