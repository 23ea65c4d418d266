package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
)

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Currency) bool { return a == b }),
}

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

func day(s string) lendkit.Date { return lendkit.MustParseDate(s) }

// openSQLite returns a migrated SQLite database in t.TempDir().
func openSQLite(t testing.TB) store.DB {
	t.Helper()
	return sqlitetest.Open(t)
}

// eachBackend runs test on SQLite and, when LENDKIT_TEST_POSTGRES_URL is set,
// on Postgres (pgtest skips with the reason otherwise).
func eachBackend(t *testing.T, test func(t *testing.T, db store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, pgtest.Open(t))
	})
}

// world is the outside of the platform: pay-ins come from it.
const world = "world"

// setupAccounts creates the ledger accounts the loan's entries name and pays
// amounts into wallets from the world account.
func setupAccounts(t testing.TB, db store.DB, holders []dispatch.Stake, borrower string, taxes ...string) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx store.Tx) error {
		u := ledger.In(tx)
		mk := func(id string, normal store.Side, c store.Constraint) error {
			_, err := u.CreateAccount(ctx, ledger.Account{ID: id, Code: "test", Currency: lendkit.EUR, Normal: normal, Constraint: c})
			return err
		}
		if err := mk(world, ledger.Debit, ledger.Unconstrained); err != nil {
			return err
		}
		ids := []string{servicing.DefaultAccounts(dispatch.Account{Role: dispatch.BorrowerWallet, Owner: borrower}),
			servicing.DefaultAccounts(dispatch.Account{Role: dispatch.PlatformRevenue}),
			servicing.DefaultAccounts(dispatch.Account{Role: dispatch.Insurer})}
		for _, c := range taxes {
			ids = append(ids, servicing.DefaultAccounts(dispatch.Account{Role: dispatch.TaxAuthority, Owner: c}))
		}
		for _, s := range holders {
			ids = append(ids, servicing.DefaultAccounts(dispatch.Account{Role: dispatch.HolderWallet, Owner: string(s.Holder.ID)}))
		}
		for _, id := range ids {
			if err := mk(id, ledger.Credit, ledger.NonNegative); err != nil {
				return err
			}
		}
		var ts []ledger.Transfer
		for _, s := range holders {
			id := servicing.DefaultAccounts(dispatch.Account{Role: dispatch.HolderWallet, Owner: string(s.Holder.ID)})
			ts = append(ts, ledger.Transfer{Key: "payin:" + id, Code: "payin", EffectiveDate: day("2025-01-01"),
				Postings: []ledger.Posting{ledger.Dr(world, s.Amount), ledger.Cr(id, s.Amount)}})
		}
		for start := 0; start < len(ts); start += 1000 {
			if _, err := u.PostBatch(ctx, ts[start:min(start+1000, len(ts))]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("setup accounts: %v", err)
	}
}

// collect pays amount into the borrower's wallet (a SEPA collection).
func collect(t testing.TB, db store.DB, borrower, key string, amount lendkit.Money) {
	t.Helper()
	id := servicing.DefaultAccounts(dispatch.Account{Role: dispatch.BorrowerWallet, Owner: borrower})
	if _, err := ledger.New(db).Post(context.Background(), ledger.Transfer{Key: "collect:" + key, Code: "collection",
		EffectiveDate: day("2025-01-01"), Postings: []ledger.Posting{ledger.Dr(world, amount), ledger.Cr(id, amount)}}); err != nil {
		t.Fatal(err)
	}
}

// payout pays amount out of the borrower's wallet to its bank.
func payout(t testing.TB, db store.DB, borrower string, amount lendkit.Money) {
	t.Helper()
	id := servicing.DefaultAccounts(dispatch.Account{Role: dispatch.BorrowerWallet, Owner: borrower})
	if _, err := ledger.New(db).Post(context.Background(), ledger.Transfer{Key: "payout:" + borrower, Code: "payout",
		EffectiveDate: day("2025-01-01"), Postings: []ledger.Posting{ledger.Dr(id, amount), ledger.Cr(world, amount)}}); err != nil {
		t.Fatal(err)
	}
}

func balance(t testing.TB, db store.DB, a dispatch.Account) string {
	t.Helper()
	b, err := ledger.New(db).Balance(context.Background(), servicing.DefaultAccounts(a))
	if err != nil {
		t.Fatal(err)
	}
	return b.Posted.Amount()
}

func terms() dispatch.Terms {
	return dispatch.Terms{
		Loan: "L1", Borrower: "B1", Currency: lendkit.EUR, Funded: day("2025-01-01"),
		Schedule: []dispatch.Instalment{
			{N: 1, Due: day("2025-02-01"), Principal: eur("500.00"), Interest: eur("10.00")},
			{N: 2, Due: day("2025-03-01"), Principal: eur("500.00"), Interest: eur("5.00")},
		},
		Stakes: []dispatch.Stake{
			{Holder: dispatch.Holder{ID: "a-fr", Kind: dispatch.Individual, Tax: dispatch.FranceIndividual()}, Amount: eur("500.00")},
			{Holder: dispatch.Holder{ID: "b-it", Kind: dispatch.Individual, Tax: dispatch.ItalyIndividual()}, Amount: eur("300.00")},
			{Holder: dispatch.Holder{ID: "c-corp", Kind: dispatch.Company}, Amount: eur("200.00")},
		},
	}
}

func TestFundPayTransfer(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		tm := terms()
		setupAccounts(t, db, append(tm.Stakes, dispatch.Stake{Holder: dispatch.Holder{ID: "z-fund", Kind: dispatch.Fund}, Amount: eur("300.00")}),
			"B1", dispatch.TaxFranceIncome, dispatch.TaxFranceSocial, dispatch.TaxItaly)
		book, err := dispatch.Open(tm)
		if err != nil {
			t.Fatal(err)
		}
		var f servicing.Funded
		err = db.InTx(ctx, func(tx store.Tx) error {
			f, err = servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: servicing.DefaultAccounts})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if f.Projections != 6 || f.Holdings != 3 || f.Version != 1 || f.LedgerTxID == "" {
			t.Errorf("funded %+v", f)
		}
		if got := balance(t, db, dispatch.Account{Role: dispatch.BorrowerWallet, Owner: "B1"}); got != "1000.00" {
			t.Errorf("borrower wallet %s after funding", got)
		}
		// Funding without a key is refused before anything is written.
		err = db.InTx(ctx, func(tx store.Tx) error {
			_, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Accounts: servicing.DefaultAccounts})
			return err
		})
		if !errors.Is(err, dispatch.ErrInvalidEvent) {
			t.Errorf("funding without a key: %v", err)
		}
		// Funding twice is refused and writes nothing.
		err = db.InTx(ctx, func(tx store.Tx) error {
			_, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding-2", Accounts: servicing.DefaultAccounts})
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("second funding: %v", err)
		}

		// The projections as the lender sees them.
		var rows []store.DispatchProjection
		err = db.View(ctx, func(tx store.Tx) error {
			rows, err = tx.Dispatch().Projections(ctx, "L1", "a-fr")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wantRows := []store.DispatchProjection{
			{LoanID: "L1", Holder: "a-fr", N: 1, Due: day("2025-02-01"), Capital: eur("250.00"), Interest: eur("5.00"), Tax: eur("1.50"), Net: eur("253.50"),
				Taxes: []store.DispatchTax{{Code: "FR-IR", Amount: eur("0.64")}, {Code: "FR-PS", Amount: eur("0.86")}}},
			{LoanID: "L1", Holder: "a-fr", N: 2, Due: day("2025-03-01"), Capital: eur("250.00"), Interest: eur("2.50"), Tax: eur("0.75"), Net: eur("251.75"),
				Taxes: []store.DispatchTax{{Code: "FR-IR", Amount: eur("0.32")}, {Code: "FR-PS", Amount: eur("0.43")}}},
		}
		if diff := cmp.Diff(wantRows, rows, cmpOpts); diff != "" {
			t.Errorf("projections (-want +got):\n%s", diff)
		}

		// The first instalment, paid on time: money moves as projected.
		payout(t, db, "B1", eur("1000.00")) // the loan is paid out to the borrower's bank
		collect(t, db, "B1", "c1", eur("510.00"))
		var out servicing.Outcome
		pay := dispatch.Payment{Key: "sdd-1", Date: day("2025-02-01"), Amount: eur("510.00")}
		err = db.InTx(ctx, func(tx store.Tx) error {
			out, err = servicing.Pay(ctx, tx, "L1", pay, servicing.DefaultAccounts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Replayed || out.Dispersal.LedgerTxID == "" || len(out.Dispersal.Shares) != 3 {
			t.Errorf("outcome %+v", out)
		}
		for _, c := range []struct {
			a    dispatch.Account
			want string
		}{
			{dispatch.Account{Role: dispatch.HolderWallet, Owner: "a-fr"}, "253.50"},
			{dispatch.Account{Role: dispatch.HolderWallet, Owner: "b-it"}, "152.22"},
			{dispatch.Account{Role: dispatch.HolderWallet, Owner: "c-corp"}, "102.00"},
			{dispatch.Account{Role: dispatch.TaxAuthority, Owner: "FR-IR"}, "0.64"},
			{dispatch.Account{Role: dispatch.TaxAuthority, Owner: "FR-PS"}, "0.86"},
			{dispatch.Account{Role: dispatch.TaxAuthority, Owner: "IT-RIT"}, "0.78"},
			{dispatch.Account{Role: dispatch.BorrowerWallet, Owner: "B1"}, "0.00"},
		} {
			if got := balance(t, db, c.a); got != c.want {
				t.Errorf("%s: balance %s, want %s", c.a, got, c.want)
			}
		}
		var stored store.DispatchDispersal
		err = db.View(ctx, func(tx store.Tx) error {
			stored, err = tx.Dispatch().Dispersal(ctx, "L1", "sdd-1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(out.Dispersal, stored, cmpOpts); diff != "" {
			t.Errorf("stored dispersal (-returned +stored):\n%s", diff)
		}

		// A replay returns the stored dispersal and moves nothing; the same
		// key with another amount is refused.
		err = db.InTx(ctx, func(tx store.Tx) error {
			out, err = servicing.Pay(ctx, tx, "L1", pay, servicing.DefaultAccounts)
			return err
		})
		if err != nil || !out.Replayed {
			t.Errorf("replay: %v, %+v", err, out.Replayed)
		}
		err = db.InTx(ctx, func(tx store.Tx) error {
			_, err = servicing.Pay(ctx, tx, "L1", dispatch.Payment{Key: "sdd-1", Date: day("2025-02-01"), Amount: eur("511.00")}, servicing.DefaultAccounts)
			return err
		})
		if !errors.Is(err, store.ErrIdempotencyMismatch) {
			t.Errorf("reused key: %v", err)
		}
		if got := balance(t, db, dispatch.Account{Role: dispatch.HolderWallet, Owner: "a-fr"}); got != "253.50" {
			t.Errorf("replay moved money: %s", got)
		}

		// a-fr sells everything to a fund at 251.00: the register and the
		// projections follow.
		err = db.InTx(ctx, func(tx store.Tx) error {
			_, err := servicing.Transfer(ctx, tx, "L1", dispatch.Transfer{Key: "sale-1", CutOff: day("2025-02-10"), From: "a-fr",
				To: dispatch.Holder{ID: "z-fund", Kind: dispatch.Fund}, Price: eur("251.00")}, servicing.DefaultAccounts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// Replaying the sale changes nothing: same register, no second price.
		err = db.InTx(ctx, func(tx store.Tx) error {
			_, err := servicing.Transfer(ctx, tx, "L1", dispatch.Transfer{Key: "sale-1", CutOff: day("2025-02-10"), From: "a-fr",
				To: dispatch.Holder{ID: "z-fund", Kind: dispatch.Fund}, Price: eur("251.00")}, servicing.DefaultAccounts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var hs []store.DispatchHolding
		err = db.View(ctx, func(tx store.Tx) error {
			if hs, err = tx.Dispatch().Holdings(ctx, "L1"); err != nil {
				return err
			}
			rows, err = tx.Dispatch().Projections(ctx, "L1", "")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wantHs := []store.DispatchHolding{
			{LoanID: "L1", Line: 1, Holder: "a-fr", Kind: "individual", Principal: eur("500.00"), Opened: day("2025-01-01"), Closed: day("2025-02-10"), Origin: "funded"},
			{LoanID: "L1", Line: 2, Holder: "b-it", Kind: "individual", Principal: eur("300.00"), Opened: day("2025-01-01"), Origin: "funded"},
			{LoanID: "L1", Line: 3, Holder: "c-corp", Kind: "company", Principal: eur("200.00"), Opened: day("2025-01-01"), Origin: "funded"},
			{LoanID: "L1", Line: 4, Holder: "z-fund", Kind: "fund", Principal: eur("250.00"), Opened: day("2025-02-10"), Origin: "transferred"},
		}
		if diff := cmp.Diff(wantHs, hs, cmpOpts); diff != "" {
			t.Errorf("holdings (-want +got):\n%s", diff)
		}
		var inst2 []string
		for _, r := range rows {
			if r.N == 2 {
				inst2 = append(inst2, r.Holder+" "+r.Net.Amount())
			}
		}
		if diff := cmp.Diff([]string{"b-it 151.11", "c-corp 101.00", "z-fund 252.50"}, inst2); diff != "" {
			t.Errorf("re-projected instalment 2 (-want +got):\n%s", diff)
		}
		if got := balance(t, db, dispatch.Account{Role: dispatch.HolderWallet, Owner: "a-fr"}); got != "504.50" {
			t.Errorf("seller's wallet %s after the sale", got)
		}

		// A payment the borrower's wallet cannot cover fails in the ledger and
		// leaves no trace: no dispersal, the loan's version unchanged.
		err = db.InTx(ctx, func(tx store.Tx) error {
			_, err = servicing.Pay(ctx, tx, "L1", dispatch.Payment{Key: "sdd-2", Date: day("2025-03-01"), Amount: eur("505.00")}, servicing.DefaultAccounts)
			return err
		})
		if !errors.Is(err, ledger.ErrInsufficientFunds) {
			t.Errorf("uncovered payment: %v", err)
		}
		err = db.View(ctx, func(tx store.Tx) error {
			if _, err := tx.Dispatch().Dispersal(ctx, "L1", "sdd-2"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("dispersal written: %v", err)
			}
			l, err := servicing.Load(ctx, tx, "L1")
			if err != nil {
				return err
			}
			if l.Version != 3 {
				return fmt.Errorf("version %d after fund, pay and transfer", l.Version)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}

		// The last instalment is rescheduled in two (same principal): the
		// projections follow.
		err = db.InTx(ctx, func(tx store.Tx) error {
			if err := servicing.Reschedule(ctx, tx, "L1", day("2025-02-20"), []dispatch.Instalment{
				{N: 2, Due: day("2025-03-01"), Principal: eur("300.00"), Interest: eur("3.00")},
				{N: 3, Due: day("2025-04-01"), Principal: eur("200.00"), Interest: eur("2.00")},
			}); err != nil {
				return err
			}
			rows, err := tx.Dispatch().Projections(ctx, "L1", "z-fund")
			if err != nil {
				return err
			}
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%d %s", r.N, r.Capital.Amount()))
			}
			if diff := cmp.Diff([]string{"2 150.00", "3 100.00"}, got); diff != "" {
				return fmt.Errorf("rescheduled projections (-want +got):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// The last instalments, once collected: the loan is repaid and every
		// holder has received exactly its principal.
		collect(t, db, "B1", "c2", eur("505.00"))
		err = db.InTx(ctx, func(tx store.Tx) error {
			if _, err = servicing.Pay(ctx, tx, "L1", dispatch.Payment{Key: "sdd-2", Date: day("2025-03-01"), Amount: eur("303.00")}, servicing.DefaultAccounts); err != nil {
				return err
			}
			_, err = servicing.Pay(ctx, tx, "L1", dispatch.Payment{Key: "sdd-3", Date: day("2025-04-01"), Amount: eur("202.00")}, servicing.DefaultAccounts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(ctx, func(tx store.Tx) error {
			l, err := servicing.Load(ctx, tx, "L1")
			if err != nil {
				return err
			}
			if l.Book.Status() != dispatch.Repaid {
				return fmt.Errorf("status %s", l.Book.Status())
			}
			for _, p := range l.Book.Positions(day("2025-03-01")) {
				if p.ReceivedPrincipal.Minor() != p.Acquired.Minor()-p.Sold.Minor() {
					return fmt.Errorf("%s received %s, acquired %s, sold %s", p.Holder, p.ReceivedPrincipal, p.Acquired, p.Sold)
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		if rep, err := ledger.New(db).Verify(ctx); err != nil {
			t.Fatalf("verify: %v (%+v)", err, rep)
		}
	})
}

func TestDefaultAndWriteOff(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		tm := terms()
		setupAccounts(t, db, tm.Stakes, "B1", dispatch.TaxFranceIncome, dispatch.TaxFranceSocial, dispatch.TaxItaly)
		book, err := dispatch.Open(tm)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx store.Tx) error {
			if _, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: servicing.DefaultAccounts}); err != nil {
				return err
			}
			if _, err := servicing.Default(ctx, tx, "L1", day("2025-02-15")); err != nil {
				return err
			}
			if _, err := servicing.Pay(ctx, tx, "L1", dispatch.Payment{Key: "r1", Date: day("2025-03-01"), Amount: eur("100.00")}, servicing.DefaultAccounts); err != nil {
				return err
			}
			wo, err := servicing.WriteOff(ctx, tx, "L1", day("2025-04-01"))
			if err != nil {
				return err
			}
			if wo.Total != eur("910.00") {
				return fmt.Errorf("written off %s", wo.Total)
			}
			rows, err := tx.Dispatch().Projections(ctx, "L1", "")
			if err != nil {
				return err
			}
			// After acceleration the projection is the accelerated principal
			// and the overdue first instalment, paid on the default date.
			var sum int64
			for _, r := range rows {
				sum += r.Capital.Minor()
			}
			if sum != 100000 {
				return fmt.Errorf("projected capital %d", sum)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var d store.DispatchDispersal
		err = db.View(ctx, func(tx store.Tx) error {
			d, err = tx.Dispatch().Dispersal(ctx, "L1", "r1")
			return err
		})
		if err != nil || d.Kind != "recovery" || d.Interest != eur("10.00") || d.Principal != eur("90.00") {
			t.Errorf("recovery %+v, %v", d, err)
		}
	})
}

// TestFundWritesEveryProjection funds 400 lenders × 60 months (24,000 rows,
// more than one write batch) and reads back exactly the rows Project
// computes, taxes included.
func TestFundWritesEveryProjection(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		terms := benchLoan(t, "big", 400, 60)
		book, err := dispatch.Open(terms)
		if err != nil {
			t.Fatal(err)
		}
		p, err := book.Project()
		if err != nil {
			t.Fatal(err)
		}
		want := make([]store.DispatchProjection, 0, p.Len())
		for r := range p.Rows() {
			row := store.DispatchProjection{LoanID: "big", Holder: string(r.Holder), N: r.N, Due: r.Due,
				Capital: r.Capital, Interest: r.Interest, Tax: r.Tax, Net: r.Net}
			for _, l := range r.Taxes {
				row.Taxes = append(row.Taxes, store.DispatchTax{Code: l.Code, Amount: l.Amount})
			}
			want = append(want, row)
		}
		var got []store.DispatchProjection
		err = db.InTx(ctx, func(tx store.Tx) error {
			f, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{SkipEntry: true})
			if err != nil {
				return err
			}
			if f.Projections != 24_000 || f.LedgerTxID != "" {
				return fmt.Errorf("funded %+v", f)
			}
			got, err = tx.Dispatch().Projections(ctx, "big", "")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("stored projections (-computed +stored):\n%s", diff)
		}
	})
}

// TestConcurrentPayments: payments on the same loan from concurrent units of
// work are serialised (SQLite's single writer; Postgres's SERIALIZABLE
// retry or the loan's version check) — none is lost, none applied twice.
func TestConcurrentPayments(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		tm := terms()
		setupAccounts(t, db, tm.Stakes, "B1", dispatch.TaxFranceIncome, dispatch.TaxFranceSocial, dispatch.TaxItaly)
		book, err := dispatch.Open(tm)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx store.Tx) error {
			_, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: servicing.DefaultAccounts})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// The borrower's wallet holds the 1,000.00 lent; it pays back
		// 1,015.00 with the interest.
		collect(t, db, "B1", "interest", eur("15.00"))
		// Ten payments of 101.50 (1,015.00 in all: the whole loan) race;
		// each also retries another's key to exercise replays.
		const n = 10
		errs := make(chan error, 2*n)
		for i := range n {
			go func() {
				for _, k := range []int{i, (i + 1) % n} {
					p := dispatch.Payment{Key: fmt.Sprintf("p%d", k), Date: day("2025-03-01"), Amount: eur("101.50")}
					errs <- db.InTx(ctx, func(tx store.Tx) error {
						_, err := servicing.Pay(ctx, tx, "L1", p, servicing.DefaultAccounts)
						return err
					})
				}
			}()
		}
		for range 2 * n {
			// Under contention a unit of work may lose: ErrConflict (the
			// loan's version moved) or, on Postgres, ErrSerialization once
			// the bounded retries are spent. Both leave nothing behind.
			if err := <-errs; err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrSerialization) {
				t.Errorf("payment: %v", err)
			}
		}
		// A refused payment is retried by the caller; replays of applied
		// keys change nothing.
		for k := range n {
			p := dispatch.Payment{Key: fmt.Sprintf("p%d", k), Date: day("2025-03-01"), Amount: eur("101.50")}
			if err := db.InTx(ctx, func(tx store.Tx) error {
				_, err := servicing.Pay(ctx, tx, "L1", p, servicing.DefaultAccounts)
				return err
			}); err != nil {
				t.Fatalf("payment %d: %v", k, err)
			}
		}
		err = db.View(ctx, func(tx store.Tx) error {
			l, err := servicing.Load(ctx, tx, "L1")
			if err != nil {
				return err
			}
			if l.Book.Status() != dispatch.Repaid || l.Version != 1+n {
				return fmt.Errorf("status %s, version %d: a payment was lost or applied twice", l.Book.Status(), l.Version)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		if got := balance(t, db, dispatch.Account{Role: dispatch.BorrowerWallet, Owner: "B1"}); got != "0.00" {
			t.Errorf("borrower wallet %s after paying everything exactly once", got)
		}
	})
}
