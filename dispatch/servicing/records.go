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

// projectionRecords flattens a projection into rows. The taxes of all rows
// share one backing array: one allocation for 180,000 rows.
func projectionRecords(p *dispatch.Projection) []store.DispatchProjection {
	out := make([]store.DispatchProjection, 0, p.Len())
	n := 0
	for r := range p.Rows() {
		n += len(r.Taxes)
	}
	taxes := make([]store.DispatchTax, 0, n)
	for r := range p.Rows() {
		start := len(taxes)
		for _, t := range r.Taxes {
			taxes = append(taxes, store.DispatchTax{Code: t.Code, Amount: t.Amount})
		}
		out = append(out, store.DispatchProjection{LoanID: p.Loan, Holder: string(r.Holder), N: r.N, Due: r.Due,
			Capital: r.Capital, Interest: r.Interest, Tax: r.Tax, Net: r.Net, Taxes: taxes[start:len(taxes):len(taxes)]})
	}
	return out
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
