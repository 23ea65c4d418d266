package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/lendkit/lendkit"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// cmdVerify is `platform verify -db …`: the ledger's own Verify (hashes,
// chains, balances, trial balance) and every loan's invariants. It prints
// "ok" and returns nil, or prints each discrepancy and returns an exit-1
// error.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "lendkit.db", "SQLite file, or a postgres:// URL")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("verify: %v", err)
	}
	db, err := openDB(ctx, *dsn, lendkit.SystemClock{})
	if err != nil {
		return err
	}
	defer db.Close()
	var probs []string
	var rep ledger.Report
	if err := db.View(ctx, func(tx store.Tx) error {
		var err error
		rep, err = ledger.VerifyIn(ctx, tx.Ledger())
		return err
	}); err != nil {
		probs = append(probs, "ledger: "+err.Error())
	}
	lp, err := verifyLoans(ctx, db)
	if err != nil {
		return err
	}
	probs = append(probs, lp...)
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stdout, p)
		}
		return &exitError{code: 1, msg: fmt.Sprintf("verify: %d discrepancies", len(probs))}
	}
	fmt.Fprintf(stdout, "ok (%d accounts, %d transactions, %d postings; root %s)\n", rep.Accounts, rep.Transactions, rep.Postings, rep.Root)
	return nil
}

// verifyLoans checks every loan of the platform in one snapshot and returns
// one line per broken invariant:
//   - the loan's schedule ends at zero, and a repaid loan has no principal
//     outstanding and paid its holders exactly the principal;
//   - the stored status is the book's;
//   - the servicing state in the dispatch store is the book the loan's
//     events rebuild, byte for byte;
//   - every dispersal is in the dispatch store, and its ledger transaction
//     (like every holding transfer's) has exactly the postings that
//     replaying the events through dispatch yields;
//   - what the borrower paid equals what was dispersed plus the credit kept.
func verifyLoans(ctx context.Context, db store.DB) ([]string, error) {
	// Only for its account naming (AccountOf): the currency is irrelevant.
	ws, err := wallet.New(db, wallet.Config{Currency: lendkit.EUR})
	if err != nil {
		return nil, err
	}
	var probs []string
	err = db.View(ctx, func(tx store.Tx) error {
		probs = probs[:0]
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		ids, err := queryIDs(ctx, q, `SELECT id FROM platform_loans ORDER BY id`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := verifyLoan(ctx, tx, q, ws, id)
			if err != nil {
				probs = append(probs, fmt.Sprintf("loan %s: %v", id, err))
				continue
			}
			probs = append(probs, p...)
		}
		return nil
	})
	return probs, err
}

func verifyLoan(ctx context.Context, tx store.Tx, q sqlq, ws *wallet.Service, id string) ([]string, error) {
	rp, lr, err := loadLoan(ctx, q, id)
	if err != nil {
		return nil, err
	}
	var probs []string
	bad := func(format string, args ...any) {
		probs = append(probs, fmt.Sprintf("loan %s: ", id)+fmt.Sprintf(format, args...))
	}
	rows := rp.schedule.Rows
	if len(rows) == 0 || !rows[len(rows)-1].Balance.IsZero() {
		bad("schedule does not end at zero")
	}
	if want := rp.book.Status().String(); lr.status != want && !(lr.status == "active" && want == disp.Active.String()) {
		bad("status %q, the book says %q", lr.status, want)
	}
	cur := rp.book.Currency()
	var principal int64
	for _, d := range rp.dispersals {
		for _, s := range d.Shares {
			principal += s.Principal.Minor()
		}
	}
	if rp.book.Status() == disp.Repaid {
		if !rp.book.Outstanding().IsZero() {
			bad("repaid with %s outstanding", rp.book.Outstanding())
		}
		if principal != lr.amount.Minor() {
			bad("holders received %s of principal on a loan of %s", lendkit.New(principal, cur).Amount(), lr.amount.Amount())
		}
	}
	// The book dispatch has stored must be the one the events rebuild.
	stored, err := servicing.Load(ctx, tx, id)
	if err != nil {
		bad("no servicing state in the dispatch store: %v", err)
	} else {
		want, err := rp.book.MarshalBinary()
		if err != nil {
			return nil, err
		}
		got, err := stored.Book.MarshalBinary()
		if err != nil {
			return nil, err
		}
		if string(want) != string(got) {
			bad("the stored servicing state differs from the replay of its %d events", len(rp.events))
		}
	}
	// Every dispersal must be in the dispatch store as the replay computes
	// it, and its ledger transaction must have exactly the replay's
	// postings. (Holding transfers are checked through the register, part
	// of the servicing state compared above: dispatch/servicing does not
	// expose the ledger transaction of a transfer's price settlement.)
	var paid int64
	for _, ev := range rp.events {
		if ev.Kind == "payment" {
			amt, err := lendkit.ParseMoney(ev.Amount, cur)
			if err != nil {
				return nil, err
			}
			paid += amt.Minor()
		}
	}
	for _, d := range rp.dispersals {
		sd, err := tx.Dispatch().Dispersal(ctx, id, d.Key)
		if err != nil {
			bad("dispersal %s missing from the dispatch store: %v", d.Key, err)
			continue
		}
		if sd.Cash != d.Cash || sd.Principal != d.Applied.Principal || sd.Interest != d.Applied.Interest || sd.Penalty != d.Applied.Penalty || len(sd.Shares) != len(d.Shares) {
			bad("dispersal %s stored differs from the replay", d.Key)
		}
		e, ok := d.Entry()
		if !ok {
			if sd.LedgerTxID != "" {
				bad("dispersal %s moved no money but names ledger transaction %s", d.Key, sd.LedgerTxID)
			}
			continue
		}
		t, err := tx.Ledger().Transaction(ctx, sd.LedgerTxID)
		if err != nil {
			bad("dispersal %s: ledger transaction %q: %v", d.Key, sd.LedgerTxID, err)
			continue
		}
		w := entryTransfer(ws, e, nil).Postings
		if len(w) != len(t.Postings) {
			bad("dispersal %s: ledger transaction has %d postings, the replay %d", d.Key, len(t.Postings), len(w))
			continue
		}
		for i := range w {
			g := t.Postings[i]
			if g.AccountID != w[i].AccountID || g.Side != w[i].Side || g.Amount != w[i].Amount {
				bad("dispersal %s posting %d is %s %s %s, the replay says %s %s %s", d.Key, i, g.Side, g.AccountID, g.Amount, w[i].Side, w[i].AccountID, w[i].Amount)
				break
			}
		}
	}
	// What the borrower paid = what was dispersed + the credit kept.
	var dispersed int64
	for _, d := range rp.dispersals {
		dispersed += d.Total().Minor()
	}
	if paid != dispersed+rp.book.Credit().Minor() {
		bad("payments %s ≠ dispersed %s + credit %s", lendkit.New(paid, cur).Amount(), lendkit.New(dispersed, cur).Amount(), rp.book.Credit().Amount())
	}
	return probs, nil
}
