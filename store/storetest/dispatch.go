package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// ExerciseDispatch runs the dispatch domain's conformance tests: the
// DispatchStore contract, then loans funded and serviced through
// dispatch/servicing with their ledger transactions in the same unit of
// work.
func ExerciseDispatch(t *testing.T, open Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"LoanVersions", testDispatchLoanVersions},
		{"Holdings", testDispatchHoldings},
		{"Projections", testDispatchProjections},
		{"Dispersals", testDispatchDispersals},
		{"Rollback", testDispatchRollback},
		{"FundAndService", testDispatchFundAndService},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

func dday(s string) lendkit.Date { return lendkit.MustParseDate(s) }

// dispatchTx runs fn in a unit of work and fails t on error.
func (b *bundle) dispatchTx(t *testing.T, fn func(tx store.Tx) error) {
	t.Helper()
	if err := b.db.InTx(b.ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// dispatchErr runs fn in a unit of work of its own and checks that it fails
// with want (a statement that fails aborts a Postgres transaction, so each
// expected failure gets its own unit of work, as a caller's would).
func (b *bundle) dispatchErr(t *testing.T, what string, want error, fn func(tx store.Tx) error) {
	t.Helper()
	if err := b.db.InTx(b.ctx, fn); !errors.Is(err, want) {
		t.Errorf("%s: err %v, want %v", what, err, want)
	}
}

func testLoan(id string) store.DispatchLoan {
	return store.DispatchLoan{ID: id, Borrower: "acme", Currency: lendkit.EUR, Status: "active", State: []byte(`{"v":1}`)}
}

func testDispatchLoanVersions(t *testing.T, open Opener) {
	b := setup(t, open)
	ds := func(tx store.Tx) store.DispatchStore { return tx.Dispatch() }
	b.dispatchTx(t, func(tx store.Tx) error {
		v, err := ds(tx).SaveLoan(b.ctx, testLoan("L1"))
		if err != nil || v != 1 {
			return fmt.Errorf("insert: version %d, %v", v, err)
		}
		return nil
	})
	b.dispatchErr(t, "second insert", store.ErrConflict, func(tx store.Tx) error {
		_, err := ds(tx).SaveLoan(b.ctx, testLoan("L1"))
		return err
	})
	b.clock.Advance(1e9)
	l := testLoan("L1")
	l.Version, l.Status, l.State = 1, "repaid", []byte{0, 1, 2, 255}
	b.dispatchTx(t, func(tx store.Tx) error {
		v, err := ds(tx).SaveLoan(b.ctx, l)
		if err != nil || v != 2 {
			return fmt.Errorf("update: version %d, %v", v, err)
		}
		return nil
	})
	b.dispatchErr(t, "stale update", store.ErrConflict, func(tx store.Tx) error {
		_, err := ds(tx).SaveLoan(b.ctx, l)
		return err
	})
	b.dispatchErr(t, "update of an unknown loan", store.ErrNotFound, func(tx store.Tx) error {
		u := l
		u.ID, u.Version = "nobody", 3
		_, err := ds(tx).SaveLoan(b.ctx, u)
		return err
	})
	b.dispatchTx(t, func(tx store.Tx) error {
		got, err := ds(tx).Loan(b.ctx, "L1")
		if err != nil {
			return err
		}
		want := store.DispatchLoan{ID: "L1", Borrower: "acme", Currency: lendkit.EUR, Status: "repaid", Version: 2,
			State: []byte{0, 1, 2, 255}, UpdatedAt: tx.Now()}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			return fmt.Errorf("loan (-want +got):\n%s", diff)
		}
		if _, err := ds(tx).Loan(b.ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("unknown loan: %v", err)
		}
		return nil
	})
}

func testDispatchHoldings(t *testing.T, open Opener) {
	b := setup(t, open)
	hs := []store.DispatchHolding{
		{LoanID: "L1", Line: 1, Holder: "b", Kind: "individual", Principal: eur(50000), Opened: dday("2027-01-15"), Origin: "funded"},
		{LoanID: "L1", Line: 2, Holder: "a", Kind: "fund", Principal: eur(30000), Opened: dday("2027-01-15"), Origin: "funded"},
	}
	b.dispatchErr(t, "holdings of an unknown loan", store.ErrNotFound, func(tx store.Tx) error {
		return tx.Dispatch().SaveHoldings(b.ctx, hs)
	})
	b.dispatchTx(t, func(tx store.Tx) error {
		if _, err := tx.Dispatch().SaveLoan(b.ctx, testLoan("L1")); err != nil {
			return err
		}
		if err := tx.Dispatch().SaveHoldings(b.ctx, hs); err != nil {
			return err
		}
		closed := hs[0]
		closed.Closed = dday("2027-06-01")
		opened := store.DispatchHolding{LoanID: "L1", Line: 3, Holder: "c", Kind: "fund", Principal: eur(41234), Opened: dday("2027-06-01"), Origin: "transferred"}
		if err := tx.Dispatch().SaveHoldings(b.ctx, []store.DispatchHolding{opened, closed}); err != nil {
			return err
		}
		got, err := tx.Dispatch().Holdings(b.ctx, "L1")
		if err != nil {
			return err
		}
		want := []store.DispatchHolding{closed, hs[1], opened}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			return fmt.Errorf("holdings (-want +got):\n%s", diff)
		}
		if none, err := tx.Dispatch().Holdings(b.ctx, "nobody"); err != nil || len(none) != 0 {
			return fmt.Errorf("holdings of unknown loan: %v, %v", none, err)
		}
		return nil
	})
}

// projections returns n rows × holders of loan, with taxes on some.
func projections(loan string, n, holders int) []store.DispatchProjection {
	var out []store.DispatchProjection
	for k := 1; k <= n; k++ {
		for h := range holders {
			p := store.DispatchProjection{LoanID: loan, Holder: fmt.Sprintf("h%d", h), N: k, Due: dday("2027-01-15").AddMonths(k),
				Capital: eur(int64(1000 + h)), Interest: eur(int64(k * h % 97)), Tax: eur(0)}
			if h%3 == 0 {
				p.Taxes = []store.DispatchTax{{Code: "FR-IR", Amount: eur(int64(k % 5))}, {Code: "FR-PS", Amount: eur(int64(k % 7))}}
				p.Tax = eur(int64(k%5 + k%7))
			}
			p.Net = eur(p.Capital.Minor() + p.Interest.Minor() - p.Tax.Minor())
			out = append(out, p)
		}
	}
	return out
}

func testDispatchProjections(t *testing.T, open Opener) {
	b := setup(t, open)
	rows := projections("L1", 24, 500) // 12,000 rows: past every chunk and COPY threshold
	b.dispatchErr(t, "projections of an unknown loan", store.ErrNotFound, func(tx store.Tx) error {
		return tx.Dispatch().InsertProjections(b.ctx, rows[:10])
	})
	b.dispatchTx(t, func(tx store.Tx) error {
		if _, err := tx.Dispatch().SaveLoan(b.ctx, testLoan("L1")); err != nil {
			return err
		}
		return tx.Dispatch().InsertProjections(b.ctx, rows)
	})
	// A duplicate row anywhere in a batch writes nothing of it.
	b.dispatchErr(t, "duplicate projection", store.ErrConflict, func(tx store.Tx) error {
		extra := projections("L1", 26, 3)[72:] // instalments 25 and 26 …
		return tx.Dispatch().InsertProjections(b.ctx, append(extra, rows[5]))
	})
	b.dispatchTx(t, func(tx store.Tx) error {
		got, err := tx.Dispatch().Projections(b.ctx, "L1", "")
		if err != nil {
			return err
		}
		want := slices.Clone(rows)
		slices.SortFunc(want, func(a, c store.DispatchProjection) int {
			if a.N != c.N {
				return a.N - c.N
			}
			if a.Holder < c.Holder {
				return -1
			}
			if a.Holder > c.Holder {
				return 1
			}
			return 0
		})
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			return fmt.Errorf("projections (-want +got):\n%s", diff)
		}
		one, err := tx.Dispatch().Projections(b.ctx, "L1", "h3")
		if err != nil || len(one) != 24 || one[0].N != 1 || one[23].Holder != "h3" {
			return fmt.Errorf("one holder's projections: %d rows, %v", len(one), err)
		}
		n, err := tx.Dispatch().DeleteProjections(b.ctx, "L1", 13)
		if err != nil || n != 12*500 {
			return fmt.Errorf("deleted %d, %v", n, err)
		}
		left, err := tx.Dispatch().Projections(b.ctx, "L1", "h3")
		if err != nil || len(left) != 12 {
			return fmt.Errorf("after delete: %d rows, %v", len(left), err)
		}
		return nil
	})
}

func testDispatchDispersals(t *testing.T, open Opener) {
	b := setup(t, open)
	d := store.DispatchDispersal{LoanID: "L1", Key: "sdd-1", Kind: "on-time", Date: dday("2027-02-15"),
		Cash: eur(51000), CreditBefore: eur(0), CreditAfter: eur(0), Penalty: eur(0), Fee: eur(0), Insurance: eur(0),
		Interest: eur(1000), Principal: eur(50000), Prepaid: eur(0), PlatformFee: eur(0), LedgerTxID: "0123abcd",
		Shares: []store.DispatchShare{
			{Holder: "zed", Kind: "fund", Principal: eur(10000), Interest: eur(200), Penalty: eur(0), Tax: eur(0), Net: eur(10200)},
			{Holder: "anne", Kind: "individual", Principal: eur(40000), Interest: eur(800), Penalty: eur(0), Tax: eur(240), Net: eur(40560),
				Taxes: []store.DispatchTax{{Code: "FR-IR", Amount: eur(102)}, {Code: "FR-PS", Amount: eur(138)}}},
		}}
	b.dispatchErr(t, "dispersal of an unknown loan", store.ErrNotFound, func(tx store.Tx) error {
		return tx.Dispatch().InsertDispersal(b.ctx, d)
	})
	b.dispatchTx(t, func(tx store.Tx) error {
		if _, err := tx.Dispatch().SaveLoan(b.ctx, testLoan("L1")); err != nil {
			return err
		}
		return tx.Dispatch().InsertDispersal(b.ctx, d)
	})
	b.dispatchErr(t, "duplicate dispersal key", store.ErrConflict, func(tx store.Tx) error {
		return tx.Dispatch().InsertDispersal(b.ctx, d)
	})
	b.dispatchTx(t, func(tx store.Tx) error {
		got, err := tx.Dispatch().Dispersal(b.ctx, "L1", "sdd-1")
		if err != nil {
			return err
		}
		want := d
		want.CreatedAt = tx.Now()
		want.Shares = []store.DispatchShare{d.Shares[1], d.Shares[0]} // in holder order
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			return fmt.Errorf("dispersal (-want +got):\n%s", diff)
		}
		if _, err := tx.Dispatch().Dispersal(b.ctx, "L1", "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("unknown dispersal: %v", err)
		}
		return nil
	})
}

// testDispatchRollback: an error from the unit of work leaves none of its
// dispatch writes behind.
func testDispatchRollback(t *testing.T, open Opener) {
	b := setup(t, open)
	boom := errors.New("boom")
	err := b.db.InTx(b.ctx, func(tx store.Tx) error {
		if _, err := tx.Dispatch().SaveLoan(b.ctx, testLoan("L1")); err != nil {
			return err
		}
		if err := tx.Dispatch().InsertProjections(b.ctx, projections("L1", 3, 100)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx: %v", err)
	}
	b.dispatchTx(t, func(tx store.Tx) error {
		if _, err := tx.Dispatch().Loan(b.ctx, "L1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("loan survived the rollback: %v", err)
		}
		if rows, err := tx.Dispatch().Projections(b.ctx, "L1", ""); err != nil || len(rows) != 0 {
			return fmt.Errorf("%d projections survived the rollback (%v)", len(rows), err)
		}
		return nil
	})
}

// testDispatchFundAndService funds a loan of 40 lenders through servicing,
// pays every instalment, and checks that each wallet received exactly what
// was projected, the tax accounts what was withheld, and that the ledger
// verifies.
func testDispatchFundAndService(t *testing.T, open Opener) {
	b := setup(t, open)
	const lenders, months = 40, 6
	acc := servicing.DefaultAccounts
	stakes := make([]dispatch.Stake, lenders)
	var principal int64
	for i := range stakes {
		h := dispatch.Holder{ID: dispatch.HolderID(fmt.Sprintf("lender-%02d", i)), Kind: dispatch.Individual, Tax: dispatch.FranceIndividual()}
		if i%4 == 1 {
			h.Kind, h.Tax = dispatch.Company, dispatch.NoWithholding()
		}
		stakes[i] = dispatch.Stake{Holder: h, Amount: eur(int64(10000 + 137*i))}
		principal += stakes[i].Amount.Minor()
	}
	rows := make([]dispatch.Instalment, months)
	left := principal
	for k := range rows {
		p := principal / months
		if k == months-1 {
			p = left
		}
		rows[k] = dispatch.Instalment{N: k + 1, Due: dday("2027-01-15").AddMonths(k + 1), Principal: eur(p), Interest: eur(left * 7 / 1200)}
		left -= p
	}
	book, err := dispatch.Open(dispatch.Terms{Loan: "L1", Borrower: "acme", Currency: lendkit.EUR, Funded: dday("2027-01-15"),
		Schedule: rows, Stakes: stakes})
	if err != nil {
		t.Fatal(err)
	}
	b.dispatchTx(t, func(tx store.Tx) error {
		u := ledger.In(tx)
		mk := func(id string, normal ledger.Side, c ledger.Constraint) error {
			_, err := u.CreateAccount(b.ctx, ledger.Account{ID: id, Code: "test", Currency: lendkit.EUR, Normal: normal, Constraint: c})
			return err
		}
		if err := mk("world", ledger.Debit, ledger.Unconstrained); err != nil {
			return err
		}
		ids := []string{acc(dispatch.Account{Role: dispatch.BorrowerWallet, Owner: "acme"}),
			acc(dispatch.Account{Role: dispatch.TaxAuthority, Owner: dispatch.TaxFranceIncome}),
			acc(dispatch.Account{Role: dispatch.TaxAuthority, Owner: dispatch.TaxFranceSocial})}
		var payins []ledger.Transfer
		for _, s := range stakes {
			id := acc(dispatch.Account{Role: dispatch.HolderWallet, Owner: string(s.Holder.ID)})
			ids = append(ids, id)
			payins = append(payins, ledger.Transfer{Key: "payin:" + id, Code: "payin", EffectiveDate: dday("2027-01-15"),
				Postings: []ledger.Posting{ledger.Dr("world", s.Amount), ledger.Cr(id, s.Amount)}})
		}
		for _, id := range ids {
			if err := mk(id, ledger.Credit, ledger.NonNegative); err != nil {
				return err
			}
		}
		_, err := u.PostBatch(b.ctx, payins)
		return err
	})
	var proj *dispatch.Projection
	b.dispatchTx(t, func(tx store.Tx) error {
		if proj, err = book.Project(); err != nil {
			return err
		}
		f, err := servicing.Fund(b.ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: acc})
		if err != nil {
			return err
		}
		if f.Projections != lenders*months {
			return fmt.Errorf("%d projections", f.Projections)
		}
		return nil
	})
	wantNet := map[string]int64{}
	var wantTax int64
	for r := range proj.Rows() {
		wantNet[string(r.Holder)] += r.Net.Minor()
		wantTax += r.Tax.Minor()
	}
	for k, r := range rows {
		cash := eur(r.Principal.Minor() + r.Interest.Minor())
		b.dispatchTx(t, func(tx store.Tx) error {
			_, err := ledger.In(tx).Post(b.ctx, ledger.Transfer{Key: fmt.Sprintf("collect-%d", k), Code: "collection", EffectiveDate: r.Due,
				Postings: []ledger.Posting{ledger.Dr("world", cash), ledger.Cr(acc(dispatch.Account{Role: dispatch.BorrowerWallet, Owner: "acme"}), cash)}})
			if err != nil {
				return err
			}
			out, err := servicing.Pay(b.ctx, tx, "L1", dispatch.Payment{Key: fmt.Sprintf("sdd-%d", k+1), Date: r.Due, Amount: cash}, acc)
			if err != nil {
				return err
			}
			if out.Dispersal.Kind != "on-time" {
				return fmt.Errorf("instalment %d: %s", k+1, out.Dispersal.Kind)
			}
			return nil
		})
	}
	l := ledger.New(b.db)
	for _, s := range stakes {
		bal, err := l.Balance(b.ctx, acc(dispatch.Account{Role: dispatch.HolderWallet, Owner: string(s.Holder.ID)}))
		if err != nil {
			t.Fatal(err)
		}
		if got := bal.Posted.Minor(); got != wantNet[string(s.Holder.ID)] {
			t.Errorf("%s received %d, projected %d", s.Holder.ID, got, wantNet[string(s.Holder.ID)])
		}
	}
	var tax int64
	for _, c := range []string{dispatch.TaxFranceIncome, dispatch.TaxFranceSocial} {
		bal, err := l.Balance(b.ctx, acc(dispatch.Account{Role: dispatch.TaxAuthority, Owner: c}))
		if err != nil {
			t.Fatal(err)
		}
		tax += bal.Posted.Minor()
	}
	if tax != wantTax {
		t.Errorf("tax authorities received %d, projected %d", tax, wantTax)
	}
	if _, err := l.Verify(context.Background()); err != nil {
		t.Errorf("ledger verify: %v", err)
	}
	b.dispatchTx(t, func(tx store.Tx) error {
		loan, err := servicing.Load(b.ctx, tx, "L1")
		if err != nil {
			return err
		}
		if loan.Book.Status() != dispatch.Repaid || loan.Version != int64(1+months) {
			return fmt.Errorf("status %s version %d", loan.Book.Status(), loan.Version)
		}
		return nil
	})
}
