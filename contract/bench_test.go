package contract

import (
	"context"
	"testing"
)

// BenchmarkRender is one lender agreement with a five-year monthly schedule
// (60 rows, tax column): HTML, fingerprint and compressed PDF. Target:
// under 20 ms.
func BenchmarkRender(b *testing.B) {
	ts, err := DefaultTemplates()
	if err != nil {
		b.Fatal(err)
	}
	r := NewRenderer(ts)
	project, shares := projectShares(1, 60)
	d := *project
	p := shares[0].Lender
	d.Lender, d.Reference, d.Loan.Amount, d.Schedule = Party{Person: &p}, shares[0].Reference, shares[0].Amount, shares[0].Schedule
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(&d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderHTML is the HTML half of BenchmarkRender.
func BenchmarkRenderHTML(b *testing.B) {
	ts, err := DefaultTemplates()
	if err != nil {
		b.Fatal(err)
	}
	r := NewRenderer(ts)
	project, shares := projectShares(1, 60)
	d := *project
	p := shares[0].Lender
	d.Lender, d.Reference, d.Loan.Amount, d.Schedule = Party{Person: &p}, shares[0].Reference, shares[0].Amount, shares[0].Schedule
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.HTML(&d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBulk3000 renders the 3,000 lender agreements of one project
// (60-row schedules) to PDF on GOMAXPROCS workers. Target: under 5 s on 2
// cores (go test -bench Bulk3000 -cpu 2).
func BenchmarkBulk3000(b *testing.B) {
	ts, err := DefaultTemplates()
	if err != nil {
		b.Fatal(err)
	}
	r := NewRenderer(ts)
	project, shares := projectShares(3000, 60)
	b.ReportAllocs()
	for b.Loop() {
		docs, err := r.Bulk(context.Background(), project, shares, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(docs) != 3000 {
			b.Fatal(len(docs))
		}
	}
}
