package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

// openExample opens a migrated SQLite ledger in a temporary directory and
// creates a bank account and two wallets.
func openExample() (store.DB, *ledger.Ledger, func()) {
	dir, err := os.MkdirTemp("", "ledger-example")
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		panic(err)
	}
	if err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	l := ledger.New(db)
	for _, a := range []ledger.Account{
		{ID: "bank", Code: "bank", Currency: lendkit.EUR, Normal: ledger.Debit, Constraint: ledger.Unconstrained},
		{ID: "wallet:alice", Code: "lender_wallet", Currency: lendkit.EUR, Normal: ledger.Credit},
		{ID: "escrow:p1", Code: "project_escrow", Currency: lendkit.EUR, Normal: ledger.Credit},
	} {
		if _, err := l.CreateAccount(ctx, a); err != nil {
			panic(err)
		}
	}
	return db, l, func() { db.Close(); os.RemoveAll(dir) }
}

var today = lendkit.MustParseDate("2027-01-15")

func Example() {
	_, l, done := openExample()
	defer done()
	ctx := context.Background()
	payin := ledger.Transfer{
		Key: "payin:psp-123", Code: "payin", EffectiveDate: today,
		Postings: []ledger.Posting{
			ledger.Dr("bank", lendkit.MustParseMoney("250.00", "EUR")),
			ledger.Cr("wallet:alice", lendkit.MustParseMoney("250.00", "EUR")),
		},
	}
	first, err := l.Post(ctx, payin)
	if err != nil {
		panic(err)
	}
	again, _ := l.Post(ctx, payin) // a retried request: same transaction, no money moved
	bal, _ := l.Balance(ctx, "wallet:alice")
	fmt.Println(first.ID == again.ID, bal.Posted)

	_, err = l.Post(ctx, ledger.Transfer{Key: "too-much", EffectiveDate: today, Postings: []ledger.Posting{
		ledger.Dr("wallet:alice", lendkit.MustParseMoney("300.00", "EUR")),
		ledger.Cr("escrow:p1", lendkit.MustParseMoney("300.00", "EUR")),
	}})
	fmt.Println(errors.Is(err, ledger.ErrInsufficientFunds))
	// Output:
	// true 250.00 EUR
	// true
}

// Escrow with a two-phase hold: Alice commits 100.00 to a project, which
// closes having raised only 80 % of its target, so 80.00 is taken.
func ExampleLedger_PostHold() {
	_, l, done := openExample()
	defer done()
	ctx := context.Background()
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	if _, err := l.Post(ctx, ledger.Transfer{Key: "payin", EffectiveDate: today,
		Postings: []ledger.Posting{ledger.Dr("bank", eur("150.00")), ledger.Cr("wallet:alice", eur("150.00"))}}); err != nil {
		panic(err)
	}
	hold, err := l.Hold(ctx, ledger.Transfer{Key: "commit:alice:p1", Code: "commitment", EffectiveDate: today,
		Postings: []ledger.Posting{ledger.Dr("wallet:alice", eur("100.00")), ledger.Cr("escrow:p1", eur("100.00"))}},
		time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	bal, _ := l.Balance(ctx, "wallet:alice")
	fmt.Println("held:", bal.Posted, bal.Pending, bal.Available)

	if _, err := l.PostHold(ctx, ledger.HoldPost{Key: "fund:alice:p1", HoldID: hold.ID, EffectiveDate: today,
		Postings: []ledger.Posting{ledger.Dr("wallet:alice", eur("80.00")), ledger.Cr("escrow:p1", eur("80.00"))}}); err != nil {
		panic(err)
	}
	bal, _ = l.Balance(ctx, "wallet:alice")
	fmt.Println("posted:", bal.Posted, bal.Pending, bal.Available)

	_, err = l.VoidHold(ctx, ledger.HoldVoid{Key: "void:alice:p1", HoldID: hold.ID, EffectiveDate: today})
	fmt.Println(errors.Is(err, ledger.ErrHoldPosted))
	// Output:
	// held: 150.00 EUR 100.00 EUR 50.00 EUR
	// posted: 70.00 EUR 0.00 EUR 70.00 EUR
	// true
}

// Closing a campaign: every commitment's hold is posted or voided in one
// write, all or none; the same call again replays the same transactions.
func ExampleLedger_ResolveHolds() {
	_, l, done := openExample()
	defer done()
	ctx := context.Background()
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	if _, err := l.Post(ctx, ledger.Transfer{Key: "payin", EffectiveDate: today,
		Postings: []ledger.Posting{ledger.Dr("bank", eur("300.00")), ledger.Cr("wallet:alice", eur("300.00"))}}); err != nil {
		panic(err)
	}
	var holds []ledger.Transaction
	for i, amount := range []string{"100.00", "50.00", "25.00"} {
		h, err := l.Hold(ctx, ledger.Transfer{Key: fmt.Sprint("commit:", i), Code: "commitment", EffectiveDate: today,
			Postings: []ledger.Posting{ledger.Dr("wallet:alice", eur(amount)), ledger.Cr("escrow:p1", eur(amount))}}, time.Time{})
		if err != nil {
			panic(err)
		}
		holds = append(holds, h)
	}
	posts := []ledger.HoldPost{
		{Key: "post:0", HoldID: holds[0].ID, EffectiveDate: today},
		{Key: "post:1", HoldID: holds[1].ID, EffectiveDate: today},
	}
	voids := []ledger.HoldVoid{{Key: "void:2", HoldID: holds[2].ID, EffectiveDate: today}}
	first, err := l.ResolveHolds(ctx, posts, voids)
	if err != nil {
		panic(err)
	}
	again, _ := l.ResolveHolds(ctx, posts, voids) // a retried close: the same transactions
	alice, _ := l.Balance(ctx, "wallet:alice")
	escrow, _ := l.Balance(ctx, "escrow:p1")
	fmt.Println(first[0].Kind, first[2].Kind, first[2].ID == again[2].ID)
	fmt.Println("alice:", alice.Posted, alice.Pending, "escrow:", escrow.Posted)
	// Output:
	// post_hold void_hold true
	// alice: 150.00 EUR 0.00 EUR escrow: 150.00 EUR
}

// Ledger postings commit or roll back with the caller's own writes.
func ExampleIn() {
	db, l, done := openExample()
	defer done()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx store.Tx) error {
		u := ledger.In(tx)
		if _, err := u.Post(ctx, ledger.Transfer{Key: "payin", EffectiveDate: today, Postings: []ledger.Posting{
			ledger.Dr("bank", lendkit.MustParseMoney("10.00", "EUR")), ledger.Cr("wallet:alice", lendkit.MustParseMoney("10.00", "EUR"))}}); err != nil {
			return err
		}
		return errors.New("the schedule could not be written") // rolls the posting back too
	})
	bal, _ := l.Balance(ctx, "wallet:alice")
	fmt.Println(err, bal.Posted)
	// Output:
	// the schedule could not be written 0.00 EUR
}

func ExampleLedger_Verify() {
	_, l, done := openExample()
	defer done()
	ctx := context.Background()
	for i, amount := range []string{"10.00", "20.00", "30.00"} {
		if _, err := l.Post(ctx, ledger.Transfer{Key: fmt.Sprint("payin-", i), EffectiveDate: today, Postings: []ledger.Posting{
			ledger.Dr("bank", lendkit.MustParseMoney(amount, "EUR")), ledger.Cr("wallet:alice", lendkit.MustParseMoney(amount, "EUR"))}}); err != nil {
			panic(err)
		}
	}
	rep, err := l.Verify(ctx)
	fmt.Println(rep.Accounts, rep.Transactions, rep.Postings, len(rep.Root), err)
	// Output:
	// 3 3 6 64 <nil>
}

func ExampleLedger_History() {
	_, l, done := openExample()
	defer done()
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		m := lendkit.New(int64(i)*100, lendkit.EUR)
		if _, err := l.Post(ctx, ledger.Transfer{Key: fmt.Sprint("p", i), EffectiveDate: today.AddDays(i),
			Postings: []ledger.Posting{ledger.Dr("bank", m), ledger.Cr("wallet:alice", m)}}); err != nil {
			panic(err)
		}
	}
	q := ledger.HistoryQuery{Limit: 2}
	for {
		page, err := l.History(ctx, "wallet:alice", q)
		if err != nil {
			panic(err)
		}
		for _, e := range page.Entries {
			fmt.Println(e.Seq, e.EffectiveDate, e.Side, e.Amount)
		}
		if page.Next == 0 {
			break
		}
		q.AfterSeq = page.Next
	}
	asOf, _ := l.BalanceAsOf(ctx, "wallet:alice", today.AddDays(3))
	fmt.Println("as of", today.AddDays(3), asOf)
	// Output:
	// 1 2027-01-16 credit 1.00 EUR
	// 2 2027-01-17 credit 2.00 EUR
	// 3 2027-01-18 credit 3.00 EUR
	// 4 2027-01-19 credit 4.00 EUR
	// 5 2027-01-20 credit 5.00 EUR
	// as of 2027-01-18 6.00 EUR
}
