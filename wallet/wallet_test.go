package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
	"github.com/lendkit/lendkit/wallet/iban"
)

var (
	ctx   = context.Background()
	epoch = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	day   = lendkit.MustParseDate("2027-03-01")
	payee = iban.MustParse("FR1420041010050500013M02606")
)

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

// openSQLite opens and migrates a fresh SQLite database.
func openSQLite(t testing.TB) store.DB {
	t.Helper()
	return sqlitetest.Open(t, sqlite.WithClock(lendkit.NewManualClock(epoch)))
}

// openPostgres opens a fresh schema, or skips (saying why) without a server.
func openPostgres(t testing.TB) store.DB {
	t.Helper()
	db := pgtest.Open(t, postgres.WithClock(lendkit.NewManualClock(epoch)))
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// eachBackend runs fn on SQLite, and on Postgres when
// LENDKIT_TEST_POSTGRES_URL is set.
func eachBackend(t *testing.T, fn func(t *testing.T, db store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, openPostgres(t)) })
}

func service(t testing.TB, db store.DB) *Service {
	t.Helper()
	s, err := New(db, Config{Currency: lendkit.EUR})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustOpen(t testing.TB, s *Service, id string, kind Kind, kyc KYCLevel) Wallet {
	t.Helper()
	w, err := s.Open(ctx, OpenRequest{ID: id, Kind: kind, Owner: "owner-" + id, KYC: kyc})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func balanceOf(t testing.TB, s *Service, id string) lendkit.Money {
	t.Helper()
	w, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return w.Balance.Posted
}

func TestWalletLifecycle(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		w := mustOpen(t, s, "alice", Lender, KYCNone)
		if w.Status != Open || !w.Balance.Posted.IsZero() {
			t.Fatalf("fresh wallet %+v", w)
		}
		if _, err := s.Open(ctx, OpenRequest{ID: "alice", Kind: Lender, Owner: "owner-alice"}); err != nil {
			t.Errorf("replayed open: %v", err)
		}
		if _, err := s.Open(ctx, OpenRequest{ID: "alice", Kind: Borrower, Owner: "owner-alice"}); !errors.Is(err, ErrExists) {
			t.Errorf("open with another kind: %v", err)
		}
		if _, err := s.Open(ctx, OpenRequest{ID: "x", Kind: "pirate"}); !errors.Is(err, ErrUnknownKind) {
			t.Errorf("unknown kind: %v", err)
		}
		// KYC none: pay-ins up to 150 EUR in all.
		if _, err := s.PayIn(ctx, PayIn{Key: "pi-1", Wallet: "alice", Amount: eur("200.00"), Date: day}); !errors.Is(err, ErrKYC) {
			t.Errorf("pay-in above the KYC limit: %v", err)
		}
		m1, err := s.PayIn(ctx, PayIn{Key: "pi-2", Wallet: "alice", Amount: eur("100.00"), Date: day, Method: "card"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PayIn(ctx, PayIn{Key: "pi-3", Wallet: "alice", Amount: eur("60.00"), Date: day}); !errors.Is(err, ErrKYC) {
			t.Errorf("balance above the KYC limit: %v", err)
		}
		// Replays return the first movement; a changed payload is refused.
		again, err := s.PayIn(ctx, PayIn{Key: "pi-2", Wallet: "alice", Amount: eur("100.00"), Date: day, Method: "card"})
		if err != nil || again.TransactionID != m1.TransactionID {
			t.Errorf("replay: %+v %v", again, err)
		}
		if _, err := s.PayIn(ctx, PayIn{Key: "pi-2", Wallet: "alice", Amount: eur("99.00"), Date: day, Method: "card"}); !errors.Is(err, store.ErrIdempotencyMismatch) {
			t.Errorf("changed replay: %v", err)
		}
		// No payout before KYC is validated.
		if _, err := s.Payout(ctx, Payout{Key: "po-1", Wallet: "alice", Amount: eur("10.00"), Date: day, IBAN: payee}); !errors.Is(err, ErrKYC) {
			t.Errorf("payout before KYC: %v", err)
		}
		if _, err := s.SetKYC(ctx, "alice", KYCValidated); err != nil {
			t.Fatal(err)
		}
		// Above the balance: a clear error, nothing written.
		if _, err := s.Payout(ctx, Payout{Key: "po-2", Wallet: "alice", Amount: eur("100.01"), Date: day, IBAN: payee}); !errors.Is(err, ErrInsufficient) {
			t.Errorf("payout above the balance: %v", err)
		}
		if b := balanceOf(t, s, "alice"); b != eur("100.00") {
			t.Errorf("balance after refused payout %s", b)
		}
		if _, err := s.Payout(ctx, Payout{Key: "po-3", Wallet: "alice", Amount: eur("40.00"), Date: day}); !errors.Is(err, ErrInvalid) {
			t.Errorf("payout without IBAN: %v", err)
		}
		// Blocked wallets move nothing.
		if _, err := s.Block(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PayIn(ctx, PayIn{Key: "pi-4", Wallet: "alice", Amount: eur("1.00"), Date: day}); !errors.Is(err, ErrBlocked) {
			t.Errorf("pay-in to blocked: %v", err)
		}
		if _, err := s.Unblock(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		// Close only at zero.
		if _, err := s.Close(ctx, "alice"); !errors.Is(err, ErrNotEmpty) {
			t.Errorf("close with a balance: %v", err)
		}
		if _, err := s.Payout(ctx, Payout{Key: "po-4", Wallet: "alice", Amount: eur("100.00"), Date: day, IBAN: payee}); err != nil {
			t.Fatal(err)
		}
		closed, err := s.Close(ctx, "alice")
		if err != nil || closed.Status != Closed {
			t.Fatalf("close at zero: %+v %v", closed, err)
		}
		if _, err := s.PayIn(ctx, PayIn{Key: "pi-5", Wallet: "alice", Amount: eur("1.00"), Date: day}); !errors.Is(err, ErrClosed) {
			t.Errorf("pay-in to closed: %v", err)
		}
		if _, err := s.Unblock(ctx, "alice"); !errors.Is(err, ErrClosed) {
			t.Errorf("reopen closed: %v", err)
		}
		if _, err := s.Get(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown wallet: %v", err)
		}
	})
}

func TestTransferAndReturn(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "bob", Borrower, KYCValidated)
		mustOpen(t, s, "fees", PlatformFees, KYCValidated)
		if _, err := s.PayIn(ctx, PayIn{Key: "dd-1", Wallet: "bob", Amount: eur("450.00"), Date: day, Method: "direct_debit"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transfer(ctx, Transfer{Key: "fee-1", From: "bob", To: "fees", Amount: eur("50.00"), Date: day, Code: "fee"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transfer(ctx, Transfer{Key: "fee-2", From: "bob", To: "fees", Amount: eur("500.00"), Date: day}); !errors.Is(err, ErrInsufficient) {
			t.Errorf("transfer above balance: %v", err)
		}
		// The collection is returned (MD06) after 50 EUR left: the return
		// cannot take 450 from 400, and nothing moves.
		if _, err := s.ReturnPayIn(ctx, Return{Key: "ret-1", Wallet: "bob", Amount: eur("450.00"), Date: day, Reason: "MD06"}); !errors.Is(err, ErrInsufficient) {
			t.Errorf("return above balance: %v", err)
		}
		orig, err := s.ReturnPayIn(ctx, Return{Key: "ret-2", Wallet: "bob", Amount: eur("400.00"), Date: day, Reason: "MD06"})
		if err != nil {
			t.Fatal(err)
		}
		got := []lendkit.Money{balanceOf(t, s, "bob"), balanceOf(t, s, "fees")}
		if diff := cmp.Diff([]string{"0.00 EUR", "50.00 EUR"}, []string{got[0].String(), got[1].String()}); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		// The return emptied the wallet, which is then closed: a replay of
		// the return still answers with the original.
		if _, err := s.Close(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		again, err := s.ReturnPayIn(ctx, Return{Key: "ret-2", Wallet: "bob", Amount: eur("400.00"), Date: day, Reason: "MD06"})
		if err != nil {
			t.Fatalf("replayed return after the wallet closed: %v", err)
		}
		if again != orig {
			t.Errorf("replayed return = %+v, want the original %+v", again, orig)
		}
		if _, err := s.ReturnPayIn(ctx, Return{Key: "ret-4", Wallet: "bob", Amount: eur("1.00"), Date: day, Reason: "MD06"}); !errors.Is(err, ErrClosed) {
			t.Errorf("new return on a closed wallet: %v, want ErrClosed", err)
		}
	})
}

func TestCampaignFunded(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "bob", Borrower, KYCValidated)
		for _, l := range []string{"l1", "l2", "l3", "l4"} {
			mustOpen(t, s, l, Lender, KYCValidated)
			if _, err := s.PayIn(ctx, PayIn{Key: "pi-" + l, Wallet: l, Amount: eur("500.00"), Date: day}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.CreateCampaign(ctx, CampaignSpec{ID: "C1", BorrowerWallet: "bob", Target: eur("1000.00"), Deadline: day.AddDays(30), Overfunding: Trim})
		if err != nil || c.Minimum != eur("1000.00") {
			t.Fatalf("create: %+v %v", c, err)
		}
		for i, l := range []string{"l1", "l2", "l3"} {
			cm, err := s.Commit(ctx, Commit{Campaign: "C1", ID: "k" + l, Lender: l, Amount: eur("400.00"), Date: day})
			if err != nil {
				t.Fatal(err)
			}
			if i == 2 && cm.Amount != eur("200.00") {
				t.Errorf("trimmed to %s", cm.Amount)
			}
		}
		// Replays: the trimmed commitment replays with its original request;
		// another amount or lender under the same id is refused.
		if cm, err := s.Commit(ctx, Commit{Campaign: "C1", ID: "kl3", Lender: "l3", Amount: eur("400.00"), Date: day}); err != nil || cm.Amount != eur("200.00") {
			t.Errorf("replay of the trimmed commitment: %+v %v", cm, err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C1", ID: "kl1", Lender: "l1", Amount: eur("300.00"), Date: day}); !errors.Is(err, ErrExists) {
			t.Errorf("same id, other amount: %v", err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C1", ID: "kl1", Lender: "l2", Amount: eur("400.00"), Date: day}); !errors.Is(err, ErrExists) {
			t.Errorf("same id, other lender: %v", err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C1", ID: "kl4", Lender: "l4", Amount: eur("1.00"), Date: day}); !errors.Is(err, ErrOverfunded) {
			t.Errorf("commit to a full campaign: %v", err)
		}
		// The hold reserves: l1 cannot pay out what it committed.
		w, _ := s.Get(ctx, "l1")
		if w.Balance.Available != eur("100.00") || w.Balance.Posted != eur("500.00") {
			t.Errorf("l1 balance %+v", w.Balance)
		}
		closed, err := s.CloseCampaign(ctx, "C1", day.AddDays(1))
		if err != nil || closed.Status != CampaignFunded {
			t.Fatalf("close: %+v %v", closed, err)
		}
		got := []string{balanceOf(t, s, "bob").String(), balanceOf(t, s, "l1").String(), balanceOf(t, s, "l3").String(), balanceOf(t, s, "l4").String()}
		if diff := cmp.Diff([]string{"1000.00 EUR", "100.00 EUR", "300.00 EUR", "500.00 EUR"}, got); diff != "" {
			t.Errorf("balances (-want +got):\n%s", diff)
		}
		cms, err := s.Commitments(ctx, "C1")
		if err != nil {
			t.Fatal(err)
		}
		for _, cm := range cms {
			if cm.Status != Posted || cm.ResolutionID == "" {
				t.Errorf("commitment %+v", cm)
			}
		}
		// Closing again is a no-op; withdrawing after the close is refused.
		if again, err := s.CloseCampaign(ctx, "C1", day.AddDays(2)); err != nil || again.Status != CampaignFunded || again.Version != closed.Version {
			t.Errorf("second close: %+v %v", again, err)
		}
		if _, err := s.Withdraw(ctx, "C1", "kl1", day.AddDays(2)); !errors.Is(err, ErrNotCommitted) {
			t.Errorf("withdraw after funding: %v", err)
		}
		if _, err := ledger.New(db).Verify(ctx); err != nil {
			t.Errorf("ledger verify: %v", err)
		}
	})
}

func TestCampaignFailedWithdrawnCancelled(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "bob", Borrower, KYCValidated)
		for _, l := range []string{"l1", "l2"} {
			mustOpen(t, s, l, Lender, KYCValidated)
			if _, err := s.PayIn(ctx, PayIn{Key: "pi-" + l, Wallet: l, Amount: eur("1000.00"), Date: day}); err != nil {
				t.Fatal(err)
			}
		}
		deadline := day.AddDays(10)
		spec := CampaignSpec{ID: "C2", BorrowerWallet: "bob", Target: eur("1000.00"), Minimum: eur("800.00"), Deadline: deadline, Overfunding: Refuse}
		if _, err := s.CreateCampaign(ctx, spec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C2", ID: "a", Lender: "l1", Amount: eur("1000.01"), Date: day}); !errors.Is(err, ErrOverfunded) {
			t.Errorf("refuse policy: %v", err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C2", ID: "b", Lender: "bob", Amount: eur("1.00"), Date: day}); err == nil {
			t.Error("borrower funding itself accepted")
		}
		for _, c := range []Commit{{Campaign: "C2", ID: "a", Lender: "l1", Amount: eur("500.00"), Date: day}, {Campaign: "C2", ID: "b", Lender: "l2", Amount: eur("250.00"), Date: day}} {
			if _, err := s.Commit(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CloseCampaign(ctx, "C2", day.AddDays(1)); !errors.Is(err, ErrCampaignOpen) {
			t.Errorf("early close: %v", err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C2", ID: "late", Lender: "l2", Amount: eur("10.00"), Date: deadline.AddDays(1)}); !errors.Is(err, ErrPastDeadline) {
			t.Errorf("late commitment: %v", err)
		}
		if _, err := s.Withdraw(ctx, "C2", "b", day.AddDays(2)); err != nil {
			t.Fatal(err)
		}
		c, _ := s.GetCampaign(ctx, "C2")
		if c.Raised != eur("500.00") || c.Commitments != 1 {
			t.Errorf("after withdrawal %+v", c)
		}
		failed, err := s.CloseCampaign(ctx, "C2", deadline)
		if err != nil || failed.Status != CampaignFailed {
			t.Fatalf("close at deadline below minimum: %+v %v", failed, err)
		}
		for _, l := range []string{"l1", "l2"} {
			w, _ := s.Get(ctx, l)
			if w.Balance.Available != eur("1000.00") || !w.Balance.Pending.IsZero() {
				t.Errorf("%s after failure %+v", l, w.Balance)
			}
		}
		if !balanceOf(t, s, "bob").IsZero() {
			t.Error("borrower received money from a failed campaign")
		}
		// Minimum reached at the deadline: funded below target.
		spec.ID = "C3"
		if _, err := s.CreateCampaign(ctx, spec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C3", ID: "a", Lender: "l1", Amount: eur("850.00"), Date: day}); err != nil {
			t.Fatal(err)
		}
		if c, err := s.CloseCampaign(ctx, "C3", deadline.AddDays(3)); err != nil || c.Status != CampaignFunded || balanceOf(t, s, "bob") != eur("850.00") {
			t.Errorf("minimum at deadline: %+v %v", c, err)
		}
		// Cancelled: every hold voided.
		spec.ID = "C4"
		if _, err := s.CreateCampaign(ctx, spec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C4", ID: "a", Lender: "l2", Amount: eur("900.00"), Date: day}); err != nil {
			t.Fatal(err)
		}
		if c, err := s.CancelCampaign(ctx, "C4", day.AddDays(1)); err != nil || c.Status != CampaignCancelled {
			t.Errorf("cancel: %+v %v", c, err)
		}
		if w, _ := s.Get(ctx, "l2"); w.Balance.Available != eur("1000.00") {
			t.Errorf("l2 after cancel %+v", w.Balance)
		}
		if _, err := s.Commit(ctx, Commit{Campaign: "C4", ID: "b", Lender: "l2", Amount: eur("1.00"), Date: day}); !errors.Is(err, ErrCampaignClosed) {
			t.Errorf("commit to cancelled: %v", err)
		}
		if _, err := s.CreateCampaign(ctx, CampaignSpec{ID: "C4", BorrowerWallet: "bob", Target: eur("5.00"), Deadline: deadline, Overfunding: Trim}); !errors.Is(err, ErrExists) {
			t.Errorf("redefine campaign: %v", err)
		}
	})
}

func TestLendingCapacity(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	s := service(t, db)
	mustOpen(t, s, "own-1", Treasury, KYCValidated)
	mustOpen(t, s, "own-2", Treasury, KYCValidated)
	mustOpen(t, s, "bob", Borrower, KYCValidated)
	for _, w := range []string{"own-1", "own-2"} {
		if _, err := s.PayIn(ctx, PayIn{Key: "capital-" + w, Wallet: w, Amount: eur("50000.00"), Date: day}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateCampaign(ctx, CampaignSpec{ID: "C", BorrowerWallet: "bob", Target: eur("20000.00"), Deadline: day.AddDays(5), Overfunding: Trim}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Commit{Campaign: "C", ID: "own", Lender: "own-1", Amount: eur("5000.00"), Date: day}); err != nil {
		t.Fatal(err)
	}
	c, err := s.LendingCapacity(ctx, eur("12000.00"), decimal.RequireFromString("0.1"))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.Treasury.String(), c.Reserved.String(), c.Buffer.String(), c.Available.String()}
	if diff := cmp.Diff([]string{"100000.00 EUR", "5000.00 EUR", "10000.00 EUR", "73000.00 EUR"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	page, err := s.History(ctx, "own-1", ledger.HistoryQuery{})
	if err != nil || len(page.Entries) != 2 { // the capital pay-in and the commitment's pending posting
		t.Errorf("history: %d entries, %v", len(page.Entries), err)
	}
	if _, err := s.LendingCapacity(ctx, eur("1.00"), decimal.RequireFromString("1.5")); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad buffer: %v", err)
	}
}

func TestForecast(t *testing.T) {
	t.Parallel()
	start := lendkit.MustParseDate("2027-01-31")
	in := []Flow{
		{Date: lendkit.MustParseDate("2027-01-20"), Amount: eur("100.00"), Label: "overdue"},
		{Date: lendkit.MustParseDate("2027-02-27"), Amount: eur("450.00")},
		{Date: lendkit.MustParseDate("2027-02-28"), Amount: eur("450.00")}, // Feb 28 is after Jan 31 + 1 month
		{Date: lendkit.MustParseDate("2027-05-01"), Amount: eur("999.00"), Label: "beyond the horizon"},
	}
	out := []Flow{{Date: lendkit.MustParseDate("2027-03-15"), Amount: eur("2000.00"), Label: "disbursement"}}
	got, err := Forecast(eur("1000.00"), start, Monthly, 3, in, out)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Start, End, In, Out, Closing string }
	var rows []row
	for _, b := range got {
		rows = append(rows, row{b.Start.String(), b.End.String(), b.Inflows.Amount(), b.Outflows.Amount(), b.Closing.Amount()})
	}
	want := []row{
		{"2027-01-31", "2027-02-27", "550.00", "0.00", "1550.00"},
		{"2027-02-28", "2027-03-30", "450.00", "2000.00", "0.00"},
		{"2027-03-31", "2027-04-29", "0.00", "0.00", "0.00"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	weeks, err := Forecast(eur("0.00"), start, Weekly, 2, in[:2], nil)
	if err != nil || weeks[0].End != start.AddDays(6) || weeks[0].Inflows != eur("100.00") || weeks[1].Inflows.IsZero() == false {
		t.Errorf("weekly: %+v %v", weeks, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := Forecast(eur("0.00"), start, Weekly, 0, nil, nil); return err },
		func() error { _, err := Forecast(eur("0.00"), lendkit.Date{}, Weekly, 1, nil, nil); return err },
		func() error {
			_, err := Forecast(eur("0.00"), start, Weekly, 1, []Flow{{Date: start, Amount: lendkit.MustParseMoney("1", "JPY")}}, nil)
			return err
		},
	} {
		if err := bad(); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad forecast input: %v", err)
		}
	}
}
