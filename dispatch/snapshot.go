package dispatch

import (
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// snapshotVersion is the encoding's version; Restore refuses others.
const snapshotVersion = 1

// The snapshot is the book's complete servicing state as JSON, so that a
// loan can be persisted between events (dispatch/servicing stores it) and
// restored exactly. Amounts are minor units of the loan's currency; tax
// profiles are written once and referenced by index.
type snapshot struct {
	V         int              `json:"v"`
	Loan      string           `json:"loan"`
	Borrower  string           `json:"borrower"`
	Currency  lendkit.Currency `json:"currency"`
	Funded    lendkit.Date     `json:"funded"`
	Fee       snapFee          `json:"fee"`
	Waterfall snapWaterfall    `json:"waterfall"`
	Penalty   lendkit.Rate     `json:"penalty"`
	Inst      []snapInst       `json:"inst"`
	Profiles  []snapProfile    `json:"profiles"`
	Holders   []snapHolder     `json:"holders"`
	Stakes    []snapStake      `json:"stakes"`
	Holdings  []snapHolding    `json:"holdings"`
	Credit    int64            `json:"credit"`
	Status    Status           `json:"status"`
	Last      lendkit.Date     `json:"last"`
	PaidIn    int64            `json:"paid_in"`
}

type snapStake struct {
	Holder HolderID `json:"holder"`
	Amount int64    `json:"amount"`
}

type snapFee struct {
	Kind     FeeKind          `json:"kind"`
	Rate     decimal.Decimal  `json:"rate"`
	Amount   int64            `json:"amount"`
	Rounding lendkit.Rounding `json:"rounding"`
}

type snapWaterfall struct {
	Order       []Component `json:"order,omitempty"`
	Strategy    Strategy    `json:"strategy"`
	Overpayment Overpayment `json:"overpayment"`
}

type snapInst struct {
	N        int          `json:"n"`
	Due      lendkit.Date `json:"due"`
	Interest int64        `json:"interest"`
	FeeCap   int64        `json:"fee_cap"`
	Rem      [5]int64     `json:"rem"` // penalty, fee, insurance, interest, principal
	Accrued  lendkit.Date `json:"accrued"`
}

type snapProfile struct {
	Name    string      `json:"name"`
	Periods []TaxPeriod `json:"periods"`
}

type snapHolder struct {
	ID       HolderID     `json:"id"`
	Kind     HolderKind   `json:"kind"`
	Profile  int          `json:"profile"` // index into Profiles, -1 for none
	Out      int64        `json:"out"`
	Acquired int64        `json:"acquired"`
	Sold     int64        `json:"sold"`
	Since    lendkit.Date `json:"since"`
	RecvPrin int64        `json:"recv_principal"`
	RecvInt  int64        `json:"recv_interest"`
	RecvPen  int64        `json:"recv_penalty"`
	Tax      int64        `json:"tax"`
	Net      int64        `json:"net"`
	Lost     int64        `json:"lost"`
	Open     int          `json:"open"`
}

type snapHolding struct {
	Holder HolderID     `json:"holder"`
	Kind   HolderKind   `json:"kind"`
	Amount int64        `json:"amount"`
	Opened lendkit.Date `json:"opened"`
	Closed lendkit.Date `json:"closed"`
	Origin Origin       `json:"origin"`
}

// MarshalJSON encodes the book's complete servicing state. Per-holder cash
// flows (Position.Flows) are not part of it: they grow with every payment,
// and the persisted dispersals already hold them.
func (b *Book) MarshalJSON() ([]byte, error) {
	s := snapshot{V: snapshotVersion, Loan: b.loan, Borrower: b.borrower, Currency: b.cur, Funded: b.funded,
		Fee:       snapFee{Kind: b.fee.Kind, Rate: b.fee.Rate, Amount: b.fee.Amount.Minor(), Rounding: b.fee.Rounding},
		Waterfall: snapWaterfall{Order: b.wf.Order, Strategy: b.wf.Strategy, Overpayment: b.wf.Overpayment},
		Penalty:   b.penalty, Credit: b.credit, Status: b.status, Last: b.last, PaidIn: b.paidIn}
	s.Inst = make([]snapInst, len(b.inst))
	for i, in := range b.inst {
		s.Inst[i] = snapInst{N: in.n, Due: in.due, Interest: in.interest, FeeCap: in.feeCap, Accrued: in.accrued,
			Rem: [5]int64{in.rem[Penalty], in.rem[Fee], in.rem[Insurance], in.rem[Interest], in.rem[Principal]}}
	}
	profiles := map[*taxProfile]int{}
	s.Holders = make([]snapHolder, len(b.hs))
	for i := range b.hs {
		h := &b.hs[i]
		idx := -1
		if h.Tax.p != nil {
			var ok bool
			if idx, ok = profiles[h.Tax.p]; !ok {
				idx = len(s.Profiles)
				profiles[h.Tax.p] = idx
				s.Profiles = append(s.Profiles, snapProfile{Name: h.Tax.Name(), Periods: h.Tax.Periods()})
			}
		}
		s.Holders[i] = snapHolder{ID: h.ID, Kind: h.Kind, Profile: idx, Out: h.out, Acquired: h.acquired, Sold: h.sold,
			Since: h.since, RecvPrin: h.recvPrin, RecvInt: h.recvInt, RecvPen: h.recvPen, Tax: h.tax, Net: h.net,
			Lost: h.lost, Open: h.open}
	}
	s.Stakes = make([]snapStake, len(b.stakes))
	for i, st := range b.stakes {
		s.Stakes[i] = snapStake{Holder: st.Holder.ID, Amount: st.Amount.Minor()}
	}
	s.Holdings = make([]snapHolding, len(b.holdings))
	for i, h := range b.holdings {
		s.Holdings[i] = snapHolding{Holder: h.Holder, Kind: h.Kind, Amount: h.Principal.Minor(), Opened: h.Opened, Closed: h.Closed, Origin: h.Origin}
	}
	return json.Marshal(s)
}

// Restore rebuilds a book from what MarshalJSON wrote. It re-checks the
// state's invariants (holders' outstanding principal sums to the principal
// owed, holders are in canonical order), so a damaged snapshot is an error,
// not a book that disperses wrong amounts.
func Restore(data []byte) (*Book, error) {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: snapshot: %v", ErrInvalidTerms, err)
	}
	if s.V != snapshotVersion {
		return nil, fmt.Errorf("%w: snapshot version %d, want %d", ErrInvalidTerms, s.V, snapshotVersion)
	}
	bad := func(format string, args ...any) (*Book, error) {
		return nil, fmt.Errorf("%w: snapshot of loan %q: %s", ErrInvalidTerms, s.Loan, fmt.Sprintf(format, args...))
	}
	cur := s.Currency
	b := &Book{loan: s.Loan, borrower: s.Borrower, cur: cur, funded: s.Funded,
		fee:     PlatformFee{Kind: s.Fee.Kind, Rate: s.Fee.Rate, Amount: lendkit.New(s.Fee.Amount, cur), Rounding: s.Fee.Rounding},
		wf:      Waterfall{Order: s.Waterfall.Order, Strategy: s.Waterfall.Strategy, Overpayment: s.Waterfall.Overpayment},
		penalty: s.Penalty, credit: s.Credit, status: s.Status, last: s.Last, paidIn: s.PaidIn}
	if cur.IsZero() || s.Loan == "" || s.Borrower == "" || s.Status < Active || s.Status > WrittenOff {
		return bad("missing loan, borrower, currency or status")
	}
	if err := b.fee.validate(cur); err != nil {
		return nil, err
	}
	if err := b.wf.validate(); err != nil {
		return nil, err
	}
	b.inst = make([]inst, len(s.Inst))
	var owed int64
	for i, si := range s.Inst {
		in := inst{n: si.N, due: si.Due, interest: si.Interest, feeCap: si.FeeCap, accrued: si.Accrued}
		in.rem[Penalty], in.rem[Fee], in.rem[Insurance], in.rem[Interest], in.rem[Principal] = si.Rem[0], si.Rem[1], si.Rem[2], si.Rem[3], si.Rem[4]
		for _, v := range si.Rem {
			if v < 0 {
				return bad("instalment %d owes a negative amount", si.N)
			}
		}
		owed += in.rem[Principal]
		b.inst[i] = in
	}
	profiles := make([]TaxProfile, len(s.Profiles))
	for i, p := range s.Profiles {
		tp, err := NewTaxProfile(p.Name, p.Periods...)
		if err != nil {
			return nil, err
		}
		profiles[i] = tp
	}
	b.hs = make([]holderState, len(s.Holders))
	b.idx = make(map[HolderID]int, len(s.Holders))
	var out int64
	for i, sh := range s.Holders {
		h := Holder{ID: sh.ID, Kind: sh.Kind}
		if sh.Profile >= len(profiles) {
			return bad("holder %s: unknown profile %d", sh.ID, sh.Profile)
		}
		if sh.Profile >= 0 {
			h.Tax = profiles[sh.Profile]
		}
		if err := h.validate(); err != nil {
			return nil, err
		}
		if i > 0 && s.Holders[i-1].ID >= sh.ID {
			return bad("holders not in canonical order at %s", sh.ID)
		}
		if sh.Out < 0 || sh.Open >= len(s.Holdings) {
			return bad("holder %s: negative outstanding or unknown holding", sh.ID)
		}
		b.hs[i] = holderState{Holder: h, out: sh.Out, acquired: sh.Acquired, sold: sh.Sold, since: sh.Since,
			recvPrin: sh.RecvPrin, recvInt: sh.RecvInt, recvPen: sh.RecvPen, tax: sh.Tax, net: sh.Net, lost: sh.Lost, open: sh.Open}
		b.idx[sh.ID] = i
		b.maxLines = max(b.maxLines, h.Tax.maxLines())
		out += sh.Out
	}
	if out != owed {
		return bad("holders' outstanding %d ≠ principal owed %d", out, owed)
	}
	b.stakes = make([]Stake, len(s.Stakes))
	for i, st := range s.Stakes {
		j, ok := b.idx[st.Holder]
		if !ok || st.Amount <= 0 {
			return bad("stake %d of unknown holder %q or not positive", i, st.Holder)
		}
		b.stakes[i] = Stake{Holder: b.hs[j].Holder, Amount: lendkit.New(st.Amount, cur)}
	}
	b.holdings = make([]Holding, len(s.Holdings))
	for i, h := range s.Holdings {
		b.holdings[i] = Holding{Holder: h.Holder, Kind: h.Kind, Principal: lendkit.New(h.Amount, cur), Opened: h.Opened, Closed: h.Closed, Origin: h.Origin}
	}
	return b, nil
}
