package lendkit

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Rate is an annual rate held as an exact decimal fraction: 5.25 % is 0.0525.
// It is never a float. The zero Rate is 0 %.
type Rate struct {
	d decimal.Decimal
}

// ParseRate parses "5.25%" (percent) or "0.0525" (a fraction). Surrounding
// spaces are ignored; anything else that is not a decimal is ErrInvalidRate.
// Negative rates parse (some reference rates are negative); whether a loan may
// carry one is for the caller to decide.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	if pct {
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	if t == "" || strings.ContainsAny(t, "eE") {
		return Rate{}, fmt.Errorf("%w: %q", ErrInvalidRate, s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return Rate{}, fmt.Errorf("%w: %q", ErrInvalidRate, s)
	}
	if pct {
		d = d.Shift(-2)
	}
	return Rate{d: d}, nil
}

// MustParseRate is ParseRate for constants in programs and tests.
func MustParseRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// RateFromDecimal returns the rate whose fraction is d (0.0525 for 5.25 %).
func RateFromDecimal(d decimal.Decimal) Rate { return Rate{d: d} }

// RateFromPercent returns the rate of p percent (5.25 for 5.25 %).
func RateFromPercent(p decimal.Decimal) Rate { return Rate{d: p.Shift(-2)} }

// Decimal returns the rate as a fraction (0.0525).
func (r Rate) Decimal() decimal.Decimal { return r.d }

// Percent returns the rate in percent (5.25).
func (r Rate) Percent() decimal.Decimal { return r.d.Shift(2) }

// IsZero reports whether the rate is 0 %.
func (r Rate) IsZero() bool { return r.d.IsZero() }

// Sign returns -1, 0 or +1.
func (r Rate) Sign() int { return r.d.Sign() }

// Equal reports whether r and o are the same rate (0.05 equals 0.050).
func (r Rate) Equal(o Rate) bool { return r.d.Equal(o.d) }

// String formats the rate in percent without trailing zeros: "5.25%".
func (r Rate) String() string { return r.Percent().String() + "%" }

// MarshalText encodes the rate as String does, "5.25%", which ParseRate reads.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes any form ParseRate accepts.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
