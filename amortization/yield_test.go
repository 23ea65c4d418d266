package amortization

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// TestEqualPeriodYears checks the directive's time measure: whole months
// (weeks) back from the flow, the days left over in the year ending on the
// last of them.
func TestEqualPeriodYears(t *testing.T) {
	t.Parallel()
	tests := []struct {
		start, d string
		unit     int
		num, den int64
	}{
		{"2027-01-15", "2027-02-15", 12, 1, 12},
		{"2027-01-15", "2030-01-15", 12, 36, 12},
		// 31 January + 1 month is 28 February by the end-of-month rule: one month.
		{"2027-01-31", "2027-02-28", 12, 1, 12},
		// 10 Jan → 25 Feb: one month back to 25 Jan, 15 days before it, in
		// the 365-day year ending 25 Jan 2027.
		{"2027-01-10", "2027-02-25", 12, 1*365 + 15*12, 12 * 365},
		// 20 Jan → 5 Mar: one month back to 5 Feb, 16 days left.
		{"2027-01-20", "2027-03-05", 12, 1*365 + 16*12, 12 * 365},
		// 10 Jan → 25 Feb 2028: the year ending 25 Jan 2028 has 365 days
		// (it does not contain 29 Feb 2028).
		{"2028-01-10", "2028-02-25", 12, 1*365 + 15*12, 12 * 365},
		// 2028-03-10 → 2029-03-25: 12 months back to 2028-03-25, 15 days; the
		// year ending 2028-03-25 includes 29 Feb 2028: 366 days.
		{"2028-03-10", "2029-03-25", 12, 12*366 + 15*12, 12 * 366},
		// Weeks: 10 days is one week and 3 days.
		{"2027-01-01", "2027-01-11", 52, 1*365 + 3*52, 52 * 365},
		{"2027-01-01", "2027-01-15", 52, 2, 52},
	}
	for _, tc := range tests {
		n, d := equalPeriodYears(date(tc.start), date(tc.d), tc.unit)
		if n*tc.den != tc.num*d {
			t.Errorf("%s → %s (unit %d): %d/%d, want %d/%d", tc.start, tc.d, tc.unit, n, d, tc.num, tc.den)
		}
	}
}

// TestAPRWithoutFeesIsTheEquivalentRate: with no fee and no rounding in
// the way (a zero-rate loan has none), the APR is 0; for a level-payment
// loan it is the nominal rate's equivalent within what the rounded payment
// moves it.
func TestAPRWithoutFeesIsTheEquivalentRate(t *testing.T) {
	t.Parallel()
	s := mustGenerate(t, Terms{Principal: eur("1200"), Rate: lendkit.MustParseRate("0%"), Periods: 12, Start: date("2027-01-15")})
	apr, err := s.APR(EqualPeriods)
	if err != nil {
		t.Fatal(err)
	}
	if !apr.Abs().LessThan(decimal.New(1, -30)) {
		t.Errorf("zero-rate APR %s, want 0", apr)
	}
	// Weekly, 5.2 % nominal: (1 + 0.001)^52 − 1 = 5.3347 %.
	s = mustGenerate(t, Terms{Principal: eur("100000"), Rate: lendkit.MustParseRate("5.2%"), Periods: 52, Frequency: Weekly, Start: date("2027-01-01")})
	apr, err = s.APR(EqualPeriods)
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatPercent(apr, 2); got != "5.33" {
		t.Errorf("weekly APR %s (%s), want 5.33", got, apr)
	}
}

func TestYieldErrors(t *testing.T) {
	t.Parallel()
	d := date("2027-01-01")
	for name, flows := range map[string][]CashFlow{
		"one flow":                   {{Date: d, Amount: eur("-100")}},
		"all negative":               {{Date: d, Amount: eur("-100")}, {Date: d.AddDays(30), Amount: eur("-5")}},
		"no sign change on any date": {{Date: d, Amount: eur("100")}, {Date: d.AddDays(30), Amount: eur("5")}},
	} {
		if _, err := XIRR(flows); !errors.Is(err, ErrNoSolution) {
			t.Errorf("%s: got %v, want ErrNoSolution", name, err)
		}
	}
	mixed := []CashFlow{{Date: d, Amount: eur("-100")}, {Date: d.AddDays(30), Amount: lendkit.MustParseMoney("110", "USD")}}
	if _, err := XIRR(mixed); !errors.Is(err, lendkit.ErrCurrencyMismatch) {
		t.Errorf("mixed currencies: got %v", err)
	}
	undated := []CashFlow{{Amount: eur("-100")}, {Date: d, Amount: eur("110")}}
	if _, err := XIRR(undated); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no date: got %v", err)
	}
	if _, err := AnnualRate([]CashFlow{{Date: d, Amount: eur("-1")}, {Date: d.AddDays(9), Amount: eur("2")}}, EqualPeriods, 7); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unit 7: got %v", err)
	}
	// Flows in any order give the same XIRR (Excel requires the first to be
	// the earliest; here the earliest date is the origin whatever its place).
	a, errA := XIRR([]CashFlow{{Date: d, Amount: eur("-1000")}, {Date: d.AddDays(200), Amount: eur("600")}, {Date: d.AddDays(400), Amount: eur("550")}})
	b, errB := XIRR([]CashFlow{{Date: d.AddDays(400), Amount: eur("550")}, {Date: d, Amount: eur("-1000")}, {Date: d.AddDays(200), Amount: eur("600")}})
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if diff := cmp.Diff(a.String(), b.String()); diff != "" {
		t.Errorf("order changed XIRR (-want +got):\n%s", diff)
	}
}
