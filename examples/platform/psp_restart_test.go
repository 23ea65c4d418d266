package main

import (
	"context"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet"
	"github.com/lendkit/lendkit/wallet/psp/simpsp"
)

// TestPayInReplayAfterPSPForgets: a pay-in replayed after a restart, when the
// PSP no longer knows the reference (the simulated PSP keeps its state in
// memory, so a restart forgets every operation), credits the wallet once: the
// credit is keyed by the platform's reference, not by the PSP's operation id.
func TestPayInReplayAfterPSPForgets(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		ctx := context.Background()
		if err := tb.srv.openUserWallet(ctx, "replay-user", walletKind(roleLender), wallet.KYCLight); err != nil {
			t.Fatal(err)
		}
		amt := lendkit.MustParseMoney("250.00", "EUR")
		first, err := tb.srv.payIn(ctx, "replay-user", "payin/replay-user/key-1", amt)
		if err != nil {
			t.Fatal(err)
		}
		// The restart: a new PSP that has never seen the reference, set up
		// as start sets it up.
		tb.srv.psp = simpsp.New(simpsp.Config{Clock: tb.clock})
		if err := tb.srv.start(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := tb.srv.payIn(ctx, "replay-user", "payin/replay-user/key-1", amt)
		if err != nil {
			t.Fatal(err)
		}
		if again.TransactionID != first.TransactionID {
			t.Errorf("replay booked ledger transaction %s, want the original %s", again.TransactionID, first.TransactionID)
		}
		w, err := tb.srv.wallets.Get(ctx, "replay-user")
		if err != nil {
			t.Fatal(err)
		}
		if w.Balance.Available != amt {
			t.Errorf("balance after a replayed pay-in = %s, want %s", w.Balance.Available, amt)
		}
	})
}

// TestPayoutRefusedByPSPGivesTheMoneyBack: when the PSP refuses a payout (here
// a restarted simulated PSP whose pooled account is empty), the wallet's debit
// is reversed, and a replay of the request does not ask the PSP again, which
// could otherwise pay out money the wallet was given back.
func TestPayoutRefusedByPSPGivesTheMoneyBack(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		agent := tb.login(t, roleAgent)
		id, tok := tb.signup(t, "payout-refused@example.com", roleLender)
		tb.do(t, "POST", "/v1/users/"+id+"/kyc", agent, map[string]int{"level": 2}).must(t, 200)
		tb.do(t, "POST", "/v1/wallet/payins", tok, map[string]string{"amount": "300.00"}, idempotencyHeader, "in").must(t, 201)

		tb.srv.psp = simpsp.New(simpsp.Config{Clock: tb.clock})
		if err := tb.srv.start(context.Background()); err != nil {
			t.Fatal(err)
		}
		payout := map[string]string{"amount": "100.00", "iban": "FR7630006000011234567890189"}
		if r := tb.do(t, "POST", "/v1/wallet/payouts", tok, payout, idempotencyHeader, "out"); r.status == 201 {
			t.Fatalf("payout from an empty PSP pool succeeded: %s", r.body)
		}
		var w walletView
		tb.do(t, "GET", "/v1/wallet", tok, nil).must(t, 200).json(t, &w)
		if w.Balance != lendkit.MustParseMoney("300.00", "EUR") {
			t.Fatalf("wallet after a refused payout = %s, want 300.00 EUR", w.Balance)
		}
		if got := tb.do(t, "POST", "/v1/wallet/payouts", tok, payout, idempotencyHeader, "out").must(t, 409).code(t); got != "payout_refused" {
			t.Fatalf("replay of a refused payout: %s", got)
		}
		tb.do(t, "GET", "/v1/wallet", tok, nil).must(t, 200).json(t, &w)
		if w.Balance != lendkit.MustParseMoney("300.00", "EUR") {
			t.Fatalf("wallet after the replay = %s, want 300.00 EUR", w.Balance)
		}
	})
}
