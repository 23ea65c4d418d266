package amortization

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// loan is the example: 10,000 EUR at 5 % over 36 months from
// 2027-01-15, payment 299.71, balance 9741.96 after the first row.
func loan(t *testing.T) *Schedule {
	t.Helper()
	return mustGenerate(t, Terms{Principal: eur("10000"), Rate: lendkit.MustParseRate("5%"), Periods: 36, Start: date("2027-01-15")})
}

func TestQuote(t *testing.T) {
	t.Parallel()
	s := loan(t)
	frenchCap := &Indemnity{Rate: decimal.RequireFromString("0.03"), MonthsOfInterest: 6}
	tests := []struct {
		name string
		asOf string
		ind  *Indemnity
		want Payoff
	}{
		{
			// Row 1 paid; 14 of the 28 days to 15 March accrued:
			// 9741.96 × 5 %/12 × 14/28 = 20.29575 → 20.30.
			// Indemnity: min(3 % × 9741.96 = 292.26, 6 months of
			// interest 9741.96 × 5 % × 6/12 = 243.55) = 243.55.
			name: "mid-period with the French cap",
			asOf: "2027-03-01", ind: frenchCap,
			want: Payoff{AsOf: date("2027-03-01"), AfterRow: 1, Principal: eur("9741.96"), Interest: eur("20.30"), Indemnity: eur("243.55"), Total: eur("10005.81")},
		},
		{
			// On a due date, that row is paid and nothing has accrued.
			name: "on a due date, no indemnity",
			asOf: "2027-02-15",
			want: Payoff{AsOf: date("2027-02-15"), AfterRow: 1, Principal: eur("9741.96"), Interest: eur("0.00"), Indemnity: eur("0.00"), Total: eur("9741.96")},
		},
		{
			// 3 % only: 3 % × 10000 = 300; 10 of 31 days: 41.67 × 10/31
			// → 10000 × 5 %/12 × 10/31 = 13.44.
			name: "before the first due date, rate only",
			asOf: "2027-01-25", ind: &Indemnity{Rate: decimal.RequireFromString("0.03")},
			want: Payoff{AsOf: date("2027-01-25"), AfterRow: 0, Principal: eur("10000.00"), Interest: eur("13.44"), Indemnity: eur("300.00"), Total: eur("10313.44")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Quote(s, date(tc.asOf), tc.ind)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpOpts); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{"2027-01-14", "2030-01-15", "2031-01-01"} {
		if _, err := Quote(s, date(bad), nil); !errors.Is(err, ErrOutOfSchedule) {
			t.Errorf("Quote on %s: got %v, want ErrOutOfSchedule", bad, err)
		}
	}
}

func TestPrepay(t *testing.T) {
	t.Parallel()
	s := loan(t)
	t.Run("keep term", func(t *testing.T) {
		t.Parallel()
		// 2000 right after row 1: 7741.96 over the 35 rows left,
		// PMT = 238.18; row 2 interest 7741.96 × 5 %/12 = 32.26.
		ns, err := Prepay(s, date("2027-02-15"), eur("2000"), KeepTerm)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns.Rows) != 36 {
			t.Fatalf("%d rows, want 36", len(ns.Rows))
		}
		if diff := cmp.Diff(s.Rows[0], ns.Rows[0], cmpOpts); diff != "" {
			t.Errorf("row 1 changed (-want +got):\n%s", diff)
		}
		want := r(2, "2027-03-15", "238.18", "32.26", "205.92", "0.00", "0.00", "7536.04")
		if diff := cmp.Diff(want, ns.Rows[1], cmpOpts); diff != "" {
			t.Errorf("row 2 (-want +got):\n%s", diff)
		}
		wantPP := []Prepayment{{Date: date("2027-02-15"), Amount: eur("2000"), AfterRow: 1}}
		if diff := cmp.Diff(wantPP, ns.Prepayments, cmpOpts); diff != "" {
			t.Errorf("prepayments (-want +got):\n%s", diff)
		}
	})
	t.Run("keep payment", func(t *testing.T) {
		t.Parallel()
		// Same prepayment, 299.71 kept: 28 more rows, the last paying
		// 115.66 + 0.48.
		ns, err := Prepay(s, date("2027-02-15"), eur("2000"), KeepPayment)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns.Rows) != 29 {
			t.Fatalf("%d rows, want 29", len(ns.Rows))
		}
		for _, r := range ns.Rows[1:28] {
			if got, _ := r.Principal.Add(r.Interest); got != eur("299.71") {
				t.Errorf("row %d pays %s, want 299.71", r.N, got)
			}
		}
		want := r(29, "2029-06-15", "116.14", "0.48", "115.66", "0.00", "0.00", "0.00")
		if diff := cmp.Diff(want, ns.Rows[28], cmpOpts); diff != "" {
			t.Errorf("last row (-want +got):\n%s", diff)
		}
	})
	t.Run("mid-period", func(t *testing.T) {
		t.Parallel()
		// 1000 on 1 March, halfway through row 2's 28 days: interest on
		// 9741.96 for 14 days and 8741.96 for 14: 9241.96 × 5 %/12 = 38.51.
		ns, err := Prepay(s, date("2027-03-01"), eur("1000"), KeepTerm)
		if err != nil {
			t.Fatal(err)
		}
		if got := ns.Rows[1].Interest; got != eur("38.51") {
			t.Errorf("row 2 interest %s, want 38.51", got.Amount())
		}
		// A quote after the prepayment starts from the reduced balance.
		q, err := Quote(ns, date("2027-03-01"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if q.Principal != eur("8741.96") {
			t.Errorf("quote principal %s, want 8741.96", q.Principal.Amount())
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			on     string
			amount lendkit.Money
			mode   PrepayMode
			want   error
		}{
			{"2027-02-15", eur("9741.96"), KeepTerm, ErrInvalidArgument}, // the whole balance: use Quote
			{"2027-02-15", eur("0"), KeepTerm, ErrInvalidArgument},
			{"2027-02-15", eur("10"), PrepayMode(7), ErrInvalidArgument},
			{"2027-01-01", eur("10"), KeepTerm, ErrOutOfSchedule},
			{"2027-02-15", lendkit.MustParseMoney("10", "USD"), KeepTerm, lendkit.ErrCurrencyMismatch},
		} {
			if _, err := Prepay(s, date(tc.on), tc.amount, tc.mode); !errors.Is(err, tc.want) {
				t.Errorf("Prepay(%s, %s, %d): got %v, want %v", tc.on, tc.amount, tc.mode, err, tc.want)
			}
		}
		b := mustGenerate(t, Terms{Principal: eur("1000"), Rate: lendkit.MustParseRate("5%"), Periods: 12, Start: date("2027-01-15"), Method: Bullet})
		if _, err := Prepay(b, date("2027-02-15"), eur("10"), KeepPayment); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("KeepPayment on a bullet: got %v, want ErrInvalidArgument", err)
		}
	})
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	s := loan(t)
	four := lendkit.MustParseRate("4%")
	// After row 1: 9741.96 + 100 of arrears capitalised = 9841.96 over 24
	// months at 4 %: PMT 427.39, first interest 32.81.
	res, err := Reschedule(s, date("2027-02-15"), Changes{Rate: &four, Periods: 24, Arrears: eur("100"), CapitaliseArrears: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Schedule.Rows) != 25 {
		t.Fatalf("%d rows, want 25", len(res.Schedule.Rows))
	}
	want := r(2, "2027-03-15", "427.39", "32.81", "394.58", "0.00", "0.00", "9447.38")
	if diff := cmp.Diff(want, res.Schedule.Rows[1], cmpOpts); diff != "" {
		t.Errorf("first new row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([2]lendkit.Money{eur("100"), eur("0")}, [2]lendkit.Money{res.Capitalised, res.ArrearsDue}, cmpOpts); diff != "" {
		t.Errorf("arrears (-want +got):\n%s", diff)
	}
	if got := res.Schedule.Rows[24].Due; got != date("2029-02-15") {
		t.Errorf("last due %s, want 2029-02-15", got)
	}

	// Not capitalised: the arrears stay due, the balance is unchanged.
	res, err = Reschedule(s, date("2027-02-15"), Changes{Arrears: eur("100")})
	if err != nil {
		t.Fatal(err)
	}
	if res.ArrearsDue != eur("100") || !res.Capitalised.IsZero() {
		t.Errorf("arrears due %s, capitalised %s", res.ArrearsDue, res.Capitalised)
	}
	if diff := cmp.Diff(s.Rows, res.Schedule.Rows, cmpOpts); diff != "" {
		t.Errorf("unchanged terms changed the rows (-want +got):\n%s", diff)
	}

	// A new payment sets the term: 500 a month repays 9741.96 in 21 rows
	// (n = −ln(1 − r·B/P)/ln(1 + r) = 20.36).
	res, err = Reschedule(s, date("2027-02-15"), Changes{Payment: eur("500")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Schedule.Rows); n != 22 || res.Schedule.Terms.Periods != 22 {
		t.Errorf("%d rows (Periods %d), want 1 + 21", n, res.Schedule.Terms.Periods)
	}
	// A payment below the interest never repays.
	if _, err := Reschedule(s, date("2027-02-15"), Changes{Payment: eur("10")}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("payment below interest: got %v, want ErrInvalidArgument", err)
	}
}

func TestLateInterest(t *testing.T) {
	t.Parallel()
	p := Penalty{Rate: lendkit.MustParseRate("10%"), GraceDays: 5}
	tests := []struct {
		asOf, want string
	}{
		{"2027-02-15", "0.00"}, // not late
		{"2027-02-19", "0.00"}, // 4 days: within the grace
		{"2027-02-20", "0.00"}, // 5 days: still within the grace
		{"2027-02-21", "0.49"}, // 6 days: 299.71 × 10 % × 6/365 = 0.4927
		{"2027-03-17", "2.46"}, // 30 days: 2.4634
	}
	for _, tc := range tests {
		got, err := LateInterest(eur("299.71"), date("2027-02-15"), date(tc.asOf), p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Amount() != tc.want {
			t.Errorf("as of %s: %s, want %s", tc.asOf, got.Amount(), tc.want)
		}
	}
	// 30/360 counts 30 days from 15 Feb to 15 Mar: 299.71 × 10 % × 30/360 = 2.50.
	got, err := LateInterest(eur("299.71"), date("2027-02-15"), date("2027-03-15"), Penalty{Rate: lendkit.MustParseRate("10%"), DayCount: Thirty360EU})
	if err != nil || got != eur("2.50") {
		t.Errorf("30/360: %v, %v; want 2.50", got, err)
	}
	if _, err := LateInterest(eur("-1"), date("2027-02-15"), date("2027-03-15"), p); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative overdue: got %v", err)
	}
}

// TestQuoteFlat: a flat loan's accrued interest is the period's flat
// interest pro rata temporis (12.00 a month on 1200, 14 of 28 days → 6.00),
// not a rate on the reduced balance.
func TestQuoteFlat(t *testing.T) {
	t.Parallel()
	s := mustGenerate(t, Terms{Principal: eur("1200"), Rate: lendkit.MustParseRate("12%"), Periods: 3, Start: date("2027-01-15"), Method: Flat})
	q, err := Quote(s, date("2027-03-01"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Payoff{AsOf: date("2027-03-01"), AfterRow: 1, Principal: eur("800"), Interest: eur("6.00"), Indemnity: eur("0"), Total: eur("806.00")}
	if diff := cmp.Diff(want, q, cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestServicingAfterPrepaymentOnDueDate: a prepayment made on a due date
// keeps that row as it was, yet a later quote or prepayment must start from
// the reduced balance.
func TestServicingAfterPrepaymentOnDueDate(t *testing.T) {
	t.Parallel()
	s := loan(t)
	ns, err := Prepay(s, date("2027-02-15"), eur("2000"), KeepTerm)
	if err != nil {
		t.Fatal(err)
	}
	// 7741.96 outstanding; 14 of row 2's 28 days at 5 %/12: 16.13.
	q, err := Quote(ns, date("2027-03-01"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Payoff{AsOf: date("2027-03-01"), AfterRow: 1, Principal: eur("7741.96"), Interest: eur("16.13"), Indemnity: eur("0"), Total: eur("7758.09")}
	if diff := cmp.Diff(want, q, cmpOpts); diff != "" {
		t.Errorf("quote (-want +got):\n%s", diff)
	}
	// A second prepayment the same day leaves 6741.96.
	ns2, err := Prepay(ns, date("2027-02-15"), eur("1000"), KeepTerm)
	if err != nil {
		t.Fatal(err)
	}
	if got := ns2.Rows[1].Interest; got != eur("28.09") { // 6741.96 × 5 %/12 = 28.0915
		t.Errorf("row 2 interest %s, want 28.09", got.Amount())
	}
	if _, err := Prepay(ns2, date("2027-02-20"), eur("6741.96"), KeepTerm); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("prepaying the whole remaining balance: got %v, want ErrInvalidArgument", err)
	}
}

// TestRescheduleMidPeriod: 100 of arrears capitalised on 1 March, halfway
// through row 2's 28 days: row 2 accrues on 9741.96 for 14 days and on
// 9841.96 for 14, i.e. 9791.96 × 5 %/12 = 40.80, and a quote that day
// starts from 9841.96.
func TestRescheduleMidPeriod(t *testing.T) {
	t.Parallel()
	s := loan(t)
	res, err := Reschedule(s, date("2027-03-01"), Changes{Arrears: eur("100"), CapitaliseArrears: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Schedule.Rows[1].Interest; got != eur("40.80") {
		t.Errorf("row 2 interest %s, want 40.80", got.Amount())
	}
	want := []Capitalisation{{Date: date("2027-03-01"), Amount: eur("100"), AfterRow: 1}}
	if diff := cmp.Diff(want, res.Schedule.Capitalisations, cmpOpts); diff != "" {
		t.Errorf("capitalisations (-want +got):\n%s", diff)
	}
	q, err := Quote(res.Schedule, date("2027-03-01"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Principal != eur("9841.96") {
		t.Errorf("quote principal %s, want 9841.96", q.Principal.Amount())
	}
}
