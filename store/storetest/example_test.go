package storetest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/storetest"
)

// Snapshot gives a backend-independent picture of a ledger: here, the trial
// balance per currency of a small one.
func ExampleSnapshot() {
	dir, err := os.MkdirTemp("", "storetest-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "x.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	l := ledger.New(db)
	for _, a := range []ledger.Account{
		{ID: "bank", Code: "bank", Currency: lendkit.EUR, Normal: ledger.Debit, Constraint: ledger.Unconstrained},
		{ID: "alice", Code: "wallet", Currency: lendkit.EUR, Normal: ledger.Credit},
	} {
		if _, err := l.CreateAccount(ctx, a); err != nil {
			panic(err)
		}
	}
	m := lendkit.MustParseMoney("12.34", "EUR")
	if _, err := l.Post(ctx, ledger.Transfer{Key: "k", EffectiveDate: lendkit.MustParseDate("2027-01-15"),
		Postings: []ledger.Posting{ledger.Dr("bank", m), ledger.Cr("alice", m)}}); err != nil {
		panic(err)
	}
	st, err := storetest.Snapshot(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(st.Accounts), len(st.Transactions), st.Transactions[0].Postings[1].Account, st.TrialBalance())
	// Output:
	// 2 1 alice map[EUR:0]
}
