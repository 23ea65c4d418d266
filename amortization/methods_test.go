package amortization

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// r builds an EUR row from strings: n, due, payment, interest, principal,
// fee, insurance, balance.
func r(n int, due, pay, interest, principal, fee, ins, bal string) Row {
	return Row{N: n, Due: date(due), Payment: eur(pay), Interest: eur(interest), Principal: eur(principal), Fee: eur(fee), Insurance: eur(ins), Balance: eur(bal)}
}

// TestGenerateRows checks whole schedules worked out by hand (each case's
// comment shows the arithmetic), one per method and option.
func TestGenerateRows(t *testing.T) {
	t.Parallel()
	base := func(principal, rate string, n int, start string) Terms {
		return Terms{Principal: eur(principal), Rate: lendkit.MustParseRate(rate), Periods: n, Start: date(start)}
	}
	tests := []struct {
		name  string
		terms func() Terms
		want  []Row
	}{
		{
			// 1000/4 = 250 each; interest 1 % of 1000, 750, 500, 250.
			// Due dates from a 31st follow the end-of-month rule.
			name:  "linear",
			terms: func() Terms { t := base("1000", "12%", 4, "2027-01-31"); t.Method = Linear; return t },
			want: []Row{
				r(1, "2027-02-28", "260.00", "10.00", "250.00", "0.00", "0.00", "750.00"),
				r(2, "2027-03-31", "257.50", "7.50", "250.00", "0.00", "0.00", "500.00"),
				r(3, "2027-04-30", "255.00", "5.00", "250.00", "0.00", "0.00", "250.00"),
				r(4, "2027-05-31", "252.50", "2.50", "250.00", "0.00", "0.00", "0.00"),
			},
		},
		{
			// 1000 × 6 %/4 = 15 a quarter; principal at the end.
			name: "bullet quarterly",
			terms: func() Terms {
				t := base("1000", "6%", 3, "2027-01-15")
				t.Method, t.Frequency = Bullet, Quarterly
				return t
			},
			want: []Row{
				r(1, "2027-04-15", "15.00", "15.00", "0.00", "0.00", "0.00", "1000.00"),
				r(2, "2027-07-15", "15.00", "15.00", "0.00", "0.00", "0.00", "1000.00"),
				r(3, "2027-10-15", "1015.00", "15.00", "1000.00", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Flat: 1200 × 1 % = 12 every month on the initial principal.
			name:  "flat",
			terms: func() Terms { t := base("1200", "12%", 3, "2027-01-15"); t.Method = Flat; return t },
			want: []Row{
				r(1, "2027-02-15", "412.00", "12.00", "400.00", "0.00", "0.00", "800.00"),
				r(2, "2027-03-15", "412.00", "12.00", "400.00", "0.00", "0.00", "400.00"),
				r(3, "2027-04-15", "412.00", "12.00", "400.00", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Zero rate: 100/3 = 33.33, the last row takes 33.34.
			name:  "annuity zero rate",
			terms: func() Terms { return base("100", "0%", 3, "2027-01-15") },
			want: []Row{
				r(1, "2027-02-15", "33.33", "0.00", "33.33", "0.00", "0.00", "66.67"),
				r(2, "2027-03-15", "33.33", "0.00", "33.33", "0.00", "0.00", "33.34"),
				r(3, "2027-04-15", "33.34", "0.00", "33.34", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Partial grace: interest only for 1 month, then PMT(1 %, 3,
			// 1200) = 408.0265… → 408.03.
			name: "partial grace",
			terms: func() Terms {
				t := base("1200", "12%", 4, "2027-01-15")
				t.Grace = 1
				return t
			},
			want: []Row{
				r(1, "2027-02-15", "12.00", "12.00", "0.00", "0.00", "0.00", "1200.00"),
				r(2, "2027-03-15", "408.03", "12.00", "396.03", "0.00", "0.00", "803.97"),
				r(3, "2027-04-15", "408.03", "8.04", "399.99", "0.00", "0.00", "403.98"),
				r(4, "2027-05-15", "408.02", "4.04", "403.98", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Total grace: 12.00 capitalised (balance 1212), then
			// 1212 × 0.3400221… = 412.1068… → 412.11.
			name: "total grace",
			terms: func() Terms {
				t := base("1200", "12%", 4, "2027-01-15")
				t.Grace, t.GraceKind = 1, GraceTotal
				return t
			},
			want: []Row{
				r(1, "2027-02-15", "0.00", "12.00", "-12.00", "0.00", "0.00", "1212.00"),
				r(2, "2027-03-15", "412.11", "12.12", "399.99", "0.00", "0.00", "812.01"),
				r(3, "2027-04-15", "412.11", "8.12", "403.99", "0.00", "0.00", "408.02"),
				r(4, "2027-05-15", "412.10", "4.08", "408.02", "0.00", "0.00", "0.00"),
			},
		},
		{
			// One interest-only month, then level payments from 1000 down
			// to a 500 balloon over 3 months: (1000 − 500·1.01^−3) ×
			// 0.01/(1 − 1.01^−3) = 175.011… → 175.01.
			name: "interest-only then balloon",
			terms: func() Terms {
				t := base("1000", "12%", 4, "2027-01-15")
				t.Method, t.InterestOnlyPeriods, t.Balloon = InterestOnly, 1, eur("500")
				return t
			},
			want: []Row{
				r(1, "2027-02-15", "10.00", "10.00", "0.00", "0.00", "0.00", "1000.00"),
				r(2, "2027-03-15", "175.01", "10.00", "165.01", "0.00", "0.00", "834.99"),
				r(3, "2027-04-15", "175.01", "8.35", "166.66", "0.00", "0.00", "668.33"),
				r(4, "2027-05-15", "675.01", "6.68", "668.33", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Long odd first period: Jan 10 → Feb 25 is one whole month
			// (Jan 25 → Feb 25) plus 15 days: 1000 × (1 % + 12 % × 15/365)
			// = 14.93. Principal as in a regular first month: 340.02 − 10.00.
			name: "long odd first period",
			terms: func() Terms {
				t := base("1000", "12%", 3, "2027-01-10")
				t.FirstDue = date("2027-02-25")
				return t
			},
			want: []Row{
				r(1, "2027-02-25", "344.95", "14.93", "330.02", "0.00", "0.00", "669.98"),
				r(2, "2027-03-25", "340.02", "6.70", "333.32", "0.00", "0.00", "336.66"),
				r(3, "2027-04-25", "340.03", "3.37", "336.66", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Short odd first period: Jan 10 → Jan 31 is 21 days:
			// 1000 × 12 % × 21/365 = 6.90; later dates keep the month end.
			name: "short odd first period",
			terms: func() Terms {
				t := base("1000", "12%", 3, "2027-01-10")
				t.FirstDue = date("2027-01-31")
				return t
			},
			want: []Row{
				r(1, "2027-01-31", "336.92", "6.90", "330.02", "0.00", "0.00", "669.98"),
				r(2, "2027-02-28", "340.02", "6.70", "333.32", "0.00", "0.00", "336.66"),
				r(3, "2027-03-31", "340.03", "3.37", "336.66", "0.00", "0.00", "0.00"),
			},
		},
		{
			// ACT/360: 31 days then 28 days; payment PMT(1 %, 2) = 507.51.
			// 1000 × 12 % × 31/360 = 10.333 → 10.33; 502.82 × 12 % ×
			// 28/360 = 4.693 → 4.69.
			name: "day-based act/360",
			terms: func() Terms {
				t := base("1000", "12%", 2, "2027-01-01")
				t.DayCount = Act360
				return t
			},
			want: []Row{
				r(1, "2027-02-01", "507.51", "10.33", "497.18", "0.00", "0.00", "502.82"),
				r(2, "2027-03-01", "507.51", "4.69", "502.82", "0.00", "0.00", "0.00"),
			},
		},
		{
			// Fees and insurance: 2.00 per instalment; 0.36 %/12 of the
			// outstanding principal (1200, 800, 400 → 0.36, 0.24, 0.12).
			name: "fees and insurance on outstanding",
			terms: func() Terms {
				t := base("1200", "12%", 3, "2027-01-15")
				t.Method = Linear
				t.InstallmentFee = eur("2")
				t.Insurance = Insurance{Rate: decimal.RequireFromString("0.0036"), Basis: InsuranceOnOutstanding}
				return t
			},
			want: []Row{
				r(1, "2027-02-15", "414.36", "12.00", "400.00", "2.00", "0.36", "800.00"),
				r(2, "2027-03-15", "410.24", "8.00", "400.00", "2.00", "0.24", "400.00"),
				r(3, "2027-04-15", "406.12", "4.00", "400.00", "2.00", "0.12", "0.00"),
			},
		},
		{
			// Weekly: 5.2 %/52 = 0.1 % a week; PMT = 0.52/(1 − 1.001^−2)
			// = 260.390… → 260.39.
			name: "weekly",
			terms: func() Terms {
				t := base("520", "5.2%", 2, "2027-01-01")
				t.Frequency = Weekly
				return t
			},
			want: []Row{
				r(1, "2027-01-08", "260.39", "0.52", "259.87", "0.00", "0.00", "260.13"),
				r(2, "2027-01-15", "260.39", "0.26", "260.13", "0.00", "0.00", "0.00"),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustGenerate(t, tc.terms())
			if diff := cmp.Diff(tc.want, s.Rows, cmpOpts); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEquivalentRate checks the equivalent periodic rate: 12.682503013196972 %
// a year is exactly 1 % a month compounded ((1.01)^12 − 1).
func TestEquivalentRate(t *testing.T) {
	t.Parallel()
	terms := Terms{Principal: eur("1000"), Rate: lendkit.MustParseRate("12.682503013197%"), Periods: 2, Start: date("2027-01-15"), Conversion: Equivalent}
	s := mustGenerate(t, terms)
	if got := s.PeriodicRate.Round(12); !got.Equal(decimal.RequireFromString("0.01")) {
		t.Errorf("periodic rate %s, want 0.010000000000", s.PeriodicRate)
	}
	want := []Row{
		r(1, "2027-02-15", "507.51", "10.00", "497.51", "0.00", "0.00", "502.49"),
		r(2, "2027-03-15", "507.51", "5.02", "502.49", "0.00", "0.00", "0.00"),
	}
	if diff := cmp.Diff(want, s.Rows, cmpOpts); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestRoundingRules checks that each rule's mode is the one applied.
func TestRoundingRules(t *testing.T) {
	t.Parallel()
	// 10000 × 5 %/12 = 41.6666… : half-up 41.67, down 41.66.
	// PMT = 299.7089…: half-up 299.71, down 299.70, ceiling 299.71.
	tests := []struct {
		name         string
		rules        Rules
		pay, interst string
	}{
		{"default half-up", Rules{}, "299.71", "41.67"},
		{"down", Rules{Interest: lendkit.Down, Payment: lendkit.Down}, "299.70", "41.66"},
		{"half-even", Rules{Interest: lendkit.HalfEven, Payment: lendkit.HalfEven}, "299.71", "41.67"},
		{"multiple of 10 up", Rules{Payment: lendkit.Up, PaymentMultiple: 1000}, "300.00", "41.67"},
		{"multiple of 1 floor", Rules{Payment: lendkit.Floor, PaymentMultiple: 100}, "299.00", "41.67"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustGenerate(t, Terms{Principal: eur("10000"), Rate: lendkit.MustParseRate("5%"), Periods: 36, Start: date("2027-01-15"), Rules: tc.rules})
			level, err := s.Rows[0].Principal.Add(s.Rows[0].Interest)
			if err != nil {
				t.Fatal(err)
			}
			got := [2]string{level.Amount(), s.Rows[0].Interest.Amount()}
			if diff := cmp.Diff([2]string{tc.pay, tc.interst}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
