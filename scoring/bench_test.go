package scoring

import (
	"syscall"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// cpuTime returns the process's user + system CPU time. The machine these
// benchmarks run on is shared (load average above the core count), so wall
// time per operation overstates the cost; CPU time per operation is what
// "decisions per second on one core" means.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates reports wall and CPU decisions per second since cpu0.
func reportRates(b *testing.B, cpu0 time.Duration) {
	b.Helper()
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "decisions/cpu-s")
}

// germanScorer fits the German credit scorecard and returns it with the data
// set's rows as Features (protected columns removed).
func germanScorer(b *testing.B) (*Scorer, []Features) {
	b.Helper()
	d := loadGerman(b)
	card, _, err := Fit(d, germanOptions())
	if err != nil {
		b.Fatal(err)
	}
	s, err := card.Compile()
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]Features, d.Len())
	for i := range rows {
		rows[i] = withoutProtected(d.Row(i))
	}
	return s, rows
}

// BenchmarkScorecardDecision is the scorecard decision: score an applicant
// (protected-feature guard included), rank the reasons, apply the cut-offs.
func BenchmarkScorecardDecision(b *testing.B) {
	s, rows := germanScorer(b)
	b.ReportAllocs()
	approved := 0
	i := 0
	cpu0 := cpuTime(b)
	for b.Loop() {
		r, err := s.Score(rows[i%len(rows)])
		if err != nil {
			b.Fatal(err)
		}
		reasons := s.Reasons(r)
		if r.Score >= 600 && len(reasons) <= MaxReasons {
			approved++
		}
		i++
	}
	reportRates(b, cpu0)
}

// BenchmarkDecide is the full decision: eligibility, score, reasons, price,
// affordability with exact annuity arithmetic, input hash and record.
func BenchmarkDecide(b *testing.B) {
	d := demoDecider(b)
	apps := make([]Application, 64)
	for i := range apps {
		apps[i] = demoApplication()
		apps[i].Amount = lendkit.New(int64(5_000_00+i*250_00), lendkit.EUR)
		apps[i].TermMonths = 12 + i%48
	}
	b.ReportAllocs()
	i := 0
	cpu0 := cpuTime(b)
	for b.Loop() {
		if _, err := d.Decide(apps[i%len(apps)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRates(b, cpu0)
}

// BenchmarkFit fits the German credit scorecard on its 1,000 rows.
func BenchmarkFit(b *testing.B) {
	d := loadGerman(b)
	opt := germanOptions()
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if _, _, err := Fit(d, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkCrossValidate runs the 5-fold validation (five fits).
func BenchmarkCrossValidate(b *testing.B) {
	d := loadGerman(b)
	opt := germanOptions()
	for b.Loop() {
		if _, err := CrossValidate(d, opt, 5, 7); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInstalment(b *testing.B) {
	p, r := eur("15000.00"), lendkit.MustParseRate("4.9%")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Instalment(p, r, 48); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMaxPrincipal(b *testing.B) {
	p, r, ins := eur("850.00"), lendkit.MustParseRate("4.9%"), decimal.RequireFromString("0.0036")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MaxPrincipal(p, r, 240, ins); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInputHash(b *testing.B) {
	a := demoApplication()
	b.ReportAllocs()
	for b.Loop() {
		_ = a.InputHash()
	}
}
