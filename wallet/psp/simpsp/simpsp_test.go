package simpsp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
)

var (
	ctx     = context.Background()
	t0      = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	payee   = iban.MustParse("FR1420041010050500013M02606")
	cmpOpts = cmp.Comparer(func(a, b lendkit.Money) bool { return a == b })
)

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

func newSim(dup bool) *Sim {
	s := New(Config{Clock: lendkit.NewManualClock(t0), DuplicateNotifications: dup})
	s.OpenWallet("lender", lendkit.EUR, true)
	s.OpenWallet("borrower", lendkit.EUR, false)
	return s
}

func balance(t *testing.T, s *Sim, w string) lendkit.Money {
	t.Helper()
	b, err := s.Balance(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPayInAndPayout(t *testing.T) {
	t.Parallel()
	s := newSim(false)
	op, err := s.CreatePayIn(ctx, psp.PayInRequest{Reference: "pi-1", Kind: psp.PayInCard, Wallet: "lender", Amount: eur("500.00")})
	if err != nil || op.State != psp.StatePending {
		t.Fatalf("pay-in: %+v %v", op, err)
	}
	if s.Settle() != 1 || balance(t, s, "lender") != eur("500.00") {
		t.Fatal("settle")
	}
	// Payout refusals, each synchronous and leaving the balance alone.
	_, err = s.CreatePayout(ctx, psp.PayoutRequest{Reference: "po-0", Wallet: "lender", Amount: eur("100.00"), IBAN: payee})
	var rej *psp.RejectedError
	if !errors.As(err, &rej) || rej.Failure != psp.InvalidAccount {
		t.Fatalf("unverified IBAN: %v", err)
	}
	if err := s.VerifyIBAN("lender", payee); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreatePayout(ctx, psp.PayoutRequest{Reference: "po-1", Wallet: "lender", Amount: eur("500.01"), IBAN: payee})
	if !errors.As(err, &rej) || rej.Failure != psp.InsufficientFunds {
		t.Fatalf("above balance: %v", err)
	}
	_, err = s.CreatePayout(ctx, psp.PayoutRequest{Reference: "po-2", Wallet: "borrower", Amount: eur("1.00"), IBAN: payee})
	if !errors.As(err, &rej) || rej.Failure != psp.KYCRequired {
		t.Fatalf("no KYC: %v", err)
	}
	// Closed account: created, reserved, then failed and released.
	s.Inject(Rule{Kind: psp.Payout, Reference: "po-3", Fail: psp.AccountClosed, ReasonCode: "AC04"})
	op, err = s.CreatePayout(ctx, psp.PayoutRequest{Reference: "po-3", Wallet: "lender", Amount: eur("200.00"), IBAN: payee})
	if err != nil || op.Failure != psp.NoFailure {
		t.Fatalf("po-3: %+v %v", op, err)
	}
	if balance(t, s, "lender") != eur("300.00") {
		t.Fatal("not reserved")
	}
	s.Settle()
	got, _ := s.Operation(ctx, op.ID)
	if got.State != psp.StateFailed || got.ReasonCode != "AC04" || balance(t, s, "lender") != eur("500.00") {
		t.Fatalf("po-3 after settle: %+v, balance %s", got, balance(t, s, "lender"))
	}
	if _, err := s.CreatePayout(ctx, psp.PayoutRequest{Reference: "po-4", Wallet: "lender", Amount: eur("500.00"), IBAN: payee}); err != nil {
		t.Fatal(err)
	}
	s.Settle()
	if !balance(t, s, "lender").IsZero() {
		t.Fatal("payout did not leave")
	}
}

func TestDirectDebitReturnAndRefund(t *testing.T) {
	t.Parallel()
	s := newSim(false)
	m, err := s.CreateMandate(ctx, psp.MandateRequest{Reference: "LK-MDT-B1", Wallet: "borrower", IBAN: payee, Holder: "Paul"})
	if err != nil || m.State != psp.MandateActive {
		t.Fatal(err)
	}
	s.Inject(Rule{Kind: psp.DirectDebit, Reference: "dd-1", Fail: psp.InsufficientFunds, ReasonCode: "AM04"})
	a, _ := s.Collect(ctx, psp.CollectionRequest{Reference: "dd-1", MandateID: m.ID, Amount: eur("450.00"), DueDate: lendkit.MustParseDate("2027-03-05")})
	b, _ := s.Collect(ctx, psp.CollectionRequest{Reference: "dd-2", MandateID: m.ID, Amount: eur("450.00"), DueDate: lendkit.MustParseDate("2027-04-05")})
	s.Settle()
	ga, _ := s.Operation(ctx, a.ID)
	gb, _ := s.Operation(ctx, b.ID)
	if ga.State != psp.StateFailed || ga.ReasonCode != "AM04" || gb.State != psp.StateSucceeded || balance(t, s, "borrower") != eur("450.00") {
		t.Fatalf("collections: %+v %+v", ga, gb)
	}
	// Refund requested by the debtor after settlement: MD06 return.
	if err := s.Reverse(b.ID, psp.RefundRequested, "MD06"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reverse(b.ID, psp.RefundRequested, "MD06"); !errors.Is(err, psp.ErrInvalidTransition) {
		t.Fatalf("second return: %v", err)
	}
	if !balance(t, s, "borrower").IsZero() {
		t.Fatal("return did not debit")
	}
	if _, err := s.CancelMandate(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Collect(ctx, psp.CollectionRequest{Reference: "dd-3", MandateID: m.ID, Amount: eur("1.00")})
	var rej *psp.RejectedError
	if !errors.As(err, &rej) || rej.Failure != psp.NoMandate {
		t.Fatalf("collect on cancelled mandate: %v", err)
	}
	// Refund of a card pay-in, partial.
	pi, _ := s.CreatePayIn(ctx, psp.PayInRequest{Reference: "pi-r", Kind: psp.PayInCard, Wallet: "borrower", Amount: eur("80.00")})
	s.Settle()
	rf, err := s.Refund(ctx, psp.RefundRequest{Reference: "rf-1", OperationID: pi.ID, Amount: eur("30.00")})
	if err != nil {
		t.Fatal(err)
	}
	s.Settle()
	gpi, _ := s.Operation(ctx, pi.ID)
	grf, _ := s.Operation(ctx, rf.ID)
	if gpi.State != psp.StateRefunded || grf.State != psp.StateSucceeded || balance(t, s, "borrower") != eur("50.00") {
		t.Fatalf("refund: %+v %+v %s", gpi, grf, balance(t, s, "borrower"))
	}
}

func TestTimeoutsAndIdempotency(t *testing.T) {
	t.Parallel()
	s := newSim(false)
	req := psp.PayInRequest{Reference: "pi-t", Kind: psp.PayInCard, Wallet: "lender", Amount: eur("10.00")}
	s.Inject(Rule{Reference: "pi-t", Timeout: true, Applied: true, Times: 1})
	if _, err := s.CreatePayIn(ctx, req); !errors.Is(err, psp.ErrTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	// Applied: the lookup finds it, and a retry returns the same operation.
	found, err := s.OperationByReference(ctx, "pi-t")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreatePayIn(ctx, req)
	if err != nil || again.ID != found.ID {
		t.Fatalf("retry: %+v %v", again, err)
	}
	// Not applied: nothing exists until the retry.
	s.Inject(Rule{Reference: "pi-u", Timeout: true, Times: 1})
	req.Reference = "pi-u"
	if _, err := s.CreatePayIn(ctx, req); !errors.Is(err, psp.ErrTimeout) {
		t.Fatal(err)
	}
	if _, err := s.OperationByReference(ctx, "pi-u"); !errors.Is(err, psp.ErrNotFound) {
		t.Fatalf("unapplied timeout created something: %v", err)
	}
	if _, err := s.CreatePayIn(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.Amount = eur("11.00")
	if _, err := s.CreatePayIn(ctx, req); !errors.Is(err, psp.ErrReferenceReused) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := s.CreatePayIn(ctx, psp.PayInRequest{Reference: "x", Kind: psp.PayInCard, Wallet: "lender", Amount: eur("-1.00")}); !errors.Is(err, psp.ErrInvalidRequest) {
		t.Fatalf("negative: %v", err)
	}
	if _, err := s.CreatePayIn(ctx, psp.PayInRequest{Reference: "y", Kind: psp.PayInCard, Wallet: "nobody", Amount: eur("1.00")}); !errors.Is(err, psp.ErrNotFound) {
		t.Fatalf("unknown wallet: %v", err)
	}
}

func TestDuplicateNotifications(t *testing.T) {
	t.Parallel()
	s := newSim(true)
	op, _ := s.CreatePayIn(ctx, psp.PayInRequest{Reference: "pi-d", Kind: psp.PayInTransfer, Wallet: "lender", Amount: eur("10.00")})
	if op.WireReference == "" || op.State != psp.StateCreated {
		t.Fatalf("%+v", op)
	}
	if err := s.ReceiveWire(op.ID); err != nil {
		t.Fatal(err)
	}
	s.Settle()
	notes := s.Notifications()
	if len(notes) != 4 { // pending and succeeded, each twice
		t.Fatalf("%d notifications", len(notes))
	}
	seen := map[string]bool{}
	var dups int
	for _, n := range notes {
		next, changed, err := psp.Apply(op, n, func(id string) bool { return seen[id] })
		if errors.Is(err, psp.ErrDuplicateNotification) {
			dups++
			continue
		}
		if err != nil || !changed {
			t.Fatalf("apply %+v: %v", n, err)
		}
		seen[n.ID] = true
		op = next
	}
	if dups != 2 || op.State != psp.StateSucceeded {
		t.Fatalf("dups %d, state %s", dups, op.State)
	}
	// A late "pending" after "succeeded" is stale, not an error.
	late := notes[0]
	late.ID = "late"
	if _, changed, err := psp.Apply(op, late, nil); err != nil || changed {
		t.Fatalf("late: %v %v", changed, err)
	}
	bad := notes[2]
	bad.ID, bad.State = "bad", psp.StateFailed
	if _, _, err := psp.Apply(op, bad, nil); !errors.Is(err, psp.ErrInvalidTransition) {
		t.Fatalf("succeeded→failed: %v", err)
	}
}

// script runs a fixed sequence; two runs must agree exactly.
func script(s *Sim) []psp.Notification {
	_ = s.VerifyIBAN("lender", payee)
	s.CreatePayIn(ctx, psp.PayInRequest{Reference: "a", Kind: psp.PayInCard, Wallet: "lender", Amount: eur("100.00")})
	s.Settle()
	s.Transfer(ctx, psp.TransferRequest{Reference: "b", FromWallet: "lender", ToWallet: "borrower", Amount: eur("60.00")})
	s.CreatePayout(ctx, psp.PayoutRequest{Reference: "c", Wallet: "lender", Amount: eur("40.00"), IBAN: payee})
	s.Settle()
	return s.Notifications()
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, b := script(newSim(false)), script(newSim(false))
	if diff := cmp.Diff(a, b, cmpOpts, cmp.AllowUnexported(iban.IBAN{})); diff != "" || len(a) != 3 {
		t.Fatalf("runs differ or wrong count %d:\n%s", len(a), diff)
	}
}

// Property: whatever sequence of calls and injected failures, the PSP never
// creates or destroys money: the sum of wallet balances equals money that
// came in (settled pay-ins and collections) minus money that left (payouts
// reserved or settled, refunds, returns and chargebacks).
func TestConservationProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := newSim(rapid.Bool().Draw(t, "dup"))
		s.OpenWallet("borrower", lendkit.EUR, true)
		for _, w := range []string{"lender", "borrower"} {
			_ = s.VerifyIBAN(w, payee)
		}
		m, err := s.CreateMandate(ctx, psp.MandateRequest{Reference: "M", Wallet: "borrower", IBAN: payee, Holder: "B"})
		if err != nil {
			t.Fatal(err)
		}
		wallets := []string{"lender", "borrower"}
		var ids []string
		for i := range rapid.IntRange(1, 40).Draw(t, "steps") {
			ref := fmt.Sprint("r", i)
			amt := lendkit.New(rapid.Int64Range(1, 50_000).Draw(t, "amt"), lendkit.EUR)
			w := rapid.SampledFrom(wallets).Draw(t, "wallet")
			if rapid.IntRange(0, 4).Draw(t, "inject") == 0 {
				s.Inject(Rule{Reference: ref, Fail: psp.InsufficientFunds, ReasonCode: "AM04", Times: 1})
			}
			var op psp.Operation
			var err error
			switch rapid.IntRange(0, 6).Draw(t, "op") {
			case 0:
				op, err = s.CreatePayIn(ctx, psp.PayInRequest{Reference: ref, Kind: psp.PayInCard, Wallet: w, Amount: amt})
			case 1:
				op, err = s.CreatePayout(ctx, psp.PayoutRequest{Reference: ref, Wallet: w, Amount: amt, IBAN: payee})
			case 2:
				op, err = s.Transfer(ctx, psp.TransferRequest{Reference: ref, FromWallet: w, ToWallet: "lender", Amount: amt})
			case 3:
				op, err = s.Collect(ctx, psp.CollectionRequest{Reference: ref, MandateID: m.ID, Amount: amt})
			case 4:
				if len(ids) > 0 {
					op, err = s.Refund(ctx, psp.RefundRequest{Reference: ref, OperationID: rapid.SampledFrom(ids).Draw(t, "orig"), Amount: amt})
				}
			case 5:
				if len(ids) > 0 {
					_ = s.Reverse(rapid.SampledFrom(ids).Draw(t, "rev"), psp.RefundRequested, "MD06")
				}
			case 6:
				s.Settle()
			}
			if err == nil && op.ID != "" {
				ids = append(ids, op.ID)
			}
		}
		s.Settle()
		in, out := lendkit.Zero(lendkit.EUR), lendkit.Zero(lendkit.EUR)
		for _, id := range s.order {
			op := s.ops[id]
			switch op.Kind {
			case psp.PayInCard, psp.PayInTransfer, psp.DirectDebit:
				if op.State != psp.StateFailed && op.State != psp.StateCreated && op.State != psp.StatePending {
					in, _ = in.Add(op.Amount)
				}
				if op.State == psp.StateReturned || op.State == psp.StateChargedBack {
					out, _ = out.Add(op.Amount)
				}
			case psp.Payout, psp.Refund:
				if op.State != psp.StateFailed {
					out, _ = out.Add(op.Amount)
				}
			}
		}
		total, _ := lendkit.Sum(lendkit.EUR, balance2(s, "lender"), balance2(s, "borrower"))
		want, _ := in.Sub(out)
		if total != want {
			t.Fatalf("balances %s, in %s − out %s = %s", total, in, out, want)
		}
	})
}

func balance2(s *Sim, w string) lendkit.Money { b, _ := s.Balance(w); return b }
