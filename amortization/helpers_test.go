package amortization

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// cmpOpts compares lendkit values by ==: Money and Date are comparable
// values with unexported fields.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
}

// termsSpec is the JSON form of Terms used by testdata files.
type termsSpec struct {
	Principal       string `json:"principal"`
	Currency        string `json:"currency"`
	Rate            string `json:"rate"` // percent
	Periods         int    `json:"periods"`
	Frequency       string `json:"frequency"`
	Method          string `json:"method"`
	Start           string `json:"start"`
	FirstDue        string `json:"first_due"`
	DayCount        string `json:"day_count"`
	PaymentMultiple int64  `json:"payment_multiple"`
}

func (s termsSpec) terms(t *testing.T) Terms {
	t.Helper()
	c := lendkit.MustCurrency(s.Currency)
	p, err := lendkit.ParseMoney(s.Principal, c)
	if err != nil {
		t.Fatal(err)
	}
	tt := Terms{Principal: p, Rate: lendkit.MustParseRate(s.Rate + "%"), Periods: s.Periods, Start: lendkit.MustParseDate(s.Start)}
	if s.Frequency != "" {
		if tt.Frequency, err = ParseFrequency(s.Frequency); err != nil {
			t.Fatal(err)
		}
	}
	if s.Method != "" {
		if tt.Method, err = ParseMethod(s.Method); err != nil {
			t.Fatal(err)
		}
	}
	if s.FirstDue != "" {
		tt.FirstDue = lendkit.MustParseDate(s.FirstDue)
	}
	if tt.DayCount, err = ParseDayCount(s.DayCount); err != nil {
		t.Fatal(err)
	}
	tt.Rules.PaymentMultiple = s.PaymentMultiple
	return tt
}

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

func date(s string) lendkit.Date { return lendkit.MustParseDate(s) }

// mustGenerate generates t or fails the test.
func mustGenerate(tb testing.TB, t Terms) *Schedule {
	tb.Helper()
	s, err := Generate(t)
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	return s
}
