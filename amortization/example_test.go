package amortization_test

import (
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	"github.com/shopspring/decimal"
)

// A 10,000 EUR loan at 5 % over 36 months: the level payment, its first and
// last rows, and the APR a borrower is shown.
func ExampleGenerate() {
	s, err := amortization.Generate(amortization.Terms{
		Principal: lendkit.MustParseMoney("10000", "EUR"),
		Rate:      lendkit.MustParseRate("5%"),
		Periods:   36,
		Start:     lendkit.MustParseDate("2027-01-15"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range []amortization.Row{s.Rows[0], s.Rows[35]} {
		fmt.Println(r.N, r.Due, r.Payment.Amount(), r.Interest.Amount(), r.Principal.Amount(), r.Balance.Amount())
	}
	apr, err := s.APR(amortization.EqualPeriods)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("APR", amortization.FormatPercent(apr, 2), "%")
	// Output:
	// 1 2027-02-15 299.71 41.67 258.04 9741.96
	// 36 2030-01-15 299.69 1.24 298.45 0.00
	// APR 5.12 %
}

// Bad terms name the field at fault.
func ExampleGenerate_invalid() {
	_, err := amortization.Generate(amortization.Terms{
		Principal: lendkit.MustParseMoney("-5", "EUR"),
		Rate:      lendkit.MustParseRate("5%"),
		Periods:   36,
		Start:     lendkit.MustParseDate("2027-01-15"),
	})
	fmt.Println(err)
	// Output:
	// amortization: invalid terms: Principal must be positive, got -5.00
}

// A lender's portfolio return: what was lent (negative) and received
// (positive), on their dates. This is Excel's XIRR documentation example.
func ExampleXIRR() {
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	d := lendkit.MustParseDate
	rate, err := amortization.XIRR([]amortization.CashFlow{
		{Date: d("2008-01-01"), Amount: eur("-10000")},
		{Date: d("2008-03-01"), Amount: eur("2750")},
		{Date: d("2008-10-30"), Amount: eur("4250")},
		{Date: d("2009-02-15"), Amount: eur("3250")},
		{Date: d("2009-04-01"), Amount: eur("2750")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rate.Round(9), amortization.FormatPercent(rate, 2))
	// Output: 0.373362534 37.34
}

// The EU directive's worked example: 1,000 lent, 1,200 repaid 546 days later.
func ExampleAnnualRate() {
	rate, err := amortization.AnnualRate([]amortization.CashFlow{
		{Date: lendkit.MustParseDate("1994-01-01"), Amount: lendkit.MustParseMoney("-1000", "EUR")},
		{Date: lendkit.MustParseDate("1995-07-01"), Amount: lendkit.MustParseMoney("1200", "EUR")},
	}, amortization.ActualDays, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(amortization.FormatPercent(rate, 2), "%")
	// Output: 12.96 %
}

// Repaying 2,000 early, keeping the term: the payment drops.
func ExamplePrepay() {
	s, _ := amortization.Generate(amortization.Terms{
		Principal: lendkit.MustParseMoney("10000", "EUR"),
		Rate:      lendkit.MustParseRate("5%"),
		Periods:   36,
		Start:     lendkit.MustParseDate("2027-01-15"),
	})
	ns, err := amortization.Prepay(s, lendkit.MustParseDate("2027-02-15"), lendkit.MustParseMoney("2000", "EUR"), amortization.KeepTerm)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ns.Rows), "rows; payment", s.Rows[1].Payment.Amount(), "→", ns.Rows[1].Payment.Amount())
	// Output: 36 rows; payment 299.71 → 238.18
}

// What repaying everything on 1 March 2027 costs, with the French cap on
// the indemnity (3 % of the principal, at most six months of interest).
func ExampleQuote() {
	s, _ := amortization.Generate(amortization.Terms{
		Principal: lendkit.MustParseMoney("10000", "EUR"),
		Rate:      lendkit.MustParseRate("5%"),
		Periods:   36,
		Start:     lendkit.MustParseDate("2027-01-15"),
	})
	q, err := amortization.Quote(s, lendkit.MustParseDate("2027-03-01"), &amortization.Indemnity{
		Rate:             decimal.RequireFromString("0.03"),
		MonthsOfInterest: 6,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Principal.Amount(), "+", q.Interest.Amount(), "+", q.Indemnity.Amount(), "=", q.Total.Amount())
	// Output: 9741.96 + 20.30 + 243.55 = 10005.81
}

// Penalty interest on an instalment 30 days late at 10 % a year.
func ExampleLateInterest() {
	p, err := amortization.LateInterest(lendkit.MustParseMoney("299.71", "EUR"),
		lendkit.MustParseDate("2027-02-15"), lendkit.MustParseDate("2027-03-17"),
		amortization.Penalty{Rate: lendkit.MustParseRate("10%")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Amount())
	// Output: 2.46
}
