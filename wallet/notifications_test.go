package wallet

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
	"github.com/lendkit/lendkit/wallet/psp/simpsp"
	"github.com/lendkit/lendkit/wallet/sepa"
)

// TestPSPFlow runs a borrower's month through the simulated PSP: a mandate,
// a collection delivered twice, a refund requested by the debtor (MD06), a
// closed account (AC04) that revokes the mandate, and a payout that fails.
func TestPSPFlow(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "bob", Borrower, KYCValidated)
		sim := simpsp.New(simpsp.Config{Clock: lendkit.NewManualClock(epoch), DuplicateNotifications: true})
		sim.OpenWallet("bob", lendkit.EUR, true)
		m := sepa.Mandate{Reference: "LK-MDT-BOB", Creditor: sepa.MustCreditorID("FR72ZZZ123456"), DebtorName: "Bob", DebtorIBAN: payee,
			Scheme: sepa.Core, Recurrent: true, SignedOn: day.AddDays(-30), Status: sepa.MandateActive}
		pm, err := sim.CreateMandate(ctx, psp.MandateRequest{Reference: m.Reference, Wallet: "bob", IBAN: m.DebtorIBAN, Holder: m.DebtorName})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterMandate(ctx, "bob", m, pm.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterMandate(ctx, "bob", m, pm.ID); err != nil {
			t.Errorf("re-register: %v", err)
		}
		other := m
		other.DebtorName = "Robert"
		if err := s.RegisterMandate(ctx, "bob", other, pm.ID); !errors.Is(err, ErrExists) {
			t.Errorf("re-register with other data: %v", err)
		}
		if _, err := s.CollectionPresented(ctx, m.Reference, day); err != nil {
			t.Fatal(err)
		}
		op, err := sim.Collect(ctx, psp.CollectionRequest{Reference: "dd-1", MandateID: pm.ID, Amount: eur("450.00"), DueDate: day})
		if err != nil {
			t.Fatal(err)
		}
		sim.Settle()
		var bookings []Booking
		dups := 0
		apply := func() {
			for _, n := range sim.Notifications() {
				a, err := s.ApplyNotification(ctx, n, day)
				if errors.Is(err, psp.ErrDuplicateNotification) {
					dups++
					continue
				}
				if err != nil {
					t.Fatalf("apply %+v: %v", n, err)
				}
				bookings = append(bookings, a.Booking)
			}
		}
		apply()
		if balanceOf(t, s, "bob") != eur("450.00") || dups != 2 { // mandate activation and collection, each delivered twice
			t.Fatalf("after collection: %s, %d duplicates", balanceOf(t, s, "bob"), dups)
		}
		// The debtor asks for a refund (MD06): the PSP returns the money.
		if err := sim.Reverse(op.ID, psp.RefundRequested, "MD06"); err != nil {
			t.Fatal(err)
		}
		apply()
		d, err := s.CollectionReturned(ctx, m.Reference, "MD06", 1, day.AddDays(20), sepa.RetryPolicy{})
		if err != nil || !d.Unpaid || d.Retry || d.Mandate != sepa.KeepMandate {
			t.Errorf("MD06 decision %+v %v", d, err)
		}
		if !balanceOf(t, s, "bob").IsZero() {
			t.Errorf("after return: %s", balanceOf(t, s, "bob"))
		}
		// Closed account: the mandate is revoked, no further collection.
		if d, err := s.CollectionReturned(ctx, m.Reference, "AC04", 1, day.AddDays(21), sepa.RetryPolicy{}); err != nil || d.Mandate != sepa.RevokeMandate {
			t.Errorf("AC04 decision %+v %v", d, err)
		}
		if _, err := s.CollectionPresented(ctx, m.Reference, day.AddDays(30)); !errors.Is(err, sepa.ErrMandateUnusable) {
			t.Errorf("collection on a revoked mandate: %v", err)
		}
		got, walletID, err := s.Mandate(ctx, m.Reference)
		if err != nil || got.Status != sepa.MandateRevoked || walletID != "bob" || got.LastCollection != day {
			t.Errorf("stored mandate %+v %s %v", got, walletID, err)
		}
		// A payout fails at the bank: what Payout debited comes back.
		if _, err := s.PayIn(ctx, PayIn{Key: "pi", Wallet: "bob", Amount: eur("100.00"), Date: day}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Payout(ctx, Payout{Key: "po", Wallet: "bob", Amount: eur("100.00"), Date: day, IBAN: iban.MustParse("DE89370400440532013000")}); err != nil {
			t.Fatal(err)
		}
		a, err := s.ApplyNotification(ctx, psp.Notification{ID: "n-po", OperationID: "op-po", Wallet: "bob", Kind: psp.Payout, State: psp.StateFailed,
			Amount: eur("100.00"), Failure: psp.AccountClosed, ReasonCode: "AC04"}, day)
		if err != nil || a.Booking != BookedRestored || balanceOf(t, s, "bob") != eur("100.00") {
			t.Errorf("failed payout: %+v %v %s", a, err, balanceOf(t, s, "bob"))
		}
		want := []Booking{BookedNothing, BookedCredit, BookedDebit, BookedRestored}
		if diff := cmp.Diff(want, append(bookings, a.Booking)); diff != "" {
			t.Errorf("bookings (-want +got):\n%s", diff)
		}
		// A notification for an unknown wallet is an error, and is not marked.
		n := psp.Notification{ID: "n-x", OperationID: "op-x", Wallet: "ghost", Kind: psp.PayInCard, State: psp.StateSucceeded, Amount: eur("1.00")}
		if _, err := s.ApplyNotification(ctx, n, day); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown wallet: %v", err)
		}
		n.Wallet = "bob"
		if a, err := s.ApplyNotification(ctx, n, day); err != nil || a.Booking != BookedCredit {
			t.Errorf("retry after the wallet error: %+v %v", a, err)
		}
		// The PSP delivers the same operation's state again, under another
		// notification id and a day later: nothing more is booked, and it
		// is not an error (which would make every redelivery fail).
		before := balanceOf(t, s, "bob")
		again := n
		again.ID = "n-x-redelivered"
		if a, err := s.ApplyNotification(ctx, again, day.AddDays(1)); err != nil || a.Booking != BookedNothing {
			t.Errorf("redelivery under a new id: %+v %v", a, err)
		}
		if got := balanceOf(t, s, "bob"); got != before {
			t.Errorf("balance after a redelivery = %s, want %s", got, before)
		}
		// The same operation with another amount is a conflict, booked nowhere.
		again.ID, again.Amount = "n-x-other-amount", eur("2.00")
		if _, err := s.ApplyNotification(ctx, again, day); !errors.Is(err, store.ErrIdempotencyMismatch) {
			t.Errorf("same operation, other amount: %v, want ErrIdempotencyMismatch", err)
		}
		if got := balanceOf(t, s, "bob"); got != before {
			t.Errorf("balance after a conflicting notification = %s, want %s", got, before)
		}
	})
}
