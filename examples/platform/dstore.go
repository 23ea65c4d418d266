package main

import (
	"context"
	"fmt"

	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/store"
)

// Persisting dispatch's results through the store's DispatchStore (migration
// 0002): the book's snapshot (for fast loading and optimistic concurrency),
// the holdings register, every lender's projected repayments, and every
// dispersal with its shares. The platform's own event log stays the source
// from which verify recomputes everything independently.

func taxesOf(ls []disp.TaxLine) []store.DispatchTax {
	if len(ls) == 0 {
		return nil
	}
	out := make([]store.DispatchTax, len(ls))
	for i, l := range ls {
		out[i] = store.DispatchTax{Code: l.Code, Amount: l.Amount}
	}
	return out
}

// saveBook stores the book's snapshot (insert when version is 0).
func saveBook(ctx context.Context, tx store.Tx, b *disp.Book, version int64) (int64, error) {
	state, err := b.MarshalJSON()
	if err != nil {
		return 0, err
	}
	return tx.Dispatch().SaveLoan(ctx, store.DispatchLoan{ID: b.Loan(), Borrower: b.Borrower(), Currency: b.Currency(),
		Status: b.Status().String(), Version: version, State: state})
}

// saveRegister writes every holding line of the book (new lines inserted,
// closed ones updated).
func saveRegister(ctx context.Context, tx store.Tx, b *disp.Book) error {
	hs := b.Holdings()
	out := make([]store.DispatchHolding, len(hs))
	for i, h := range hs {
		out[i] = store.DispatchHolding{LoanID: b.Loan(), Line: i + 1, Holder: string(h.Holder), Kind: h.Kind.String(),
			Principal: h.Principal, Opened: h.Opened, Closed: h.Closed, Origin: h.Origin.String()}
	}
	return tx.Dispatch().SaveHoldings(ctx, out)
}

// saveProjections writes every holder's projected repayments of the
// instalments still to come: all of them at funding (replace false); after a
// transfer (replace true) they replace what was projected for those
// instalments.
func saveProjections(ctx context.Context, tx store.Tx, b *disp.Book, replace bool) (int, error) {
	p, err := b.Project()
	if err != nil {
		return 0, err
	}
	if replace && p.Len() > 0 {
		fromN := 0
		for r := range p.Rows() {
			if fromN == 0 || r.N < fromN {
				fromN = r.N
			}
		}
		if _, err := tx.Dispatch().DeleteProjections(ctx, b.Loan(), fromN); err != nil {
			return 0, err
		}
	}
	rows := make([]store.DispatchProjection, 0, p.Len())
	for r := range p.Rows() {
		rows = append(rows, store.DispatchProjection{LoanID: r.Loan, Holder: string(r.Holder), N: r.N, Due: r.Due,
			Capital: r.Capital, Interest: r.Interest, Tax: r.Tax, Net: r.Net, Taxes: taxesOf(r.Taxes)})
	}
	if err := tx.Dispatch().InsertProjections(ctx, rows); err != nil {
		return 0, fmt.Errorf("projections: %w", err)
	}
	return len(rows), nil
}

// saveDispersal writes a dispersal and its shares, with the ledger
// transaction that moved its money ("" when none did).
func saveDispersal(ctx context.Context, tx store.Tx, d disp.Dispersal, ledgerTx string) error {
	shares := make([]store.DispatchShare, len(d.Shares))
	for i, s := range d.Shares {
		shares[i] = store.DispatchShare{Holder: string(s.Holder), Kind: s.Kind.String(), Principal: s.Principal, Interest: s.Interest,
			Penalty: s.Penalty, Tax: s.Tax, Net: s.Net, Taxes: taxesOf(s.Taxes)}
	}
	return tx.Dispatch().InsertDispersal(ctx, store.DispatchDispersal{LoanID: d.Loan, Key: d.Key, Kind: d.Kind.String(), Date: d.Date,
		Cash: d.Cash, CreditBefore: d.CreditBefore, CreditAfter: d.CreditAfter, Penalty: d.Applied.Penalty, Fee: d.Applied.Fee,
		Insurance: d.Applied.Insurance, Interest: d.Applied.Interest, Principal: d.Applied.Principal, Prepaid: d.Prepaid,
		PlatformFee: d.PlatformFee, LedgerTxID: ledgerTx, Shares: shares})
}
