package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/lendkit/lendkit"
	disp "github.com/lendkit/lendkit/dispatch"
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
		var ids []string
		rows, err := q.query(ctx, `SELECT id FROM platform_loans ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
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
	stored, err := tx.Dispatch().Loan(ctx, id)
	if err != nil {
		bad("no servicing state in the dispatch store: %v", err)
	} else {
		snap, err := rp.book.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if string(snap) != string(stored.State) {
			bad("the stored servicing state differs from the replay of its %d events", len(rp.events))
		}
	}
	// The ledger must hold exactly the transactions the replay computes,
	// and the dispatch store the same dispersals.
	var keys []string
	want := map[string][]ledger.Posting{}
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
		} else if sd.Cash != d.Cash || sd.Principal != d.Applied.Principal || sd.Interest != d.Applied.Interest || len(sd.Shares) != len(d.Shares) {
			bad("dispersal %s stored differs from the replay", d.Key)
		}
		if e, ok := d.Entry(); ok {
			want[e.Key] = entryTransfer(ws, e, nil).Postings
			keys = append(keys, e.Key)
		}
	}
	for _, r := range rp.transfers {
		if e, ok := r.Entry(); ok {
			want[e.Key] = entryTransfer(ws, e, nil).Postings
			keys = append(keys, e.Key)
		}
	}
	got := map[string]store.Transaction{}
	for start := 0; start < len(keys); start += 1000 {
		txs, err := tx.Ledger().TransactionsByKey(ctx, keys[start:min(start+1000, len(keys))])
		if err != nil {
			return nil, err
		}
		for _, t := range txs {
			got[t.Key] = t
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		t, ok := got[k]
		if !ok {
			bad("ledger has no transaction %s", k)
			continue
		}
		w := want[k]
		if len(w) != len(t.Postings) {
			bad("transaction %s has %d postings, the replay %d", k, len(t.Postings), len(w))
			continue
		}
		for i := range w {
			g := t.Postings[i]
			if g.AccountID != w[i].AccountID || g.Side != w[i].Side || g.Amount != w[i].Amount {
				bad("transaction %s posting %d is %s %s %s, the replay says %s %s %s", k, i, g.Side, g.AccountID, g.Amount, w[i].Side, w[i].AccountID, w[i].Amount)
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
