package amortization

import (
	"fmt"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// MaxPeriods bounds the number of instalments of one schedule: 1,200 is a
// century of monthly payments, more than any loan and few enough that a
// schedule always fits comfortably in memory.
const MaxPeriods = 1200

// Method is how the principal is repaid.
type Method uint8

const (
	// Annuity is the level payment ("amortissement constant des
	// mensualités"): every instalment is equal except the last, which pays
	// the whole remaining principal plus its interest.
	Annuity Method = iota
	// Linear repays the same principal every period (constant amortisation);
	// instalments decrease with the interest.
	Linear
	// Bullet pays interest only every period and the whole principal with the
	// last instalment.
	Bullet
	// InterestOnly pays interest only for Terms.InterestOnlyPeriods periods,
	// then level payments that amortise the principal down to Terms.Balloon,
	// which is paid with the last instalment.
	InterestOnly
	// Flat charges interest on the initial principal every period (the
	// microfinance "flat rate") and repays the principal linearly.
	Flat
)

var methodNames = [...]string{"annuity", "linear", "bullet", "interest-only", "flat"}

// String returns the name ParseMethod accepts.
func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// ParseMethod returns the method named s: annuity, linear, bullet,
// interest-only or flat (case-insensitive).
func ParseMethod(s string) (Method, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range methodNames {
		if n == t {
			return Method(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown method %q (want annuity, linear, bullet, interest-only or flat)", ErrInvalidArgument, s)
}

// Frequency is how often instalments fall due.
type Frequency uint8

const (
	// Monthly is the zero value: twelve periods a year.
	Monthly Frequency = iota
	// Weekly is 52 periods a year, due every 7 days.
	Weekly
	// Biweekly is 26 periods a year, due every 14 days.
	Biweekly
	// Quarterly is 4 periods a year.
	Quarterly
	// SemiAnnual is 2 periods a year.
	SemiAnnual
	// Annual is 1 period a year.
	Annual
)

var frequencyNames = [...]string{"monthly", "weekly", "biweekly", "quarterly", "semi-annual", "annual"}

// String returns the name ParseFrequency accepts.
func (f Frequency) String() string {
	if int(f) < len(frequencyNames) {
		return frequencyNames[f]
	}
	return fmt.Sprintf("Frequency(%d)", uint8(f))
}

// ParseFrequency returns the frequency named s: weekly, biweekly,
// monthly, quarterly, semi-annual or annual (case-insensitive).
func ParseFrequency(s string) (Frequency, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range frequencyNames {
		if n == t {
			return Frequency(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown frequency %q (want weekly, biweekly, monthly, quarterly, semi-annual or annual)", ErrInvalidArgument, s)
}

// PerYear returns the number of periods in a year (52 for Weekly).
func (f Frequency) PerYear() int {
	return [...]int{12, 52, 26, 4, 2, 1}[f]
}

// months returns the period length in months, or 0 for day-based steps.
func (f Frequency) months() int { return [...]int{1, 0, 0, 3, 6, 12}[f] }

// days returns the period length in days for weekly steps.
func (f Frequency) days() int { return [...]int{0, 7, 14, 0, 0, 0}[f] }

// Due returns the k-th due date from anchor: anchor + k periods, months by
// the end-of-month rule of lendkit.Date (always from the anchor, so a loan
// starting on 31 January falls due on 28/29 February, then 31 March).
func (f Frequency) Due(anchor lendkit.Date, k int) lendkit.Date {
	if m := f.months(); m > 0 {
		return anchor.AddMonths(k * m)
	}
	return anchor.AddDays(k * f.days())
}

// RateConversion is how the annual nominal rate becomes a periodic rate.
type RateConversion uint8

const (
	// Proportional divides the annual rate by the periods per year (the
	// default, the convention of most European consumer and SME loans).
	Proportional RateConversion = iota
	// Equivalent is (1 + annual)^(1/n) − 1, so that n compounded periods
	// give exactly the annual rate; computed with apd to 34 digits.
	Equivalent
)

// GraceKind is what the borrower pays during the grace periods.
type GraceKind uint8

const (
	// GracePartial pays interest (and fees, insurance) only: the principal
	// is deferred.
	GracePartial GraceKind = iota
	// GraceTotal pays nothing: the interest is capitalised into the balance,
	// and each grace row shows Payment zero, the accrued Interest, and a
	// negative Principal of the same amount (the balance grows by it).
	GraceTotal
)

// ParseGraceKind returns GracePartial for "partial" and GraceTotal for "total".
func ParseGraceKind(s string) (GraceKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "partial", "":
		return GracePartial, nil
	case "total":
		return GraceTotal, nil
	}
	return 0, fmt.Errorf("%w: unknown grace kind %q (want partial or total)", ErrInvalidArgument, s)
}

// InsuranceBasis is the principal a borrower-insurance premium is computed on.
type InsuranceBasis uint8

const (
	// InsuranceOnInitial charges the annual insurance rate on the initial
	// principal: the premium is the same every instalment.
	InsuranceOnInitial InsuranceBasis = iota
	// InsuranceOnOutstanding charges it on the principal outstanding at the
	// start of each period: the premium decreases with the balance.
	InsuranceOnOutstanding
)

// Insurance is a borrower insurance premium paid with every instalment.
type Insurance struct {
	// Rate is the annual premium as a fraction of the basis (0.0036 for
	// 0.36 % a year); the periodic premium is Rate / periods per year.
	Rate  decimal.Decimal
	Basis InsuranceBasis
}

// Rules are the rounding convention. The zero value is the default: every
// rounding half-up to the currency's minor unit.
type Rules struct {
	// Interest rounds each period's interest (balance × periodic rate).
	Interest lendkit.Rounding
	// Payment rounds the level payment of an annuity (or the balloon
	// method's amortising phase) from the exact annuity formula.
	Payment lendkit.Rounding
	// PaymentMultiple, in minor units, makes the level payment a multiple
	// of it (Fineract's "instalment in multiples of": 100 for whole euros).
	// Zero or one means the minor unit. Payment rounds to the multiple.
	PaymentMultiple int64
	// Principal rounds the linear (and flat) principal part principal / n.
	Principal lendkit.Rounding
	// Insurance rounds each premium.
	Insurance lendkit.Rounding
}

// Terms are what a loan offer says. Principal, Rate, Periods and Start are
// required; the zero value of every other field is the common default
// (annuity, monthly, proportional rate, not day-based, no grace, no fees).
type Terms struct {
	// Principal is the amount lent; its currency is the schedule's.
	Principal lendkit.Money
	// Rate is the annual nominal rate (lendkit.MustParseRate("5%")).
	Rate lendkit.Rate
	// Periods is the number of instalments, grace periods included, 1 to MaxPeriods.
	Periods int
	// Frequency of the instalments; Monthly by default.
	Frequency Frequency
	// Method of repayment; Annuity by default.
	Method Method
	// Start is the disbursement date; due dates are Start + k periods.
	Start lendkit.Date
	// FirstDue, when set, is the first due date instead of Start + 1 period.
	// It must be after Start and at most two periods after it; later due
	// dates are FirstDue + k periods. The first period accrues broken-period
	// interest (see Generate).
	FirstDue lendkit.Date
	// Conversion turns the annual rate into the periodic rate.
	Conversion RateConversion
	// DayCount, when not Periodic, makes the schedule day-based: each row's
	// interest is balance × annual rate × the day-count fraction of its
	// period, and an annuity's level payment is the one that repays the loan
	// exactly at those period rates (see Generate).
	DayCount DayCount
	// BrokenDayCount prices the broken part of an odd first period when the
	// schedule is not day-based. Periodic (the zero value) means ACT/365F.
	BrokenDayCount DayCount
	// Grace is the number of leading grace periods (0 ≤ Grace < Periods).
	Grace int
	// GraceKind is what the grace periods pay.
	GraceKind GraceKind
	// InterestOnlyPeriods is, for the InterestOnly method, the number of
	// interest-only periods after any grace.
	InterestOnlyPeriods int
	// Balloon is, for the InterestOnly method, the principal left to pay with
	// the last instalment after the level payments (0 ≤ Balloon ≤ Principal).
	Balloon lendkit.Money
	// UpfrontFee is paid at disbursement (it enters the APR, not the rows).
	UpfrontFee lendkit.Money
	// InstallmentFee is added to every instalment except total-grace ones.
	InstallmentFee lendkit.Money
	// Insurance is a borrower-insurance premium added to every instalment
	// except total-grace ones.
	Insurance Insurance
	// Rules is the rounding convention; the zero value is the default.
	Rules Rules
}

// maxRate bounds the annual rate: 1,000 % a year is far above any usury
// ceiling and keeps every intermediate product well inside int64 minor units.
var maxRate = decimal.NewFromInt(10)

// validate checks t and returns the first problem as a *TermsError.
func (t *Terms) validate() error {
	c := t.Principal.Currency()
	switch {
	case c.IsZero():
		return termsErr("Principal", "has no currency")
	case !t.Principal.IsPositive():
		return termsErr("Principal", "must be positive, got %s", t.Principal.Amount())
	case t.Periods < 1 || t.Periods > MaxPeriods:
		return termsErr("Periods", "must be between 1 and %d, got %d", MaxPeriods, t.Periods)
	case t.Rate.Sign() < 0:
		return termsErr("Rate", "must not be negative, got %s", t.Rate)
	case t.Rate.Decimal().GreaterThan(maxRate):
		return termsErr("Rate", "must be at most 1000%%, got %s", t.Rate)
	case int(t.Frequency) >= len(frequencyNames):
		return termsErr("Frequency", "is unknown (%d)", t.Frequency)
	case int(t.Method) >= len(methodNames):
		return termsErr("Method", "is unknown (%d)", t.Method)
	case t.Conversion > Equivalent:
		return termsErr("Conversion", "is unknown (%d)", t.Conversion)
	case int(t.DayCount) >= len(dayCountNames):
		return termsErr("DayCount", "is unknown (%d)", t.DayCount)
	case int(t.BrokenDayCount) >= len(dayCountNames):
		return termsErr("BrokenDayCount", "is unknown (%d)", t.BrokenDayCount)
	case t.Start.IsZero():
		return termsErr("Start", "is required")
	case t.Grace < 0 || t.Grace >= t.Periods:
		return termsErr("Grace", "must be between 0 and Periods-1 (%d), got %d", t.Periods-1, t.Grace)
	case t.GraceKind > GraceTotal:
		return termsErr("GraceKind", "is unknown (%d)", t.GraceKind)
	case t.Insurance.Rate.Sign() < 0 || t.Insurance.Rate.GreaterThan(maxRate):
		return termsErr("Insurance.Rate", "must be between 0 and 10, got %s", t.Insurance.Rate)
	case t.Insurance.Basis > InsuranceOnOutstanding:
		return termsErr("Insurance.Basis", "is unknown (%d)", t.Insurance.Basis)
	case t.Rules.PaymentMultiple < 0:
		return termsErr("Rules.PaymentMultiple", "must not be negative, got %d", t.Rules.PaymentMultiple)
	}
	for _, f := range []struct {
		name string
		m    lendkit.Money
	}{{"UpfrontFee", t.UpfrontFee}, {"InstallmentFee", t.InstallmentFee}, {"Balloon", t.Balloon}} {
		if f.m.Currency().IsZero() && f.m.IsZero() {
			continue // the zero Money: unset
		}
		if f.m.Currency() != c {
			return termsErr(f.name, "is in %s, the principal in %s", f.m.Currency(), c)
		}
		if f.m.IsNegative() {
			return termsErr(f.name, "must not be negative, got %s", f.m.Amount())
		}
	}
	if t.Balloon.Minor() > t.Principal.Minor() {
		return termsErr("Balloon", "must not exceed the principal (%s), got %s", t.Principal.Amount(), t.Balloon.Amount())
	}
	if t.Method == InterestOnly {
		if t.InterestOnlyPeriods < 0 || t.Grace+t.InterestOnlyPeriods >= t.Periods {
			return termsErr("InterestOnlyPeriods", "must be between 0 and Periods-Grace-1 (%d), got %d", t.Periods-t.Grace-1, t.InterestOnlyPeriods)
		}
		if t.InterestOnlyPeriods == 0 && t.Balloon.IsZero() {
			return termsErr("InterestOnlyPeriods", "or Balloon must be set for the interest-only method (with neither it is an annuity)")
		}
	} else if t.InterestOnlyPeriods != 0 || !t.Balloon.IsZero() {
		return termsErr("InterestOnlyPeriods", "and Balloon apply only to the interest-only method, not %s", t.Method)
	}
	// Every due date must exist in lendkit.Date's range (years 1 to 9999).
	anchor, _ := t.anchor()
	if !t.FirstDue.IsZero() {
		if !t.FirstDue.After(t.Start) {
			return termsErr("FirstDue", "must be after Start (%s), got %s", t.Start, t.FirstDue)
		}
		if t.FirstDue.After(t.Frequency.Due(t.Start, 2)) {
			return termsErr("FirstDue", "must be at most two periods after Start (%s), got %s", t.Frequency.Due(t.Start, 2), t.FirstDue)
		}
	}
	last := t.Frequency.Due(anchor, t.Periods)
	if last.Year() > 9999 {
		return termsErr("Periods", "puts the last due date beyond year 9999")
	}
	return nil
}

// anchor returns the date due dates are counted from and the offset of the
// first one: (Start, 1) normally, (FirstDue, 0) with an odd first period.
func (t *Terms) anchor() (lendkit.Date, int) {
	if t.FirstDue.IsZero() {
		return t.Start, 1
	}
	return t.FirstDue, 0
}

// due returns the due date of row k (1-based).
func (t *Terms) due(k int) lendkit.Date {
	a, off := t.anchor()
	return t.Frequency.Due(a, k-1+off)
}
