package dispatch

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// TaxRate is one withholding component: a code naming the tax and the
// authority it is paid to ("FR-IR", the French 12.8 % income-tax advance) and
// its rate as a fraction of gross interest (0.128).
type TaxRate struct {
	Code string
	Rate decimal.Decimal
}

// TaxPeriod is the set of rates that applies to interest paid from From
// (inclusive) until the next period's From. The first period of a profile has
// a zero From: it applies to every date before the second.
type TaxPeriod struct {
	From  lendkit.Date
	Rates []TaxRate
}

// TaxProfile is a date-effective withholding table: which taxes are withheld
// from a holder's interest on a given payment date. Build one with
// NewTaxProfile or use a predefined profile; the zero TaxProfile withholds
// nothing (companies, funds). A TaxProfile is immutable and safe to share.
type TaxProfile struct {
	p *taxProfile
}

type taxProfile struct {
	name    string
	periods []taxPeriod
}

type taxPeriod struct {
	from  lendkit.Date
	rates []taxRate
}

// taxRate is a TaxRate compiled for the hot path: when the rate is num/den
// with den = 10^k ≤ 10^18, tax is computed in exact 128-bit integer
// arithmetic instead of through decimal (180,000 projection rows must be
// taxed in milliseconds).
type taxRate struct {
	code string
	rate decimal.Decimal
	num  uint64
	den  uint64 // 0: use the decimal path
}

// NewTaxProfile returns a profile named name with the given periods. Periods
// must be in increasing From order, the first with a zero From; within a
// period, codes must be non-empty and distinct, each rate in [0, 1] and their
// sum at most 1. Errors wrap ErrInvalidTax.
func NewTaxProfile(name string, periods ...TaxPeriod) (TaxProfile, error) {
	if name == "" {
		return TaxProfile{}, fmt.Errorf("%w: empty name", ErrInvalidTax)
	}
	if len(periods) == 0 {
		return TaxProfile{}, fmt.Errorf("%w: %s: no period", ErrInvalidTax, name)
	}
	p := &taxProfile{name: name, periods: make([]taxPeriod, len(periods))}
	one := decimal.NewFromInt(1)
	for i, per := range periods {
		if i == 0 && !per.From.IsZero() {
			return TaxProfile{}, fmt.Errorf("%w: %s: first period must start at the zero date (it covers all earlier payments), got %s", ErrInvalidTax, name, per.From)
		}
		if i > 0 && !per.From.After(periods[i-1].From) {
			return TaxProfile{}, fmt.Errorf("%w: %s: period %d starts %s, not after %s", ErrInvalidTax, name, i, per.From, periods[i-1].From)
		}
		sum := decimal.Zero
		seen := make(map[string]bool, len(per.Rates))
		rates := make([]taxRate, len(per.Rates))
		for j, r := range per.Rates {
			if r.Code == "" || seen[r.Code] {
				return TaxProfile{}, fmt.Errorf("%w: %s: empty or repeated code %q", ErrInvalidTax, name, r.Code)
			}
			seen[r.Code] = true
			if r.Rate.Sign() < 0 || r.Rate.GreaterThan(one) {
				return TaxProfile{}, fmt.Errorf("%w: %s: rate %s of %s outside [0, 1]", ErrInvalidTax, name, r.Rate, r.Code)
			}
			sum = sum.Add(r.Rate)
			rates[j] = compileRate(r)
		}
		if sum.GreaterThan(one) {
			return TaxProfile{}, fmt.Errorf("%w: %s: rates sum to %s, above 1", ErrInvalidTax, name, sum)
		}
		p.periods[i] = taxPeriod{from: per.From, rates: rates}
	}
	return TaxProfile{p: p}, nil
}

func compileRate(r TaxRate) taxRate {
	tr := taxRate{code: r.Code, rate: r.Rate}
	exp := r.Rate.Exponent()
	coef := r.Rate.Coefficient()
	if exp <= 0 && exp >= -18 && coef.IsUint64() {
		den := uint64(1)
		for range -exp {
			den *= 10
		}
		tr.num, tr.den = coef.Uint64(), den
	}
	return tr
}

func mustProfile(name string, periods ...TaxPeriod) TaxProfile {
	p, err := NewTaxProfile(name, periods...)
	if err != nil {
		panic(err)
	}
	return p
}

var (
	frIR     = decimal.RequireFromString("0.128")
	frPS2025 = decimal.RequireFromString("0.172")
	frPS2026 = decimal.RequireFromString("0.186")
	fr2026   = lendkit.MustDate(2026, time.January, 1)

	franceIndividual = mustProfile("FR-PFU",
		TaxPeriod{Rates: []TaxRate{{Code: TaxFranceIncome, Rate: frIR}, {Code: TaxFranceSocial, Rate: frPS2025}}},
		TaxPeriod{From: fr2026, Rates: []TaxRate{{Code: TaxFranceIncome, Rate: frIR}, {Code: TaxFranceSocial, Rate: frPS2026}}},
	)
	franceExempt = mustProfile("FR-DISPENSE",
		TaxPeriod{Rates: []TaxRate{{Code: TaxFranceSocial, Rate: frPS2025}}},
		TaxPeriod{From: fr2026, Rates: []TaxRate{{Code: TaxFranceSocial, Rate: frPS2026}}},
	)
	italyIndividual = mustProfile("IT-26",
		TaxPeriod{Rates: []TaxRate{{Code: TaxItaly, Rate: decimal.RequireFromString("0.26")}}},
	)
)

// Tax codes of the predefined profiles; each names the authority a ledger
// account is kept for.
const (
	// TaxFranceIncome is the French 12.8 % income-tax advance
	// (prélèvement forfaitaire non libératoire).
	TaxFranceIncome = "FR-IR"
	// TaxFranceSocial is the French social levies (prélèvements sociaux):
	// 17.2 % on interest paid until 2025-12-31, 18.6 % from 2026-01-01.
	TaxFranceSocial = "FR-PS"
	// TaxItaly is the Italian 26 % substitute tax (ritenuta) on interest.
	TaxItaly = "IT-RIT"
)

// FranceIndividual is the profile of a French tax resident individual: the
// 12.8 % income-tax advance plus social levies of 17.2 % on interest paid up
// to 2025-12-31 and 18.6 % from 2026-01-01.
func FranceIndividual() TaxProfile { return franceIndividual }

// FranceExempt is the profile of a French resident individual who is
// exempted from the 12.8 % advance (income below the legal threshold): only
// social levies are withheld.
func FranceExempt() TaxProfile { return franceExempt }

// ItalyIndividual is the profile of an Italian resident individual: 26 %.
func ItalyIndividual() TaxProfile { return italyIndividual }

// NoWithholding is the zero profile: nothing withheld (companies, funds, the
// platform, employers, non-residents paid gross).
func NoWithholding() TaxProfile { return TaxProfile{} }

// Name returns the profile's name, "" for the zero profile.
func (t TaxProfile) Name() string {
	if t.p == nil {
		return ""
	}
	return t.p.name
}

// Periods returns a copy of the profile's table.
func (t TaxProfile) Periods() []TaxPeriod {
	if t.p == nil {
		return nil
	}
	out := make([]TaxPeriod, len(t.p.periods))
	for i, per := range t.p.periods {
		rs := make([]TaxRate, len(per.rates))
		for j, r := range per.rates {
			rs[j] = TaxRate{Code: r.code, Rate: r.rate}
		}
		out[i] = TaxPeriod{From: per.from, Rates: rs}
	}
	return out
}

// RatesAt returns the rates that apply to interest paid on d.
func (t TaxProfile) RatesAt(d lendkit.Date) []TaxRate {
	per := t.period(d)
	if per == nil {
		return nil
	}
	rs := make([]TaxRate, len(per.rates))
	for j, r := range per.rates {
		rs[j] = TaxRate{Code: r.code, Rate: r.rate}
	}
	return rs
}

// withholds reports whether any period has a positive rate.
func (t TaxProfile) withholds() bool {
	if t.p == nil {
		return false
	}
	for _, per := range t.p.periods {
		for _, r := range per.rates {
			if r.rate.Sign() > 0 {
				return true
			}
		}
	}
	return false
}

// maxLines returns the most rates any period has.
func (t TaxProfile) maxLines() int {
	if t.p == nil {
		return 0
	}
	n := 0
	for _, per := range t.p.periods {
		n = max(n, len(per.rates))
	}
	return n
}

// same reports whether t and o are the same table (same name and rates).
func (t TaxProfile) same(o TaxProfile) bool {
	if t.p == o.p {
		return true
	}
	if t.p == nil || o.p == nil || t.p.name != o.p.name || len(t.p.periods) != len(o.p.periods) {
		return false
	}
	for i, a := range t.p.periods {
		b := o.p.periods[i]
		if a.from != b.from || len(a.rates) != len(b.rates) {
			return false
		}
		for j := range a.rates {
			if a.rates[j].code != b.rates[j].code || !a.rates[j].rate.Equal(b.rates[j].rate) {
				return false
			}
		}
	}
	return true
}

func (t TaxProfile) period(d lendkit.Date) *taxPeriod {
	if t.p == nil {
		return nil
	}
	ps := t.p.periods
	for i := len(ps) - 1; i > 0; i-- {
		if !d.Before(ps[i].from) {
			return &ps[i]
		}
	}
	return &ps[0]
}

// TaxLine is one tax withheld from one holder on one payment.
type TaxLine struct {
	Code   string
	Amount lendkit.Money
}

// withhold computes the taxes on taxable (minor units, ≥ 0) paid on d, each
// rounded half-up to the minor unit, appending the lines to dst. Rounding
// each component up could, for a one-cent interest and rates near 1, take more
// than the interest: the components are then reduced from the last so that
// tax never exceeds the interest (no holder ever receives a negative amount).
// It returns the lines and their total.
func (t TaxProfile) withhold(dst []TaxLine, taxable int64, d lendkit.Date, cur lendkit.Currency) ([]TaxLine, int64, error) {
	per := t.period(d)
	if per == nil {
		return dst, 0, nil
	}
	start := len(dst)
	var total int64
	for _, r := range per.rates {
		var amt int64
		if r.den != 0 {
			hi, lo := bits.Mul64(uint64(taxable), r.num)
			q, rem := bits.Div64(hi, lo, r.den) // hi < den: rate ≤ 1 so q ≤ taxable
			if rem >= r.den-rem {               // half-up: rem/den ≥ 1/2
				q++
			}
			amt = int64(q)
		} else {
			m, err := lendkit.New(taxable, cur).Mul(r.rate, lendkit.HalfUp)
			if err != nil {
				return dst, 0, fmt.Errorf("withholding %s: %w", r.code, err)
			}
			amt = m.Minor()
		}
		total += amt
		dst = append(dst, TaxLine{Code: r.code, Amount: lendkit.New(amt, cur)})
	}
	for i := len(dst) - 1; total > taxable && i >= start; i-- {
		cut := min(total-taxable, dst[i].Amount.Minor())
		dst[i].Amount = lendkit.New(dst[i].Amount.Minor()-cut, cur)
		total -= cut
	}
	return dst, total, nil
}
