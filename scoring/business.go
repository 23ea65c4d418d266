package scoring

import (
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// BusinessFinancials are the figures of a company's last financial year (or
// trailing twelve months) that a short-term financing decision uses.
type BusinessFinancials struct {
	Revenue lendkit.Money // annual revenue (turnover)
	// EBITDAMargin is earnings before interest, taxes, depreciation and
	// amortisation over revenue, a fraction (0.12 for 12 %). It may be negative.
	EBITDAMargin decimal.Decimal
	// DebtService is what the company already pays each year on its financial
	// debt (principal and interest).
	DebtService lendkit.Money
	Debt        lendkit.Money // outstanding financial debt
	Cash        lendkit.Money // cash and equivalents
}

// BusinessRules bound a company's borrowing. DefaultBusinessRules gives
// common bank covenants.
type BusinessRules struct {
	// MinDSCR is the minimum debt-service coverage ratio: EBITDA must cover all
	// debt service (old and new) MinDSCR times (1.25).
	MinDSCR decimal.Decimal
	// MaxNetLeverage is the maximum (debt + new loan − cash) / EBITDA (3.0).
	MaxNetLeverage decimal.Decimal
	// MaxRevenueShare caps the new loan at this share of annual revenue (0.25):
	// short-term financing should stay small against the business's turnover.
	MaxRevenueShare decimal.Decimal
}

// DefaultBusinessRules returns DSCR ≥ 1.25, net leverage ≤ 3.0 × EBITDA and a
// new loan of at most 25 % of annual revenue.
func DefaultBusinessRules() BusinessRules {
	return BusinessRules{
		MinDSCR:         decimal.RequireFromString("1.25"),
		MaxNetLeverage:  decimal.RequireFromString("3.0"),
		MaxRevenueShare: decimal.RequireFromString("0.25"),
	}
}

// Capacity limit names, as BusinessCapacity.Binding reports them.
const (
	LimitDebtService = "debt-service" // EBITDA / MinDSCR − existing debt service
	LimitLeverage    = "net-leverage" // MaxNetLeverage × EBITDA − (debt − cash)
	LimitRevenue     = "revenue"      // MaxRevenueShare × revenue
)

// BusinessCapacity is a company's maximum borrowing capacity for one rate and
// term, and which limit binds.
type BusinessCapacity struct {
	EBITDA lendkit.Money // revenue × margin, rounded down
	// MaxInstalment is the largest new monthly instalment the DSCR allows.
	MaxInstalment lendkit.Money
	// The three ceilings on the principal; MaxAmount is the smallest.
	ByDebtService, ByLeverage, ByRevenue lendkit.Money
	MaxAmount                            lendkit.Money
	Binding                              string // LimitDebtService, LimitLeverage or LimitRevenue
}

// Validate reports whether the rules are usable.
func (r BusinessRules) Validate() error {
	if r.MinDSCR.Sign() <= 0 {
		return inputErr("MinDSCR", "must be positive, got "+r.MinDSCR.String())
	}
	if r.MaxNetLeverage.Sign() < 0 {
		return inputErr("MaxNetLeverage", "negative "+r.MaxNetLeverage.String())
	}
	if r.MaxRevenueShare.Sign() < 0 {
		return inputErr("MaxRevenueShare", "negative "+r.MaxRevenueShare.String())
	}
	return nil
}

// Capacity returns the maximum a company with financials f can borrow at rate
// over termMonths (monthly annuity, see MaxPrincipal). A company with no
// positive EBITDA has no capacity: every ceiling is then zero. Negative
// revenue, debt, debt service or cash is an InputError; amounts in different
// currencies are lendkit.ErrCurrencyMismatch.
func (r BusinessRules) Capacity(f BusinessFinancials, rate lendkit.Rate, termMonths int) (BusinessCapacity, error) {
	if err := r.Validate(); err != nil {
		return BusinessCapacity{}, err
	}
	if err := checkAnnuityTerms(rate, termMonths); err != nil {
		return BusinessCapacity{}, err
	}
	c := f.Revenue.Currency()
	if c.IsZero() {
		return BusinessCapacity{}, &InputError{Field: "Revenue", Reason: "no revenue given", Err: ErrMissingIncome}
	}
	for _, a := range []struct {
		field string
		m     lendkit.Money
	}{{"Revenue", f.Revenue}, {"DebtService", f.DebtService}, {"Debt", f.Debt}, {"Cash", f.Cash}} {
		if a.m.Currency() != c {
			return BusinessCapacity{}, fmt.Errorf("%s: %w: %s with revenue in %s", a.field, lendkit.ErrCurrencyMismatch, a.m, c)
		}
		if a.m.IsNegative() {
			return BusinessCapacity{}, inputErr(a.field, "negative amount "+a.m.String())
		}
	}
	var bc BusinessCapacity
	var err error
	if bc.EBITDA, err = f.Revenue.Mul(f.EBITDAMargin, lendkit.Down); err != nil {
		return BusinessCapacity{}, fmt.Errorf("EBITDA: %w", err)
	}
	zero := lendkit.Zero(c)
	clamp := func(d decimal.Decimal) (lendkit.Money, error) {
		if d.Sign() <= 0 {
			return zero, nil
		}
		return lendkit.FromDecimal(d, c, lendkit.Down)
	}
	ebitda := bc.EBITDA.Decimal()

	// Debt service: annual room = EBITDA / DSCR − existing; per month /12.
	// Truncating the quotients at 12 places never changes the final Down
	// rounding to the minor unit: a value at or above k minor units stays so.
	annualRoom, _ := ebitda.QuoRem(r.MinDSCR, 12)
	monthly, _ := annualRoom.Sub(f.DebtService.Decimal()).QuoRem(decimal.NewFromInt(12), 12)
	if bc.MaxInstalment, err = clamp(monthly); err != nil {
		return BusinessCapacity{}, err
	}
	if bc.ByDebtService, err = MaxPrincipal(bc.MaxInstalment, rate, termMonths, decimal.Zero); err != nil {
		return BusinessCapacity{}, err
	}
	// Net leverage: (debt + new − cash) ≤ L × EBITDA.
	if bc.ByLeverage, err = clamp(ebitda.Mul(r.MaxNetLeverage).Sub(f.Debt.Decimal()).Add(f.Cash.Decimal())); err != nil {
		return BusinessCapacity{}, err
	}
	if ebitda.Sign() <= 0 {
		bc.ByLeverage = zero
	}
	if bc.ByRevenue, err = clamp(f.Revenue.Decimal().Mul(r.MaxRevenueShare)); err != nil {
		return BusinessCapacity{}, err
	}
	bc.MaxAmount, bc.Binding = bc.ByDebtService, LimitDebtService
	if bc.ByLeverage.Minor() < bc.MaxAmount.Minor() {
		bc.MaxAmount, bc.Binding = bc.ByLeverage, LimitLeverage
	}
	if bc.ByRevenue.Minor() < bc.MaxAmount.Minor() {
		bc.MaxAmount, bc.Binding = bc.ByRevenue, LimitRevenue
	}
	return bc, nil
}
