package amortization

import (
	"fmt"
	"slices"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// Prepayment is a lump sum of principal repaid ahead of the schedule.
type Prepayment struct {
	// Date the prepayment was received.
	Date lendkit.Date
	// Amount of principal repaid (interest accrued to Date is not part of it).
	Amount lendkit.Money
	// AfterRow is the number of the last row due on or before Date (0 if
	// the prepayment came before the first due date).
	AfterRow int
}

// Capitalisation is an amount added to the principal outstanding on a
// date: arrears a rescheduling capitalised.
type Capitalisation struct {
	// Date the amount joined the principal.
	Date lendkit.Date
	// Amount added to the principal.
	Amount lendkit.Money
	// AfterRow is the number of the last row due on or before Date.
	AfterRow int
}

// balanceEvents returns the prepayments and capitalisations of s as
// principal repayments (a capitalisation is a negative one), in the order
// of their dates.
func (s *Schedule) balanceEvents() ([]Prepayment, error) {
	if len(s.Capitalisations) == 0 {
		return s.Prepayments, nil
	}
	ev := append(make([]Prepayment, 0, len(s.Prepayments)+len(s.Capitalisations)), s.Prepayments...)
	for _, c := range s.Capitalisations {
		neg, err := c.Amount.Neg()
		if err != nil {
			return nil, err
		}
		ev = append(ev, Prepayment{Date: c.Date, Amount: neg, AfterRow: c.AfterRow})
	}
	slices.SortStableFunc(ev, func(a, b Prepayment) int { return a.Date.Compare(b.Date) })
	return ev, nil
}

// position is where a date falls in a schedule: after row k (0 before the
// first due date), with the balance then outstanding.
type position struct {
	k    int           // rows 1..k are due on or before the date
	prev lendkit.Date  // due date of row k, or Start
	bal  lendkit.Money // balance after row k and any prepayment up to the date
	// splits are the prepayments made in the current period up to the
	// date (on prev's own date included), which change its balance.
	splits []Prepayment
}

// locate returns the position of on in s, or ErrOutOfSchedule when on is
// before Start or on/after the last due date.
//
// Rows due on or before on are kept by every later Prepay and Reschedule,
// so row k's Balance does not include the prepayments and capitalisations
// made after it (AfterRow ≥ k, possibly on its very due date): they are
// applied here, and become the splits of the current period.
func (s *Schedule) locate(on lendkit.Date) (position, error) {
	t := &s.Terms
	if on.Before(t.Start) {
		return position{}, fmt.Errorf("%w: %s is before disbursement on %s", ErrOutOfSchedule, on, t.Start)
	}
	if len(s.Rows) == 0 || !on.Before(s.Rows[len(s.Rows)-1].Due) {
		last := t.Start
		if len(s.Rows) > 0 {
			last = s.Rows[len(s.Rows)-1].Due
		}
		return position{}, fmt.Errorf("%w: %s is on or after the last due date %s", ErrOutOfSchedule, on, last)
	}
	p := position{prev: t.Start}
	for _, r := range s.Rows {
		if r.Due.After(on) {
			break
		}
		p.k, p.prev, p.bal = r.N, r.Due, r.Balance
	}
	events, err := s.balanceEvents()
	if err != nil {
		return position{}, err
	}
	if p.k == 0 {
		// The balance at disbursement, as the first row saw it: its
		// balance and principal, plus the prepayments (less the
		// capitalisations) of its period, which it reflects.
		r := s.Rows[0]
		if p.bal, err = r.Balance.Add(r.Principal); err != nil {
			return position{}, err
		}
		for _, pp := range events {
			if pp.AfterRow == 0 {
				if p.bal, err = p.bal.Add(pp.Amount); err != nil {
					return position{}, err
				}
			}
		}
	}
	for _, pp := range events {
		if pp.AfterRow == p.k && !pp.Date.After(on) {
			p.splits = append(p.splits, pp)
			if p.bal, err = p.bal.Sub(pp.Amount); err != nil {
				return position{}, err
			}
		}
	}
	return p, nil
}

// accrued returns the interest accrued from p.prev to on on the balance,
// the period's rate pro rata temporis by actual days (by the day count for a
// day-based schedule), accounting for prepayments inside the period; for a
// flat loan, the period's scheduled interest pro rata temporis. The period
// is row p.k+1's.
func (s *Schedule) accrued(g *gen, p position, on lendkit.Date, rounding lendkit.Rounding) (lendkit.Money, error) {
	k := p.k + 1
	next := s.Terms.due(k)
	if k <= len(s.Rows) {
		next = s.Rows[k-1].Due
	}
	if s.Terms.Method == Flat && k <= len(s.Rows) && len(p.splits) == 0 {
		// Flat interest does not follow the balance: accrue the period's
		// scheduled interest pro rata temporis.
		D := int64(lendkit.DaysBetween(p.prev, next))
		d := int64(lendkit.DaysBetween(p.prev, on))
		return smallRatio(uint64(d), uint64(D)).apply(s.Rows[k-1].Interest, rounding)
	}
	// Σ balance_i × days_i over the segments between prev, each split, on.
	bal := p.bal
	for _, pp := range p.splits {
		var err error
		if bal, err = bal.Add(pp.Amount); err != nil {
			return lendkit.Money{}, err
		}
	}
	var weighted int64
	segStart := p.prev
	addSeg := func(end lendkit.Date, b lendkit.Money) error {
		d := int64(lendkit.DaysBetween(segStart, end))
		if s.Terms.DayCount != Periodic {
			// Each convention's denominator is a constant, so numerators
			// of consecutive segments add up.
			d, _ = YearFraction(s.Terms.DayCount, segStart, end)
		}
		w, ok1 := mulInt64(b.Minor(), d)
		sum, ok2 := add64(weighted, w)
		if !ok1 || !ok2 {
			return lendkit.ErrOverflow
		}
		weighted = sum
		segStart = end
		return nil
	}
	for _, pp := range p.splits {
		if err := addSeg(pp.Date, bal); err != nil {
			return lendkit.Money{}, err
		}
		var err error
		if bal, err = bal.Sub(pp.Amount); err != nil {
			return lendkit.Money{}, err
		}
	}
	if err := addSeg(on, bal); err != nil {
		return lendkit.Money{}, err
	}
	var r ratio
	if s.Terms.DayCount != Periodic {
		_, den := YearFraction(s.Terms.DayCount, p.prev, next)
		r = g.annual.mulFrac(1, den)
	} else {
		D := int64(lendkit.DaysBetween(p.prev, next))
		r = g.rowRate(k, p.prev, next).mulFrac(1, D)
	}
	return r.apply(lendkit.New(weighted, s.Currency()), rounding)
}

// Indemnity is an early-repayment indemnity policy. Each rule that is set
// gives a maximum; the indemnity is the smallest of them, so {Rate: 0.03,
// MonthsOfInterest: 6} is the French "3 % of the principal repaid, capped at
// six months of interest" (Code de la consommation, art. R313-25).
type Indemnity struct {
	// Rate is the indemnity as a fraction of the principal repaid early
	// (0.03 for 3 %). Zero leaves this rule out.
	Rate decimal.Decimal
	// MonthsOfInterest is that many months of interest on the principal
	// repaid, at the loan's annual rate. Zero leaves this rule out.
	MonthsOfInterest int
	// Rounding rounds the indemnity to the minor unit.
	Rounding lendkit.Rounding
}

// amount returns the indemnity on repaid at annual rate annual.
func (ind *Indemnity) amount(repaid lendkit.Money, annual ratio) (lendkit.Money, error) {
	zero := lendkit.Zero(repaid.Currency())
	if ind == nil || (ind.Rate.IsZero() && ind.MonthsOfInterest == 0) {
		return zero, nil
	}
	if ind.Rate.Sign() < 0 || ind.MonthsOfInterest < 0 {
		return lendkit.Money{}, fmt.Errorf("%w: indemnity rate %s and months %d must not be negative", ErrInvalidArgument, ind.Rate, ind.MonthsOfInterest)
	}
	var out lendkit.Money
	set := false
	if !ind.Rate.IsZero() {
		v, err := ratioOf(ind.Rate).apply(repaid, ind.Rounding)
		if err != nil {
			return lendkit.Money{}, err
		}
		out, set = v, true
	}
	if ind.MonthsOfInterest > 0 {
		v, err := annual.mulFrac(int64(ind.MonthsOfInterest), 12).apply(repaid, ind.Rounding)
		if err != nil {
			return lendkit.Money{}, err
		}
		if !set || v.Minor() < out.Minor() {
			out = v
		}
	}
	return out, nil
}

// Payoff is what repaying a loan in full on a date costs.
type Payoff struct {
	// AsOf is the repayment date.
	AsOf lendkit.Date
	// AfterRow is the last row due on or before AsOf; those rows are
	// assumed paid (add any arrears to the quote yourself).
	AfterRow int
	// Principal outstanding on AsOf.
	Principal lendkit.Money
	// Interest accrued since the last due date.
	Interest lendkit.Money
	// Indemnity for early repayment.
	Indemnity lendkit.Money
	// Total is Principal + Interest + Indemnity.
	Total lendkit.Money
}

// Quote returns the payoff of s on asOf: the principal outstanding after the
// rows due on or before asOf (assumed paid), the interest accrued since the
// last of them — the period's interest pro rata temporis by actual days, or
// by the schedule's day count if it is day-based — rounded with the
// schedule's interest rounding, and the indemnity of ind (nil for none) on
// the principal repaid. asOf must be on or after Start and before the last
// due date, else ErrOutOfSchedule.
func Quote(s *Schedule, asOf lendkit.Date, ind *Indemnity) (Payoff, error) {
	g, err := newGen(&s.Terms)
	if err != nil {
		return Payoff{}, err
	}
	p, err := s.locate(asOf)
	if err != nil {
		return Payoff{}, err
	}
	interest, err := s.accrued(g, p, asOf, s.Terms.Rules.Interest)
	if err != nil {
		return Payoff{}, fmt.Errorf("amortization: quote: %w", err)
	}
	indemnity, err := ind.amount(p.bal, g.annual)
	if err != nil {
		return Payoff{}, err
	}
	total, err := lendkit.Sum(s.Currency(), p.bal, interest, indemnity)
	if err != nil {
		return Payoff{}, err
	}
	return Payoff{AsOf: asOf, AfterRow: p.k, Principal: p.bal, Interest: interest, Indemnity: indemnity, Total: total}, nil
}

// PrepayMode is what a partial prepayment preserves.
type PrepayMode uint8

const (
	// KeepTerm keeps the number of instalments: the payment goes down (the
	// annuity is recomputed, the linear part re-split, over the rows left).
	KeepTerm PrepayMode = iota
	// KeepPayment keeps the level payment (the linear principal part): the
	// loan ends earlier. Bullet and flat loans have no level payment to keep.
	KeepPayment
)

// Prepay returns a new schedule in which amount of principal is repaid on
// date on. Rows due on or before on are kept as they are; the rest are
// regenerated from the reduced balance by mode. The first regenerated row's
// interest accrues on the balance before the prepayment up to on and on the
// reduced balance after it (flat loans restart their flat base instead). The
// prepayment is recorded in the new schedule's Prepayments, so the rows'
// principal plus the prepayments still sum to the principal lent. Interest
// accrued to on is not part of amount: it stays in the next instalment.
//
// amount must be positive and below the balance then outstanding (use Quote
// for a full repayment); on must be on or after Start and before the last
// due date.
func Prepay(s *Schedule, on lendkit.Date, amount lendkit.Money, mode PrepayMode) (*Schedule, error) {
	t := s.Terms
	if amount.Currency() != s.Currency() {
		return nil, fmt.Errorf("amortization: prepay: %w: %s for a %s loan", lendkit.ErrCurrencyMismatch, amount.Currency(), s.Currency())
	}
	if !amount.IsPositive() {
		return nil, fmt.Errorf("%w: prepayment %s must be positive", ErrInvalidArgument, amount.Amount())
	}
	if mode > KeepPayment {
		return nil, fmt.Errorf("%w: unknown prepayment mode %d", ErrInvalidArgument, mode)
	}
	if mode == KeepPayment && (t.Method == Bullet || t.Method == Flat) {
		return nil, fmt.Errorf("%w: a %s loan has no level payment to keep; use KeepTerm", ErrInvalidArgument, t.Method)
	}
	p, err := s.locate(on)
	if err != nil {
		return nil, err
	}
	if amount.Minor() >= p.bal.Minor() {
		return nil, fmt.Errorf("%w: prepayment %s is not below the balance %s (use Quote for a full repayment)", ErrInvalidArgument, amount.Amount(), p.bal.Amount())
	}
	g, err := newGen(&t)
	if err != nil {
		return nil, err
	}
	var o rowOpts
	if t.Method != Flat {
		// Interest of the split period: on the old balance up to on, on the
		// new one after (the prepayment is one more split).
		p2 := p
		p2.splits = append(append([]Prepayment(nil), p.splits...), Prepayment{Date: on, Amount: amount})
		if p2.bal, err = p.bal.Sub(amount); err != nil {
			return nil, err
		}
		k := p.k + 1
		next := s.Rows[k-1].Due
		fi, err := s.accrued(g, p2, next, t.Rules.Interest)
		if err != nil {
			return nil, fmt.Errorf("amortization: prepay: %w", err)
		}
		o.firstInterest = &fi
	}
	if mode == KeepPayment {
		if t.Method == Linear {
			if part, ok := s.levelPart(p.k); ok {
				o.part = &part
			}
		} else if pay, ok := s.levelPayment(p.k); ok {
			o.payment = &pay
		}
	}
	nb, err := p.bal.Sub(amount)
	if err != nil {
		return nil, err
	}
	if t.Method == InterestOnly && t.Balloon.Minor() > nb.Minor() {
		// The balloon cannot exceed what is owed: the prepayment reduces it.
		t.Balloon = nb
		g.t = &t
	}
	rows, err := g.rows(nb, p.k+1, len(s.Rows), p.prev, o)
	if err != nil {
		return nil, err
	}
	// Periods follows the rows: keeping the payment shortens the loan.
	t.Periods = p.k + len(rows)
	out := &Schedule{
		Terms:        t,
		Rows:         append(append(make([]Row, 0, p.k+len(rows)), s.Rows[:p.k]...), rows...),
		PeriodicRate: s.PeriodicRate,
		Prepayments:  append(append([]Prepayment(nil), s.Prepayments...), Prepayment{Date: on, Amount: amount, AfterRow: p.k}),
		// Capitalisations are history, like the kept rows.
		Capitalisations: append([]Capitalisation(nil), s.Capitalisations...),
	}
	return out, nil
}

// levelPayment returns the principal + interest of the first regular
// amortising row after row k (not the last, not an odd first row), the
// level payment a KeepPayment prepayment keeps.
func (s *Schedule) levelPayment(k int) (lendkit.Money, bool) {
	t := &s.Terms
	ioEnd := t.Grace
	if t.Method == InterestOnly {
		ioEnd += t.InterestOnlyPeriods
	}
	for _, r := range s.Rows[k:max(k, len(s.Rows)-1)] {
		if r.N <= ioEnd || (r.N == 1 && !t.FirstDue.IsZero()) {
			continue
		}
		v, err := r.Principal.Add(r.Interest)
		return v, err == nil
	}
	return lendkit.Money{}, false
}

// levelPart returns the linear principal part of the first regular row
// after row k.
func (s *Schedule) levelPart(k int) (lendkit.Money, bool) {
	for _, r := range s.Rows[k:max(k, len(s.Rows)-1)] {
		if r.N > s.Terms.Grace {
			return r.Principal, true
		}
	}
	return lendkit.Money{}, false
}

// Changes are the new terms of a rescheduling. Zero fields keep the
// schedule's own.
type Changes struct {
	// Rate, when set, is the new annual rate.
	Rate *lendkit.Rate
	// Periods, when positive, is the number of instalments from the
	// rescheduling on (the term is extended or shortened).
	Periods int
	// Payment, when set, is the new level payment (annuity and the
	// interest-only method's amortising phase); the term follows from it.
	Payment lendkit.Money
	// Arrears is what is overdue on the rescheduling date (unpaid
	// instalments, late interest).
	Arrears lendkit.Money
	// CapitaliseArrears adds Arrears to the principal; otherwise they stay
	// due at once (Rescheduling.ArrearsDue).
	CapitaliseArrears bool
}

// Rescheduling is the result of Reschedule.
type Rescheduling struct {
	// Schedule keeps the rows due on or before the date and continues with
	// the new ones; the capitalised arrears are in its Capitalisations.
	Schedule *Schedule
	// Capitalised is the arrears added to the principal.
	Capitalised lendkit.Money
	// ArrearsDue is the arrears not capitalised, due at once.
	ArrearsDue lendkit.Money
}

// Reschedule restructures s from date from: rows due on or before from are
// kept; the balance then outstanding (plus the arrears, if capitalised) is
// repaid by new rows on the same due-date grid with the changed rate, number
// of instalments or payment. The first new row accrues from the last kept
// due date at the new rate, on each balance for the days it was owed when
// prepayments or capitalised arrears changed it inside that period. A
// payment that does not repay the balance within MaxPeriods
// instalments is ErrInvalidArgument.
func Reschedule(s *Schedule, from lendkit.Date, c Changes) (Rescheduling, error) {
	t := s.Terms
	cur := s.Currency()
	zero := lendkit.Zero(cur)
	for _, m := range []lendkit.Money{c.Payment, c.Arrears} {
		if !(m.Currency().IsZero() && m.IsZero()) && m.Currency() != cur {
			return Rescheduling{}, fmt.Errorf("amortization: reschedule: %w: %s for a %s loan", lendkit.ErrCurrencyMismatch, m.Currency(), cur)
		}
		if m.IsNegative() {
			return Rescheduling{}, fmt.Errorf("%w: reschedule amounts must not be negative, got %s", ErrInvalidArgument, m.Amount())
		}
	}
	if c.Periods < 0 {
		return Rescheduling{}, fmt.Errorf("%w: reschedule over %d periods", ErrInvalidArgument, c.Periods)
	}
	if !c.Payment.IsZero() && t.Method != Annuity && t.Method != InterestOnly {
		return Rescheduling{}, fmt.Errorf("%w: a %s loan has no level payment to set", ErrInvalidArgument, t.Method)
	}
	p, err := s.locate(from)
	if err != nil {
		return Rescheduling{}, err
	}
	res := Rescheduling{Capitalised: zero, ArrearsDue: zero}
	bal := p.bal
	if !c.Arrears.IsZero() {
		if c.CapitaliseArrears {
			if bal, err = bal.Add(c.Arrears); err != nil {
				return Rescheduling{}, err
			}
			res.Capitalised = c.Arrears
		} else {
			res.ArrearsDue = c.Arrears
		}
	}
	if c.Rate != nil {
		t.Rate = *c.Rate
	}
	// The phases (grace, interest-only) end where they ended before; a
	// rescheduling inside one ends it now.
	t.Grace = min(t.Grace, p.k)
	if t.Method == InterestOnly {
		t.InterestOnlyPeriods = max(0, min(t.InterestOnlyPeriods, p.k-t.Grace))
		if t.Balloon.Minor() > bal.Minor() {
			t.Balloon = bal
		}
		if t.InterestOnlyPeriods == 0 && t.Balloon.IsZero() {
			t.Method = Annuity // nothing left of the interest-only phase or the balloon
			t.Balloon = lendkit.Money{}
		}
	}
	remaining := len(s.Rows) - p.k
	if c.Periods > 0 {
		remaining = c.Periods
	}
	var o rowOpts
	if !c.Payment.IsZero() {
		o.payment = &c.Payment
		remaining = MaxPeriods - p.k
	}
	if remaining < 1 || p.k+remaining > MaxPeriods {
		return Rescheduling{}, fmt.Errorf("%w: %d instalments after row %d exceed %d in all", ErrInvalidArgument, remaining, p.k, MaxPeriods)
	}
	t.Periods = p.k + remaining
	if err := t.validate(); err != nil {
		return Rescheduling{}, err
	}
	g, err := newGen(&t)
	if err != nil {
		return Rescheduling{}, err
	}
	if t.Method != Flat && (len(p.splits) > 0 || (!res.Capitalised.IsZero() && from.After(p.prev))) {
		// The balance changed inside the current period (prepayments, or
		// arrears capitalised on from): its interest accrues segment by
		// segment, the capitalisation counting as a negative prepayment.
		p2 := p
		p2.bal = bal
		p2.splits = append(append([]Prepayment(nil), p.splits...), Prepayment{Date: from, Amount: lendkit.Zero(cur)})
		if p2.splits[len(p2.splits)-1].Amount, err = res.Capitalised.Neg(); err != nil {
			return Rescheduling{}, err
		}
		fi, err := s.accrued(g, p2, s.Rows[p.k].Due, t.Rules.Interest)
		if err != nil {
			return Rescheduling{}, fmt.Errorf("amortization: reschedule: %w", err)
		}
		o.firstInterest = &fi
	}
	rows, err := g.rows(bal, p.k+1, t.Periods, p.prev, o)
	if err != nil {
		return Rescheduling{}, err
	}
	if o.payment != nil {
		last := rows[len(rows)-1]
		if last.Balance.IsZero() && len(rows) == remaining {
			if pi, _ := last.Principal.Add(last.Interest); pi.Minor() > o.payment.Minor() {
				return Rescheduling{}, fmt.Errorf("%w: a payment of %s does not repay %s within %d instalments", ErrInvalidArgument, c.Payment.Amount(), bal.Amount(), MaxPeriods)
			}
		}
		t.Periods = p.k + len(rows)
	}
	res.Schedule = &Schedule{
		Terms:           t,
		Rows:            append(append(make([]Row, 0, p.k+len(rows)), s.Rows[:p.k]...), rows...),
		PeriodicRate:    g.periodic.decimal(),
		Prepayments:     append([]Prepayment(nil), s.Prepayments...),
		Capitalisations: append([]Capitalisation(nil), s.Capitalisations...),
	}
	if !res.Capitalised.IsZero() {
		res.Schedule.Capitalisations = append(res.Schedule.Capitalisations, Capitalisation{Date: from, Amount: res.Capitalised, AfterRow: p.k})
	}
	return res, nil
}

// Penalty is a late-interest policy.
type Penalty struct {
	// Rate is the annual penalty rate.
	Rate lendkit.Rate
	// DayCount turns the days past due into years; Periodic means ACT/365F.
	DayCount DayCount
	// GraceDays is the tolerance: paid within this many days after the due
	// date, no penalty is charged; past it, penalty runs from the due date.
	GraceDays int
	// Rounding rounds the penalty to the minor unit.
	Rounding lendkit.Rounding
}

// LateInterest returns the penalty interest on overdue, due on due and still
// unpaid on asOf: overdue × p.Rate × the year fraction of the days past due,
// or zero within p.GraceDays.
func LateInterest(overdue lendkit.Money, due, asOf lendkit.Date, p Penalty) (lendkit.Money, error) {
	zero := lendkit.Zero(overdue.Currency())
	switch {
	case overdue.IsNegative():
		return lendkit.Money{}, fmt.Errorf("%w: overdue amount %s is negative", ErrInvalidArgument, overdue.Amount())
	case p.Rate.Sign() < 0:
		return lendkit.Money{}, fmt.Errorf("%w: penalty rate %s is negative", ErrInvalidArgument, p.Rate)
	case p.GraceDays < 0:
		return lendkit.Money{}, fmt.Errorf("%w: grace days %d is negative", ErrInvalidArgument, p.GraceDays)
	case int(p.DayCount) >= len(dayCountNames):
		return lendkit.Money{}, fmt.Errorf("%w: unknown day count %d", ErrInvalidArgument, p.DayCount)
	}
	days := lendkit.DaysBetween(due, asOf)
	if days <= p.GraceDays {
		return zero, nil
	}
	n, d := YearFraction(p.DayCount, due, asOf)
	return ratioOf(p.Rate.Decimal()).mulFrac(n, d).apply(overdue, p.Rounding)
}
