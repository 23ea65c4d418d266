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
