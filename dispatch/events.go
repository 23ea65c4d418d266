package dispatch

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// Payment is cash collected from the borrower for the loan.
type Payment struct {
	// Key is the payment's idempotency key; it becomes the dispersal's key and
	// its ledger entry's.
	Key    string
	Date   lendkit.Date
	Amount lendkit.Money
}

// applied is the waterfall's outcome, in minor units.
type applied struct {
	comp        [6]int64
	total       int64
	platformFee int64
	late        bool
	insts       []int
}

// Pay applies a payment: penalties accrue to the payment's date, the cash
// (with the borrower's credit) is applied to what is due by the waterfall,
// what is left is kept as credit or prepaid, and the result is split among
// the holders. It returns the dispersal; the book is unchanged on error.
// Errors wrap ErrInvalidEvent, ErrOutOfOrder, ErrLoanClosed or
// lendkit.ErrOverflow.
func (b *Book) Pay(p Payment) (Dispersal, error) {
	if err := b.checkEvent(p.Key, p.Date); err != nil {
		return Dispersal{}, err
	}
	if p.Amount.Currency() != b.cur || p.Amount.IsNegative() {
		return Dispersal{}, fmt.Errorf("%w: loan %s: payment %q of %s, want a non-negative amount in %s", ErrInvalidEvent, b.loan, p.Key, p.Amount, b.cur)
	}
	if b.status == Repaid {
		return Dispersal{}, fmt.Errorf("%w: loan %s is repaid; payment %q", ErrLoanClosed, b.loan, p.Key)
	}
	work := slices.Clone(b.inst)
	if err := b.accrue(work, p.Date); err != nil {
		return Dispersal{}, err
	}
	avail, ok := addChecked(p.Amount.Minor(), b.credit)
	if !ok {
		return Dispersal{}, fmt.Errorf("loan %s: payment %q: %w", b.loan, p.Key, lendkit.ErrOverflow)
	}
	a, err := b.waterfall(work, p.Date, avail)
	if err != nil {
		return Dispersal{}, err
	}
	var prepaid int64
	if left := avail - a.total; left > 0 && b.wf.Overpayment == Prepay && b.status == Active {
		work, prepaid = prepay(work, p.Date, left)
		a.comp[Principal] += prepaid
		a.total += prepaid
	}
	kind := OnTime
	switch {
	case b.status == Defaulted || b.status == WrittenOff:
		kind = Recovery
	case owedThrough(work, p.Date) > 0:
		kind = Partial
	case a.late:
		kind = Late
	case prepaid > 0:
		kind = Prepayment
	case a.total-prepaid == 0:
		kind = Advance
	}
	return b.commit(work, p.Key, p.Date, p.Amount.Minor(), avail, a, prepaid, kind)
}

// Payoff repays the whole loan before term. The payoff is what is
// due (with penalties accrued to Date), the principal not yet due, and
// AccruedInterest and Indemnity as the caller computed them from the
// borrower's contract (amortization's payoff quote): both are dispersed to
// holders as interest, the platform's fee applying as to any interest.
type Payoff struct {
	Key             string
	Date            lendkit.Date
	Amount          lendkit.Money
	AccruedInterest lendkit.Money
	Indemnity       lendkit.Money
}

// PayoffAmount returns what an early repayment on date must cover, before
// the borrower's credit (see Credit), without changing the book.
func (b *Book) PayoffAmount(date lendkit.Date, accrued, indemnity lendkit.Money) (lendkit.Money, error) {
	if b.status != Active {
		return lendkit.Money{}, fmt.Errorf("%w: loan %s is %s", ErrLoanClosed, b.loan, b.status)
	}
	if date.Before(b.last) {
		return lendkit.Money{}, fmt.Errorf("%w: loan %s: payoff dated %s, last event %s", ErrOutOfOrder, b.loan, date, b.last)
	}
	work, err := b.payoffSchedule(date, accrued, indemnity)
	if err != nil {
		return lendkit.Money{}, err
	}
	return lendkit.New(owedThrough(work, date), b.cur), nil
}

func (b *Book) payoffSchedule(date lendkit.Date, accrued, indemnity lendkit.Money) ([]inst, error) {
	if err := b.checkAmount("accrued interest", accrued); err != nil {
		return nil, err
	}
	if err := b.checkAmount("indemnity", indemnity); err != nil {
		return nil, err
	}
	work := slices.Clone(b.inst)
	if err := b.accrue(work, date); err != nil {
		return nil, err
	}
	extra, ok := addChecked(accrued.Minor(), indemnity.Minor())
	if !ok {
		return nil, fmt.Errorf("loan %s: payoff interest: %w", b.loan, lendkit.ErrOverflow)
	}
	return b.collapse(work, date, extra)
}

// Repay applies an early repayment in full: Amount plus the borrower's
// credit must cover PayoffAmount (ErrInsufficientPayoff otherwise); any
// excess is kept as credit. The loan is then repaid.
func (b *Book) Repay(r Payoff) (Dispersal, error) {
	if err := b.checkEvent(r.Key, r.Date); err != nil {
		return Dispersal{}, err
	}
	if r.Amount.Currency() != b.cur || r.Amount.IsNegative() {
		return Dispersal{}, fmt.Errorf("%w: loan %s: repayment %q of %s, want a non-negative amount in %s", ErrInvalidEvent, b.loan, r.Key, r.Amount, b.cur)
	}
	if b.status != Active {
		return Dispersal{}, fmt.Errorf("%w: loan %s is %s; early repayment %q", ErrLoanClosed, b.loan, b.status, r.Key)
	}
	work, err := b.payoffSchedule(r.Date, r.AccruedInterest, r.Indemnity)
	if err != nil {
		return Dispersal{}, err
	}
	avail, ok := addChecked(r.Amount.Minor(), b.credit)
	if !ok {
		return Dispersal{}, fmt.Errorf("loan %s: repayment %q: %w", b.loan, r.Key, lendkit.ErrOverflow)
	}
	if need := owedThrough(work, r.Date); avail < need {
		return Dispersal{}, fmt.Errorf("%w: loan %s: %s with credit %s, payoff %s", ErrInsufficientPayoff, b.loan,
			r.Amount, b.Credit(), lendkit.New(need, b.cur))
	}
	a, err := b.waterfall(work, r.Date, avail)
	if err != nil {
		return Dispersal{}, err
	}
	return b.commit(work, r.Key, r.Date, r.Amount.Minor(), avail, a, 0, EarlyRepayment)
}

// DefaultRecord is the outcome of a default.
type DefaultRecord struct {
	Loan        string
	Date        lendkit.Date
	Accelerated lendkit.Money // principal not yet due that became due
	Owed        lendkit.Money // everything owed after acceleration
	DaysPastDue int
}

// Default declares the loan in default on date: penalties accrue to date,
// every instalment not yet due is cancelled and its principal becomes due on
// date (acceleration; interest not yet due is not owed). Later payments are
// recoveries, dispersed like any payment. No money moves, so no entry.
func (b *Book) Default(date lendkit.Date) (DefaultRecord, error) {
	if err := b.checkEvent("default", date); err != nil {
		return DefaultRecord{}, err
	}
	if b.status != Active {
		return DefaultRecord{}, fmt.Errorf("%w: loan %s is %s; cannot default", ErrLoanClosed, b.loan, b.status)
	}
	work := slices.Clone(b.inst)
	if err := b.accrue(work, date); err != nil {
		return DefaultRecord{}, err
	}
	before := futurePrincipal(work, date)
	work, err := b.collapse(work, date, 0)
	if err != nil {
		return DefaultRecord{}, err
	}
	b.inst = work
	b.status = Defaulted
	b.last = date
	return DefaultRecord{Loan: b.loan, Date: date, Accelerated: lendkit.New(before, b.cur),
		Owed: lendkit.New(owedThrough(work, date), b.cur), DaysPastDue: b.DaysPastDue(date)}, nil
}

// Loss is one holder's outstanding principal at a write-off.
type Loss struct {
	Holder HolderID
	Amount lendkit.Money
}

// WriteOffRecord is the outcome of a write-off.
type WriteOffRecord struct {
	Loan   string
	Date   lendkit.Date
	Total  lendkit.Money
	Losses []Loss // holders with principal outstanding, canonical order
}

// WriteOff records every holder's outstanding principal as a loss on date.
// Penalties accrue to date and then stop. The borrower still owes what it
// owed: later payments are recoveries, dispersed like any payment (and
// shrink the holders' losses). No money moves, so no entry.
func (b *Book) WriteOff(date lendkit.Date) (WriteOffRecord, error) {
	if err := b.checkEvent("write-off", date); err != nil {
		return WriteOffRecord{}, err
	}
	if b.status != Active && b.status != Defaulted {
		return WriteOffRecord{}, fmt.Errorf("%w: loan %s is %s; cannot write off", ErrLoanClosed, b.loan, b.status)
	}
	work := slices.Clone(b.inst)
	if err := b.accrue(work, date); err != nil {
		return WriteOffRecord{}, err
	}
	rec := WriteOffRecord{Loan: b.loan, Date: date}
	var total int64
	for i := range b.hs {
		if o := b.hs[i].out; o > 0 {
			rec.Losses = append(rec.Losses, Loss{Holder: b.hs[i].ID, Amount: lendkit.New(o, b.cur)})
			total += o
		}
	}
	rec.Total = lendkit.New(total, b.cur)
	b.inst = work
	for i := range b.hs {
		b.hs[i].lost = b.hs[i].out
	}
	b.status = WrittenOff
	b.last = date
	return rec, nil
}

// Reschedule replaces every instalment due after date with rows (from
// amortization's prepayment or rescheduling maths). The rows must repay
// exactly the principal those instalments still owed, be due after date and
// in increasing order. Holders and what was already paid are unchanged.
func (b *Book) Reschedule(date lendkit.Date, rows []Instalment) error {
	if err := b.checkEvent("reschedule", date); err != nil {
		return err
	}
	if b.status != Active {
		return fmt.Errorf("%w: loan %s is %s; cannot reschedule", ErrLoanClosed, b.loan, b.status)
	}
	k := firstAfter(b.inst, date)
	after := date
	if k > 0 && b.inst[k-1].due.After(after) {
		after = b.inst[k-1].due
	}
	old := futurePrincipal(b.inst, date)
	fresh, total, err := b.compile(rows, after)
	if err != nil {
		return err
	}
	if total != old {
		return fmt.Errorf("%w: loan %s: new rows repay %s, instalments after %s owed %s", ErrInvalidTerms, b.loan,
			lendkit.New(total, b.cur), date, lendkit.New(old, b.cur))
	}
	b.inst = append(slices.Clone(b.inst[:k]), fresh...)
	b.last = date
	return nil
}

// firstAfter returns the index of the first instalment due after date.
func firstAfter(work []inst, date lendkit.Date) int {
	for i := range work {
		if work[i].due.After(date) {
			return i
		}
	}
	return len(work)
}

func futurePrincipal(work []inst, date lendkit.Date) int64 {
	var s int64
	for i := firstAfter(work, date); i < len(work); i++ {
		s += work[i].rem[Principal]
	}
	return s
}

// owedThrough returns everything owed on instalments due on or before date.
func owedThrough(work []inst, date lendkit.Date) int64 {
	var s int64
	for i := range work {
		if work[i].due.After(date) {
			break
		}
		s += work[i].owed()
	}
	return s
}

// collapse replaces the instalments due after date by one due on date that
// owes their principal and extra interest (none is created when both are
// zero).
func (b *Book) collapse(work []inst, date lendkit.Date, extra int64) ([]inst, error) {
	k := firstAfter(work, date)
	prin := futurePrincipal(work, date)
	if prin == 0 && extra == 0 {
		return work[:k], nil
	}
	n := 1
	if k < len(work) {
		n = work[k].n
	} else if k > 0 {
		n = work[k-1].n + 1
	}
	in := inst{n: n, due: date, interest: extra, accrued: date}
	in.rem[Principal] = prin
	in.rem[Interest] = extra
	fc, err := b.fee.cap(extra, prin, b.cur)
	if err != nil {
		return nil, fmt.Errorf("loan %s: %w", b.loan, err)
	}
	in.feeCap = fc
	return append(work[:k], in), nil
}

// prepay applies left to principal not yet due, from the last instalment
// backwards. Instalments whose principal it repays in full are cancelled
// (the term shortens); when no principal remains not yet due, every future
// instalment is cancelled. It returns the new schedule and the principal
// prepaid.
func prepay(work []inst, date lendkit.Date, left int64) ([]inst, int64) {
	k := firstAfter(work, date)
	var paid int64
	keep := make([]bool, len(work))
	for i := range keep {
		keep[i] = true
	}
	for i := len(work) - 1; i >= k && left > 0; i-- {
		t := min(work[i].rem[Principal], left)
		if t == 0 {
			continue
		}
		work[i].rem[Principal] -= t
		left -= t
		paid += t
		if work[i].rem[Principal] == 0 {
			keep[i] = false
		}
	}
	if futurePrincipal(work, date) == 0 {
		return work[:k], paid
	}
	out := work[:0]
	for i := range work {
		if keep[i] {
			out = append(out, work[i])
		}
	}
	return out, paid
}

// waterfall applies avail to what is due on or before date, in the
// configured order, and returns what it applied.
func (b *Book) waterfall(work []inst, date lendkit.Date, avail int64) (applied, error) {
	var a applied
	due := firstAfter(work, date)
	touched := make([]bool, due)
	take := func(i int, c Component) error {
		in := &work[i]
		t := min(in.rem[c], avail)
		if t == 0 {
			return nil
		}
		if c == Interest {
			before := in.interest - in.rem[Interest]
			f, err := b.fee.due(in.feeCap, before, before+t, b.cur)
			if err != nil {
				return fmt.Errorf("loan %s: instalment %d: %w", b.loan, in.n, err)
			}
			a.platformFee += f
		}
		in.rem[c] -= t
		avail -= t
		a.comp[c] += t
		a.total += t
		if in.due.Before(date) {
			a.late = true
		}
		touched[i] = true
		return nil
	}
	order := b.wf.order()
	if b.wf.Strategy == ComponentFirst {
		for _, c := range order {
			for i := 0; i < due && avail > 0; i++ {
				if err := take(i, c); err != nil {
					return applied{}, err
				}
			}
		}
	} else {
		for i := 0; i < due && avail > 0; i++ {
			for _, c := range order {
				if err := take(i, c); err != nil {
					return applied{}, err
				}
			}
		}
	}
	for i, t := range touched {
		if t {
			a.insts = append(a.insts, work[i].n)
		}
	}
	return a, nil
}

// accrue adds penalty interest on overdue principal and interest of every
// instalment due before to, from its due date (or its last accrual) to to.
// What is overdue changes only at events, and every event accrues first, so
// the accrual is exact piecewise.
func (b *Book) accrue(work []inst, to lendkit.Date) error {
	if b.penalty.IsZero() || b.status == WrittenOff {
		return nil
	}
	for i := range work {
		in := &work[i]
		if !in.due.Before(to) {
			break
		}
		from := in.due
		if in.accrued.After(from) {
			from = in.accrued
		}
		base := in.rem[Interest] + in.rem[Principal]
		if days := lendkit.DaysBetween(from, to); days > 0 && base > 0 {
			p, err := penaltyInterest(base, b.penalty, days)
			if err != nil {
				return fmt.Errorf("loan %s: instalment %d penalty: %w", b.loan, in.n, err)
			}
			var ok bool
			if in.rem[Penalty], ok = addChecked(in.rem[Penalty], p); !ok {
				return fmt.Errorf("loan %s: instalment %d penalty: %w", b.loan, in.n, lendkit.ErrOverflow)
			}
		}
		in.accrued = to
	}
	return nil
}

// penaltyInterest returns base × rate × days / 365 rounded half-up to the
// minor unit, computed exactly (the only rounding is the final one).
func penaltyInterest(base int64, rate lendkit.Rate, days int) (int64, error) {
	num := decimal.New(base, 0).Mul(rate.Decimal()).Mul(decimal.New(int64(days), 0))
	c := num.Coefficient()
	den := big.NewInt(365)
	if e := num.Exponent(); e > 0 {
		c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil))
	} else if e < 0 {
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-e)), nil))
	}
	q, r := new(big.Int).QuoRem(c, den, new(big.Int))
	if r.Lsh(r, 1).Cmp(den) >= 0 { // half-up: 2r ≥ den (base, rate, days ≥ 0)
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, lendkit.ErrOverflow
	}
	return q.Int64(), nil
}

// weights returns the split weights: each holder's outstanding principal, or
// when no principal is outstanding (interest or penalties paid after the
// last principal) what each still holds of the loan over its life.
func (b *Book) weights() []int64 {
	w := make([]int64, len(b.hs))
	var sum int64
	for i := range b.hs {
		w[i] = b.hs[i].out
		sum += w[i]
	}
	if sum == 0 {
		for i := range b.hs {
			w[i] = b.hs[i].acquired - b.hs[i].sold
		}
	}
	return w
}

// split returns each component's parts among holders by weights w, using
// lendkit.Allocate (the only splitting primitive), or nil for a zero
// component.
func (b *Book) split(total int64, w []int64) ([]lendkit.Money, error) {
	if total == 0 {
		return nil, nil
	}
	parts, err := lendkit.Allocate(lendkit.New(total, b.cur), w)
	if err != nil {
		return nil, &InvariantError{Loan: b.loan, What: fmt.Sprintf("splitting %d: %v", total, err)}
	}
	return parts, nil
}

func minorAt(parts []lendkit.Money, i int) int64 {
	if parts == nil {
		return 0
	}
	return parts[i].Minor()
}

// shares splits principal, lenders' interest and penalty among holders and
// withholds each holder's tax as of date.
func (b *Book) shares(date lendkit.Date, prin, intr, pen int64) ([]Share, error) {
	w := b.weights()
	pp, err := b.split(prin, w)
	if err != nil {
		return nil, err
	}
	ip, err := b.split(intr, w)
	if err != nil {
		return nil, err
	}
	np, err := b.split(pen, w)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, x := range w {
		if x > 0 {
			n++
		}
	}
	out := make([]Share, 0, n)
	taxes := make([]TaxLine, 0, n*b.maxLines)
	for i := range b.hs {
		if w[i] == 0 {
			continue
		}
		h := &b.hs[i]
		p, in, pe := minorAt(pp, i), minorAt(ip, i), minorAt(np, i)
		if p > h.out {
			return nil, &InvariantError{Loan: b.loan, What: fmt.Sprintf("holder %s would receive principal %d above its outstanding %d", h.ID, p, h.out)}
		}
		start := len(taxes)
		var t int64
		taxes, t, err = h.Tax.withhold(taxes, in+pe, date, b.cur)
		if err != nil {
			return nil, fmt.Errorf("loan %s: holder %s: %w", b.loan, h.ID, err)
		}
		out = append(out, Share{
			Holder: h.ID, Kind: h.Kind,
			Principal: lendkit.New(p, b.cur), Interest: lendkit.New(in, b.cur), Penalty: lendkit.New(pe, b.cur),
			Taxes: taxes[start:len(taxes):len(taxes)], Tax: lendkit.New(t, b.cur),
			Net: lendkit.New(p+in+pe-t, b.cur),
		})
	}
	return out, nil
}

// commit splits what the waterfall applied, checks the dispersal and only
// then updates the book.
func (b *Book) commit(work []inst, key string, date lendkit.Date, cash, avail int64, a applied, prepaid int64, kind EventKind) (Dispersal, error) {
	paidIn, ok := addChecked(b.paidIn, a.total)
	if !ok {
		return Dispersal{}, fmt.Errorf("loan %s: %w", b.loan, lendkit.ErrOverflow)
	}
	sh, err := b.shares(date, a.comp[Principal], a.comp[Interest]-a.platformFee, a.comp[Penalty])
	if err != nil {
		return Dispersal{}, err
	}
	m := func(v int64) lendkit.Money { return lendkit.New(v, b.cur) }
	d := Dispersal{
		Loan: b.loan, Borrower: b.borrower, Key: key, Kind: kind, Date: date,
		Cash: m(cash), CreditBefore: m(b.credit), CreditAfter: m(avail - a.total),
		Applied: Amounts{Penalty: m(a.comp[Penalty]), Fee: m(a.comp[Fee]), Insurance: m(a.comp[Insurance]),
			Interest: m(a.comp[Interest]), Principal: m(a.comp[Principal])},
		Prepaid: m(prepaid), PlatformFee: m(a.platformFee), Instalments: a.insts, Shares: sh,
	}
	if err := d.Check(); err != nil {
		return Dispersal{}, err
	}
	var rem, out int64
	for i := range work {
		rem += work[i].rem[Principal]
	}
	j := 0
	for i := range b.hs {
		h := &b.hs[i]
		if j < len(sh) && sh[j].Holder == h.ID {
			s := &sh[j]
			out += h.out - s.Principal.Minor()
			j++
		} else {
			out += h.out
		}
	}
	if rem != out {
		return Dispersal{}, &InvariantError{Loan: b.loan, What: fmt.Sprintf("principal owed %d ≠ holders' outstanding %d after %q", rem, out, key)}
	}
	// Nothing can fail from here on.
	j = 0
	for i := range b.hs {
		if j >= len(sh) || sh[j].Holder != b.hs[i].ID {
			continue
		}
		h, s := &b.hs[i], &sh[j]
		j++
		h.out -= s.Principal.Minor()
		h.recvPrin += s.Principal.Minor()
		h.recvInt += s.Interest.Minor()
		h.recvPen += s.Penalty.Minor()
		h.tax += s.Tax.Minor()
		h.net += s.Net.Minor()
		if !b.noFlows && s.Net.IsPositive() {
			h.flows = append(h.flows, Flow{Date: date, Amount: s.Net})
		}
	}
	b.inst = work
	b.credit = avail - a.total
	b.last = date
	b.paidIn = paidIn
	if rem == 0 && owedAll(work) == 0 {
		b.status = Repaid
	}
	return d, nil
}

func owedAll(work []inst) int64 {
	var s int64
	for i := range work {
		s += work[i].owed()
	}
	return s
}

// Transfer moves outstanding principal from one holder to another at a
// cut-off date (see Transfer). It is idempotent: a transfer whose key was
// already applied returns the original record and changes nothing if it
// names the same parties, cut-off, amount and price, and fails with
// ErrInvalidTransfer otherwise. Errors wrap ErrInvalidTransfer,
// ErrInvalidHolder, ErrOutOfOrder or ErrLoanClosed.
func (b *Book) Transfer(t Transfer) (TransferRecord, error) {
	for _, r := range b.transfers {
		if r.Key != t.Key || t.Key == "" {
			continue
		}
		if r.From != t.From || r.To != t.To.ID || r.CutOff != t.CutOff || r.Price.Minor() != t.Price.Minor() ||
			(!t.Amount.IsZero() && t.Amount.Minor() != r.Amount.Minor()) {
			return TransferRecord{}, fmt.Errorf("%w: loan %s: key %q was used by another transfer (%s → %s, %s on %s)",
				ErrInvalidTransfer, b.loan, t.Key, r.From, r.To, r.Amount, r.CutOff)
		}
		return r, nil
	}
	if err := b.checkEvent(t.Key, t.CutOff); err != nil {
		return TransferRecord{}, err
	}
	if b.status == Repaid {
		return TransferRecord{}, fmt.Errorf("%w: loan %s is repaid; transfer %q", ErrLoanClosed, b.loan, t.Key)
	}
	si, ok := b.idx[t.From]
	if !ok {
		return TransferRecord{}, fmt.Errorf("%w: loan %s: seller %s holds nothing", ErrInvalidTransfer, b.loan, t.From)
	}
	if t.To.ID == t.From {
		return TransferRecord{}, fmt.Errorf("%w: loan %s: %s cannot buy from itself", ErrInvalidTransfer, b.loan, t.From)
	}
	if err := t.To.validate(); err != nil {
		return TransferRecord{}, fmt.Errorf("loan %s: buyer: %w", b.loan, err)
	}
	if err := b.checkAmount("transfer amount", t.Amount); err != nil {
		return TransferRecord{}, fmt.Errorf("%w: %w", ErrInvalidTransfer, err)
	}
	if err := b.checkAmount("transfer price", t.Price); err != nil {
		return TransferRecord{}, fmt.Errorf("%w: %w", ErrInvalidTransfer, err)
	}
	seller := b.hs[si]
	amt := t.Amount.Minor()
	if amt == 0 {
		amt = seller.out
	}
	if amt <= 0 || amt > seller.out {
		return TransferRecord{}, fmt.Errorf("%w: loan %s: %s has %s outstanding, cannot sell %s", ErrInvalidTransfer, b.loan,
			t.From, lendkit.New(seller.out, b.cur), lendkit.New(amt, b.cur))
	}
	bi, exists := b.idx[t.To.ID]
	if exists {
		cur := b.hs[bi].Holder
		if cur.Kind != t.To.Kind || !cur.Tax.same(t.To.Tax) {
			return TransferRecord{}, fmt.Errorf("%w: loan %s: buyer %s is registered as %s/%q, not %s/%q", ErrInvalidHolder, b.loan,
				t.To.ID, cur.Kind, cur.Tax.Name(), t.To.Kind, t.To.Tax.Name())
		}
	}
	// Validated: mutate.
	if !exists {
		bi, _ = slices.BinarySearchFunc(b.hs, t.To.ID, func(h holderState, id HolderID) int { return cmp.Compare(h.ID, id) })
		b.hs = slices.Insert(b.hs, bi, holderState{Holder: t.To, since: t.CutOff, open: -1})
		for i := bi; i < len(b.hs); i++ {
			b.idx[b.hs[i].ID] = i
		}
		b.maxLines = max(b.maxLines, t.To.Tax.maxLines())
		si = b.idx[t.From]
	}
	rec := TransferRecord{Loan: b.loan, Key: t.Key, CutOff: t.CutOff, From: t.From, To: t.To.ID,
		Amount: lendkit.New(amt, b.cur), Price: lendkit.New(t.Price.Minor(), b.cur)}
	value := t.Price.Minor()
	if value == 0 {
		value = amt // valued at par when settled outside the ledger
	}
	s, u := &b.hs[si], &b.hs[bi]
	s.out -= amt
	s.sold += amt
	u.out += amt
	u.acquired += amt
	if !b.noFlows {
		s.flows = append(s.flows, Flow{Date: t.CutOff, Amount: lendkit.New(value, b.cur)})
		u.flows = append(u.flows, Flow{Date: t.CutOff, Amount: lendkit.New(-value, b.cur)})
	}
	for _, h := range []*holderState{s, u} {
		if h.open >= 0 {
			b.holdings[h.open].Closed = t.CutOff
			rec.Closed = append(rec.Closed, b.holdings[h.open])
			h.open = -1
		}
		if h.out > 0 {
			hd := Holding{Holder: h.ID, Kind: h.Kind, Principal: lendkit.New(h.out, b.cur), Opened: t.CutOff, Origin: Transferred}
			h.open = len(b.holdings)
			b.holdings = append(b.holdings, hd)
			rec.Opened = append(rec.Opened, hd)
		}
	}
	b.last = t.CutOff
	b.transfers = append(b.transfers, rec)
	return rec, nil
}
