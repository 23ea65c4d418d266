package lendkit_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

func TestParseCurrency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		exp  int
	}{
		{"EUR", 2}, {"eur", 2}, {"USD", 2}, {"JPY", 0}, {"KWD", 3}, {"XOF", 0},
		{"TND", 3}, {"BHD", 3}, {"CHF", 2}, {"GBP", 2}, {"KES", 2}, {"MAD", 2},
	}
	for _, tt := range tests {
		c, err := lendkit.ParseCurrency(tt.code)
		if err != nil {
			t.Fatalf("ParseCurrency(%q): %v", tt.code, err)
		}
		if c.Exponent() != tt.exp {
			t.Errorf("%s exponent = %d, want %d", tt.code, c.Exponent(), tt.exp)
		}
	}
	for _, bad := range []string{"", "EU", "EURO", "ZZZ", "12€"} {
		if _, err := lendkit.ParseCurrency(bad); !errors.Is(err, lendkit.ErrUnknownCurrency) {
			t.Errorf("ParseCurrency(%q) error = %v, want ErrUnknownCurrency", bad, err)
		}
	}
}

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		cur   lendkit.Currency
		minor int64
		out   string
	}{
		{"1234.56", lendkit.EUR, 123456, "1234.56"},
		{"-0.05", lendkit.EUR, -5, "-0.05"},
		{"+7", lendkit.EUR, 700, "7.00"},
		{"0.5", lendkit.EUR, 50, "0.50"},
		{"1.500", lendkit.EUR, 150, "1.50"},
		{"000012.30", lendkit.EUR, 1230, "12.30"},
		{"1000", lendkit.JPY, 1000, "1000"},
		{"1.234", lendkit.KWD, 1234, "1.234"},
		{"-0.001", lendkit.KWD, -1, "-0.001"},
		{"92233720368547758.07", lendkit.EUR, math.MaxInt64, "92233720368547758.07"},
		{"-92233720368547758.08", lendkit.EUR, math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		m, err := lendkit.ParseMoney(tt.in, tt.cur)
		if err != nil {
			t.Fatalf("ParseMoney(%q, %s): %v", tt.in, tt.cur, err)
		}
		if m.Minor() != tt.minor || m.Currency() != tt.cur || m.Amount() != tt.out {
			t.Errorf("ParseMoney(%q, %s) = %d %s %q, want %d %q", tt.in, tt.cur, m.Minor(), m.Currency(), m.Amount(), tt.minor, tt.out)
		}
	}
}

func TestParseMoneyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		cur  lendkit.Currency
		want error
	}{
		{"", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"-", lendkit.EUR, lendkit.ErrInvalidMoney},
		{".5", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"5.", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"1,234.56", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"1e3", lendkit.EUR, lendkit.ErrInvalidMoney},
		{" 12", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"--1", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"1.234", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"1.5", lendkit.JPY, lendkit.ErrInvalidMoney},
		{"NaN", lendkit.EUR, lendkit.ErrInvalidMoney},
		{"92233720368547758.08", lendkit.EUR, lendkit.ErrOverflow},
		{"-92233720368547758.09", lendkit.EUR, lendkit.ErrOverflow},
		{"99999999999999999999999", lendkit.EUR, lendkit.ErrOverflow},
		{"1", lendkit.Currency{}, lendkit.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		if _, err := lendkit.ParseMoney(tt.in, tt.cur); !errors.Is(err, tt.want) {
			t.Errorf("ParseMoney(%q, %q) error = %v, want %v", tt.in, tt.cur, err, tt.want)
		}
	}
}

func TestMoneyArithmetic(t *testing.T) {
	t.Parallel()
	a := lendkit.MustParseMoney("10.25", "EUR")
	b := lendkit.MustParseMoney("0.30", "EUR")
	sum, err := a.Add(b)
	if err != nil || sum.Amount() != "10.55" {
		t.Errorf("Add = %v, %v", sum, err)
	}
	diff, err := b.Sub(a)
	if err != nil || diff.Amount() != "-9.95" {
		t.Errorf("Sub = %v, %v", diff, err)
	}
	if c, err := a.Cmp(b); err != nil || c != 1 {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if _, err := a.Add(lendkit.MustParseMoney("1", "USD")); !errors.Is(err, lendkit.ErrCurrencyMismatch) {
		t.Errorf("EUR + USD error = %v, want ErrCurrencyMismatch", err)
	}
	if _, err := a.Cmp(lendkit.MustParseMoney("1", "USD")); !errors.Is(err, lendkit.ErrCurrencyMismatch) {
		t.Errorf("Cmp EUR USD error = %v, want ErrCurrencyMismatch", err)
	}
	maxM := lendkit.New(math.MaxInt64, lendkit.EUR)
	minM := lendkit.New(math.MinInt64, lendkit.EUR)
	one := lendkit.New(1, lendkit.EUR)
	for name, f := range map[string]func() (lendkit.Money, error){
		"max+1":    func() (lendkit.Money, error) { return maxM.Add(one) },
		"min-1":    func() (lendkit.Money, error) { return minM.Sub(one) },
		"0-min":    func() (lendkit.Money, error) { return lendkit.Zero(lendkit.EUR).Sub(minM) },
		"-min":     func() (lendkit.Money, error) { return minM.Neg() },
		"|min|":    func() (lendkit.Money, error) { return minM.Abs() },
		"max*2":    func() (lendkit.Money, error) { return maxM.MulInt(2) },
		"min*-1":   func() (lendkit.Money, error) { return minM.MulInt(-1) },
		"max*1.01": func() (lendkit.Money, error) { return maxM.Mul(decimal.RequireFromString("1.01"), lendkit.HalfUp) },
		"sum":      func() (lendkit.Money, error) { return lendkit.Sum(lendkit.EUR, maxM, one) },
	} {
		if _, err := f(); !errors.Is(err, lendkit.ErrOverflow) {
			t.Errorf("%s error = %v, want ErrOverflow", name, err)
		}
	}
	if m, err := minM.Add(maxM); err != nil || m.Minor() != -1 {
		t.Errorf("min+max = %v, %v; want -0.01", m, err)
	}
}

func TestMoneyMulRounding(t *testing.T) {
	t.Parallel()
	// 10.05 EUR × 0.5 = 5.025 → the named mode decides the last cent.
	m := lendkit.MustParseMoney("10.05", "EUR")
	half := decimal.RequireFromString("0.5")
	want := map[lendkit.Rounding]string{
		lendkit.HalfUp: "5.03", lendkit.HalfEven: "5.02", lendkit.Down: "5.02",
		lendkit.Up: "5.03", lendkit.Floor: "5.02", lendkit.Ceiling: "5.03",
	}
	for mode, w := range want {
		got, err := m.Mul(half, mode)
		if err != nil || got.Amount() != w {
			t.Errorf("10.05 × 0.5 (%s) = %v, %v; want %s", mode, got, err, w)
		}
	}
	neg, _ := m.Neg()
	wantNeg := map[lendkit.Rounding]string{
		lendkit.HalfUp: "-5.03", lendkit.HalfEven: "-5.02", lendkit.Down: "-5.02",
		lendkit.Up: "-5.03", lendkit.Floor: "-5.03", lendkit.Ceiling: "-5.02",
	}
	for mode, w := range wantNeg {
		got, err := neg.Mul(half, mode)
		if err != nil || got.Amount() != w {
			t.Errorf("-10.05 × 0.5 (%s) = %v, %v; want %s", mode, got, err, w)
		}
	}
	// French withholding: 12.8 % of 41.67 = 5.33376 → 5.33.
	tax, _ := lendkit.MustParseMoney("41.67", "EUR").Mul(decimal.RequireFromString("0.128"), lendkit.HalfUp)
	if tax.Amount() != "5.33" {
		t.Errorf("12.8%% of 41.67 = %s, want 5.33", tax.Amount())
	}
}

func TestFromDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		cur  lendkit.Currency
		mode lendkit.Rounding
		want string
	}{
		{"41.6666666", lendkit.EUR, lendkit.HalfUp, "41.67"},
		{"0.125", lendkit.EUR, lendkit.HalfEven, "0.12"},
		{"0.135", lendkit.EUR, lendkit.HalfEven, "0.14"},
		{"-0.125", lendkit.EUR, lendkit.HalfUp, "-0.13"},
		{"299.7110", lendkit.EUR, lendkit.Ceiling, "299.72"},
		{"1234.5", lendkit.JPY, lendkit.HalfUp, "1235"},
		{"1.2345", lendkit.KWD, lendkit.Down, "1.234"},
	}
	for _, tt := range tests {
		got, err := lendkit.FromDecimal(decimal.RequireFromString(tt.in), tt.cur, tt.mode)
		if err != nil || got.Amount() != tt.want {
			t.Errorf("FromDecimal(%s, %s, %s) = %v, %v; want %s", tt.in, tt.cur, tt.mode, got, err, tt.want)
		}
	}
	if _, err := lendkit.FromDecimal(decimal.RequireFromString("1e30"), lendkit.EUR, lendkit.HalfUp); !errors.Is(err, lendkit.ErrOverflow) {
		t.Errorf("FromDecimal(1e30) error = %v, want ErrOverflow", err)
	}
}

func TestMoneyJSON(t *testing.T) {
	t.Parallel()
	type payment struct {
		Amount lendkit.Money `json:"amount"`
	}
	in := payment{Amount: lendkit.MustParseMoney("1234.56", "EUR")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"amount":{"amount":"1234.56","currency":"EUR"}}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out payment
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Amount != in.Amount {
		t.Errorf("round trip = %v, want %v", out.Amount, in.Amount)
	}
	for _, bad := range []string{
		`{"amount":1234.56,"currency":"EUR"}`, // a JSON number may have been a float
		`{"amount":"12.345","currency":"EUR"}`,
		`{"amount":"12","currency":"EURO"}`,
		`{"amount":"12"}`,
		`[1]`,
	} {
		var m lendkit.Money
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, m)
		}
	}
}

func TestRoundingNames(t *testing.T) {
	t.Parallel()
	var got []string
	for _, r := range []lendkit.Rounding{lendkit.HalfUp, lendkit.HalfEven, lendkit.Down, lendkit.Up, lendkit.Floor, lendkit.Ceiling} {
		p, err := lendkit.ParseRounding(r.String())
		if err != nil || p != r {
			t.Errorf("ParseRounding(%q) = %v, %v", r, p, err)
		}
		got = append(got, r.String())
	}
	want := []string{"half-up", "half-even", "down", "up", "floor", "ceiling"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if _, err := lendkit.ParseRounding("bankers"); !errors.Is(err, lendkit.ErrInvalidRounding) {
		t.Errorf("ParseRounding(bankers) error = %v", err)
	}
}

// TestRoundingTable is the reference table of the six modes on the classic
// tie and non-tie cases, one decimal place.
func TestRoundingTable(t *testing.T) {
	t.Parallel()
	inputs := []string{"2.55", "2.45", "2.51", "2.49", "-2.55", "-2.45", "-2.51", "-2.49", "2.50"}
	want := map[lendkit.Rounding][]string{
		lendkit.HalfUp:   {"2.6", "2.5", "2.5", "2.5", "-2.6", "-2.5", "-2.5", "-2.5", "2.5"},
		lendkit.HalfEven: {"2.6", "2.4", "2.5", "2.5", "-2.6", "-2.4", "-2.5", "-2.5", "2.5"},
		lendkit.Down:     {"2.5", "2.4", "2.5", "2.4", "-2.5", "-2.4", "-2.5", "-2.4", "2.5"},
		lendkit.Up:       {"2.6", "2.5", "2.6", "2.5", "-2.6", "-2.5", "-2.6", "-2.5", "2.5"},
		lendkit.Floor:    {"2.5", "2.4", "2.5", "2.4", "-2.6", "-2.5", "-2.6", "-2.5", "2.5"},
		lendkit.Ceiling:  {"2.6", "2.5", "2.6", "2.5", "-2.5", "-2.4", "-2.5", "-2.4", "2.5"},
	}
	for mode, w := range want {
		var got []string
		for _, in := range inputs {
			got = append(got, mode.Round(decimal.RequireFromString(in), 1).StringFixed(1))
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", mode, diff)
		}
	}
}
