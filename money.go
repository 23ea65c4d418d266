package lendkit

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an exact amount: int64 minor units (cents for EUR) of one currency.
// Arithmetic never wraps (overflow is ErrOverflow) and never mixes currencies
// silently (ErrCurrencyMismatch). Money is a small comparable value; the zero
// value has no currency and is only useful as "unset".
type Money struct {
	minor int64
	cur   Currency
}

// New returns minor units of currency c: New(123456, EUR) is 1234.56 EUR.
func New(minor int64, c Currency) Money { return Money{minor: minor, cur: c} }

// Zero returns zero in currency c.
func Zero(c Currency) Money { return Money{cur: c} }

// ParseMoney parses a plain decimal amount such as "1234.56", "-0.05" or "12"
// in currency c. Trailing zeros beyond the currency's decimals are accepted
// ("1.500" EUR), other extra decimals are an error: parsing never rounds.
// Exponents, thousands separators, spaces and signs other than a leading "-"
// or "+" are rejected.
func ParseMoney(s string, c Currency) (Money, error) {
	if c.IsZero() {
		return Money{}, fmt.Errorf("%w: no currency for %q", ErrUnknownCurrency, s)
	}
	bad := func(why string) (Money, error) {
		return Money{}, fmt.Errorf("%w: %q: %s", ErrInvalidMoney, s, why)
	}
	t := s
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	intPart, frac, hasDot := strings.Cut(t, ".")
	if intPart == "" || (hasDot && frac == "") {
		return bad("not a decimal number")
	}
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return bad("not a decimal number")
			}
		}
	}
	exp := c.Exponent()
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > exp {
		return bad(fmt.Sprintf("more than %d decimals for %s", exp, c.Code()))
	}
	digits := intPart + trimmed + strings.Repeat("0", exp-len(trimmed))
	// Parse as negative so that the most negative int64 is representable.
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || (!neg && u > math.MaxInt64) || (neg && u > 1<<63) {
		return Money{}, fmt.Errorf("%w: %q", ErrOverflow, s)
	}
	v := int64(u)
	if neg {
		v = -v // -(1<<63) wraps to itself, which is the intended value
	}
	return Money{minor: v, cur: c}, nil
}

// MustParseMoney is ParseMoney for constants in programs and tests: it panics on
// error. code is an ISO 4217 code.
func MustParseMoney(s, code string) Money {
	m, err := ParseMoney(s, MustCurrency(code))
	if err != nil {
		panic(err)
	}
	return m
}

// FromDecimal converts an exact decimal amount to Money, rounding to the
// currency's minor unit with mode.
func FromDecimal(d decimal.Decimal, c Currency, mode Rounding) (Money, error) {
	if c.IsZero() {
		return Money{}, fmt.Errorf("%w: no currency", ErrUnknownCurrency)
	}
	minor := mode.Round(d.Shift(int32(c.Exponent())), 0)
	return fromIntegral(minor, c)
}

// fromIntegral converts an integral decimal to Money, checking the int64 range.
func fromIntegral(minor decimal.Decimal, c Currency) (Money, error) {
	b := minor.BigInt()
	if !b.IsInt64() {
		return Money{}, fmt.Errorf("%w: %s %s", ErrOverflow, minor.Shift(-int32(c.Exponent())), c.Code())
	}
	return Money{minor: b.Int64(), cur: c}, nil
}

// Minor returns the amount in minor units. With Currency it is the SQL-friendly
// form of Money: store (minor BIGINT, currency CHAR(3)).
func (m Money) Minor() int64 { return m.minor }

// Currency returns the amount's currency.
func (m Money) Currency() Currency { return m.cur }

// Decimal returns the exact amount in major units (1234.56).
func (m Money) Decimal() decimal.Decimal { return decimal.New(m.minor, -int32(m.cur.Exponent())) }

// Amount formats the amount with exactly the currency's decimals: "1234.56",
// "-0.05", "1000" for JPY. ParseMoney(m.Amount(), m.Currency()) returns m.
func (m Money) Amount() string {
	var buf [32]byte
	return string(m.appendAmount(buf[:0]))
}

func (m Money) appendAmount(b []byte) []byte {
	u := uint64(m.minor)
	if m.minor < 0 {
		b = append(b, '-')
		u = -u // two's complement: correct for math.MinInt64 too
	}
	var digits [24]byte
	s := strconv.AppendUint(digits[:0], u, 10)
	exp := m.cur.Exponent()
	if exp == 0 {
		return append(b, s...)
	}
	for len(s) <= exp {
		s = append([]byte{'0'}, s...)
	}
	b = append(b, s[:len(s)-exp]...)
	b = append(b, '.')
	return append(b, s[len(s)-exp:]...)
}

// String returns the amount and its currency code: "1234.56 EUR".
func (m Money) String() string { return m.Amount() + " " + m.cur.Code() }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.minor == 0 }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.minor > 0 }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.minor < 0 }

// Sign returns -1, 0 or +1.
func (m Money) Sign() int {
	switch {
	case m.minor < 0:
		return -1
	case m.minor > 0:
		return 1
	}
	return 0
}

func (m Money) sameCurrency(o Money) error {
	if m.cur != o.cur {
		return fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, m.cur.Code(), o.cur.Code())
	}
	return nil
}

// Add returns m + o.
func (m Money) Add(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	s := m.minor + o.minor
	// Overflow iff both operands have the same sign and the sum's sign differs.
	if (m.minor >= 0) == (o.minor >= 0) && (s >= 0) != (m.minor >= 0) {
		return Money{}, fmt.Errorf("%w: %s + %s", ErrOverflow, m, o)
	}
	return Money{minor: s, cur: m.cur}, nil
}

// Sub returns m - o.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	d := m.minor - o.minor
	if (m.minor >= 0) != (o.minor >= 0) && (d >= 0) != (m.minor >= 0) {
		return Money{}, fmt.Errorf("%w: %s - %s", ErrOverflow, m, o)
	}
	return Money{minor: d, cur: m.cur}, nil
}

// Neg returns -m. Only the most negative int64 cannot be negated.
func (m Money) Neg() (Money, error) {
	if m.minor == math.MinInt64 {
		return Money{}, fmt.Errorf("%w: -(%s)", ErrOverflow, m)
	}
	return Money{minor: -m.minor, cur: m.cur}, nil
}

// Abs returns |m|.
func (m Money) Abs() (Money, error) {
	if m.minor < 0 {
		return m.Neg()
	}
	return m, nil
}

// Cmp compares m and o: -1 if m < o, 0 if equal, +1 if m > o.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.sameCurrency(o); err != nil {
		return 0, err
	}
	switch {
	case m.minor < o.minor:
		return -1, nil
	case m.minor > o.minor:
		return 1, nil
	}
	return 0, nil
}

// MulInt returns m × n.
func (m Money) MulInt(n int64) (Money, error) {
	p, ok := mulInt64(m.minor, n)
	if !ok {
		return Money{}, fmt.Errorf("%w: %s × %d", ErrOverflow, m, n)
	}
	return Money{minor: p, cur: m.cur}, nil
}

// Mul returns m × rate rounded to the minor unit with mode; the product itself
// is exact, so mode is the only rounding. Use it for interest, fees and tax:
// New(1000000, EUR).Mul(decimal.RequireFromString("0.128"), HalfUp).
func (m Money) Mul(rate decimal.Decimal, mode Rounding) (Money, error) {
	if r, ok := m.mulFast(rate, mode); ok {
		return r, nil
	}
	p := mode.Round(decimal.New(m.minor, 0).Mul(rate), 0)
	r, err := fromIntegral(p, m.cur)
	if err != nil {
		return Money{}, fmt.Errorf("%w: %s × %s", ErrOverflow, m, rate)
	}
	return r, nil
}

// Sum adds amounts of currency c; an empty list sums to zero.
func Sum(c Currency, ms ...Money) (Money, error) {
	total := Zero(c)
	for _, m := range ms {
		var err error
		if total, err = total.Add(m); err != nil {
			return Money{}, err
		}
	}
	return total, nil
}

// pow10 holds 10^0 … 10^19, every power of ten that fits in a uint64.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// mulFast computes m × rate with 128-bit integer arithmetic when the rate's
// coefficient fits in an int64 and its exponent is between -19 and 0, which
// covers every rate, tax and fee in practice. It reports false otherwise, or
// when the result would overflow, and Mul then takes the exact decimal path.
// Both paths round identically; TestMoneyProperties checks them against big.Rat.
func (m Money) mulFast(rate decimal.Decimal, mode Rounding) (Money, bool) {
	exp := rate.Exponent()
	if exp > 0 || exp < -19 {
		return Money{}, false
	}
	coef := rate.Coefficient()
	if !coef.IsInt64() {
		return Money{}, false
	}
	c := coef.Int64()
	neg := (m.minor < 0) != (c < 0)
	a, b := uint64(m.minor), uint64(c)
	if m.minor < 0 {
		a = -a
	}
	if c < 0 {
		b = -b
	}
	hi, lo := bits.Mul64(a, b)
	den := pow10[-exp]
	if hi >= den {
		return Money{}, false // quotient would not fit in 64 bits
	}
	q, r := bits.Div64(hi, lo, den)
	if q > 1<<63 {
		return Money{}, false // beyond int64 even before rounding (and q+1 could wrap)
	}
	if mode.Increments(q, r, den, neg) {
		q++
	}
	if (!neg && q > math.MaxInt64) || (neg && q > 1<<63) {
		return Money{}, false
	}
	v := int64(q)
	if neg {
		v = int64(-q)
	}
	return Money{minor: v, cur: m.cur}, true
}

// mulInt64 returns a × b and whether it fits in int64.
func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) || p/b != a {
		return 0, false
	}
	return p, true
}

// MarshalJSON encodes {"amount":"1234.56","currency":"EUR"}. The amount is a
// string so that no JSON reader turns it into a float.
func (m Money) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 48)
	b = append(b, `{"amount":"`...)
	b = m.appendAmount(b)
	b = append(b, `","currency":"`...)
	b = append(b, m.cur.Code()...)
	return append(b, `"}`...), nil
}

// UnmarshalJSON decodes the form MarshalJSON writes. The amount must be a
// string: a JSON number is refused, since it may have passed through a float.
func (m *Money) UnmarshalJSON(b []byte) error {
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidMoney, err)
	}
	var amount string
	if err := json.Unmarshal(raw.Amount, &amount); err != nil {
		return fmt.Errorf("%w: amount must be a JSON string such as \"12.34\"", ErrInvalidMoney)
	}
	c, err := ParseCurrency(raw.Currency)
	if err != nil {
		return err
	}
	v, err := ParseMoney(amount, c)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
