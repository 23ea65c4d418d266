package lendkit

import (
	"fmt"
	"strings"

	"golang.org/x/text/currency"
)

// Currency is an ISO 4217 currency with its minor-unit exponent (EUR 2, JPY 0,
// KWD 3). The zero Currency is invalid; obtain one from ParseCurrency or the
// predefined values. Currency is comparable and safe to use as a map key.
type Currency struct {
	code string
	exp  uint8
}

// Commonly used currencies.
var (
	EUR = MustCurrency("EUR")
	USD = MustCurrency("USD")
	GBP = MustCurrency("GBP")
	CHF = MustCurrency("CHF")
	JPY = MustCurrency("JPY")
	XOF = MustCurrency("XOF")
	KWD = MustCurrency("KWD")
	TND = MustCurrency("TND")
)

// ParseCurrency returns the currency with the given ISO 4217 code (case
// insensitive). Its exponent is the ISO 4217 minor unit as published in CLDR
// through golang.org/x/text/currency. Unknown codes return ErrUnknownCurrency.
func ParseCurrency(code string) (Currency, error) {
	up := strings.ToUpper(strings.TrimSpace(code))
	if len(up) != 3 {
		return Currency{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	if c, ok := currencyCache[up]; ok {
		return c, nil
	}
	u, err := currency.ParseISO(up)
	if err != nil {
		return Currency{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	// ISO 4217 minor units, not CLDR's cash or display rounding: CLDR reports 0
	// decimals for some currencies whose ISO minor unit is 2 (e.g. HUF, TWD use
	// cash rounding), but ISO's "Standard" kind matches the minor unit here.
	scale, _ := currency.Standard.Rounding(u)
	return Currency{code: u.String(), exp: uint8(scale)}, nil
}

// currencyCache avoids the x/text lookup for the currencies parsed on hot paths
// (JSON decoding of every amount). It is filled at init and read-only afterwards.
var currencyCache = map[string]Currency{}

func init() {
	for _, code := range []string{"EUR", "USD", "GBP", "CHF", "JPY", "XOF", "XAF", "KWD", "TND", "BHD", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK", "RON", "MAD", "KES", "INR"} {
		c, err := ParseCurrency(code)
		if err != nil {
			panic(err)
		}
		currencyCache[code] = c
	}
}

// MustCurrency is like ParseCurrency but panics on an unknown code. Use it for
// constants in programs and tests, never on user input.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Code returns the three-letter ISO 4217 code, or "" for the zero Currency.
func (c Currency) Code() string { return c.code }

// Exponent returns the number of decimals of the minor unit (2 for EUR).
func (c Currency) Exponent() int { return int(c.exp) }

// IsZero reports whether c is the zero (invalid) Currency.
func (c Currency) IsZero() bool { return c.code == "" }

// String returns the ISO code.
func (c Currency) String() string { return c.code }

// MarshalText encodes the currency as its ISO code.
func (c Currency) MarshalText() ([]byte, error) { return []byte(c.code), nil }

// UnmarshalText decodes an ISO code.
func (c *Currency) UnmarshalText(b []byte) error {
	v, err := ParseCurrency(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
