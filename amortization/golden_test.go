package amortization

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current output")

// TestGolden pins whole schedules of every method, frequency and option,
// and their APRs, in testdata/golden. A change of convention shows up as a
// readable diff; run `go test ./amortization -run TestGolden -update` to
// accept it after review. (Correctness itself is established by the
// reference vectors, the hand-worked tables and the rapid invariants.)
func TestGolden(t *testing.T) {
	t.Parallel()
	xof := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "XOF") }
	kwd := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "KWD") }
	rate := lendkit.MustParseRate
	cases := map[string]Terms{
		"annuity-360-monthly": {Principal: eur("250000"), Rate: rate("3.85%"), Periods: 360, Start: date("2027-01-31")},
		"annuity-equivalent-quarterly-fees": {Principal: eur("50000"), Rate: rate("6%"), Periods: 20, Frequency: Quarterly, Start: date("2027-03-31"),
			Conversion: Equivalent, UpfrontFee: eur("500"), InstallmentFee: eur("5"), Insurance: Insurance{Rate: decimal.RequireFromString("0.003")}},
		"linear-semiannual-total-grace": {Principal: eur("120000"), Rate: rate("4.2%"), Periods: 12, Frequency: SemiAnnual, Method: Linear, Start: date("2027-06-30"),
			Grace: 2, GraceKind: GraceTotal},
		"bullet-annual-act-act":         {Principal: eur("1000000"), Rate: rate("7.25%"), Periods: 5, Frequency: Annual, Method: Bullet, Start: date("2027-02-28"), DayCount: ActActISDA},
		"interest-only-balloon-monthly": {Principal: eur("300000"), Rate: rate("5.1%"), Periods: 84, Method: InterestOnly, InterestOnlyPeriods: 12, Balloon: eur("100000"), Start: date("2027-01-10")},
		"flat-weekly-xof":               {Principal: xof("150000"), Rate: rate("24%"), Periods: 26, Frequency: Weekly, Method: Flat, Start: date("2027-04-05"), UpfrontFee: xof("3000")},
		"annuity-biweekly-kwd-insurance-outstanding": {Principal: kwd("2500.500"), Rate: rate("8%"), Periods: 26, Frequency: Biweekly, Start: date("2027-01-01"),
			Insurance: Insurance{Rate: decimal.RequireFromString("0.0048"), Basis: InsuranceOnOutstanding}},
		"annuity-act360-odd-first-partial-grace": {Principal: eur("80000"), Rate: rate("4.9%"), Periods: 60, Start: date("2027-01-20"), FirstDue: date("2027-03-05"),
			DayCount: Act360, Grace: 3},
		"annuity-30360us-odd-short": {Principal: eur("15000"), Rate: rate("9.9%"), Periods: 24, Start: date("2027-02-10"), FirstDue: date("2027-02-28"), DayCount: Thirty360US},
		"annuity-broken-period-multiple": {Principal: eur("5000"), Rate: rate("12%"), Periods: 18, Start: date("2022-10-20"), FirstDue: date("2022-12-01"),
			Rules: Rules{PaymentMultiple: 100}},
	}
	for name, terms := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := mustGenerate(t, terms)
			got := render(t, s)
			path := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// render prints a schedule, its totals and APRs, checking on the way the
// invariants every schedule keeps.
func render(t *testing.T, s *Schedule) string {
	t.Helper()
	var b strings.Builder
	tt := s.Terms
	fmt.Fprintf(&b, "%s %s at %s, %d %s, %s, day count %s, grace %d\n", tt.Principal.Amount(), s.Currency(), tt.Rate, tt.Periods, tt.Frequency, tt.Method, tt.DayCount, tt.Grace)
	fmt.Fprintf(&b, "%4s %-10s %14s %12s %14s %8s %9s %14s\n", "n", "due", "payment", "interest", "principal", "fee", "insurance", "balance")
	sum := lendkit.Zero(s.Currency())
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "%4d %-10s %14s %12s %14s %8s %9s %14s\n", r.N, r.Due, r.Payment.Amount(), r.Interest.Amount(), r.Principal.Amount(), r.Fee.Amount(), r.Insurance.Amount(), r.Balance.Amount())
		if p, _ := lendkit.Sum(s.Currency(), r.Principal, r.Interest, r.Fee, r.Insurance); p != r.Payment || r.Balance.IsNegative() {
			t.Errorf("row %d breaks an invariant: %+v", r.N, r)
		}
		sum, _ = sum.Add(r.Principal)
	}
	if sum != tt.Principal || !s.Rows[len(s.Rows)-1].Balance.IsZero() {
		t.Errorf("principal parts sum to %s, last balance %s", sum, s.Rows[len(s.Rows)-1].Balance)
	}
	tot, err := s.Totals()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "total %s interest %s fees %s insurance %s\n", tot.Payment.Amount(), tot.Interest.Amount(), tot.Fee.Amount(), tot.Insurance.Amount())
	for _, basis := range []TimeBasis{EqualPeriods, ActualDays} {
		apr, err := s.APR(basis)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "APR (%s) %s = %s %%\n", map[TimeBasis]string{EqualPeriods: "equal periods", ActualDays: "actual days"}[basis], apr, FormatPercent(apr, 2))
	}
	return b.String()
}
