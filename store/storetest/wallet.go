package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// ExerciseWallet runs the WalletStore conformance tests.
func ExerciseWallet(t *testing.T, open Opener) {
	t.Helper()
	t.Run("WalletRoundTrip", func(t *testing.T) { t.Parallel(); testWalletRoundTrip(t, open) })
	t.Run("VirtualIBAN", func(t *testing.T) { t.Parallel(); testVirtualIBAN(t, open) })
	t.Run("CampaignCommitments", func(t *testing.T) { t.Parallel(); testCampaignCommitments(t, open) })
	t.Run("Mandate", func(t *testing.T) { t.Parallel(); testMandate(t, open) })
	t.Run("StatementLinesAndNotifications", func(t *testing.T) { t.Parallel(); testLinesAndNotifications(t, open) })
	t.Run("Rollback", func(t *testing.T) { t.Parallel(); testWalletRollback(t, open) })
}

// walletOpts compares records, whose Money, Currency and Date have
// unexported fields.
var walletOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
}

// walletSetup migrates a database and creates ledger accounts for n wallets
// ("w1" … "wn", accounts "acct-w1" …).
func walletSetup(t *testing.T, open Opener, n int) *bundle {
	t.Helper()
	b := setup(t, open)
	l := ledger.New(b.db)
	for i := 1; i <= n; i++ {
		if _, err := l.CreateAccount(b.ctx, ledger.Account{ID: fmt.Sprint("acct-w", i), Code: "wallet", Currency: lendkit.EUR,
			Normal: ledger.Credit, Constraint: ledger.NonNegative}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func wallet(i int, kind string) store.Wallet {
	return store.Wallet{ID: fmt.Sprint("w", i), Kind: kind, Owner: fmt.Sprint("owner-", i), Currency: lendkit.EUR,
		Status: "open", KYCLevel: 1, AccountID: fmt.Sprint("acct-w", i)}
}

func (b *bundle) inTx(t *testing.T, fn func(s store.WalletStore) error) error {
	t.Helper()
	return b.db.InTx(b.ctx, func(tx store.Tx) error { return fn(tx.Wallets()) })
}

func (b *bundle) mustTx(t *testing.T, fn func(s store.WalletStore) error) {
	t.Helper()
	if err := b.inTx(t, fn); err != nil {
		t.Fatal(err)
	}
}

func testWalletRoundTrip(t *testing.T, open Opener) {
	b := walletSetup(t, open, 3)
	b.mustTx(t, func(s store.WalletStore) error {
		for i, k := range []string{"lender", "borrower", "lender"} {
			if err := s.CreateWallet(b.ctx, wallet(i+1, k)); err != nil {
				return err
			}
		}
		return nil
	})
	now := Epoch.UTC()
	want := wallet(1, "lender")
	want.Version, want.CreatedAt, want.UpdatedAt = 1, now, now
	var got store.Wallet
	b.mustTx(t, func(s store.WalletStore) (err error) { got, err = s.Wallet(b.ctx, "w1"); return err })
	if diff := cmp.Diff(want, got, walletOpts); diff != "" {
		t.Errorf("wallet (-want +got):\n%s", diff)
	}
	// Duplicate id, unknown account, unknown wallet.
	if err := b.inTx(t, func(s store.WalletStore) error { return s.CreateWallet(b.ctx, wallet(1, "lender")) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate wallet: %v", err)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { return s.CreateWallet(b.ctx, wallet(9, "lender")) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("wallet on an unknown ledger account: %v", err)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.Wallet(b.ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown wallet: %v", err)
	}
	// Optimistic updates.
	b.clock.Advance(time.Second)
	got.Status, got.KYCLevel = "blocked", 2
	var v int64
	b.mustTx(t, func(s store.WalletStore) (err error) { v, err = s.UpdateWallet(b.ctx, got); return err })
	if v != 2 {
		t.Errorf("version %d", v)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.UpdateWallet(b.ctx, got); return err }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale update: %v", err)
	}
	ghost := got
	ghost.ID = "ghost"
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.UpdateWallet(b.ctx, ghost); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of unknown: %v", err)
	}
	b.mustTx(t, func(s store.WalletStore) (err error) { got, err = s.Wallet(b.ctx, "w1"); return err })
	if got.Status != "blocked" || got.KYCLevel != 2 || got.Version != 2 || !got.UpdatedAt.Equal(Epoch.Add(time.Second)) || !got.CreatedAt.Equal(Epoch) {
		t.Errorf("after update: %+v", got)
	}
	// Listing by kind, paginated.
	var byID []store.Wallet
	b.mustTx(t, func(s store.WalletStore) (err error) {
		byID, err = s.WalletsByID(b.ctx, []string{"w3", "nope", "w1"})
		return err
	})
	if len(byID) != 2 || byID[0].ID != "w1" || byID[1].ID != "w3" || byID[1].Kind != "lender" {
		t.Errorf("WalletsByID: %+v", byID)
	}
	var ids []string
	b.mustTx(t, func(s store.WalletStore) error {
		ws, err := s.Wallets(b.ctx, "lender", "", 1)
		if err != nil {
			return err
		}
		more, err := s.Wallets(b.ctx, "lender", ws[0].ID, 10)
		for _, w := range append(ws, more...) {
			ids = append(ids, w.ID)
		}
		return err
	})
	if diff := cmp.Diff([]string{"w1", "w3"}, ids); diff != "" {
		t.Errorf("lenders (-want +got):\n%s", diff)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.Wallets(b.ctx, "", "", 0); return err }); err == nil {
		t.Error("limit 0 accepted")
	}
}

func testVirtualIBAN(t *testing.T, open Opener) {
	b := walletSetup(t, open, 2)
	v := store.VirtualIBAN{IBAN: "FR7616958000010LK0000004227", OwnerKind: "loan", OwnerID: "L1", WalletID: "w1"}
	b.mustTx(t, func(s store.WalletStore) error {
		if err := s.CreateWallet(b.ctx, wallet(1, "borrower")); err != nil {
			return err
		}
		return s.AddVirtualIBAN(b.ctx, v)
	})
	v.CreatedAt = Epoch
	var a, c store.VirtualIBAN
	b.mustTx(t, func(s store.WalletStore) (err error) {
		if a, err = s.VirtualIBAN(b.ctx, v.IBAN); err != nil {
			return err
		}
		c, err = s.VirtualIBANOf(b.ctx, "loan", "L1")
		return err
	})
	if diff := cmp.Diff([]store.VirtualIBAN{v, v}, []store.VirtualIBAN{a, c}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for name, dup := range map[string]store.VirtualIBAN{
		"same IBAN":  {IBAN: v.IBAN, OwnerKind: "loan", OwnerID: "L2", WalletID: "w1"},
		"same owner": {IBAN: "FR7616958000010LK0000009999", OwnerKind: "loan", OwnerID: "L1", WalletID: "w1"},
	} {
		if err := b.inTx(t, func(s store.WalletStore) error { return s.AddVirtualIBAN(b.ctx, dup) }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := b.inTx(t, func(s store.WalletStore) error {
		return s.AddVirtualIBAN(b.ctx, store.VirtualIBAN{IBAN: "FR76X", OwnerKind: "loan", OwnerID: "L3", WalletID: "nope"})
	}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown wallet: %v", err)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.VirtualIBANOf(b.ctx, "borrower", "L1"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown owner: %v", err)
	}
}

func testCampaignCommitments(t *testing.T, open Opener) {
	b := walletSetup(t, open, 3)
	camp := store.Campaign{ID: "C1", BorrowerWallet: "w1", Currency: lendkit.EUR, Target: eur(100_000), Minimum: eur(80_000),
		Deadline: lendkit.MustParseDate("2027-03-01"), Overfunding: "trim", Status: "open", Raised: eur(0)}
	b.mustTx(t, func(s store.WalletStore) error {
		for i, k := range []string{"borrower", "lender", "lender"} {
			if err := s.CreateWallet(b.ctx, wallet(i+1, k)); err != nil {
				return err
			}
		}
		return s.CreateCampaign(b.ctx, camp)
	})
	camp.Version, camp.CreatedAt, camp.UpdatedAt = 1, Epoch, Epoch
	var got store.Campaign
	b.mustTx(t, func(s store.WalletStore) (err error) { got, err = s.Campaign(b.ctx, "C1"); return err })
	if diff := cmp.Diff(camp, got, walletOpts); diff != "" {
		t.Errorf("campaign (-want +got):\n%s", diff)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { return s.CreateCampaign(b.ctx, camp) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate campaign: %v", err)
	}
	bad := camp
	bad.ID, bad.Minimum = "C2", eur(200_000)
	if err := b.inTx(t, func(s store.WalletStore) error { return s.CreateCampaign(b.ctx, bad) }); !errors.Is(err, store.ErrConstraint) {
		t.Errorf("minimum above target: %v", err)
	}
	// Commitments, created a microsecond apart: listed oldest first.
	for i, lender := range []string{"w3", "w2", "w3"} {
		b.clock.Advance(time.Microsecond)
		c := store.Commitment{CampaignID: "C1", ID: fmt.Sprint("k", i), LenderWallet: lender, Amount: eur(int64(1000 * (i + 1))),
			HoldID: fmt.Sprint("hold-", i), Status: "held"}
		b.mustTx(t, func(s store.WalletStore) error { return s.InsertCommitment(b.ctx, c) })
	}
	dup := store.Commitment{CampaignID: "C1", ID: "k0", LenderWallet: "w2", Amount: eur(1), HoldID: "hold-x", Status: "held"}
	if err := b.inTx(t, func(s store.WalletStore) error { return s.InsertCommitment(b.ctx, dup) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate commitment: %v", err)
	}
	dup.ID, dup.CampaignID = "k9", "C9"
	if err := b.inTx(t, func(s store.WalletStore) error { return s.InsertCommitment(b.ctx, dup) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("commitment to an unknown campaign: %v", err)
	}
	var all []store.Commitment
	b.mustTx(t, func(s store.WalletStore) (err error) { all, err = s.Commitments(b.ctx, "C1", ""); return err })
	if len(all) != 3 || all[0].ID != "k0" || all[2].ID != "k2" || all[1].Amount != eur(2000) || !all[1].CreatedAt.Equal(Epoch.Add(2*time.Microsecond)) {
		t.Fatalf("commitments: %+v", all)
	}
	// Bulk resolution, then a partial status filter.
	all[0].Status, all[0].ResolutionID = "posted", "tx-a"
	all[2].Status, all[2].ResolutionID = "posted", "tx-c"
	all[1].Status = "withdrawn"
	b.mustTx(t, func(s store.WalletStore) error { return s.UpdateCommitments(b.ctx, []store.Commitment{all[0], all[2]}) })
	b.mustTx(t, func(s store.WalletStore) error { return s.UpdateCommitments(b.ctx, []store.Commitment{all[1]}) })
	var posted []store.Commitment
	var one store.Commitment
	b.mustTx(t, func(s store.WalletStore) (err error) {
		if posted, err = s.Commitments(b.ctx, "C1", "posted"); err != nil {
			return err
		}
		one, err = s.Commitment(b.ctx, "C1", "k2")
		return err
	})
	if len(posted) != 2 || one.ResolutionID != "tx-c" || one.Status != "posted" {
		t.Errorf("after resolution: %+v %+v", posted, one)
	}
	ghost := all[0]
	ghost.ID = "nope"
	if err := b.inTx(t, func(s store.WalletStore) error { return s.UpdateCommitments(b.ctx, []store.Commitment{all[0], ghost}) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of an unknown commitment: %v", err)
	}
	// Campaign update under version.
	got.Status, got.Raised, got.Commitments = "funded", eur(4000), 2
	b.mustTx(t, func(s store.WalletStore) error { _, err := s.UpdateCampaign(b.ctx, got); return err })
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.UpdateCampaign(b.ctx, got); return err }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale campaign update: %v", err)
	}
	b.mustTx(t, func(s store.WalletStore) (err error) { got, err = s.Campaign(b.ctx, "C1"); return err })
	if got.Status != "funded" || got.Raised != eur(4000) || got.Commitments != 2 || got.Version != 2 {
		t.Errorf("campaign after update: %+v", got)
	}
}

func testMandate(t *testing.T, open Opener) {
	b := walletSetup(t, open, 1)
	m := store.Mandate{Reference: "LK-MDT-1", WalletID: "w1", CreditorID: "FR72ZZZ123456", DebtorName: "Paul", DebtorIBAN: "FR1420041010050500013M02606",
		Scheme: "CORE", Recurrent: true, Status: "pending"}
	b.mustTx(t, func(s store.WalletStore) error {
		if err := s.CreateWallet(b.ctx, wallet(1, "borrower")); err != nil {
			return err
		}
		_, err := s.SaveMandate(b.ctx, m)
		return err
	})
	m.Version, m.UpdatedAt = 1, Epoch
	var got store.Mandate
	b.mustTx(t, func(s store.WalletStore) (err error) { got, err = s.Mandate(b.ctx, m.Reference); return err })
	if diff := cmp.Diff(m, got, walletOpts); diff != "" {
		t.Errorf("pending mandate (-want +got):\n%s", diff)
	}
	got.Status, got.SignedOn, got.LastCollection = "active", lendkit.MustParseDate("2027-01-10"), lendkit.MustParseDate("2027-02-05")
	b.mustTx(t, func(s store.WalletStore) error { _, err := s.SaveMandate(b.ctx, got); return err })
	want := got
	want.Version = 2
	b.mustTx(t, func(s store.WalletStore) (err error) { got, err = s.Mandate(b.ctx, m.Reference); return err })
	if diff := cmp.Diff(want, got, walletOpts); diff != "" {
		t.Errorf("active mandate (-want +got):\n%s", diff)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.SaveMandate(b.ctx, m); return err }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale mandate save: %v", err)
	}
	m.Version = 0
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.SaveMandate(b.ctx, m); return err }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate reference: %v", err)
	}
	m.Reference, m.Version = "LK-MDT-2", 3
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.SaveMandate(b.ctx, m); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of unknown mandate: %v", err)
	}
}

func testLinesAndNotifications(t *testing.T, open Opener) {
	b := walletSetup(t, open, 0)
	l := store.StatementLine{ID: "S1/REF/1", StatementID: "S1", Amount: eur(125_000), BookingDate: lendkit.MustParseDate("2027-03-01"),
		Outcome: "matched", Rule: "virtual_iban", GroupID: "L1", LedgerKey: "line:S1:S1/REF/1"}
	other := l
	other.ID, other.BookingDate, other.GroupID = "S1/REF/2", lendkit.Date{}, ""
	var fresh, again []bool
	var n1, n2 bool
	b.mustTx(t, func(s store.WalletStore) (err error) {
		changed := l
		changed.Outcome = "unmatched"
		if fresh, err = s.InsertStatementLines(b.ctx, []store.StatementLine{l, changed, other}); err != nil {
			return err
		}
		if again, err = s.InsertStatementLines(b.ctx, []store.StatementLine{other, changed}); err != nil {
			return err
		}
		if n1, err = s.MarkNotification(b.ctx, "ntf-1"); err != nil {
			return err
		}
		n2, err = s.MarkNotification(b.ctx, "ntf-1")
		return err
	})
	if diff := cmp.Diff([][]bool{{true, false, true}, {false, false}}, [][]bool{fresh, again}); diff != "" || !n1 || n2 {
		t.Errorf("inserted (-want +got):\n%s\nnotification %v %v", diff, n1, n2)
	}
	l.CreatedAt, other.CreatedAt = Epoch, Epoch
	var got, got2 store.StatementLine
	b.mustTx(t, func(s store.WalletStore) (err error) {
		if got, err = s.StatementLine(b.ctx, l.ID); err != nil {
			return err
		}
		got2, err = s.StatementLine(b.ctx, other.ID)
		return err
	})
	if diff := cmp.Diff([]store.StatementLine{l, other}, []store.StatementLine{got, got2}, walletOpts); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if err := b.inTx(t, func(s store.WalletStore) error { _, err := s.StatementLine(b.ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown line: %v", err)
	}
}

func testWalletRollback(t *testing.T, open Opener) {
	b := walletSetup(t, open, 1)
	boom := errors.New("boom")
	err := b.inTx(t, func(s store.WalletStore) error {
		if err := s.CreateWallet(b.ctx, wallet(1, "lender")); err != nil {
			return err
		}
		if _, err := s.MarkNotification(b.ctx, "n"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var fresh bool
	b.mustTx(t, func(s store.WalletStore) error {
		if _, err := s.Wallet(b.ctx, "w1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("wallet survived the rollback: %v", err)
		}
		var err error
		fresh, err = s.MarkNotification(b.ctx, "n")
		return err
	})
	if !fresh {
		t.Error("notification survived the rollback")
	}
}
