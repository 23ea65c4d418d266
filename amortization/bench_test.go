package amortization

import (
	"testing"

	"github.com/lendkit/lendkit"
)

// loop runs op b.N times and reports, besides ns/op, the process CPU time
// per op (cpu-ns/op), which other processes' load does not inflate.
func loop(b *testing.B, op func() error) {
	b.Helper()
	b.ReportAllocs()
	start := processCPU()
	n := 0
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if n > 0 {
		b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

// BenchmarkGenerate360 is the first target: a 360-period monthly
// annuity in under 50 µs.
func BenchmarkGenerate360(b *testing.B) {
	terms := Terms{Principal: eur("250000"), Rate: lendkit.MustParseRate("3.85%"), Periods: 360, Start: date("2027-01-15")}
	loop(b, func() error {
		_, err := Generate(terms)
		return err
	})
}

// BenchmarkGenerate360DayBased is the same loan accruing ACT/360 (each
// period's rate differs, so the level payment is solved over all of them).
func BenchmarkGenerate360DayBased(b *testing.B) {
	terms := Terms{Principal: eur("250000"), Rate: lendkit.MustParseRate("3.85%"), Periods: 360, Start: date("2027-01-15"), DayCount: Act360}
	loop(b, func() error {
		_, err := Generate(terms)
		return err
	})
}

// BenchmarkAPR is the second target: an APR solve in under 100 µs, on a
// consumer loan (36 months, upfront fee, insurance) by each time basis.
func BenchmarkAPR(b *testing.B) {
	terms := Terms{Principal: eur("10000"), Rate: lendkit.MustParseRate("5%"), Periods: 36, Start: date("2027-01-15"), UpfrontFee: eur("150")}
	s := mustGenerate(b, terms)
	for _, bc := range []struct {
		name  string
		basis TimeBasis
	}{{"months", EqualPeriods}, {"days", ActualDays}} {
		b.Run(bc.name, func(b *testing.B) {
			loop(b, func() error {
				_, err := s.APR(bc.basis)
				return err
			})
		})
	}
}

// BenchmarkAPR360 is the APR of the 30-year loan, for scale.
func BenchmarkAPR360(b *testing.B) {
	terms := Terms{Principal: eur("250000"), Rate: lendkit.MustParseRate("3.85%"), Periods: 360, Start: date("2027-01-15"), UpfrontFee: eur("1500")}
	s := mustGenerate(b, terms)
	loop(b, func() error {
		_, err := s.APR(EqualPeriods)
		return err
	})
}

// BenchmarkLenderSchedules is the third target: 3,000 schedules (one per
// lender of a project, 60 monthly periods each, amounts 20 to 50,000 EUR)
// in under 100 ms on one core.
func BenchmarkLenderSchedules(b *testing.B) {
	terms := make([]Terms, 3000)
	for i := range terms {
		terms[i] = Terms{
			Principal: lendkit.New(int64(2000+i*1667%4_998_000), lendkit.EUR),
			Rate:      lendkit.MustParseRate("6.5%"),
			Periods:   60,
			Start:     date("2027-03-31"),
		}
	}
	loop(b, func() error {
		for _, t := range terms {
			if _, err := Generate(t); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkXIRR is a lender portfolio's XIRR: 120 dated flows.
func BenchmarkXIRR(b *testing.B) {
	s := mustGenerate(b, Terms{Principal: eur("5000"), Rate: lendkit.MustParseRate("7%"), Periods: 119, Start: date("2027-01-15")})
	flows, err := s.CashFlows()
	if err != nil {
		b.Fatal(err)
	}
	loop(b, func() error {
		_, err := XIRR(flows)
		return err
	})
}
