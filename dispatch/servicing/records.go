package servicing

import (
	"github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/store"
)

func taxRecords(ts []dispatch.TaxLine) []store.DispatchTax {
	if len(ts) == 0 {
		return nil
	}
	out := make([]store.DispatchTax, len(ts))
	for i, t := range ts {
		out[i] = store.DispatchTax{Code: t.Code, Amount: t.Amount}
	}
	return out
}

// holdingRecords converts register lines; line numbers start at first+1.
func holdingRecords(loan string, hs []dispatch.Holding, first int) []store.DispatchHolding {
	out := make([]store.DispatchHolding, len(hs))
	for i, h := range hs {
		out[i] = store.DispatchHolding{LoanID: loan, Line: first + i + 1, Holder: string(h.Holder), Kind: h.Kind.String(),
			Principal: h.Principal, Opened: h.Opened, Closed: h.Closed, Origin: h.Origin.String()}
	}
	return out
}

// projectionBuffer accumulates projection rows for one InsertProjections
// call; reset keeps its memory for the next batch.
type projectionBuffer struct {
	rows  []store.DispatchProjection
	taxes []store.DispatchTax
	spans [][2]int // each row's tax lines in taxes
}

func (b *projectionBuffer) reset() {
	b.rows, b.taxes, b.spans = b.rows[:0], b.taxes[:0], b.spans[:0]
}

// add appends one projected payment's rows. Tax lines go to one shared
// backing array, which appending may move: batch points the rows into it
// once the batch is complete.
func (b *projectionBuffer) add(loan string, pp dispatch.ProjectedPayment) {
	for _, s := range pp.Shares {
		start := len(b.taxes)
		for _, t := range s.Taxes {
			b.taxes = append(b.taxes, store.DispatchTax{Code: t.Code, Amount: t.Amount})
		}
		b.spans = append(b.spans, [2]int{start, len(b.taxes)})
		b.rows = append(b.rows, store.DispatchProjection{LoanID: loan, Holder: string(s.Holder), N: pp.N, Due: pp.Due,
			Capital: s.Principal, Interest: s.Interest, Tax: s.Tax, Net: s.Net})
	}
}

// batch returns the rows with their tax lines.
func (b *projectionBuffer) batch() []store.DispatchProjection {
	for i, sp := range b.spans {
		if sp[1] > sp[0] {
			b.rows[i].Taxes = b.taxes[sp[0]:sp[1]:sp[1]]
		} else {
			b.rows[i].Taxes = nil
		}
	}
	return b.rows
}

func dispersalRecord(d dispatch.Dispersal) store.DispatchDispersal {
	r := store.DispatchDispersal{LoanID: d.Loan, Key: d.Key, Kind: d.Kind.String(), Date: d.Date,
		Cash: d.Cash, CreditBefore: d.CreditBefore, CreditAfter: d.CreditAfter,
		Penalty: d.Applied.Penalty, Fee: d.Applied.Fee, Insurance: d.Applied.Insurance, Interest: d.Applied.Interest,
		Principal: d.Applied.Principal, Prepaid: d.Prepaid, PlatformFee: d.PlatformFee,
		Shares: make([]store.DispatchShare, len(d.Shares))}
	for i, s := range d.Shares {
		r.Shares[i] = store.DispatchShare{Holder: string(s.Holder), Kind: s.Kind.String(), Principal: s.Principal,
			Interest: s.Interest, Penalty: s.Penalty, Tax: s.Tax, Net: s.Net, Taxes: taxRecords(s.Taxes)}
	}
	return r
}
