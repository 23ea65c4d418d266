package dispatch

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
)

// Flow is a dated cash flow from a holder's side: negative when the holder
// pays (funding, buying), positive when it receives (net repayments, a sale).
type Flow = amortization.CashFlow

// Position is one holder's figures in one loan.
type Position struct {
	Loan   string
	Holder HolderID
	Kind   HolderKind
	Status Status
	// Since is when the holder first acquired part of the loan.
	Since    lendkit.Date
	Acquired lendkit.Money // principal lent or bought
	Sold     lendkit.Money // principal sold
	// Outstanding is principal still owed to the holder, zero once the loan
	// is written off (it is then in WrittenOff).
	Outstanding lendkit.Money
	// WrittenOff is the principal recorded as lost and not yet recovered.
	WrittenOff        lendkit.Money
	ReceivedPrincipal lendkit.Money
	ReceivedInterest  lendkit.Money // after the platform's fee, before tax
	ReceivedPenalty   lendkit.Money
	TaxWithheld       lendkit.Money
	NetReceived       lendkit.Money
	DaysPastDue       int
	// Flows are the holder's dated cash flows in this loan, oldest first.
	Flows []Flow
}

// Position returns holder's figures in the loan as of asOf (flows after asOf
// are left out). ErrNoHolding if the holder never held part of the loan.
func (b *Book) Position(holder HolderID, asOf lendkit.Date) (Position, error) {
	i, ok := b.idx[holder]
	if !ok {
		return Position{}, fmt.Errorf("%w: %s in loan %s", ErrNoHolding, holder, b.loan)
	}
	return b.position(i, asOf), nil
}

// Positions returns every holder's position, in canonical order.
func (b *Book) Positions(asOf lendkit.Date) []Position {
	out := make([]Position, len(b.hs))
	for i := range b.hs {
		out[i] = b.position(i, asOf)
	}
	return out
}

func (b *Book) position(i int, asOf lendkit.Date) Position {
	h := &b.hs[i]
	m := func(v int64) lendkit.Money { return lendkit.New(v, b.cur) }
	p := Position{
		Loan: b.loan, Holder: h.ID, Kind: h.Kind, Status: b.status, Since: h.since,
		Acquired: m(h.acquired), Sold: m(h.sold), Outstanding: m(h.out), WrittenOff: m(0),
		ReceivedPrincipal: m(h.recvPrin), ReceivedInterest: m(h.recvInt), ReceivedPenalty: m(h.recvPen),
		TaxWithheld: m(h.tax), NetReceived: m(h.net),
	}
	if b.status == WrittenOff {
		p.Outstanding, p.WrittenOff = m(0), m(h.out)
	}
	if h.out > 0 {
		p.DaysPastDue = b.DaysPastDue(asOf)
	}
	for _, f := range h.flows {
		if !f.Date.After(asOf) {
			p.Flows = append(p.Flows, f)
		}
	}
	return p
}

// RiskBucket is outstanding principal in loans whose oldest unpaid
// instalment is From to To days past due (To 0: no upper bound).
type RiskBucket struct {
	From, To int
	Amount   lendkit.Money
}

// DefaultBuckets are the usual days-past-due buckets: 1–30, 31–60, 61–90,
// more than 90.
var DefaultBuckets = []int{1, 31, 61, 91}

// Portfolio is a holder's figures across loans.
type Portfolio struct {
	Holder   HolderID
	AsOf     lendkit.Date
	Currency lendkit.Currency
	// Projects is the number of loans the holder has held part of; Active
	// those in which it still has principal outstanding.
	Projects          int
	Active            int
	Outstanding       lendkit.Money
	WrittenOff        lendkit.Money
	ReceivedPrincipal lendkit.Money
	ReceivedInterest  lendkit.Money
	ReceivedPenalty   lendkit.Money
	TaxWithheld       lendkit.Money
	NetReceived       lendkit.Money
	// AtRisk is outstanding principal by days past due.
	AtRisk []RiskBucket
	// IRR is the annual internal rate of return (XIRR, actual days / 365) of
	// the holder's net cash flows, with what is outstanding (not written off)
	// valued at par on AsOf. HasIRR is false when no rate solves the flows
	// (nothing received and nothing outstanding yet).
	IRR    decimal.Decimal
	HasIRR bool
}

// Summarise adds up positions of one holder into its portfolio figures.
// buckets are the first day of each days-past-due bucket, increasing
// (DefaultBuckets when nil). Positions must all be the holder's and in one
// currency.
func Summarise(holder HolderID, asOf lendkit.Date, positions []Position, buckets []int) (Portfolio, error) {
	if buckets == nil {
		buckets = DefaultBuckets
	}
	for i, s := range buckets {
		if s < 1 || (i > 0 && s <= buckets[i-1]) {
			return Portfolio{}, fmt.Errorf("%w: days-past-due buckets %v must be increasing from 1", ErrInvalidEvent, buckets)
		}
	}
	pf := Portfolio{Holder: holder, AsOf: asOf, Projects: len(positions)}
	if len(positions) == 0 {
		return pf, nil
	}
	cur := positions[0].Outstanding.Currency()
	pf.Currency = cur
	sums := make([]int64, 8)
	risk := make([]int64, len(buckets))
	var flows []Flow
	for _, p := range positions {
		if p.Holder != holder {
			return Portfolio{}, fmt.Errorf("%w: position of %s in loan %s summarised for %s", ErrInvalidEvent, p.Holder, p.Loan, holder)
		}
		vals := []lendkit.Money{p.Outstanding, p.WrittenOff, p.ReceivedPrincipal, p.ReceivedInterest, p.ReceivedPenalty, p.TaxWithheld, p.NetReceived}
		for k, v := range vals {
			if v.Currency() != cur {
				return Portfolio{}, fmt.Errorf("loan %s: %w: %s and %s", p.Loan, lendkit.ErrCurrencyMismatch, v.Currency(), cur)
			}
			var ok bool
			if sums[k], ok = addChecked(sums[k], v.Minor()); !ok {
				return Portfolio{}, fmt.Errorf("portfolio of %s: %w", holder, lendkit.ErrOverflow)
			}
		}
		if p.Outstanding.IsPositive() {
			pf.Active++
			for k := len(buckets) - 1; k >= 0; k-- {
				if p.DaysPastDue >= buckets[k] {
					risk[k] += p.Outstanding.Minor()
					break
				}
			}
			flows = append(flows, Flow{Date: asOf, Amount: p.Outstanding})
		}
		for _, f := range p.Flows {
			if !f.Date.After(asOf) {
				flows = append(flows, f)
			}
		}
	}
	m := func(v int64) lendkit.Money { return lendkit.New(v, cur) }
	pf.Outstanding, pf.WrittenOff = m(sums[0]), m(sums[1])
	pf.ReceivedPrincipal, pf.ReceivedInterest, pf.ReceivedPenalty = m(sums[2]), m(sums[3]), m(sums[4])
	pf.TaxWithheld, pf.NetReceived = m(sums[5]), m(sums[6])
	pf.AtRisk = make([]RiskBucket, len(buckets))
	for k, s := range buckets {
		to := 0
		if k+1 < len(buckets) {
			to = buckets[k+1] - 1
		}
		pf.AtRisk[k] = RiskBucket{From: s, To: to, Amount: m(risk[k])}
	}
	irr, err := amortization.XIRR(flows)
	switch {
	case err == nil:
		pf.IRR, pf.HasIRR = irr, true
	case errors.Is(err, amortization.ErrNoSolution):
	default:
		return Portfolio{}, fmt.Errorf("portfolio of %s: IRR: %w", holder, err)
	}
	return pf, nil
}
