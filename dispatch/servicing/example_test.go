package servicing_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

// Fund a loan of two lenders on SQLite, then disperse its first instalment:
// the lenders' wallets and the tax authorities receive exactly what was
// projected.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "servicing-example")
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
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	acc := servicing.DefaultAccounts
	wallet := func(role dispatch.Role, owner string) string { return acc(dispatch.Account{Role: role, Owner: owner}) }

	// The ledger accounts, and the lenders' money in their wallets.
	err = db.InTx(ctx, func(tx store.Tx) error {
		u := ledger.In(tx)
		accounts := []ledger.Account{{ID: "bank", Normal: ledger.Debit, Constraint: ledger.Unconstrained}}
		for _, id := range []string{wallet(dispatch.HolderWallet, "anne"), wallet(dispatch.HolderWallet, "fund"),
			wallet(dispatch.BorrowerWallet, "acme"), wallet(dispatch.TaxAuthority, dispatch.TaxFranceIncome),
			wallet(dispatch.TaxAuthority, dispatch.TaxFranceSocial)} {
			accounts = append(accounts, ledger.Account{ID: id, Normal: ledger.Credit})
		}
		for _, a := range accounts {
			a.Code, a.Currency = "example", lendkit.EUR
			if _, err := u.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		_, err := u.PostBatch(ctx, []ledger.Transfer{
			{Key: "payin-anne", Code: "payin", EffectiveDate: lendkit.MustParseDate("2027-01-10"),
				Postings: []ledger.Posting{ledger.Dr("bank", eur("800.00")), ledger.Cr(wallet(dispatch.HolderWallet, "anne"), eur("800.00"))}},
			{Key: "payin-fund", Code: "payin", EffectiveDate: lendkit.MustParseDate("2027-01-10"),
				Postings: []ledger.Posting{ledger.Dr("bank", eur("200.00")), ledger.Cr(wallet(dispatch.HolderWallet, "fund"), eur("200.00"))}},
		})
		return err
	})
	if err != nil {
		panic(err)
	}

	book, err := dispatch.Open(dispatch.Terms{
		Loan: "loan-1", Borrower: "acme", Currency: lendkit.EUR, Funded: lendkit.MustParseDate("2027-01-15"),
		Schedule: []dispatch.Instalment{
			{N: 1, Due: lendkit.MustParseDate("2027-02-15"), Principal: eur("500.00"), Interest: eur("10.00")},
			{N: 2, Due: lendkit.MustParseDate("2027-03-15"), Principal: eur("500.00"), Interest: eur("5.00")},
		},
		Stakes: []dispatch.Stake{
			{Holder: dispatch.Holder{ID: "anne", Kind: dispatch.Individual, Tax: dispatch.FranceIndividual()}, Amount: eur("800.00")},
			{Holder: dispatch.Holder{ID: "fund", Kind: dispatch.Fund}, Amount: eur("200.00")},
		},
	})
	if err != nil {
		panic(err)
	}
	err = db.InTx(ctx, func(tx store.Tx) error {
		f, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: acc})
		fmt.Println("projection rows:", f.Projections)
		return err
	})
	if err != nil {
		panic(err)
	}
	err = db.InTx(ctx, func(tx store.Tx) error {
		out, err := servicing.Pay(ctx, tx, "loan-1", dispatch.Payment{Key: "sdd-1", Date: lendkit.MustParseDate("2027-02-15"), Amount: eur("510.00")}, acc)
		if err != nil {
			return err
		}
		for _, s := range out.Dispersal.Shares {
			fmt.Printf("%s: capital %s interest %s tax %s net %s\n", s.Holder, s.Principal.Amount(), s.Interest.Amount(), s.Tax.Amount(), s.Net.Amount())
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	l := ledger.New(db)
	for _, id := range []string{wallet(dispatch.HolderWallet, "anne"), wallet(dispatch.TaxAuthority, dispatch.TaxFranceSocial), wallet(dispatch.BorrowerWallet, "acme")} {
		b, err := l.Balance(ctx, id)
		if err != nil {
			panic(err)
		}
		fmt.Println(id, b.Posted)
	}
	// Output:
	// projection rows: 4
	// anne: capital 400.00 interest 8.00 tax 2.51 net 405.49
	// fund: capital 100.00 interest 2.00 tax 0.00 net 102.00
	// wallet:holder:anne 405.49 EUR
	// tax:FR-PS 1.49 EUR
	// wallet:borrower:acme 490.00 EUR
}
