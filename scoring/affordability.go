package scoring

import (
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// IncomeKind says where an income comes from; the affordability rules keep a
// share of each kind as "stable" (see AffordabilityRules.Haircuts).
type IncomeKind string

// Income kinds with a default haircut.
const (
	IncomePermanent    IncomeKind = "permanent"     // salary under a permanent contract
	IncomeFixedTerm    IncomeKind = "fixed-term"    // salary under a fixed-term or temporary contract
	IncomeSelfEmployed IncomeKind = "self-employed" // net business income of a sole trader
	IncomePension      IncomeKind = "pension"       // retirement pension
	IncomeRental       IncomeKind = "rental"        // rent received
	IncomeVariable     IncomeKind = "variable"      // bonuses, commissions, overtime
	IncomeBenefits     IncomeKind = "benefits"      // family or social benefits
)

// Income is one monthly net income of the household.
type Income struct {
	Kind    IncomeKind
	Monthly lendkit.Money
}

// Household is who lives on the income: the residual-income floor grows with it.
type Household struct {
	Adults   int // at least 1
	Children int
}

// Budget is a household's monthly budget before the new loan.
type Budget struct {
	Incomes []Income
	// DebtService is what the household already pays each month on credit
	// (instalments and their insurance). It counts in the DSTI.
	DebtService lendkit.Money
	// LivingCosts are other fixed monthly charges (rent, alimony). They do not
	// count in the DSTI but are deducted from the residual income.
	LivingCosts lendkit.Money
	Household   Household
}

// NewLoanPayment is the monthly outgoing of the loan being assessed.
type NewLoanPayment struct {
	Instalment lendkit.Money // principal and interest
	Insurance  lendkit.Money // borrower insurance premium
}

// AffordabilityRules are the thresholds of an affordability assessment.
// DefaultAffordabilityRules gives the French HCSF-style defaults.
type AffordabilityRules struct {
	// MaxDSTI is the largest debt-service-to-income ratio, a fraction (0.35).
	MaxDSTI decimal.Decimal
	// Residual-income ("reste à vivre") floor, in major units of the loan's
	// currency: FloorSingle for the first adult, FloorExtraAdult for each
	// other adult, FloorChild for each child.
	FloorSingle, FloorExtraAdult, FloorChild decimal.Decimal
	// Haircuts gives, per income kind, the share of that income NOT counted as
	// stable (0.30 counts 70 %). An income of a kind missing here is an error:
	// silently counting an unknown income in full would overstate affordability.
	Haircuts map[IncomeKind]decimal.Decimal
}

// DefaultAffordabilityRules returns 35 % DSTI (the HCSF rule), floors of 800 for
// a single adult, +400 per extra adult, +300 per child, and haircuts of 0 %
// (permanent salary, pension), 20 % (fixed-term), 30 % (self-employed, rental:
// banks usually count 70 % of rent), 50 % (variable pay, benefits).
func DefaultAffordabilityRules() AffordabilityRules {
	return AffordabilityRules{
		MaxDSTI:         decimal.RequireFromString("0.35"),
		FloorSingle:     decimal.NewFromInt(800),
		FloorExtraAdult: decimal.NewFromInt(400),
		FloorChild:      decimal.NewFromInt(300),
		Haircuts: map[IncomeKind]decimal.Decimal{
			IncomePermanent:    decimal.Zero,
			IncomePension:      decimal.Zero,
			IncomeFixedTerm:    decimal.RequireFromString("0.20"),
			IncomeSelfEmployed: decimal.RequireFromString("0.30"),
			IncomeRental:       decimal.RequireFromString("0.30"),
			IncomeVariable:     decimal.RequireFromString("0.50"),
			IncomeBenefits:     decimal.RequireFromString("0.50"),
		},
	}
}

// Validate reports whether the rules are usable.
func (r AffordabilityRules) Validate() error {
	one := decimal.NewFromInt(1)
	if r.MaxDSTI.Sign() <= 0 || r.MaxDSTI.GreaterThan(one) {
		return inputErr("MaxDSTI", "must be in (0, 1], got "+r.MaxDSTI.String())
	}
	for name, v := range map[string]decimal.Decimal{"FloorSingle": r.FloorSingle, "FloorExtraAdult": r.FloorExtraAdult, "FloorChild": r.FloorChild} {
		if v.Sign() < 0 {
			return inputErr(name, "negative floor "+v.String())
		}
	}
	for k, h := range r.Haircuts {
		if h.Sign() < 0 || h.GreaterThan(one) {
			return inputErr(fmt.Sprintf("Haircuts[%s]", k), "must be in [0, 1], got "+h.String())
		}
	}
	return nil
}

// Affordability is the result of an assessment. Ratios are exact fractions
// rounded half-up to 6 decimals for display; the checks DSTIOK and ResidualOK
// compare exact values, never the rounded ratios.
type Affordability struct {
	GrossIncome  lendkit.Money `json:"grossIncome"`  // sum of the incomes
	StableIncome lendkit.Money `json:"stableIncome"` // after haircuts (each rounded down to the minor unit)
	// DebtServiceBefore is the existing debt service; DebtServiceAfter adds the
	// new instalment and its insurance.
	DebtServiceBefore lendkit.Money `json:"debtServiceBefore"`
	DebtServiceAfter  lendkit.Money `json:"debtServiceAfter"`
	// DSTIBefore and DSTIAfter are debt service over stable income. They are
	// zero when HasStableIncome is false.
	DSTIBefore      decimal.Decimal `json:"dstiBefore"`
	DSTIAfter       decimal.Decimal `json:"dstiAfter"`
	HasStableIncome bool            `json:"hasStableIncome"`
	// ResidualBefore and ResidualAfter are stable income minus living costs and
	// debt service, before and after the new loan; Floor is the household's
	// minimum.
	ResidualBefore lendkit.Money `json:"residualBefore"`
	ResidualAfter  lendkit.Money `json:"residualAfter"`
	Floor          lendkit.Money `json:"floor"`
	// MaxPayment is the largest monthly outgoing (instalment + insurance) for a
	// new loan that keeps both the DSTI and the residual income within the
	// rules; zero when there is no room.
	MaxPayment lendkit.Money `json:"maxPayment"`
	// DSTIOK and ResidualOK tell whether the situation after the new loan meets
	// the rules.
	DSTIOK     bool `json:"dstiOK"`
	ResidualOK bool `json:"residualOK"`
}

// Floor returns the residual-income floor of household h in currency c:
// FloorSingle + FloorExtraAdult × (adults − 1) + FloorChild × children, in
// major units of c.
func (r AffordabilityRules) Floor(h Household, c lendkit.Currency) (lendkit.Money, error) {
	if h.Adults < 1 {
		return lendkit.Money{}, inputErr("Household.Adults", fmt.Sprintf("need at least one adult, got %d", h.Adults))
	}
	if h.Children < 0 {
		return lendkit.Money{}, inputErr("Household.Children", fmt.Sprintf("negative count %d", h.Children))
	}
	major := r.FloorSingle.
		Add(r.FloorExtraAdult.Mul(decimal.NewFromInt(int64(h.Adults - 1)))).
		Add(r.FloorChild.Mul(decimal.NewFromInt(int64(h.Children))))
	// Floors are whole or cent amounts; should one have more decimals than the
	// currency (800.005 in JPY), round up: a floor must not be lowered.
	return lendkit.FromDecimal(major, c, lendkit.Up)
}

// StableIncome returns the sum of the incomes and of their stable shares
// (each income × (1 − haircut), rounded down to the minor unit).
func (r AffordabilityRules) StableIncome(incomes []Income, c lendkit.Currency) (gross, stable lendkit.Money, err error) {
	if len(incomes) == 0 {
		return lendkit.Money{}, lendkit.Money{}, &InputError{Field: "Incomes", Reason: "no income given", Err: ErrMissingIncome}
	}
	gross, stable = lendkit.Zero(c), lendkit.Zero(c)
	one := decimal.NewFromInt(1)
	for i, in := range incomes {
		field := fmt.Sprintf("Incomes[%d]", i)
		if in.Monthly.Currency() != c {
			return lendkit.Money{}, lendkit.Money{}, fmt.Errorf("%s.Monthly: %w: %s in a %s assessment", field, lendkit.ErrCurrencyMismatch, in.Monthly, c)
		}
		if in.Monthly.IsNegative() {
			return lendkit.Money{}, lendkit.Money{}, inputErr(field+".Monthly", "negative amount "+in.Monthly.String())
		}
		h, ok := r.Haircuts[in.Kind]
		if !ok {
			return lendkit.Money{}, lendkit.Money{}, &InputError{Field: field + ".Kind", Reason: fmt.Sprintf("no haircut for %q", in.Kind), Err: ErrUnknownIncomeKind}
		}
		kept, err := in.Monthly.Mul(one.Sub(h), lendkit.Down)
		if err != nil {
			return lendkit.Money{}, lendkit.Money{}, fmt.Errorf("%s: %w", field, err)
		}
		if gross, err = gross.Add(in.Monthly); err != nil {
			return lendkit.Money{}, lendkit.Money{}, fmt.Errorf("%s: %w", field, err)
		}
		if stable, err = stable.Add(kept); err != nil {
			return lendkit.Money{}, lendkit.Money{}, fmt.Errorf("%s: %w", field, err)
		}
	}
	return gross, stable, nil
}

// Assess measures budget b with the new loan's payment p. Missing income is
// ErrMissingIncome, a negative amount or an empty household is an InputError,
// mixed currencies are lendkit.ErrCurrencyMismatch. The currency is that of
// the first income.
func (r AffordabilityRules) Assess(b Budget, p NewLoanPayment) (Affordability, error) {
	if err := r.Validate(); err != nil {
		return Affordability{}, err
	}
	if len(b.Incomes) == 0 {
		return Affordability{}, &InputError{Field: "Incomes", Reason: "no income given", Err: ErrMissingIncome}
	}
	c := b.Incomes[0].Monthly.Currency()
	if c.IsZero() {
		return Affordability{}, &InputError{Field: "Incomes[0].Monthly", Reason: "amount has no currency", Err: ErrMissingIncome}
	}
	amounts := []struct {
		field string
		m     lendkit.Money
	}{{"DebtService", b.DebtService}, {"LivingCosts", b.LivingCosts}, {"Instalment", p.Instalment}, {"Insurance", p.Insurance}}
	for i := range amounts {
		m := &amounts[i].m
		if m.Currency().IsZero() && m.IsZero() {
			*m = lendkit.Zero(c) // an unset amount is zero
		}
		if m.Currency() != c {
			return Affordability{}, fmt.Errorf("%s: %w: %s in a %s assessment", amounts[i].field, lendkit.ErrCurrencyMismatch, *m, c)
		}
		if m.IsNegative() {
			return Affordability{}, inputErr(amounts[i].field, "negative amount "+m.String())
		}
	}
	debt, living, inst, ins := amounts[0].m, amounts[1].m, amounts[2].m, amounts[3].m

	var a Affordability
	var err error
	if a.GrossIncome, a.StableIncome, err = r.StableIncome(b.Incomes, c); err != nil {
		return Affordability{}, err
	}
	if a.Floor, err = r.Floor(b.Household, c); err != nil {
		return Affordability{}, err
	}
	newPay, err := lendkit.Sum(c, inst, ins)
	if err != nil {
		return Affordability{}, err
	}
	a.DebtServiceBefore = debt
	if a.DebtServiceAfter, err = debt.Add(newPay); err != nil {
		return Affordability{}, err
	}
	if a.ResidualBefore, err = subAll(a.StableIncome, living, debt); err != nil {
		return Affordability{}, err
	}
	if a.ResidualAfter, err = a.ResidualBefore.Sub(newPay); err != nil {
		return Affordability{}, err
	}
	a.HasStableIncome = a.StableIncome.IsPositive()
	stable := a.StableIncome.Decimal()
	if a.HasStableIncome {
		a.DSTIBefore = ratio(debt.Decimal(), stable)
		a.DSTIAfter = ratio(a.DebtServiceAfter.Decimal(), stable)
	} else {
		a.DSTIBefore, a.DSTIAfter = decimal.Zero, decimal.Zero
	}
	// Exact check: debt after ≤ MaxDSTI × stable, no rounded ratio involved.
	limit := stable.Mul(r.MaxDSTI)
	a.DSTIOK = a.HasStableIncome && a.DebtServiceAfter.Decimal().LessThanOrEqual(limit)
	a.ResidualOK = a.ResidualAfter.Decimal().GreaterThanOrEqual(a.Floor.Decimal())

	// Room under each rule; the maximum payment is the smaller, rounded down
	// so that paying it keeps both rules true.
	byDSTI := limit.Sub(debt.Decimal())
	byResidual := a.ResidualBefore.Decimal().Sub(a.Floor.Decimal())
	room := decimal.Min(byDSTI, byResidual)
	if room.Sign() < 0 {
		room = decimal.Zero
	}
	if a.MaxPayment, err = lendkit.FromDecimal(room, c, lendkit.Down); err != nil {
		return Affordability{}, err
	}
	return a, nil
}

// MaxAmount is the largest principal whose payment — instalment at rate over
// termMonths plus insurance at insuranceRate a year on the principal — fits in
// a.MaxPayment (see MaxPrincipal).
func (a Affordability) MaxAmount(rate lendkit.Rate, termMonths int, insuranceRate decimal.Decimal) (lendkit.Money, error) {
	return MaxPrincipal(a.MaxPayment, rate, termMonths, insuranceRate)
}

// ratio returns num/den rounded half-up to 6 places; den must be positive.
func ratio(num, den decimal.Decimal) decimal.Decimal {
	// QuoRem at 12 places then one named rounding: shopspring's Div would use
	// its package-level precision, which lendkit never relies on.
	q, _ := num.QuoRem(den, 12)
	return lendkit.HalfUp.Round(q, 6)
}

func subAll(m lendkit.Money, subs ...lendkit.Money) (lendkit.Money, error) {
	for _, s := range subs {
		var err error
		if m, err = m.Sub(s); err != nil {
			return lendkit.Money{}, err
		}
	}
	return m, nil
}
