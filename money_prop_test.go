package lendkit_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
)

var propCurrencies = []lendkit.Currency{lendkit.EUR, lendkit.JPY, lendkit.KWD, lendkit.XOF, lendkit.TND}

func genMoney(t *rapid.T, label string, c lendkit.Currency) lendkit.Money {
	v := rapid.OneOf(rapid.Int64Range(-1_000_000, 1_000_000), rapid.Int64()).Draw(t, label)
	return lendkit.New(v, c)
}

func TestMoneyProperties(t *testing.T) {
	t.Parallel()
	t.Run("parse∘format is the identity", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			c := rapid.SampledFrom(propCurrencies).Draw(t, "currency")
			m := genMoney(t, "m", c)
			got, err := lendkit.ParseMoney(m.Amount(), c)
			if err != nil || got != m {
				t.Fatalf("ParseMoney(%q) = %v, %v; want %v", m.Amount(), got, err, m)
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var back lendkit.Money
			if err := json.Unmarshal(b, &back); err != nil || back != m {
				t.Fatalf("JSON %s → %v, %v", b, back, err)
			}
			if !m.Decimal().Equal(decimal.RequireFromString(m.Amount())) {
				t.Fatalf("Decimal %s != Amount %s", m.Decimal(), m.Amount())
			}
		})
	})
	t.Run("add and subtract are inverse; overflow is always detected", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			a, b := genMoney(t, "a", lendkit.EUR), genMoney(t, "b", lendkit.EUR)
			exact := new(big.Int).Add(big.NewInt(a.Minor()), big.NewInt(b.Minor()))
			s, err := a.Add(b)
			if !exact.IsInt64() {
				if !errors.Is(err, lendkit.ErrOverflow) {
					t.Fatalf("%v + %v = %v, %v; want ErrOverflow", a, b, s, err)
				}
				return
			}
			if err != nil || s.Minor() != exact.Int64() {
				t.Fatalf("%v + %v = %v, %v; want %s", a, b, s, err, exact)
			}
			back, err := s.Sub(b)
			if err != nil || back != a {
				t.Fatalf("(%v + %v) - %v = %v, %v", a, b, b, back, err)
			}
		})
	})
	t.Run("sub, neg and mulint detect overflow exactly", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			a, b := genMoney(t, "a", lendkit.EUR), genMoney(t, "b", lendkit.EUR)
			n := rapid.OneOf(rapid.Int64Range(-1000, 1000), rapid.Int64()).Draw(t, "n")
			check := func(op string, got lendkit.Money, err error, exact *big.Int) {
				if !exact.IsInt64() {
					if !errors.Is(err, lendkit.ErrOverflow) {
						t.Fatalf("%s = %v, %v; want ErrOverflow", op, got, err)
					}
					return
				}
				if err != nil || got.Minor() != exact.Int64() {
					t.Fatalf("%s = %v, %v; want %s", op, got, err, exact)
				}
			}
			d, err := a.Sub(b)
			check("sub", d, err, new(big.Int).Sub(big.NewInt(a.Minor()), big.NewInt(b.Minor())))
			ng, err := a.Neg()
			check("neg", ng, err, new(big.Int).Neg(big.NewInt(a.Minor())))
			p, err := a.MulInt(n)
			check("mulint", p, err, new(big.Int).Mul(big.NewInt(a.Minor()), big.NewInt(n)))
		})
	})
	t.Run("Mul rounds as its mode says", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			m := lendkit.New(rapid.Int64Range(-1_000_000_000, 1_000_000_000).Draw(t, "minor"), lendkit.EUR)
			// Scales past 19 and huge coefficients take the exact decimal path, the
			// others the 128-bit fast path: both must agree with the reference.
			rate := decimal.New(rapid.OneOf(rapid.Int64Range(-10_000_000, 10_000_000), rapid.Int64()).Draw(t, "rate"), -rapid.Int32Range(0, 25).Draw(t, "scale"))
			mode := rapid.SampledFrom([]lendkit.Rounding{lendkit.HalfUp, lendkit.HalfEven, lendkit.Down, lendkit.Up, lendkit.Floor, lendkit.Ceiling}).Draw(t, "mode")
			got, err := m.Mul(rate, mode)
			exact := new(big.Rat).Mul(new(big.Rat).SetInt64(m.Minor()), rate.Rat())
			want, fits := roundRat(exact, mode)
			if !fits {
				if !errors.Is(err, lendkit.ErrOverflow) {
					t.Fatalf("%v × %s = %v, %v; want ErrOverflow", m, rate, got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Minor() != want {
				t.Fatalf("%v × %s (%s) = %d minor, reference %d (exact %s)", m, rate, mode, got.Minor(), want, exact.FloatString(10))
			}
		})
	})
}

// roundRat is an independent reference for the six modes on big.Rat; it
// reports whether the rounded value fits in an int64.
func roundRat(x *big.Rat, mode lendkit.Rounding) (int64, bool) {
	v := roundRatBig(x, mode)
	return v.Int64(), v.IsInt64()
}

func roundRatBig(x *big.Rat, mode lendkit.Rounding) *big.Int {
	num, den := x.Num(), x.Denom()
	q, r := new(big.Int).QuoRem(num, den, new(big.Int)) // q truncated toward zero
	if r.Sign() == 0 {
		return q
	}
	away := new(big.Int).Add(q, big.NewInt(int64(x.Sign())))
	twice := new(big.Int).Abs(new(big.Int).Mul(r, big.NewInt(2)))
	c := twice.Cmp(den) // compare the fraction with one half
	switch mode {
	case lendkit.Down:
		return q
	case lendkit.Up:
		return away
	case lendkit.Floor:
		if x.Sign() < 0 {
			return away
		}
		return q
	case lendkit.Ceiling:
		if x.Sign() > 0 {
			return away
		}
		return q
	case lendkit.HalfEven:
		if c > 0 || (c == 0 && q.Bit(0) == 1) {
			return away
		}
		return q
	default:
		if c >= 0 {
			return away
		}
		return q
	}
}

func BenchmarkMoney(b *testing.B) {
	a := lendkit.MustParseMoney("1234.56", "EUR")
	c := lendkit.MustParseMoney("0.01", "EUR")
	rate := decimal.RequireFromString("0.004166666667")
	b.Run("Add", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Add(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Mul", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Mul(rate, lendkit.HalfUp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseMoney", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := lendkit.ParseMoney("1234.56", lendkit.EUR); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Amount", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = a.Amount()
		}
	})
	b.Run("MarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UnmarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		in := []byte(`{"amount":"1234.56","currency":"EUR"}`)
		var m lendkit.Money
		for b.Loop() {
			if err := m.UnmarshalJSON(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
