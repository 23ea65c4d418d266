package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/wallet"
)

// ExampleService_CommitMany onboards lenders, credits their pay-ins and holds
// their commitments with one unit of work each, then closes the campaign
// inside the platform's own unit of work (In), where the platform would also
// open the loan: a failure there rolls the close back with it.
func ExampleService_CommitMany() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "wallet-batch-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "lendkit.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	s, err := wallet.New(db, wallet.Config{Currency: lendkit.EUR})
	if err != nil {
		panic(err)
	}
	if err := s.Setup(ctx); err != nil {
		panic(err)
	}
	eur := func(v string) lendkit.Money { return lendkit.MustParseMoney(v, "EUR") }
	day := lendkit.MustParseDate("2027-03-01")

	opens := []wallet.OpenRequest{{ID: "acme", Kind: wallet.Borrower, Owner: "ACME SARL", KYC: wallet.KYCValidated}}
	var payins []wallet.PayIn
	var commits []wallet.Commit
	for i, l := range []string{"alice", "bruno", "chloe"} {
		opens = append(opens, wallet.OpenRequest{ID: l, Kind: wallet.Lender, Owner: l, KYC: wallet.KYCValidated})
		payins = append(payins, wallet.PayIn{Key: "payin-" + l, Wallet: l, Amount: eur("2000.00"), Date: day, Method: "card"})
		commits = append(commits, wallet.Commit{Campaign: "acme-2027", ID: l, Lender: l, Amount: eur(fmt.Sprint(1000*(i+1), ".00")), Date: day})
	}
	if _, err := s.OpenMany(ctx, opens); err != nil {
		panic(err)
	}
	if _, err := s.PayInMany(ctx, payins); err != nil {
		panic(err)
	}
	if _, err := s.CreateCampaign(ctx, wallet.CampaignSpec{ID: "acme-2027", BorrowerWallet: "acme", Target: eur("5000.00"),
		Deadline: day.AddDays(30), Overfunding: wallet.Trim}); err != nil {
		panic(err)
	}
	held, err := s.CommitMany(ctx, commits)
	if err != nil {
		panic(err)
	}
	for _, c := range held {
		fmt.Println(c.LenderWallet, "holds", c.Amount)
	}

	// The platform's funding close fails after closing the campaign: the
	// close is rolled back with it.
	errLoan := errors.New("loan not opened")
	err = db.InTx(ctx, func(tx store.Tx) error {
		if _, err := s.In(tx).CloseCampaign(ctx, "acme-2027", day); err != nil {
			return err
		}
		return errLoan
	})
	c, _ := s.GetCampaign(ctx, "acme-2027")
	fmt.Println(err, "; campaign", c.Status)

	err = db.InTx(ctx, func(tx store.Tx) error {
		_, err := s.In(tx).CloseCampaign(ctx, "acme-2027", day)
		return err // the loan's own writes would go here, in tx
	})
	c, _ = s.GetCampaign(ctx, "acme-2027")
	acme, _ := s.Get(ctx, "acme")
	fmt.Println(err, "; campaign", c.Status, "; acme holds", acme.Balance.Posted)
	// Output:
	// alice holds 1000.00 EUR
	// bruno holds 2000.00 EUR
	// chloe holds 2000.00 EUR
	// loan not opened ; campaign open
	// <nil> ; campaign funded ; acme holds 5000.00 EUR
}
