package wallet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/wallet"
)

// Example funds a project: two lenders commit, the campaign reaches its
// target, and closing it moves both holds into the borrower's wallet at once.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "wallet-example")
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
	must := func(_ any, err error) {
		if err != nil {
			panic(err)
		}
	}
	must(s.Open(ctx, wallet.OpenRequest{ID: "acme", Kind: wallet.Borrower, Owner: "ACME SARL", KYC: wallet.KYCValidated}))
	for _, l := range []string{"alice", "bruno"} {
		must(s.Open(ctx, wallet.OpenRequest{ID: l, Kind: wallet.Lender, Owner: l, KYC: wallet.KYCValidated}))
		must(s.PayIn(ctx, wallet.PayIn{Key: "payin-" + l, Wallet: l, Amount: eur("3000.00"), Date: day, Method: "card"}))
	}
	must(s.CreateCampaign(ctx, wallet.CampaignSpec{ID: "acme-2027", BorrowerWallet: "acme", Target: eur("5000.00"),
		Deadline: day.AddDays(30), Overfunding: wallet.Trim}))
	must(s.Commit(ctx, wallet.Commit{Campaign: "acme-2027", ID: "c1", Lender: "alice", Amount: eur("3000.00"), Date: day}))
	trimmed, err := s.Commit(ctx, wallet.Commit{Campaign: "acme-2027", ID: "c2", Lender: "bruno", Amount: eur("3000.00"), Date: day})
	must(trimmed, err)
	fmt.Println("bruno's commitment trimmed to", trimmed.Amount)

	c, err := s.CloseCampaign(ctx, "acme-2027", day.AddDays(1))
	must(c, err)
	fmt.Println("campaign", c.Status, c.Raised)
	for _, id := range []string{"acme", "alice", "bruno"} {
		w, err := s.Get(ctx, id)
		must(w, err)
		fmt.Println(id, w.Balance.Posted)
	}
	// Output:
	// bruno's commitment trimmed to 2000.00 EUR
	// campaign funded 5000.00 EUR
	// acme 5000.00 EUR
	// alice 0.00 EUR
	// bruno 1000.00 EUR
}

func ExampleForecast() {
	eur := func(v string) lendkit.Money { return lendkit.MustParseMoney(v, "EUR") }
	start := lendkit.MustParseDate("2027-03-01")
	in := []wallet.Flow{{Date: start.AddDays(3), Amount: eur("450.00"), Label: "instalment"}, {Date: start.AddDays(10), Amount: eur("450.00")}}
	out := []wallet.Flow{{Date: start.AddDays(8), Amount: eur("2000.00"), Label: "disbursement"}}
	buckets, err := wallet.Forecast(eur("1500.00"), start, wallet.Weekly, 3, in, out)
	if err != nil {
		panic(err)
	}
	for _, b := range buckets {
		fmt.Println(b.Start, b.End, b.Inflows.Amount(), b.Outflows.Amount(), b.Closing.Amount())
	}
	// Output:
	// 2027-03-01 2027-03-07 450.00 0.00 1950.00
	// 2027-03-08 2027-03-14 450.00 2000.00 400.00
	// 2027-03-15 2027-03-21 0.00 0.00 400.00
}
