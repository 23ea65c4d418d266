package dispatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// snapshotVersion is the encoding's version; Restore refuses others.
const snapshotVersion = 1

// The snapshot is the book's complete servicing state in a compact binary
// form (varints, length-prefixed strings), so that dispatch/servicing can
// persist a loan between events and restore it exactly. It is binary
// because it is read and rewritten on every monthly dispersal: for 3,000
// holders it is ~100 KB, encoded and decoded in about a millisecond, where
// JSON took ten times as long. Per-holder cash flows (Position.Flows, for
// the IRR) are part of it, as day offsets from funding and minor units: a
// few bytes per holder per payment.

type encoder struct{ b []byte }

func (e *encoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) date(d lendkit.Date) {
	e.uint(uint64(d.Year()))
	e.uint(uint64(d.Month()))
	e.uint(uint64(d.Day()))
}
func (e *encoder) dec(d decimal.Decimal) { e.str(d.String()) }

type decoder struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated or malformed")

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length and bounds it by what is left (each element takes at
// least one byte), so a damaged length cannot make Restore allocate wildly.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = errTruncated
		}
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) date() lendkit.Date {
	y, m, dd := d.uint(), d.uint(), d.uint()
	if d.err != nil || (y == 0 && m == 0 && dd == 0) {
		return lendkit.Date{}
	}
	v, err := lendkit.NewDate(int(y), time.Month(m), int(dd))
	if err != nil {
		d.err = err
	}
	return v
}

func (d *decoder) dec() decimal.Decimal {
	s := d.str()
	if d.err != nil {
		return decimal.Decimal{}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		d.err = err
	}
	return v
}

// MarshalBinary encodes the book's complete servicing state for Restore.
func (b *Book) MarshalBinary() ([]byte, error) {
	size := 64 + len(b.inst)*24 + len(b.hs)*48 + len(b.holdings)*24
	for i := range b.hs {
		size += len(b.hs[i].flows) * 6
	}
	e := &encoder{b: make([]byte, 0, size)}
	e.uint(snapshotVersion)
	e.str(b.loan)
	e.str(b.borrower)
	e.str(b.cur.Code())
	e.date(b.funded)
	e.uint(uint64(b.fee.Kind))
	e.dec(b.fee.Rate)
	e.int(b.fee.Amount.Minor())
	e.uint(uint64(b.fee.Rounding))
	e.uint(uint64(len(b.wf.Order)))
	for _, c := range b.wf.Order {
		e.uint(uint64(c))
	}
	e.uint(uint64(b.wf.Strategy))
	e.uint(uint64(b.wf.Overpayment))
	e.dec(b.penalty.Decimal())
	e.int(b.credit)
	e.uint(uint64(b.status))
	e.date(b.last)
	e.int(b.paidIn)
	e.uint(uint64(len(b.inst)))
	for _, in := range b.inst {
		e.int(int64(in.n))
		e.date(in.due)
		e.int(in.interest)
		e.int(in.feeCap)
		for c := Penalty; c <= Principal; c++ {
			e.int(in.rem[c])
		}
		e.date(in.accrued)
	}
	// Tax profiles are written once and referenced by index.
	profiles := map[*taxProfile]int{}
	var order []TaxProfile
	for i := range b.hs {
		if p := b.hs[i].Tax.p; p != nil {
			if _, ok := profiles[p]; !ok {
				profiles[p] = len(order)
				order = append(order, b.hs[i].Tax)
			}
		}
	}
	e.uint(uint64(len(order)))
	for _, tp := range order {
		e.str(tp.Name())
		e.uint(uint64(len(tp.p.periods)))
		for _, per := range tp.p.periods {
			e.date(per.from)
			e.uint(uint64(len(per.rates)))
			for _, r := range per.rates {
				e.str(r.code)
				e.dec(r.rate)
			}
		}
	}
	e.uint(uint64(len(b.hs)))
	for i := range b.hs {
		h := &b.hs[i]
		e.str(string(h.ID))
		e.uint(uint64(h.Kind))
		idx := int64(-1)
		if h.Tax.p != nil {
			idx = int64(profiles[h.Tax.p])
		}
		e.int(idx)
		for _, v := range [...]int64{h.out, h.acquired, h.sold, h.recvPrin, h.recvInt, h.recvPen, h.tax, h.net, h.lost, int64(h.open)} {
			e.int(v)
		}
		e.date(h.since)
		e.uint(uint64(len(h.flows)))
		for _, f := range h.flows {
			e.int(int64(lendkit.DaysBetween(b.funded, f.Date)))
			e.int(f.Amount.Minor())
		}
	}
	e.uint(uint64(len(b.stakes)))
	for _, s := range b.stakes {
		e.str(string(s.Holder.ID))
		e.int(s.Amount.Minor())
	}
	e.uint(uint64(len(b.holdings)))
	for _, h := range b.holdings {
		e.holding(h)
	}
	e.uint(uint64(len(b.transfers)))
	for _, r := range b.transfers {
		e.str(r.Key)
		e.date(r.CutOff)
		e.str(string(r.From))
		e.str(string(r.To))
		e.int(r.Amount.Minor())
		e.int(r.Price.Minor())
		for _, hs := range [2][]Holding{r.Closed, r.Opened} {
			e.uint(uint64(len(hs)))
			for _, h := range hs {
				e.holding(h)
			}
		}
	}
	return e.b, nil
}

func (e *encoder) holding(h Holding) {
	e.str(string(h.Holder))
	e.uint(uint64(h.Kind))
	e.int(h.Principal.Minor())
	e.date(h.Opened)
	e.date(h.Closed)
	e.uint(uint64(h.Origin))
}

func (d *decoder) holding(cur lendkit.Currency) Holding {
	return Holding{Holder: HolderID(d.str()), Kind: HolderKind(d.uint()), Principal: lendkit.New(d.int(), cur),
		Opened: d.date(), Closed: d.date(), Origin: Origin(d.uint())}
}

// Restore rebuilds a book from what MarshalBinary wrote. It re-checks the
// state's invariants (holders in canonical order and valid, their
// outstanding principal summing to the principal owed, nothing owed
// negative), so a damaged snapshot is an error, not a book that disperses
// wrong amounts. Errors wrap ErrInvalidTerms.
func Restore(data []byte) (*Book, error) {
	d := &decoder{b: data}
	if v := d.uint(); d.err == nil && v != snapshotVersion {
		return nil, fmt.Errorf("%w: snapshot version %d, want %d", ErrInvalidTerms, v, snapshotVersion)
	}
	b := &Book{loan: d.str(), borrower: d.str()}
	code := d.str()
	b.funded = d.date()
	b.fee.Kind, b.fee.Rate = FeeKind(d.uint()), d.dec()
	feeAmount := d.int() // its currency is known once the code is parsed
	b.fee.Rounding = lendkit.Rounding(d.uint())
	if n := d.count(); n > 0 {
		b.wf.Order = make([]Component, n)
		for i := range b.wf.Order {
			b.wf.Order[i] = Component(d.uint())
		}
	}
	b.wf.Strategy, b.wf.Overpayment = Strategy(d.uint()), Overpayment(d.uint())
	b.penalty = lendkit.RateFromDecimal(d.dec())
	b.credit = d.int()
	b.status = Status(d.uint())
	b.last = d.date()
	b.paidIn = d.int()
	if d.err != nil {
		return nil, fmt.Errorf("%w: snapshot: %v", ErrInvalidTerms, d.err)
	}
	bad := func(format string, args ...any) (*Book, error) {
		return nil, fmt.Errorf("%w: snapshot of loan %q: %s", ErrInvalidTerms, b.loan, fmt.Sprintf(format, args...))
	}
	cur, err := lendkit.ParseCurrency(code)
	if err != nil {
		return bad("currency: %v", err)
	}
	b.cur = cur
	b.fee.Amount = lendkit.New(feeAmount, cur)
	if b.loan == "" || b.borrower == "" || b.status < Active || b.status > WrittenOff || b.credit < 0 {
		return bad("missing loan or borrower, bad status or credit")
	}
	if err := b.fee.validate(cur); err != nil {
		return nil, fmt.Errorf("%w: snapshot: %w", ErrInvalidTerms, err)
	}
	if err := b.wf.validate(); err != nil {
		return nil, fmt.Errorf("%w: snapshot: %w", ErrInvalidTerms, err)
	}
	b.inst = make([]inst, d.count())
	var owed int64
	for i := range b.inst {
		in := inst{n: int(d.int()), due: d.date(), interest: d.int(), feeCap: d.int()}
		for c := Penalty; c <= Principal; c++ {
			if in.rem[c] = d.int(); in.rem[c] < 0 {
				return bad("instalment %d owes a negative amount", in.n)
			}
		}
		in.accrued = d.date()
		owed += in.rem[Principal]
		b.inst[i] = in
	}
	profiles := make([]TaxProfile, d.count())
	for i := range profiles {
		name := d.str()
		periods := make([]TaxPeriod, d.count())
		for j := range periods {
			periods[j].From = d.date()
			periods[j].Rates = make([]TaxRate, d.count())
			for k := range periods[j].Rates {
				periods[j].Rates[k] = TaxRate{Code: d.str(), Rate: d.dec()}
			}
		}
		if d.err != nil {
			return bad("%v", d.err)
		}
		if profiles[i], err = NewTaxProfile(name, periods...); err != nil {
			return nil, fmt.Errorf("%w: snapshot: %w", ErrInvalidTerms, err)
		}
	}
	b.hs = make([]holderState, d.count())
	b.idx = make(map[HolderID]int, len(b.hs))
	var out int64
	for i := range b.hs {
		h := Holder{ID: HolderID(d.str()), Kind: HolderKind(d.uint())}
		p := d.int()
		if p >= int64(len(profiles)) || p < -1 {
			return bad("holder %s: unknown tax profile %d", h.ID, p)
		}
		if p >= 0 {
			h.Tax = profiles[p]
		}
		var v [10]int64
		for k := range v {
			v[k] = d.int()
		}
		hs := holderState{Holder: h, out: v[0], acquired: v[1], sold: v[2], recvPrin: v[3], recvInt: v[4], recvPen: v[5],
			tax: v[6], net: v[7], lost: v[8], open: int(v[9]), since: d.date()}
		if n := d.count(); n > 0 {
			hs.flows = make([]Flow, n)
			for k := range hs.flows {
				off, amt := d.int(), d.int()
				if off < 0 || off > 366*200 {
					return bad("holder %s: flow %d days after funding", h.ID, off)
				}
				hs.flows[k] = Flow{Date: b.funded.AddDays(int(off)), Amount: lendkit.New(amt, cur)}
			}
		}
		if d.err != nil {
			return bad("%v", d.err)
		}
		if err := h.validate(); err != nil {
			return nil, fmt.Errorf("%w: snapshot: %w", ErrInvalidTerms, err)
		}
		if i > 0 && b.hs[i-1].ID >= h.ID {
			return bad("holders not in canonical order at %s", h.ID)
		}
		if hs.out < 0 || hs.open < -1 {
			return bad("holder %s: negative outstanding or bad holding index", h.ID)
		}
		b.hs[i] = hs
		b.idx[h.ID] = i
		b.maxLines = max(b.maxLines, h.Tax.maxLines())
		out += hs.out
	}
	if out != owed {
		return bad("holders' outstanding %d ≠ principal owed %d", out, owed)
	}
	b.stakes = make([]Stake, d.count())
	for i := range b.stakes {
		id, amt := HolderID(d.str()), d.int()
		j, ok := b.idx[id]
		if !ok || amt <= 0 {
			return bad("stake %d of unknown holder %q or not positive", i, id)
		}
		b.stakes[i] = Stake{Holder: b.hs[j].Holder, Amount: lendkit.New(amt, cur)}
	}
	b.holdings = make([]Holding, d.count())
	for i := range b.holdings {
		b.holdings[i] = d.holding(cur)
	}
	if n := d.count(); n > 0 {
		b.transfers = make([]TransferRecord, n)
		for i := range b.transfers {
			r := TransferRecord{Loan: b.loan, Key: d.str(), CutOff: d.date(), From: HolderID(d.str()), To: HolderID(d.str()),
				Amount: lendkit.New(d.int(), cur), Price: lendkit.New(d.int(), cur)}
			for _, hs := range [2]*[]Holding{&r.Closed, &r.Opened} {
				if m := d.count(); m > 0 {
					*hs = make([]Holding, m)
					for j := range *hs {
						(*hs)[j] = d.holding(cur)
					}
				}
			}
			b.transfers[i] = r
		}
	}
	for i := range b.hs {
		if b.hs[i].open >= len(b.holdings) {
			return bad("holder %s: unknown holding %d", b.hs[i].ID, b.hs[i].open)
		}
	}
	if d.err != nil {
		return bad("%v", d.err)
	}
	if len(d.b) != 0 {
		return bad("%d bytes after the end", len(d.b))
	}
	return b, nil
}
