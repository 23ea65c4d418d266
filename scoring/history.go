package scoring

import (
	"fmt"
	"math"
	"slices"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// Transaction is one dated movement on a bank account: a credit is positive, a
// debit negative. A rejected transaction (a direct debit returned unpaid, a
// bounced payment) did not move the balance.
type Transaction struct {
	Date     lendkit.Date
	Amount   lendkit.Money
	Category string // the caller's category ("salary", "betting", "payday-loan", …)
	Rejected bool
}

// Categories tells AccountHistory which transaction categories are income, gambling
// and payday lending. Categorisation belongs to the caller (its bank-data
// provider); scoring only counts.
type Categories struct {
	Income   []string
	Gambling []string
	Payday   []string
}

// AccountFeatures are the features derived from a bank account history over
// [From, To] (both days included).
type AccountFeatures struct {
	Days int // days in the window
	// AverageBalance is the mean end-of-day balance, rounded half-up to the
	// minor unit; MinBalance the lowest end-of-day balance.
	AverageBalance, MinBalance lendkit.Money
	DaysOverdrawn              int // days ending with a negative balance
	RejectedDebits             int // rejected debits (returned direct debits, bounced payments)
	Income                     lendkit.Money
	// FullMonths is the number of calendar months wholly inside the window;
	// IncomeMonths how many of them received at least one income credit.
	// IncomeRegularity is IncomeMonths / FullMonths (6 decimals, half-up), zero
	// when there is no full month.
	FullMonths, IncomeMonths int
	IncomeRegularity         decimal.Decimal
	// IncomeVariation is the coefficient of variation (standard deviation /
	// mean) of monthly income over the full months, 0 when undefined. It is a
	// float64: a dispersion statistic for the scorecard, never a money figure.
	IncomeVariation float64
	Spending        lendkit.Money // sum of the debits that went through
	// GamblingShare and PaydayShare are the shares of Spending going to
	// gambling and payday-lender categories (6 decimals, half-up).
	GamblingShare, PaydayShare decimal.Decimal
}

// maxHistoryDays bounds a history window (ten years): features over a longer
// window mean nothing and the daily walk must have a bound.
const maxHistoryDays = 3660

// AccountHistory derives AccountFeatures from the transactions of one account over
// [from, to]; opening is the balance at the start of from. Transactions may
// come in any order; a transaction outside the window, in another currency or
// of zero amount is an InputError.
func AccountHistory(opening lendkit.Money, from, to lendkit.Date, txs []Transaction, cats Categories) (AccountFeatures, error) {
	c := opening.Currency()
	if c.IsZero() {
		return AccountFeatures{}, inputErr("opening", "amount has no currency")
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return AccountFeatures{}, inputErr("from/to", fmt.Sprintf("empty window %s…%s", from, to))
	}
	days := lendkit.DaysBetween(from, to) + 1
	if days > maxHistoryDays {
		return AccountFeatures{}, inputErr("from/to", fmt.Sprintf("window of %d days exceeds %d", days, maxHistoryDays))
	}
	in := func(list []string, s string) bool { return slices.Contains(list, s) }
	sorted := slices.Clone(txs)
	slices.SortStableFunc(sorted, func(a, b Transaction) int { return a.Date.Compare(b.Date) })

	f := AccountFeatures{Days: days}
	var err error
	zero := lendkit.Zero(c)
	f.Income, f.Spending = zero, zero
	gambling, payday := zero, zero
	monthly := map[[2]int]lendkit.Money{} // (year, month) → income
	for i, t := range sorted {
		field := fmt.Sprintf("txs[%d]", i)
		if t.Date.Before(from) || t.Date.After(to) {
			return AccountFeatures{}, inputErr(field+".Date", fmt.Sprintf("%s outside %s…%s", t.Date, from, to))
		}
		if t.Amount.Currency() != c {
			return AccountFeatures{}, fmt.Errorf("%s.Amount: %w: %s on a %s account", field, lendkit.ErrCurrencyMismatch, t.Amount, c)
		}
		if t.Amount.IsZero() {
			return AccountFeatures{}, inputErr(field+".Amount", "zero amount")
		}
		if t.Rejected {
			if t.Amount.IsNegative() {
				f.RejectedDebits++
			}
			continue
		}
		if t.Amount.IsPositive() && in(cats.Income, t.Category) {
			if f.Income, err = f.Income.Add(t.Amount); err != nil {
				return AccountFeatures{}, err
			}
			k := [2]int{t.Date.Year(), int(t.Date.Month())}
			m := monthly[k]
			if m.Currency().IsZero() {
				m = zero
			}
			if monthly[k], err = m.Add(t.Amount); err != nil {
				return AccountFeatures{}, err
			}
		}
		if t.Amount.IsNegative() {
			out, err := t.Amount.Neg()
			if err != nil {
				return AccountFeatures{}, err
			}
			if f.Spending, err = f.Spending.Add(out); err != nil {
				return AccountFeatures{}, err
			}
			if in(cats.Gambling, t.Category) {
				if gambling, err = gambling.Add(out); err != nil {
					return AccountFeatures{}, err
				}
			}
			if in(cats.Payday, t.Category) {
				if payday, err = payday.Add(out); err != nil {
					return AccountFeatures{}, err
				}
			}
		}
	}

	// Walk the days: balance at each day's end. The walk is bounded by
	// maxHistoryDays and the transaction index only moves forward.
	bal := opening
	sum := decimal.Zero
	f.MinBalance = opening
	k := 0
	for d := range days {
		day := from.AddDays(d)
		for ; k < len(sorted) && sorted[k].Date == day; k++ {
			if sorted[k].Rejected {
				continue
			}
			if bal, err = bal.Add(sorted[k].Amount); err != nil {
				return AccountFeatures{}, err
			}
		}
		if d == 0 || bal.Minor() < f.MinBalance.Minor() {
			f.MinBalance = bal
		}
		if bal.IsNegative() {
			f.DaysOverdrawn++
		}
		sum = sum.Add(bal.Decimal())
	}
	avg, _ := sum.QuoRem(decimal.NewFromInt(int64(days)), 12)
	if f.AverageBalance, err = lendkit.FromDecimal(avg, c, lendkit.HalfUp); err != nil {
		return AccountFeatures{}, err
	}

	// Full calendar months inside the window.
	var incomes []float64
	for m := firstFullMonth(from); !m.EndOfMonth().After(to); m = m.AddMonths(1) {
		f.FullMonths++
		inc, ok := monthly[[2]int{m.Year(), int(m.Month())}]
		if ok && inc.IsPositive() {
			f.IncomeMonths++
		}
		// float64 for the dispersion statistic only (see IncomeVariation).
		v := 0.0
		if ok {
			v = inc.Decimal().InexactFloat64()
		}
		incomes = append(incomes, v)
	}
	f.IncomeRegularity = decimal.Zero
	if f.FullMonths > 0 {
		f.IncomeRegularity = ratio(decimal.NewFromInt(int64(f.IncomeMonths)), decimal.NewFromInt(int64(f.FullMonths)))
	}
	f.IncomeVariation = coefficientOfVariation(incomes)
	f.GamblingShare, f.PaydayShare = decimal.Zero, decimal.Zero
	if f.Spending.IsPositive() {
		f.GamblingShare = ratio(gambling.Decimal(), f.Spending.Decimal())
		f.PaydayShare = ratio(payday.Decimal(), f.Spending.Decimal())
	}
	return f, nil
}

// firstFullMonth returns the first day of the first calendar month starting on
// or after d.
func firstFullMonth(d lendkit.Date) lendkit.Date {
	if d.Day() == 1 {
		return d
	}
	return d.EndOfMonth().AddDays(1)
}

// coefficientOfVariation returns the population standard deviation over the
// mean of xs, or 0 when there are fewer than two values or the mean is not
// positive.
func coefficientOfVariation(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if mean <= 0 {
		return 0
	}
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss/float64(len(xs))) / mean
}

// Feature names AccountFeatures.ScoringFeatures uses.
const (
	FeatureAverageBalance   = "account_average_balance"
	FeatureMinBalance       = "account_min_balance"
	FeatureDaysOverdrawn    = "account_days_overdrawn"
	FeatureRejectedDebits   = "account_rejected_debits"
	FeatureIncomeRegularity = "account_income_regularity"
	FeatureIncomeVariation  = "account_income_variation"
	FeatureGamblingShare    = "account_gambling_share"
	FeaturePaydayShare      = "account_payday_share"
)

// ScoringFeatures returns the features as scorecard inputs, named by the
// Feature… constants. Amounts are in major units; they become float64 here
// because a scorecard only compares them with bin edges (see the note on
// Scorecard) — no money is computed from them. Income regularity is missing
// when the window holds no full month.
func (f AccountFeatures) ScoringFeatures() Features {
	out := Features{
		FeatureAverageBalance: Num(f.AverageBalance.Decimal().InexactFloat64()),
		FeatureMinBalance:     Num(f.MinBalance.Decimal().InexactFloat64()),
		FeatureDaysOverdrawn:  Num(float64(f.DaysOverdrawn)),
		FeatureRejectedDebits: Num(float64(f.RejectedDebits)),
		FeatureGamblingShare:  Num(f.GamblingShare.InexactFloat64()),
		FeaturePaydayShare:    Num(f.PaydayShare.InexactFloat64()),
	}
	if f.FullMonths > 0 {
		out[FeatureIncomeRegularity] = Num(f.IncomeRegularity.InexactFloat64())
		out[FeatureIncomeVariation] = Num(f.IncomeVariation)
	} else {
		out[FeatureIncomeRegularity], out[FeatureIncomeVariation] = Missing(), Missing()
	}
	return out
}
