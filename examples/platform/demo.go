package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/sepa"
)

// demoConfig is the P2P scenario's knobs.
type demoConfig struct {
	Lenders int
	Periods int
	// FailAt is the instalment whose first direct debit is returned AM04
	// (insufficient funds) and retried; SellAt the instalment after which
	// one lender sells their holding to a fund.
	FailAt, SellAt int
}

// demoReport is the JSON `platform demo -json` prints: amounts in the loan
// currency as decimal strings. borrower_paid = lenders_principal +
// lenders_interest + platform_fees + penalties, and lenders_principal equals
// the loan amount once the loan is repaid; runDemo checks both before
// returning.
type demoReport struct {
	Lenders            int         `json:"lenders"`
	Periods            int         `json:"periods"`
	BorrowerPaid       string      `json:"borrower_paid"`
	LendersPrincipal   string      `json:"lenders_principal"`
	LendersInterest    string      `json:"lenders_interest"`
	TaxWithheld        string      `json:"tax_withheld"`
	PlatformFees       string      `json:"platform_fees"`
	Penalties          string      `json:"penalties"`
	LedgerTransactions int         `json:"ledger_transactions"`
	Postings           int         `json:"postings"`
	Seconds            demoSeconds `json:"seconds"`
}

type demoSeconds struct {
	Funding        float64 `json:"funding"`
	DispersalTotal float64 `json:"dispersal_total"`
	Total          float64 `json:"total"`
}

// cmdDemo is `platform demo`: the P2P scenario end to end on a fresh
// database (a temporary SQLite file unless -db names one).
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lenders := fs.Int("lenders", 3000, "number of lenders funding the project (1 to 10000)")
	periods := fs.Int("periods", 60, "monthly instalments (2 to 600)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the text report")
	verbose := fs.Bool("v", false, "print each step with its elapsed time on stderr")
	dsn := fs.String("db", "", "fresh database: a SQLite file that does not exist yet, or a postgres:// URL of an empty schema (default: a temporary file)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageErrorf("demo: %v", err)
	}
	if *lenders < 1 || *lenders > 10000 {
		return usageErrorf("demo: -lenders must be between 1 and 10000, got %d", *lenders)
	}
	if *periods < 2 || *periods > 600 {
		return usageErrorf("demo: -periods must be between 2 and 600, got %d", *periods)
	}
	path := *dsn
	if path == "" {
		dir, err := os.MkdirTemp("", "lendkit-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "demo.db")
	} else if _, err := os.Stat(path); err == nil {
		return usageErrorf("demo: -db %s exists; the demo needs a fresh database", path)
	}
	clock := lendkit.NewManualClock(time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC))
	db, err := openDB(ctx, path, clock)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := demoConfig{Lenders: *lenders, Periods: *periods, FailAt: min(3, *periods), SellAt: *periods / 2}
	var progress func(string)
	if *verbose {
		start := time.Now()
		progress = func(s string) { fmt.Fprintf(stderr, "%8.3fs  %s\n", time.Since(start).Seconds(), s) }
	}
	rep, err := runDemo(ctx, db, clock, cfg, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "P2P demo: %d lenders, %d monthly instalments\n", rep.Lenders, rep.Periods)
	fmt.Fprintf(stdout, "  borrower paid      %s\n  lenders principal  %s\n  lenders interest   %s\n  tax withheld       %s\n  platform fees      %s\n  penalties          %s\n",
		rep.BorrowerPaid, rep.LendersPrincipal, rep.LendersInterest, rep.TaxWithheld, rep.PlatformFees, rep.Penalties)
	fmt.Fprintf(stdout, "  ledger: %d transactions, %d postings, verified\n", rep.LedgerTransactions, rep.Postings)
	fmt.Fprintf(stdout, "  seconds: funding %.3f, dispersals %.3f, total %.3f\n", rep.Seconds.Funding, rep.Seconds.DispersalTotal, rep.Seconds.Total)
	return nil
}

// demoLender returns lender i's id, kind, tax profile and commitment in
// cents: uneven amounts from 20 to 2,019 EUR, a mix of French taxpayers,
// French residents exempted from the advance, Italians and companies.
func demoLender(i int) (id string, kind disp.HolderKind, tax string, cents int64) {
	id = fmt.Sprintf("lender-%05d", i)
	cents = 2000 + int64((i*7919+i*i*31)%2000)*100 + int64(i%100)
	switch {
	case i%10 == 0:
		return id, disp.Company, "", cents
	case i%7 == 0:
		return id, disp.Individual, disp.FranceExempt().Name(), cents
	case i%13 == 0:
		return id, disp.Individual, disp.ItalyIndividual().Name(), cents
	}
	return id, disp.Individual, disp.FranceIndividual().Name(), cents
}

const (
	demoLoan     = "loan-demo-bakery"
	demoBorrower = "borrower-bakery"
	demoFund     = "fund-securitisation"
)

// runDemo runs the P2P scenario on a migrated-or-fresh db whose units of
// work are stamped by clock. progress, when not nil, is told each step.
func runDemo(ctx context.Context, db store.DB, clock *lendkit.ManualClock, cfg demoConfig, progress func(string)) (demoReport, error) {
	say := func(s string) {
		if progress != nil {
			progress(s)
		}
	}
	t0 := time.Now()
	if err := migrateAll(ctx, db); err != nil {
		return demoReport{}, err
	}
	eur := lendkit.EUR
	funded := lendkit.Today(clock)

	// 1. The lenders, their wallets and pay-ins.
	stakes := make([]stakeJSON, cfg.Lenders)
	var total int64
	specs := append(platformAccounts(),
		wallet(walletAccount(disp.BorrowerWallet, demoBorrower), "borrower_wallet"),
		wallet(walletAccount(disp.HolderWallet, demoFund), "fund_wallet"),
		wallet(escrowAccount(demoLoan), "escrow"))
	payins := make([]ledger.Transfer, 0, cfg.Lenders)
	for i := range cfg.Lenders {
		id, kind, tax, cents := demoLender(i + 1)
		amt := lendkit.New(cents, eur)
		stakes[i] = stakeJSON{Holder: id, Kind: kind.String(), Tax: tax, Amount: amt.Amount()}
		total += cents
		acc := walletAccount(disp.HolderWallet, id)
		specs = append(specs, wallet(acc, "lender_wallet"))
		payins = append(payins, ledger.Transfer{Key: "payin/" + id, Code: "payin", Description: "card pay-in",
			EffectiveDate: funded, Postings: []ledger.Posting{ledger.Dr(accPSP, amt), ledger.Cr(acc, amt)}})
	}
	principal := lendkit.New(total, eur)
	say(fmt.Sprintf("%d lenders commit %s", cfg.Lenders, principal))
	if err := db.InTx(ctx, func(tx store.Tx) error {
		u := ledger.In(tx)
		if err := ensureAccounts(ctx, u, eur, specs); err != nil {
			return err
		}
		_, err := u.PostBatch(ctx, payins)
		return err
	}); err != nil {
		return demoReport{}, fmt.Errorf("pay-ins: %w", err)
	}

	say("accounts and pay-ins posted")
	// 2. Commitments: each lender's money moves to the project's escrow.
	commits := make([]ledger.Transfer, cfg.Lenders)
	for i, s := range stakes {
		amt, _ := lendkit.ParseMoney(s.Amount, eur)
		commits[i] = ledger.Transfer{Key: "commit/" + demoLoan + "/" + s.Holder, Code: "commitment", Description: "commitment to " + demoLoan,
			EffectiveDate: funded, Postings: []ledger.Posting{ledger.Dr(walletAccount(disp.HolderWallet, s.Holder), amt), ledger.Cr(escrowAccount(demoLoan), amt)}}
	}
	if err := db.InTx(ctx, func(tx store.Tx) error {
		_, err := ledger.In(tx).PostBatch(ctx, commits)
		return err
	}); err != nil {
		return demoReport{}, fmt.Errorf("commitments: %w", err)
	}

	say("commitments posted")
	// 3. Funding close, one unit of work: the servicing book with every
	// lender's projected repayments, the loan and its holders, the escrow
	// paid to the borrower.
	lt := loanTerms{
		Terms:    termsRequest{Principal: principal.Amount(), Currency: "EUR", Rate: "7", Periods: cfg.Periods, Start: funded.String()},
		Borrower: demoBorrower, Funded: funded.String(), Stakes: stakes, FeeRate: "0.1", PenaltyRate: "3",
	}
	tf := time.Now()
	var rp *replayed
	var projected int
	if err := db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if rp, err = openBook(demoLoan, lt); err != nil {
			return err
		}
		proj, err := rp.book.Project()
		if err != nil {
			return err
		}
		projected = proj.Len()
		if err := insertLoan(ctx, tx, q, demoLoan, "", demoBorrower, lt, principal); err != nil {
			return err
		}
		_, err = ledger.In(tx).Post(ctx, ledger.Transfer{Key: "funding/" + demoLoan, Code: disp.CodeFunding, Description: "funding close " + demoLoan,
			EffectiveDate: funded, Postings: []ledger.Posting{ledger.Dr(escrowAccount(demoLoan), principal), ledger.Cr(walletAccount(disp.BorrowerWallet, demoBorrower), principal)}})
		return err
	}); err != nil {
		return demoReport{}, fmt.Errorf("funding close: %w", err)
	}
	fundingSecs := time.Since(tf).Seconds()
	say(fmt.Sprintf("funded %s; %d projected lender repayments", principal, projected))

	// 4. Disbursement: the borrower's wallet pays out to their bank.
	if err := db.InTx(ctx, func(tx store.Tx) error {
		_, err := ledger.In(tx).Post(ctx, ledger.Transfer{Key: "payout/" + demoLoan, Code: "payout", Description: "disbursement to the borrower's bank",
			EffectiveDate: funded, Postings: []ledger.Posting{ledger.Dr(walletAccount(disp.BorrowerWallet, demoBorrower), principal), ledger.Cr(accPSP, principal)}})
		return err
	}); err != nil {
		return demoReport{}, fmt.Errorf("disbursement: %w", err)
	}

	// 5. Monthly servicing on the simulated clock.
	var dispersalSecs float64
	penalty := amortizationPenalty(lt.PenaltyRate + "%")
	for n, row := range rp.schedule.Rows {
		n++
		clock.Set(row.Due.Time().Add(9 * time.Hour))
		date := row.Due
		if n == cfg.FailAt {
			// The first direct debit comes back AM04; the SEPA rules say
			// when to present it again.
			d, err := sepa.Decide("AM04", 1, date.AddDays(2), sepa.RetryPolicy{})
			if err != nil {
				return demoReport{}, err
			}
			if !d.Retry {
				return demoReport{}, fmt.Errorf("instalment %d: AM04 not retried: %+v", n, d)
			}
			say(fmt.Sprintf("instalment %d: direct debit returned AM04 (%s), presented again on %s", n, d.Reason.Code, d.RetryOn))
			date = d.RetryOn
			clock.Set(date.Time().Add(9 * time.Hour))
		}
		td := time.Now()
		if err := collectAndDisperse(ctx, db, rp, date, penalty, fmt.Sprintf("%s/collection/%d", demoLoan, n)); err != nil {
			return demoReport{}, fmt.Errorf("instalment %d: %w", n, err)
		}
		dispersalSecs += time.Since(td).Seconds()
		if n == cfg.SellAt && rp.book.Status() == disp.Active {
			if err := sellToFund(ctx, db, rp, date.AddDays(1), stakes[0].Holder); err != nil {
				return demoReport{}, fmt.Errorf("sale to the fund: %w", err)
			}
			say(fmt.Sprintf("after instalment %d: %s sold their holding to %s", n, stakes[0].Holder, demoFund))
		}
	}
	say("servicing done")
	if st := rp.book.Status(); st != disp.Repaid {
		return demoReport{}, fmt.Errorf("loan is %s after its last instalment, want repaid", st)
	}

	// 6. The report, and the proof.
	rep, err := summarise(rp, cfg)
	if err != nil {
		return rep, err
	}
	say("report summed")
	var vr ledger.Report
	if err := db.View(ctx, func(tx store.Tx) error {
		var err error
		vr, err = ledger.VerifyIn(ctx, tx.Ledger())
		return err
	}); err != nil {
		return rep, fmt.Errorf("ledger verification: %w", err)
	}
	say("ledger verified")
	if probs, err := verifyLoans(ctx, db); err != nil || len(probs) > 0 {
		return rep, fmt.Errorf("loan invariants: %v %v", err, probs)
	}
	rep.LedgerTransactions, rep.Postings = vr.Transactions, vr.Postings
	rep.Seconds = demoSeconds{Funding: round3(fundingSecs), DispersalTotal: round3(dispersalSecs), Total: round3(time.Since(t0).Seconds())}
	return rep, nil
}

// amortizationPenalty is the late-interest policy matching a loan's
// penalty rate: dispatch accrues it by actual days over 365, rounded half-up.
func amortizationPenalty(rate string) amortization.Penalty {
	return amortization.Penalty{Rate: lendkit.MustParseRate(rate), Rounding: lendkit.HalfUp}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// amountDue is what the borrower owes on date: everything due on or before
// it, with penalty interest on overdue instalments accrued to date, less
// the borrower's credit.
func amountDue(b *disp.Book, date lendkit.Date, p amortization.Penalty) (lendkit.Money, error) {
	due := lendkit.Zero(b.Currency())
	for _, o := range b.Schedule() {
		if o.Due.After(date) {
			continue
		}
		parts := []lendkit.Money{o.Penalty, o.Fee, o.Insurance, o.Interest, o.Principal}
		if o.Due.Before(date) {
			overdue, err := o.Interest.Add(o.Principal)
			if err != nil {
				return due, err
			}
			late, err := amortization.LateInterest(overdue, o.Due, date, p)
			if err != nil {
				return due, err
			}
			parts = append(parts, late)
		}
		for _, m := range parts {
			var err error
			if due, err = due.Add(m); err != nil {
				return due, err
			}
		}
	}
	due, err := due.Sub(b.Credit())
	if err != nil {
		return due, err
	}
	if due.IsNegative() {
		return lendkit.Zero(b.Currency()), nil
	}
	return due, nil
}

// collectAndDisperse collects what is due by direct debit and disperses it,
// each collection in one unit of work: the collection posted to the
// borrower's wallet, the dispersal's ledger transaction, the loan event.
// A payment that leaves something due (penalty interest accrued by a
// different convention than amountDue's) is followed by a collection of the
// remainder; at most three attempts.
func collectAndDisperse(ctx context.Context, db store.DB, rp *replayed, date lendkit.Date, p amortization.Penalty, key string) error {
	for attempt := 1; attempt <= 3; attempt++ {
		amt, err := amountDue(rp.book, date, p)
		if err != nil {
			return err
		}
		if !amt.IsPositive() {
			return nil
		}
		k := key
		if attempt > 1 {
			k = fmt.Sprintf("%s/%d", key, attempt)
		}
		if err := postPayment(ctx, db, rp, date, amt, k, "sdd"); err != nil {
			return err
		}
		last := rp.dispersals[len(rp.dispersals)-1]
		if last.Kind != disp.Partial {
			return nil
		}
	}
	return errors.New("collections left the instalment partly unpaid three times")
}

// postPayment collects amt into the borrower's wallet (code "sdd" for a
// direct debit, "manual" for a borrower's own transfer) and applies it to
// the book, persisting everything in one unit of work: the collection, the
// dispersal's ledger transaction, the loan event. The book computes the
// dispersal once, before the unit of work (which may run again on
// Postgres); if the unit of work fails, the book is rebuilt without it.
func postPayment(ctx context.Context, db store.DB, rp *replayed, date lendkit.Date, amt lendkit.Money, key, how string) error {
	ev := loanEvent{Kind: "payment", Date: date.String(), Key: key, Amount: amt.Amount()}
	loanID, borrower := rp.book.Loan(), rp.book.Borrower()
	mark := len(rp.events)
	if err := rp.apply(ev); err != nil {
		return err
	}
	d := rp.dispersals[len(rp.dispersals)-1]
	status := rp.book.Status()
	err := db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		return persistPayment(ctx, tx, q, loanID, borrower, ev, d, status, how)
	})
	if err != nil {
		return rewind(rp, mark, err)
	}
	return nil
}

// persistPayment writes, in the unit of work tx, a payment the book has
// applied: the collection into the borrower's wallet, the dispersal's
// ledger transaction, the loan event, and the loan's new status.
func persistPayment(ctx context.Context, tx store.Tx, q sqlq, loanID, borrower string, ev loanEvent, d disp.Dispersal, status disp.Status, how string) error {
	amt, err := lendkit.ParseMoney(ev.Amount, d.Cash.Currency())
	if err != nil {
		return err
	}
	date, err := lendkit.ParseDate(ev.Date)
	if err != nil {
		return err
	}
	u := ledger.In(tx)
	if _, err := u.Post(ctx, ledger.Transfer{Key: ev.Key + "/in", Code: "collection." + how, Description: "collection for " + loanID,
		EffectiveDate: date, Metadata: map[string]string{"loan": loanID},
		Postings: []ledger.Posting{ledger.Dr(accPSP, amt), ledger.Cr(walletAccount(disp.BorrowerWallet, borrower), amt)}}); err != nil {
		return err
	}
	if e, ok := d.Entry(); ok {
		if _, err := u.Post(ctx, entryTransfer(e, map[string]string{"loan": loanID})); err != nil {
			return err
		}
	}
	if err := appendEvent(ctx, tx, q, loanID, ev); err != nil {
		return err
	}
	if status != disp.Active {
		return setLoanStatus(ctx, tx, q, loanID, status.String())
	}
	return nil
}

// rewind rebuilds rp's book with only its first mark events, after a unit
// of work that was to persist the later ones failed; cause is returned.
func rewind(rp *replayed, mark int, cause error) error {
	c, err := openBook(rp.book.Loan(), rp.terms)
	if err != nil {
		return errors.Join(cause, err)
	}
	for _, ev := range rp.events[:mark] {
		if err := c.apply(ev); err != nil {
			return errors.Join(cause, err)
		}
	}
	*rp = *c
	return cause
}

// sellToFund transfers seller's whole outstanding holding to the fund at
// par on cutOff; the fund pays for it from its wallet (paid in first).
func sellToFund(ctx context.Context, db store.DB, rp *replayed, cutOff lendkit.Date, seller string) error {
	pos, err := rp.book.Position(disp.HolderID(seller), cutOff)
	if err != nil {
		return err
	}
	price := pos.Outstanding
	key := rp.book.Loan() + "/sale/" + seller
	ev := loanEvent{Kind: "transfer", Date: cutOff.String(), Key: key, Amount: price.Amount(), From: seller, To: demoFund, ToKind: disp.Fund.String(), Price: price.Amount()}
	mark := len(rp.events)
	if err := rp.apply(ev); err != nil {
		return err
	}
	rec := rp.transfers[len(rp.transfers)-1]
	err = db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		u := ledger.In(tx)
		if _, err := u.Post(ctx, ledger.Transfer{Key: key + "/payin", Code: "payin", Description: "fund pay-in", EffectiveDate: cutOff,
			Postings: []ledger.Posting{ledger.Dr(accPSP, price), ledger.Cr(walletAccount(disp.HolderWallet, demoFund), price)}}); err != nil {
			return err
		}
		if e, ok := rec.Entry(); ok {
			if _, err := u.Post(ctx, entryTransfer(e, map[string]string{"loan": rp.book.Loan()})); err != nil {
				return err
			}
		}
		if err := insertHoldings(ctx, q, rp.book.Loan(), []string{demoFund}); err != nil {
			return err
		}
		return appendEvent(ctx, tx, q, rp.book.Loan(), ev)
	})
	if err != nil {
		return rewind(rp, mark, err)
	}
	return nil
}

// summarise adds up the dispersals into the report and checks its two
// equalities.
func summarise(rp *replayed, cfg demoConfig) (demoReport, error) {
	cur := rp.book.Currency()
	var paid, prin, intr, tax, fees, pen, ins int64
	for _, d := range rp.dispersals {
		paid += d.Total().Minor()
		fees += d.PlatformFee.Minor() + d.Applied.Fee.Minor()
		ins += d.Applied.Insurance.Minor()
		for _, s := range d.Shares {
			prin += s.Principal.Minor()
			intr += s.Interest.Minor()
			pen += s.Penalty.Minor()
			tax += s.Tax.Minor()
		}
	}
	m := func(v int64) string { return lendkit.New(v, cur).Amount() }
	rep := demoReport{Lenders: cfg.Lenders, Periods: cfg.Periods, BorrowerPaid: m(paid), LendersPrincipal: m(prin),
		LendersInterest: m(intr), TaxWithheld: m(tax), PlatformFees: m(fees), Penalties: m(pen)}
	if ins != 0 {
		return rep, fmt.Errorf("demo loan has insurance %s, which the report does not show", m(ins))
	}
	if paid != prin+intr+fees+pen {
		return rep, fmt.Errorf("borrower paid %s ≠ principal %s + interest %s + fees %s + penalties %s", m(paid), m(prin), m(intr), m(fees), m(pen))
	}
	if rp.book.Status() == disp.Repaid {
		if want := rp.schedule.Terms.Principal.Minor(); prin != want {
			return rep, fmt.Errorf("lenders received %s of principal on a repaid loan of %s", m(prin), m(want))
		}
	}
	return rep, nil
}
