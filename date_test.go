package lendkit_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
)

func TestAddMonthsEndOfMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2027-01-31", 1, "2027-02-28"},
		{"2028-01-31", 1, "2028-02-29"},
		{"2027-01-31", 2, "2027-03-31"},
		{"2027-01-31", 3, "2027-04-30"},
		{"2027-01-15", 1, "2027-02-15"},
		{"2027-01-15", 36, "2030-01-15"},
		{"2027-12-31", 2, "2028-02-29"},
		{"2028-02-29", 12, "2029-02-28"},
		{"2028-02-29", 48, "2032-02-29"},
		{"2027-03-31", -1, "2027-02-28"},
		{"2027-01-31", -2, "2026-11-30"},
		{"2027-05-30", 0, "2027-05-30"},
	}
	for _, tt := range tests {
		got := lendkit.MustParseDate(tt.from).AddMonths(tt.n).String()
		if got != tt.want {
			t.Errorf("%s + %d months = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	t.Parallel()
	d := lendkit.MustParseDate("1994-01-01")
	if got := lendkit.DaysBetween(d, lendkit.MustParseDate("1995-07-01")); got != 546 {
		t.Errorf("days 1994-01-01 → 1995-07-01 = %d, want 546 (EU directive example)", got)
	}
	if got := d.AddDays(546).String(); got != "1995-07-01" {
		t.Errorf("AddDays(546) = %s", got)
	}
	if got := lendkit.MustParseDate("2028-03-01").AddDays(-1).String(); got != "2028-02-29" {
		t.Errorf("2028-03-01 - 1 day = %s", got)
	}
	if got := lendkit.MustParseDate("2027-01-15").Weekday(); got != time.Friday {
		t.Errorf("2027-01-15 is a %s, want Friday", got)
	}
	if got := lendkit.MustParseDate("2000-02-29").Weekday(); got != time.Tuesday {
		t.Errorf("2000-02-29 is a %s, want Tuesday", got)
	}
	a, b := lendkit.MustParseDate("2027-01-15"), lendkit.MustParseDate("2027-02-15")
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 || b.Compare(a) != 1 {
		t.Error("ordering of 2027-01-15 and 2027-02-15 is wrong")
	}
	if got := lendkit.MustParseDate("2027-02-10").EndOfMonth().String(); got != "2027-02-28" {
		t.Errorf("EndOfMonth = %s", got)
	}
	if !lendkit.IsLeapYear(2000) || lendkit.IsLeapYear(1900) || !lendkit.IsLeapYear(2028) || lendkit.IsLeapYear(2027) {
		t.Error("IsLeapYear is wrong")
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "2027-1-15", "2027-02-29", "2027-13-01", "2027-00-10", "0000-01-01", "2027/01/15", "2027-01-15T00:00:00Z", "２０２７-01-15", "+027-01-15"} {
		if _, err := lendkit.ParseDate(bad); !errors.Is(err, lendkit.ErrInvalidDate) {
			t.Errorf("ParseDate(%q) error = %v, want ErrInvalidDate", bad, err)
		}
	}
	if _, err := lendkit.NewDate(2027, time.February, 29); !errors.Is(err, lendkit.ErrInvalidDate) {
		t.Errorf("NewDate(2027-02-29) error = %v", err)
	}
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	type row struct {
		Due  lendkit.Date `json:"due"`
		Paid lendkit.Date `json:"paid"`
	}
	in := row{Due: lendkit.MustParseDate("2027-02-15")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"due":"2027-02-15","paid":""}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out row
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out, cmp.AllowUnexported(lendkit.Date{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"due":"2027-02-30"}`), &out); !errors.Is(err, lendkit.ErrInvalidDate) {
		t.Errorf("Unmarshal(2027-02-30) error = %v", err)
	}
}

func genDate(t *rapid.T, label string) lendkit.Date {
	y := rapid.IntRange(1, 9998).Draw(t, label+".y")
	m := time.Month(rapid.IntRange(1, 12).Draw(t, label+".m"))
	d := rapid.IntRange(1, lendkit.DaysInMonth(y, m)).Draw(t, label+".d")
	return lendkit.MustDate(y, m, d)
}

func TestDateProperties(t *testing.T) {
	t.Parallel()
	t.Run("parse∘format is the identity", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			d := genDate(t, "d")
			if got := lendkit.MustParseDate(d.String()); got != d {
				t.Fatalf("ParseDate(%s) = %s", d, got)
			}
		})
	})
	t.Run("agrees with package time", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			d := genDate(t, "d")
			n := rapid.IntRange(-100_000, 100_000).Draw(t, "n")
			want := d.Time().AddDate(0, 0, n)
			got := d.AddDays(n)
			if want.Year() >= 1 && want.Year() <= 9999 && got != lendkit.DateOf(want) {
				t.Fatalf("%s + %d days = %s, time says %s", d, n, got, want.Format(time.DateOnly))
			}
			if d.Weekday() != d.Time().Weekday() {
				t.Fatalf("weekday of %s = %s, time says %s", d, d.Weekday(), d.Time().Weekday())
			}
			e := genDate(t, "e")
			if got, want := lendkit.DaysBetween(d, e), int((e.Time().Unix()-d.Time().Unix())/86400); got != want {
				t.Fatalf("DaysBetween(%s, %s) = %d, want %d", d, e, got, want)
			}
		})
	})
	t.Run("AddMonths never skips or repeats a month", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			anchor := genDate(t, "anchor")
			if anchor.Year() > 9000 {
				return
			}
			prev := anchor
			for k := 1; k <= 120; k++ {
				d := anchor.AddMonths(k)
				monthsApart := (d.Year()-prev.Year())*12 + int(d.Month()) - int(prev.Month())
				if monthsApart != 1 {
					t.Fatalf("anchor %s: month %d is %s after %s (%d months apart)", anchor, k, d, prev, monthsApart)
				}
				wantDay := min(anchor.Day(), lendkit.DaysInMonth(d.Year(), d.Month()))
				if d.Day() != wantDay {
					t.Fatalf("anchor %s + %d months = %s, want day %d", anchor, k, d, wantDay)
				}
				if back := d.AddMonths(-k); anchor.Day() <= lendkit.DaysInMonth(d.Year(), d.Month()) && back != anchor {
					t.Fatalf("%s + %d - %d months = %s", anchor, k, k, back)
				}
				prev = d
			}
		})
	})
	t.Run("AddDays inverse", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			d := genDate(t, "d")
			n := rapid.IntRange(-1000, 1000).Draw(t, "n")
			e := d.AddDays(n)
			if e.Year() < 1 || e.Year() > 9999 {
				return
			}
			if e.AddDays(-n) != d || lendkit.DaysBetween(d, e) != n {
				t.Fatalf("%s + %d days = %s, not invertible", d, n, e)
			}
		})
	})
}
