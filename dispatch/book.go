package dispatch

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/lendkit/lendkit"
)

// Instalment is one row of the borrower's schedule as dispatch needs it: what
// is due on Due. Build it from an amortization schedule with FromSchedule.
type Instalment struct {
	N         int
	Due       lendkit.Date
	Principal lendkit.Money
	Interest  lendkit.Money
	Fee       lendkit.Money
	Insurance lendkit.Money
}

// Terms describe a funded loan: its schedule, who funded it, and the rules of
// servicing.
type Terms struct {
	Loan     string // the loan's id, used in entries' keys and descriptions
	Borrower string // the borrower's id, the owner of the borrower's wallet
	Currency lendkit.Currency
	Funded   lendkit.Date // the funding date; every due date is after it
	Schedule []Instalment
	// Stakes are the holders at funding; their amounts sum to the schedule's
	// principal. Their order does not matter.
	Stakes    []Stake
	Fee       PlatformFee
	Waterfall Waterfall
	// PenaltyRate is the annual rate of late interest on overdue principal
	// and interest, accrued by actual days over 365 and rounded half-up per
	// instalment; zero charges none.
	PenaltyRate lendkit.Rate
}

// Status is a loan's servicing state.
type Status uint8

const (
	// Active: the loan is being repaid.
	Active Status = iota + 1
	// Repaid: everything is paid; no event applies any more.
	Repaid
	// Defaulted: the loan was accelerated; collections are recoveries.
	Defaulted
	// WrittenOff: holders' outstanding principal is recorded as a loss;
	// later collections are still recoveries.
	WrittenOff
)

var statusNames = [...]string{"", "active", "repaid", "defaulted", "written-off"}

// String returns the status's name.
func (s Status) String() string {
	if s >= Active && s <= WrittenOff {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// inst is an instalment's servicing state, in minor units.
type inst struct {
	n        int
	due      lendkit.Date
	interest int64    // interest of the instalment, for the fee on what is paid
	feeCap   int64    // platform fee cap, -1 for a share of interest
	rem      [6]int64 // what is still owed, indexed by Component
	accrued  lendkit.Date
}

func (in *inst) owed() int64 {
	return in.rem[Penalty] + in.rem[Fee] + in.rem[Insurance] + in.rem[Interest] + in.rem[Principal]
}

// holderState is one holder's position in the register.
type holderState struct {
	Holder
	out      int64 // principal outstanding
	acquired int64 // principal acquired (funding and transfers in)
	sold     int64 // principal transferred out
	since    lendkit.Date
	recvPrin int64
	recvInt  int64 // interest net of the platform fee, before tax
	recvPen  int64
	tax      int64
	net      int64
	lost     int64 // outstanding at write-off
	open     int   // index of the open holding in Book.holdings, -1 if none
	flows    []Flow
}

// Book is one loan's servicing record: its schedule's state, the register of
// holders and the rules of dispersal. Its methods apply dated events in
// order and return what each event disperses; they are pure (no database, no
// clock) and all-or-nothing: an event that fails leaves the book unchanged.
// A Book is not safe for concurrent use.
type Book struct {
	loan     string
	borrower string
	cur      lendkit.Currency
	funded   lendkit.Date
	fee      PlatformFee
	wf       Waterfall
	penalty  lendkit.Rate
	inst     []inst
	hs       []holderState // sorted by ID: the canonical order
	idx      map[HolderID]int
	stakes   []Stake // sorted by holder ID
	holdings []Holding
	credit   int64
	status   Status
	last     lendkit.Date
	paidIn   int64 // all cash applied so far, checked so per-holder sums cannot overflow
	maxLines int   // most tax lines any holder can have on one date
	noFlows  bool  // projections skip recording per-holder cash flows
	// transfers are the transfers applied, so that a replayed transfer (same
	// key) returns its original record instead of selling twice.
	transfers []TransferRecord
}

// Open validates terms and returns the book of a freshly funded loan. Errors
// wrap ErrInvalidTerms, ErrInvalidHolder, ErrInvalidFee or
// ErrInvalidWaterfall.
func Open(t Terms) (*Book, error) {
	if t.Loan == "" || t.Borrower == "" {
		return nil, fmt.Errorf("%w: loan and borrower ids are required", ErrInvalidTerms)
	}
	if t.Currency.IsZero() {
		return nil, fmt.Errorf("%w: loan %s: no currency", ErrInvalidTerms, t.Loan)
	}
	if t.Funded.IsZero() {
		return nil, fmt.Errorf("%w: loan %s: no funding date", ErrInvalidTerms, t.Loan)
	}
	if err := t.Fee.validate(t.Currency); err != nil {
		return nil, fmt.Errorf("loan %s: %w", t.Loan, err)
	}
	if err := t.Waterfall.validate(); err != nil {
		return nil, fmt.Errorf("loan %s: %w", t.Loan, err)
	}
	if t.PenaltyRate.Sign() < 0 {
		return nil, fmt.Errorf("%w: loan %s: negative penalty rate %s", ErrInvalidTerms, t.Loan, t.PenaltyRate)
	}
	b := &Book{
		loan: t.Loan, borrower: t.Borrower, cur: t.Currency, funded: t.Funded,
		fee: t.Fee, wf: t.Waterfall, penalty: t.PenaltyRate,
		status: Active, last: t.Funded,
	}
	insts, principal, err := b.compile(t.Schedule, t.Funded)
	if err != nil {
		return nil, err
	}
	if principal <= 0 {
		return nil, fmt.Errorf("%w: loan %s: schedule repays no principal", ErrInvalidTerms, t.Loan)
	}
	b.inst = insts
	if err := b.openRegister(t.Stakes, principal); err != nil {
		return nil, err
	}
	return b, nil
}

// compile checks schedule rows (due after after, strictly increasing, amounts
// non-negative in the loan's currency) and returns them as instalment states
// with their fee caps, and their total principal.
func (b *Book) compile(rows []Instalment, after lendkit.Date) ([]inst, int64, error) {
	if len(rows) == 0 {
		return nil, 0, fmt.Errorf("%w: loan %s: empty schedule", ErrInvalidTerms, b.loan)
	}
	out := make([]inst, len(rows))
	var total int64
	prev := after
	for i, r := range rows {
		if !r.Due.After(prev) {
			return nil, 0, fmt.Errorf("%w: loan %s: instalment %d due %s, not after %s", ErrInvalidTerms, b.loan, r.N, r.Due, prev)
		}
		prev = r.Due
		in := inst{n: r.N, due: r.Due}
		for _, cm := range [...]struct {
			c Component
			m lendkit.Money
		}{{Principal, r.Principal}, {Interest, r.Interest}, {Fee, r.Fee}, {Insurance, r.Insurance}} {
			c, m := cm.c, cm.m
			if m.IsZero() && m.Currency().IsZero() {
				continue // an unset fee or insurance
			}
			if m.Currency() != b.cur || m.IsNegative() {
				return nil, 0, fmt.Errorf("%w: loan %s: instalment %d: %s %s is negative or not in %s", ErrInvalidTerms, b.loan, r.N, c, m, b.cur)
			}
			in.rem[c] = m.Minor()
		}
		in.interest = in.rem[Interest]
		var ok bool
		if total, ok = addChecked(total, in.rem[Principal]); !ok {
			return nil, 0, fmt.Errorf("%w: loan %s: principal %w", ErrInvalidTerms, b.loan, lendkit.ErrOverflow)
		}
		out[i] = in
	}
	opening := total
	for i := range out {
		fc, err := b.fee.cap(out[i].interest, opening, b.cur)
		if err != nil {
			return nil, 0, fmt.Errorf("loan %s: instalment %d: %w", b.loan, out[i].n, err)
		}
		out[i].feeCap = fc
		opening -= out[i].rem[Principal]
	}
	return out, total, nil
}

func (b *Book) openRegister(stakes []Stake, principal int64) error {
	if len(stakes) == 0 {
		return fmt.Errorf("%w: loan %s: no stakes", ErrInvalidTerms, b.loan)
	}
	sorted := slices.Clone(stakes)
	slices.SortFunc(sorted, func(a, c Stake) int { return cmp.Compare(a.Holder.ID, c.Holder.ID) })
	b.hs = make([]holderState, len(sorted))
	b.idx = make(map[HolderID]int, len(sorted))
	b.holdings = make([]Holding, len(sorted))
	var sum int64
	for i, s := range sorted {
		if err := s.Holder.validate(); err != nil {
			return fmt.Errorf("loan %s: %w", b.loan, err)
		}
		if i > 0 && sorted[i-1].Holder.ID == s.Holder.ID {
			return fmt.Errorf("%w: loan %s: holder %s listed twice", ErrInvalidHolder, b.loan, s.Holder.ID)
		}
		if s.Amount.Currency() != b.cur || !s.Amount.IsPositive() {
			return fmt.Errorf("%w: loan %s: stake of %s is %s, want a positive amount in %s", ErrInvalidTerms, b.loan, s.Holder.ID, s.Amount, b.cur)
		}
		var ok bool
		if sum, ok = addChecked(sum, s.Amount.Minor()); !ok {
			return fmt.Errorf("%w: loan %s: stakes %w", ErrInvalidTerms, b.loan, lendkit.ErrOverflow)
		}
		a := s.Amount.Minor()
		b.hs[i] = holderState{Holder: s.Holder, out: a, acquired: a, since: b.funded, open: i,
			flows: []Flow{{Date: b.funded, Amount: lendkit.New(-a, b.cur)}}}
		b.idx[s.Holder.ID] = i
		b.holdings[i] = Holding{Holder: s.Holder.ID, Kind: s.Holder.Kind, Principal: s.Amount, Opened: b.funded, Origin: Funded}
		b.maxLines = max(b.maxLines, s.Holder.Tax.maxLines())
	}
	if sum != principal {
		return fmt.Errorf("%w: loan %s: stakes sum to %s but the schedule repays %s", ErrInvalidTerms, b.loan,
			lendkit.New(sum, b.cur), lendkit.New(principal, b.cur))
	}
	b.stakes = sorted
	return nil
}

// Loan returns the loan's id.
func (b *Book) Loan() string { return b.loan }

// Borrower returns the borrower's id.
func (b *Book) Borrower() string { return b.borrower }

// Currency returns the loan's currency.
func (b *Book) Currency() lendkit.Currency { return b.cur }

// Status returns the servicing state.
func (b *Book) Status() Status { return b.status }

// LastEvent returns the date of the last event applied (the funding date at
// first); events must be dated on or after it.
func (b *Book) LastEvent() lendkit.Date { return b.last }

// Credit returns the borrower's credit: overpaid cash kept for the next
// payment.
func (b *Book) Credit() lendkit.Money { return lendkit.New(b.credit, b.cur) }

// Outstanding returns the principal not yet repaid (the sum of every
// holder's outstanding principal).
func (b *Book) Outstanding() lendkit.Money {
	var s int64
	for i := range b.inst {
		s += b.inst[i].rem[Principal]
	}
	return lendkit.New(s, b.cur)
}

// Holdings returns the register's history: every holding, open and closed,
// in the order they were opened.
func (b *Book) Holdings() []Holding { return slices.Clone(b.holdings) }

// Transfers returns the transfers applied to the loan, oldest first.
func (b *Book) Transfers() []TransferRecord { return slices.Clone(b.transfers) }

// Holders returns the holders with a position in the loan (including those
// who sold everything), in canonical (HolderID) order.
func (b *Book) Holders() []Holder {
	out := make([]Holder, len(b.hs))
	for i := range b.hs {
		out[i] = b.hs[i].Holder
	}
	return out
}

// Schedule returns what is still owed per instalment, including penalties
// accrued so far.
func (b *Book) Schedule() []Owed {
	out := make([]Owed, len(b.inst))
	for i, in := range b.inst {
		out[i] = Owed{N: in.n, Due: in.due,
			Penalty: lendkit.New(in.rem[Penalty], b.cur), Fee: lendkit.New(in.rem[Fee], b.cur),
			Insurance: lendkit.New(in.rem[Insurance], b.cur), Interest: lendkit.New(in.rem[Interest], b.cur),
			Principal: lendkit.New(in.rem[Principal], b.cur)}
	}
	return out
}

// Owed is what is still owed on one instalment.
type Owed struct {
	N         int
	Due       lendkit.Date
	Penalty   lendkit.Money
	Fee       lendkit.Money
	Insurance lendkit.Money
	Interest  lendkit.Money
	Principal lendkit.Money
}

// DaysPastDue returns how many days the oldest instalment still owing
// anything has been overdue on asOf (0 when nothing is overdue).
func (b *Book) DaysPastDue(asOf lendkit.Date) int {
	if b.status == Repaid {
		return 0
	}
	for i := range b.inst {
		in := &b.inst[i]
		if in.owed() > 0 {
			if in.due.Before(asOf) {
				return lendkit.DaysBetween(in.due, asOf)
			}
			return 0
		}
	}
	return 0
}

// FundingEntry returns the funding transaction: every funder's wallet pays
// its stake to the borrower's wallet, in one balanced entry keyed key.
func (b *Book) FundingEntry(key string) Entry {
	legs := make([]Leg, 0, len(b.stakes)+1)
	var total int64
	for _, s := range b.stakes {
		legs = append(legs, Leg{Account: Account{Role: HolderWallet, Owner: string(s.Holder.ID)}, Side: Debit, Amount: s.Amount})
		total += s.Amount.Minor()
	}
	legs = append(legs, Leg{Account: Account{Role: BorrowerWallet, Owner: b.borrower}, Side: Credit, Amount: lendkit.New(total, b.cur)})
	return Entry{Key: key, Date: b.funded, Code: CodeFunding,
		Description: fmt.Sprintf("loan %s funded by %d holders", b.loan, len(b.stakes)), Legs: legs}
}

// clone returns a deep copy for projections; per-holder cash flows are not
// copied and not recorded by the copy.
func (b *Book) clone() *Book {
	c := *b
	c.inst = slices.Clone(b.inst)
	c.hs = slices.Clone(b.hs)
	for i := range c.hs {
		c.hs[i].flows = nil
	}
	c.holdings = nil // the register's history is not needed to project
	c.noFlows = true
	return &c
}

// checkEvent validates what every event shares.
func (b *Book) checkEvent(key string, date lendkit.Date) error {
	if key == "" {
		return fmt.Errorf("%w: loan %s: empty idempotency key", ErrInvalidEvent, b.loan)
	}
	if date.IsZero() {
		return fmt.Errorf("%w: loan %s: event %q has no date", ErrInvalidEvent, b.loan, key)
	}
	if date.Before(b.last) {
		return fmt.Errorf("%w: loan %s: event %q dated %s, last event %s", ErrOutOfOrder, b.loan, key, date, b.last)
	}
	return nil
}

func (b *Book) checkAmount(what string, m lendkit.Money) error {
	if m.IsZero() && m.Currency().IsZero() {
		return nil
	}
	if m.Currency() != b.cur || m.IsNegative() {
		return fmt.Errorf("%w: loan %s: %s %s is negative or not in %s", ErrInvalidEvent, b.loan, what, m, b.cur)
	}
	return nil
}
