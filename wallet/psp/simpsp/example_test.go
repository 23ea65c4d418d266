package simpsp_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
	"github.com/lendkit/lendkit/wallet/psp/simpsp"
)

func Example() {
	ctx := context.Background()
	sim := simpsp.New(simpsp.Config{Clock: lendkit.NewManualClock(time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))})
	sim.OpenWallet("borrower-1", lendkit.EUR, true)
	debtor := iban.MustParse("FR1420041010050500013M02606")
	m, _ := sim.CreateMandate(ctx, psp.MandateRequest{Reference: "LK-MDT-1", Wallet: "borrower-1", IBAN: debtor, Holder: "Paul Durand"})

	// The March instalment bounces for insufficient funds.
	sim.Inject(simpsp.Rule{Kind: psp.DirectDebit, Reference: "dd-2027-03", Fail: psp.InsufficientFunds, ReasonCode: "AM04"})
	op, _ := sim.Collect(ctx, psp.CollectionRequest{Reference: "dd-2027-03", MandateID: m.ID, Amount: lendkit.MustParseMoney("450.00", "EUR")})
	sim.Settle()
	got, _ := sim.Operation(ctx, op.ID)
	fmt.Println(got.State, got.Failure, got.ReasonCode)

	// A payout above the balance is refused at once.
	_ = sim.VerifyIBAN("borrower-1", debtor)
	_, err := sim.CreatePayout(ctx, psp.PayoutRequest{Reference: "po-1", Wallet: "borrower-1", Amount: lendkit.MustParseMoney("1.00", "EUR"), IBAN: debtor})
	fmt.Println(errors.Is(err, psp.ErrRejected))
	// Output:
	// failed insufficient_funds AM04
	// true
}
