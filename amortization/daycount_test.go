package amortization

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"pgregory.net/rapid"
)

func TestYearFraction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dc       DayCount
		from, to string
		num, den int64 // the expected fraction, not necessarily reduced
	}{
		// 30E/360: both 31sts become 30ths.
		{Thirty360EU, "2024-01-31", "2024-03-31", 60, 360},
		// End of February is not adjusted in 30E/360: 29 → 30 is 31 days.
		{Thirty360EU, "2024-02-29", "2024-03-31", 31, 360},
		{Thirty360EU, "2023-02-28", "2024-02-29", 361, 360},
		// 30/360 US: the last day of February counts as the 30th.
		{Thirty360US, "2024-01-31", "2024-03-31", 60, 360},
		{Thirty360US, "2024-02-29", "2024-03-31", 30, 360},
		{Thirty360US, "2023-02-28", "2024-02-29", 360, 360},
		// An end day 31 stays 31 when the start day is below 30.
		{Thirty360US, "2024-01-15", "2024-03-31", 76, 360},
		{Act360, "2024-01-01", "2024-07-01", 182, 360},
		{Act365F, "2024-01-01", "2024-07-01", 182, 365},
		{Periodic, "2024-01-01", "2024-07-01", 182, 365},
		// ISDA's 1998 memo example: 61 days of 2003 / 365 + 121 of 2004
		// / 366 = 0.497724380567.
		{ActActISDA, "2003-11-01", "2004-05-01", 61*366 + 121*365, 365 * 366},
		{ActActISDA, "2024-01-01", "2025-01-01", 1, 1},
		{ActActISDA, "2023-01-01", "2024-01-01", 1, 1},
		// Reversed dates give the negative fraction.
		{Act365F, "2024-07-01", "2024-01-01", -182, 365},
	}
	for _, tc := range tests {
		t.Run(tc.dc.String()+" "+tc.from+" "+tc.to, func(t *testing.T) {
			t.Parallel()
			n, d := YearFraction(tc.dc, date(tc.from), date(tc.to))
			if n*tc.den != tc.num*d {
				t.Errorf("got %d/%d, want %d/%d", n, d, tc.num, tc.den)
			}
		})
	}
}

func TestParseNames(t *testing.T) {
	t.Parallel()
	for _, dc := range []DayCount{Periodic, Thirty360EU, Thirty360US, Act360, Act365F, ActActISDA} {
		got, err := ParseDayCount(dc.String())
		if err != nil || got != dc {
			t.Errorf("ParseDayCount(%q) = %v, %v", dc.String(), got, err)
		}
	}
	for _, m := range []Method{Annuity, Linear, Bullet, InterestOnly, Flat} {
		got, err := ParseMethod(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
	for _, f := range []Frequency{Weekly, Biweekly, Monthly, Quarterly, SemiAnnual, Annual} {
		got, err := ParseFrequency(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFrequency(%q) = %v, %v", f.String(), got, err)
		}
	}
	for _, bad := range []func() error{
		func() error { _, err := ParseDayCount("act/999"); return err },
		func() error { _, err := ParseMethod("balloon-ish"); return err },
		func() error { _, err := ParseFrequency("daily"); return err },
		func() error { _, err := ParseGraceKind("some"); return err },
		func() error { _, err := ParseTimeBasis("hours"); return err },
	} {
		if err := bad(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("got %v, want ErrInvalidArgument", err)
		}
	}
}

// TestYearFractionProperties: actual-day conventions add up over
// consecutive intervals, every convention is antisymmetric, and ACT/ACT
// ISDA over whole calendar years is exactly the number of years.
func TestYearFractionProperties(t *testing.T) {
	t.Parallel()
	genDate := rapid.Custom(func(t *rapid.T) lendkit.Date {
		return lendkit.MustDate(1900, 1, 1).AddDays(rapid.IntRange(0, 200*366).Draw(t, "day"))
	})
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := genDate.Draw(t, "a"), genDate.Draw(t, "b"), genDate.Draw(t, "c")
		dc := DayCount(rapid.IntRange(0, int(ActActISDA)).Draw(t, "dc"))
		n1, d1 := YearFraction(dc, a, b)
		n2, d2 := YearFraction(dc, b, a)
		if n1*d2 != -n2*d1 {
			t.Fatalf("%s not antisymmetric: %d/%d vs %d/%d", dc, n1, d1, n2, d2)
		}
		if dc == Act360 || dc == Act365F || dc == ActActISDA || dc == Periodic {
			nab, dab := YearFraction(dc, a, b)
			nbc, _ := YearFraction(dc, b, c)
			nac, _ := YearFraction(dc, a, c)
			if nab+nbc != nac { // same denominator per convention
				t.Fatalf("%s not additive: %d/%d + %d ≠ %d", dc, nab, dab, nbc, nac)
			}
		}
		y := rapid.IntRange(1901, 2090).Draw(t, "y")
		k := rapid.IntRange(1, 9).Draw(t, "k")
		n, d := YearFraction(ActActISDA, lendkit.MustDate(y, 1, 1), lendkit.MustDate(y+k, 1, 1))
		if n != int64(k)*d {
			t.Fatalf("ACT/ACT over %d whole years = %d/%d", k, n, d)
		}
	})
}

func TestValidation(t *testing.T) {
	t.Parallel()
	ok := func() Terms {
		return Terms{Principal: eur("1000"), Rate: lendkit.MustParseRate("5%"), Periods: 12, Start: date("2027-01-15")}
	}
	tests := []struct {
		name  string
		edit  func(*Terms)
		field string
	}{
		{"zero principal", func(t *Terms) { t.Principal = eur("0") }, "Principal"},
		{"negative principal", func(t *Terms) { t.Principal = eur("-5") }, "Principal"},
		{"no currency", func(t *Terms) { t.Principal = lendkit.Money{} }, "Principal"},
		{"zero periods", func(t *Terms) { t.Periods = 0 }, "Periods"},
		{"too many periods", func(t *Terms) { t.Periods = MaxPeriods + 1 }, "Periods"},
		{"negative rate", func(t *Terms) { t.Rate = lendkit.MustParseRate("-1%") }, "Rate"},
		{"absurd rate", func(t *Terms) { t.Rate = lendkit.MustParseRate("1001%") }, "Rate"},
		{"unknown method", func(t *Terms) { t.Method = Method(9) }, "Method"},
		{"unknown frequency", func(t *Terms) { t.Frequency = Frequency(9) }, "Frequency"},
		{"no start", func(t *Terms) { t.Start = lendkit.Date{} }, "Start"},
		{"first due before start", func(t *Terms) { t.FirstDue = date("2027-01-10") }, "FirstDue"},
		{"first due too late", func(t *Terms) { t.FirstDue = date("2027-03-16") }, "FirstDue"},
		{"grace as long as the loan", func(t *Terms) { t.Grace = 12 }, "Grace"},
		{"negative fee", func(t *Terms) { t.UpfrontFee = eur("-1") }, "UpfrontFee"},
		{"fee in another currency", func(t *Terms) { t.InstallmentFee = lendkit.MustParseMoney("1", "USD") }, "InstallmentFee"},
		{"balloon above principal", func(t *Terms) { t.Method, t.Balloon = InterestOnly, eur("1001") }, "Balloon"},
		{"interest-only without phase or balloon", func(t *Terms) { t.Method = InterestOnly }, "InterestOnlyPeriods"},
		{"balloon on an annuity", func(t *Terms) { t.Balloon = eur("10") }, "InterestOnlyPeriods"},
		{"equivalent on a day-based schedule", func(t *Terms) { t.Conversion, t.DayCount = Equivalent, Act365F }, "Conversion"},
		{"beyond year 9999", func(t *Terms) { t.Start, t.Periods = date("9990-01-01"), 1200 }, "Periods"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			terms := ok()
			tc.edit(&terms)
			s, err := Generate(terms)
			if s != nil {
				t.Errorf("got a schedule with %d rows, want none", len(s.Rows))
			}
			var te *TermsError
			if !errors.As(err, &te) || !errors.Is(err, ErrInvalidTerms) {
				t.Fatalf("got %v, want a *TermsError wrapping ErrInvalidTerms", err)
			}
			if diff := cmp.Diff(tc.field, te.Field); diff != "" {
				t.Errorf("field (-want +got):\n%s\n(%v)", diff, err)
			}
		})
	}
}
