package lendkit

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/currency"
)

// Currency is an ISO 4217 currency with its minor-unit exponent (EUR 2, JPY 0,
// KWD 3). The zero Currency is invalid; obtain one from ParseCurrency or the
// predefined values. Currency is comparable and safe to use as a map key.
//
// A Currency is a two-byte handle into a process-wide table of the currencies
// parsed so far, so that Money stays 16 bytes: schedules and projections hold
// hundreds of thousands of amounts.
type Currency struct {
	id uint16
}

type currencyInfo struct {
	code string
	exp  uint8
}

// currencyRegistry is immutable once published; ParseCurrency publishes a
// grown copy when it meets a new code, so reads take no lock.
type currencyRegistry struct {
	infos  []currencyInfo // infos[0] is the zero Currency
	byCode map[string]uint16
}

var (
	registryMu sync.Mutex
	// registry is initialised in its declaration, not in init, because the
	// predefined currencies below are package-level variables that need it.
	registry = func() *atomic.Pointer[currencyRegistry] {
		p := new(atomic.Pointer[currencyRegistry])
		p.Store(&currencyRegistry{infos: []currencyInfo{{}}, byCode: map[string]uint16{}})
		return p
	}()
)

func (c Currency) info() currencyInfo { return registry.Load().infos[c.id] }

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
	if id, ok := registry.Load().byCode[code]; ok {
		return Currency{id: id}, nil
	}
	up := strings.ToUpper(strings.TrimSpace(code))
	if len(up) != 3 {
		return Currency{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	if id, ok := registry.Load().byCode[up]; ok {
		return Currency{id: id}, nil
	}
	u, err := currency.ParseISO(up)
	if err != nil {
		return Currency{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	// currency.Standard gives the ISO 4217 minor unit (not CLDR's cash
	// rounding, which differs for a few currencies such as CHF cash).
	scale, _ := currency.Standard.Rounding(u)
	return register(currencyInfo{code: u.String(), exp: uint8(scale)}), nil
}

// register adds a currency to the table, or returns the one already there.
// ISO 4217 lists fewer than 300 codes, historic ones included, so the table
// never nears the uint16 bound.
func register(ci currencyInfo) Currency {
	registryMu.Lock()
	defer registryMu.Unlock()
	old := registry.Load()
	if id, ok := old.byCode[ci.code]; ok {
		return Currency{id: id}
	}
	next := &currencyRegistry{
		infos:  append(old.infos[:len(old.infos):len(old.infos)], ci),
		byCode: make(map[string]uint16, len(old.byCode)+1),
	}
	for k, v := range old.byCode {
		next.byCode[k] = v
	}
	id := uint16(len(next.infos) - 1)
	next.byCode[ci.code] = id
	registry.Store(next)
	return Currency{id: id}
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
func (c Currency) Code() string { return c.info().code }

// Exponent returns the number of decimals of the minor unit (2 for EUR).
func (c Currency) Exponent() int { return int(c.info().exp) }

// IsZero reports whether c is the zero (invalid) Currency.
func (c Currency) IsZero() bool { return c.id == 0 }

// String returns the ISO code.
func (c Currency) String() string { return c.info().code }

// MarshalText encodes the currency as its ISO code.
func (c Currency) MarshalText() ([]byte, error) { return []byte(c.info().code), nil }

// UnmarshalText decodes an ISO code.
func (c *Currency) UnmarshalText(b []byte) error {
	v, err := ParseCurrency(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
