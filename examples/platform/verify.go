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
//   - every collection is in the ledger with its amount, and every
//     dispersal's ledger transaction has exactly the postings that
//     replaying the loan's events through dispatch yields, so dispersals sum
//     to collections (less the credit the borrower keeps).
func verifyLoans(ctx context.Context, db store.DB) ([]string, error) {
	var probs []string
	err := db.View(ctx, func(tx store.Tx) error {
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
			p, err := verifyLoan(ctx, tx, q, id)
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

func verifyLoan(ctx context.Context, tx store.Tx, q sqlq, id string) ([]string, error) {
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
	// The ledger must hold exactly what the replay computes.
	var keys []string
	want := map[string][]ledger.Posting{}
	collected := map[string]lendkit.Money{}
	pi := 0
	for _, ev := range rp.events {
		if ev.Kind == "payment" {
			amt, err := lendkit.ParseMoney(ev.Amount, cur)
			if err != nil {
				return nil, err
			}
			collected[ev.Key+"/in"] = amt
			keys = append(keys, ev.Key+"/in")
			d := rp.dispersals[pi]
			pi++
			if e, ok := d.Entry(); ok {
				want[e.Key] = entryTransfer(e, nil).Postings
				keys = append(keys, e.Key)
			}
		}
	}
	for _, r := range rp.transfers {
		if e, ok := r.Entry(); ok {
			want[e.Key] = entryTransfer(e, nil).Postings
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
		if amt, ok := collected[k]; ok {
			if len(t.Postings) != 2 || t.Postings[0].Amount != amt {
				bad("collection %s is not %s in the ledger", k, amt)
			}
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
	// Collections = dispersed cash + the borrower's credit.
	var coll, dispersed int64
	for _, m := range collected {
		coll += m.Minor()
	}
	for _, d := range rp.dispersals {
		dispersed += d.Total().Minor()
	}
	if coll != dispersed+rp.book.Credit().Minor() {
		bad("collections %s ≠ dispersed %s + credit %s", lendkit.New(coll, cur).Amount(), lendkit.New(dispersed, cur).Amount(), rp.book.Credit().Amount())
	}
	return probs, nil
}
