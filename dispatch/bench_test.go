package dispatch

import (
	"fmt"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
)

// benchTerms is the funding close: 3,000 lenders with uneven stakes
// (mostly French individuals, some Italian, some companies and a fund) on a
// 60-month annuity.
func benchTerms(tb testing.TB, lenders, months int) Terms {
	tb.Helper()
	stakes := make([]Stake, lenders)
	var total int64
	for i := range stakes {
		a := int64(50_00 + (i*7919)%2_000_00) // 50.00 to 2,050.00
		h := Holder{ID: HolderID(fmt.Sprintf("lender-%05d", (i*7)%lenders)), Kind: Individual, Tax: FranceIndividual()}
		switch {
		case i%10 == 3:
			h.Tax = ItalyIndividual()
		case i%10 == 7:
			h.Kind, h.Tax = Company, NoWithholding()
		case i%25 == 11:
			h.Tax = FranceExempt()
		}
		stakes[i] = Stake{Holder: h, Amount: lendkit.New(a, lendkit.EUR)}
		total += a
	}
	s, err := amortization.Generate(amortization.Terms{Principal: lendkit.New(total, lendkit.EUR),
		Rate: lendkit.MustParseRate("7.5%"), Periods: months, Start: lendkit.MustParseDate("2025-06-10")})
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := FromSchedule(s)
	if err != nil {
		tb.Fatal(err)
	}
	return Terms{Loan: "bench", Borrower: "sme", Currency: lendkit.EUR, Funded: lendkit.MustParseDate("2025-06-10"),
		Schedule: rows, Stakes: stakes}
}

// BenchmarkFundingClose opens the book and computes every projection row:
// 3,000 lenders × 60 months = 180,000 rows (target < 100 ms).
func BenchmarkFundingClose(b *testing.B) {
	terms := benchTerms(b, 3000, 60)
	b.ReportAllocs()
	for b.Loop() {
		book, err := Open(terms)
		if err != nil {
			b.Fatal(err)
		}
		p, err := book.Project()
		if err != nil {
			b.Fatal(err)
		}
		if p.Len() != 180_000 {
			b.Fatalf("%d rows", p.Len())
		}
	}
}

// BenchmarkMonthlyDispersal splits one instalment among 3,000 lenders, with
// tax, and builds its ledger entry (target < 2 ms).
func BenchmarkMonthlyDispersal(b *testing.B) {
	terms := benchTerms(b, 3000, 60)
	book, err := Open(terms)
	if err != nil {
		b.Fatal(err)
	}
	row := terms.Schedule[0]
	cash := lendkit.New(row.Principal.Minor()+row.Interest.Minor(), lendkit.EUR)
	b.ReportAllocs()
	for b.Loop() {
		// Pay on a fresh copy each time so every iteration disperses the same
		// first instalment; the copy is outside the measured split cost only
		// in spirit (it is a few slices), so it is included.
		c := book.clone()
		d, err := c.Pay(Payment{Key: "m1", Date: row.Due, Amount: cash})
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := d.Entry(); !ok || len(d.Shares) != 3000 {
			b.Fatal("no entry")
		}
	}
}
