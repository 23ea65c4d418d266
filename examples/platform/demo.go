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
	"github.com/lendkit/lendkit/contract"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
	"github.com/lendkit/lendkit/wallet/psp/simpsp"
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
	// NoContracts skips the lenders' agreements (to time servicing alone).
	NoContracts bool
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
	withContracts := fs.Bool("contracts", true, "render and store every lender's agreement (HTML and PDF) at the funding close")
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
	cfg := demoConfig{Lenders: *lenders, Periods: *periods, FailAt: min(3, *periods), SellAt: *periods / 2, NoContracts: !*withContracts}
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
// French residents exempted from the advance and Italians. (All
// individuals: contract.Bulk's lender is a person; companies lending are
// covered by the marketplace API and dispatch's own tests.)
func demoLender(i int) (id string, kind disp.HolderKind, tax string, cents int64) {
	id = fmt.Sprintf("lender-%05d", i)
	cents = 2000 + int64((i*7919+i*i*31)%2000)*100 + int64(i%100)
	switch {
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
	demoCampaign = "campaign-bakery"
)

// demoIBAN is the bank account of every demo participant: the well-known
// valid French example IBAN (the simulated PSP only needs it to be valid
// and verified).
var demoIBAN = iban.MustParse("FR7630006000011234567890189")

// runDemo runs the P2P scenario on db, whose units of work are stamped by
// clock, with the simulated PSP. progress, when not nil, is told each step.
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
	ws, err := wallet.New(db, wallet.Config{Currency: eur})
	if err != nil {
		return demoReport{}, err
	}
	if err := openPlatformWallets(ctx, ws); err != nil {
		return demoReport{}, err
	}
	sim := simpsp.New(simpsp.Config{Clock: clock})
	funded := lendkit.Today(clock)
	tpl, err := contract.DefaultTemplates()
	if err != nil {
		return demoReport{}, err
	}
	renderer := contract.NewRenderer(tpl)

	// 1. Wallets for everyone, at the platform and at the PSP; the lenders
	// pay in by card, and the platform credits each wallet once the PSP
	// reports the pay-in succeeded.
	// Wallets are opened, and pay-ins credited, in one unit of work each
	// (wallet's batch forms), not one per lender.
	stakes := make([]stakeJSON, cfg.Lenders)
	var total int64
	opens := []wallet.OpenRequest{
		{ID: demoBorrower, Kind: wallet.Borrower, Owner: demoBorrower, KYC: wallet.KYCValidated},
		{ID: demoFund, Kind: wallet.Fund, Owner: demoFund, KYC: wallet.KYCValidated},
	}
	for i := range cfg.Lenders {
		id, kind, tax, cents := demoLender(i + 1)
		stakes[i] = stakeJSON{Holder: id, Kind: kind.String(), Tax: tax, Amount: lendkit.New(cents, eur).Amount()}
		total += cents
		opens = append(opens, wallet.OpenRequest{ID: id, Kind: wallet.Lender, Owner: id, KYC: wallet.KYCValidated})
	}
	if _, err := ws.OpenMany(ctx, opens); err != nil {
		return demoReport{}, err
	}
	sim.OpenWallet(pspPool, eur, true)
	if err := sim.VerifyIBAN(pspPool, demoIBAN); err != nil {
		return demoReport{}, err
	}
	payins := make([]psp.Operation, 0, cfg.Lenders)
	holders := make([]string, 0, cfg.Lenders)
	for _, st := range stakes {
		amt, err := lendkit.ParseMoney(st.Amount, eur)
		if err != nil {
			return demoReport{}, err
		}
		op, err := sim.CreatePayIn(ctx, psp.PayInRequest{Reference: "payin/" + st.Holder, Kind: psp.PayInCard, Wallet: pspPool, Amount: amt})
		if err != nil {
			return demoReport{}, err
		}
		payins, holders = append(payins, op), append(holders, st.Holder)
	}
	sim.Settle()
	if err := creditAllSucceeded(ctx, ws, sim, payins, holders, funded, "card"); err != nil {
		return demoReport{}, fmt.Errorf("lenders' pay-ins: %w", err)
	}
	principal := lendkit.New(total, eur)
	say(fmt.Sprintf("%d lenders paid in %s", cfg.Lenders, principal))

	// 2. The funding campaign: each commitment is a hold on the lender's
	// wallet towards the borrower's.
	if _, err := ws.CreateCampaign(ctx, wallet.CampaignSpec{ID: demoCampaign, BorrowerWallet: demoBorrower, Target: principal,
		Deadline: funded.AddDays(30), Overfunding: wallet.Refuse}); err != nil {
		return demoReport{}, err
	}
	commits := make([]wallet.Commit, len(stakes))
	for i, st := range stakes {
		amt, err := lendkit.ParseMoney(st.Amount, eur)
		if err != nil {
			return demoReport{}, err
		}
		commits[i] = wallet.Commit{Campaign: demoCampaign, ID: st.Holder, Lender: st.Holder, Amount: amt, Date: funded}
	}
	if _, err := ws.CommitMany(ctx, commits); err != nil {
		return demoReport{}, fmt.Errorf("commitments: %w", err)
	}
	say("commitments held")

	// 3. Funding close, in one unit of work: the campaign posts every hold
	// into the borrower's wallet, dispatch opens the servicing book and
	// writes every lender's projected repayments, and every lender's
	// agreement is stored — all of it or, on any failure, none.
	lt := loanTerms{
		Terms:    termsRequest{Principal: principal.Amount(), Currency: "EUR", Rate: "7", Periods: cfg.Periods, Start: funded.String()},
		Borrower: demoBorrower, Funded: funded.String(), Stakes: stakes, FeeRate: "0.1", PenaltyRate: "3",
	}
	tf := time.Now()
	rp, err := openBook(demoLoan, lt)
	if err != nil {
		return demoReport{}, err
	}
	// Every lender's agreement, rendered (HTML and PDF) before the unit of
	// work, stored inside it.
	var docs []contract.Document
	if !cfg.NoContracts {
		if docs, err = lenderContracts(ctx, renderer, rp.book, demoProject(funded, cfg.Periods), demoPerson); err != nil {
			return demoReport{}, fmt.Errorf("lender contracts: %w", err)
		}
	}
	var projected int
	if err := db.InTx(ctx, func(tx store.Tx) error {
		camp, err := ws.In(tx).CloseCampaign(ctx, demoCampaign, funded)
		if err != nil {
			return fmt.Errorf("campaign close: %w", err)
		}
		if camp.Status != wallet.CampaignFunded {
			return fmt.Errorf("campaign %s, want funded", camp.Status)
		}
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		// The campaign moved the money: dispatch persists the book, its
		// register and every projection, without an entry of its own.
		f, err := servicing.Fund(ctx, tx, rp.book, servicing.FundOptions{SkipEntry: true, Accounts: accounts(ws)})
		if err != nil {
			return err
		}
		projected = f.Projections
		if len(docs) > 0 {
			if err := contract.Save(ctx, tx, docs); err != nil {
				return err
			}
		}
		return insertLoan(ctx, tx, q, demoLoan, "", demoBorrower, lt, principal)
	}); err != nil {
		return demoReport{}, fmt.Errorf("funding close: %w", err)
	}
	fundingSecs := time.Since(tf).Seconds()
	say(fmt.Sprintf("funded %s; %d projected lender repayments and %d lender contracts stored", principal, projected, len(docs)))

	// 4. Disbursement: the borrower's wallet pays out to their bank.
	if _, err := ws.Payout(ctx, wallet.Payout{Key: "payout/" + demoLoan, Wallet: demoBorrower, Amount: principal, Date: funded, IBAN: demoIBAN}); err != nil {
		return demoReport{}, fmt.Errorf("disbursement: %w", err)
	}
	if _, err := sim.CreatePayout(ctx, psp.PayoutRequest{Reference: "payout/" + demoLoan, Wallet: pspPool, Amount: principal, IBAN: demoIBAN, Label: demoLoan}); err != nil {
		return demoReport{}, fmt.Errorf("disbursement at the PSP: %w", err)
	}
	sim.Settle()

	// 5. Monthly servicing on the simulated clock: a SEPA direct debit
	// under the borrower's mandate, credited to the borrower's wallet when
	// the PSP reports it succeeded, then dispersed.
	mandate, err := sim.CreateMandate(ctx, psp.MandateRequest{Reference: "MDT-" + demoLoan, Wallet: pspPool, IBAN: demoIBAN, Holder: "Bakery Dupont SARL"})
	if err != nil {
		return demoReport{}, err
	}
	var dispersalSecs float64
	penalty := amortizationPenalty(lt.PenaltyRate + "%")
	for n, row := range rp.schedule.Rows {
		n++
		date := row.Due
		clock.Set(date.Time().Add(9 * time.Hour))
		td := time.Now()
		for attempt := 1; ; attempt++ {
			amt, err := amountDue(rp.book, date, penalty)
			if err != nil {
				return demoReport{}, err
			}
			ref := fmt.Sprintf("sdd/%d/%d", n, attempt) // servicing scopes it to the loan
			if n == cfg.FailAt && attempt == 1 {
				sim.Inject(simpsp.Rule{Reference: ref, Fail: psp.InsufficientFunds, ReasonCode: "AM04"})
			}
			op, err := sim.Collect(ctx, psp.CollectionRequest{Reference: ref, MandateID: mandate.ID, Amount: amt, DueDate: date})
			if err != nil {
				return demoReport{}, err
			}
			sim.Settle()
			if op, err = sim.Operation(ctx, op.ID); err != nil {
				return demoReport{}, err
			}
			if op.State == psp.StateSucceeded {
				if err := creditSucceeded(ctx, ws, sim, op.ID, demoBorrower, date, "direct_debit"); err != nil {
					return demoReport{}, err
				}
				if err := disperse(ctx, db, ws, rp, date, amt, ref); err != nil {
					return demoReport{}, fmt.Errorf("instalment %d: %w", n, err)
				}
				break
			}
			// The direct debit came back: the SEPA rules say whether and
			// when to present it again.
			d, err := sepa.Decide(op.ReasonCode, attempt, date.AddDays(2), sepa.RetryPolicy{})
			if err != nil {
				return demoReport{}, err
			}
			if !d.Retry {
				return demoReport{}, fmt.Errorf("instalment %d: %s not retried", n, op.ReasonCode)
			}
			say(fmt.Sprintf("instalment %d: direct debit returned %s, presented again on %s", n, op.ReasonCode, d.RetryOn))
			date = d.RetryOn
			clock.Set(date.Time().Add(9 * time.Hour))
		}
		dispersalSecs += time.Since(td).Seconds()
		if n == cfg.SellAt && rp.book.Status() == disp.Active {
			if err := sellToFund(ctx, db, ws, sim, rp, date.AddDays(1), stakes[0].Holder); err != nil {
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
	var vr ledger.Report
	if err := db.View(ctx, func(tx store.Tx) error {
		var err error
		vr, err = ledger.VerifyIn(ctx, tx.Ledger())
		return err
	}); err != nil {
		return rep, fmt.Errorf("ledger verification: %w", err)
	}
	// The loans' invariants (a full replay compared with everything stored)
	// are `platform verify`'s job; the demo's tests run them after it.
	say("ledger verified")
	rep.LedgerTransactions, rep.Postings = vr.Transactions, vr.Postings
	rep.Seconds = demoSeconds{Funding: round3(fundingSecs), DispersalTotal: round3(dispersalSecs), Total: round3(time.Since(t0).Seconds())}
	return rep, nil
}

// pspPool is the platform's one wallet at the PSP: its pooled client-money
// account. Every pay-in, collection and payout crosses it; the participants'
// wallets are package wallet's, in the platform's ledger, where internal
// movements (funding, dispersals) happen without a PSP round trip.
const pspPool = "client-money"

// creditSucceeded credits walletID with a PSP operation that succeeded (a
// pay-in or a collection into the pool), keyed by the PSP's operation id so a
// duplicate notification credits nothing twice.
func creditSucceeded(ctx context.Context, ws *wallet.Service, sim *simpsp.Sim, opID, walletID string, date lendkit.Date, method string) error {
	return creditAllSucceeded(ctx, ws, sim, []psp.Operation{{ID: opID}}, []string{walletID}, date, method)
}

// creditAllSucceeded credits walletIDs[i] with ops[i] as creditSucceeded
// does, all in one unit of work (wallet.PayInMany): every operation must
// have succeeded at the PSP, or nothing is credited.
func creditAllSucceeded(ctx context.Context, ws *wallet.Service, sim *simpsp.Sim, ops []psp.Operation, walletIDs []string, date lendkit.Date, method string) error {
	ps := make([]wallet.PayIn, len(ops))
	for i, o := range ops {
		op, err := sim.Operation(ctx, o.ID)
		if err != nil {
			return err
		}
		if op.State != psp.StateSucceeded {
			return fmt.Errorf("operation %s (%s) is %s", op.ID, op.Reference, op.State)
		}
		ps[i] = wallet.PayIn{Key: "psp/" + op.ID, Wallet: walletIDs[i], Amount: op.Amount, Date: date, Method: method}
	}
	_, err := ws.PayInMany(ctx, ps)
	return err
}

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

// disperse applies a payment of amt from the borrower's wallet, in one unit
// of work (see persistPayment), and to the in-memory book the demo reads its
// figures from.
func disperse(ctx context.Context, db store.DB, ws *wallet.Service, rp *replayed, date lendkit.Date, amt lendkit.Money, key string) error {
	ev := loanEvent{Kind: "payment", Date: date.String(), Key: key, Amount: amt.Amount()}
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
		return persistPayment(ctx, tx, q, ws, rp.book.Loan(), ev, d, status)
	})
	if err != nil {
		return rewind(rp, mark, err)
	}
	return nil
}

// persistPayment applies a payment to the persisted loan in the unit of
// work tx with dispatch/servicing (the dispersal, its ledger transaction on
// the wallets, the book's new state), and records the loan event and status.
// want is the dispersal the platform's own replay computed: servicing must
// have dispersed exactly the same cash, or nothing is written.
func persistPayment(ctx context.Context, tx store.Tx, q sqlq, ws *wallet.Service, loanID string, ev loanEvent, want disp.Dispersal, status disp.Status) error {
	amt, err := lendkit.ParseMoney(ev.Amount, want.Cash.Currency())
	if err != nil {
		return err
	}
	date, err := lendkit.ParseDate(ev.Date)
	if err != nil {
		return err
	}
	out, err := servicing.Pay(ctx, tx, loanID, disp.Payment{Key: ev.Key, Date: date, Amount: amt}, accounts(ws))
	if err != nil {
		return err
	}
	if got := out.Dispersal; got.Principal != want.Applied.Principal || got.Interest != want.Applied.Interest || got.Penalty != want.Applied.Penalty || got.CreditAfter != want.CreditAfter {
		return fmt.Errorf("loan %s: servicing dispersed %s principal, %s interest; the replay %s, %s", loanID, got.Principal, got.Interest, want.Applied.Principal, want.Applied.Interest)
	}
	if out.Replayed {
		return nil
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
// par on cutOff; the fund pays in the price through the PSP, then pays the
// seller wallet to wallet in the transfer's ledger entry, and the remaining
// projections are rewritten for the new holders.
func sellToFund(ctx context.Context, db store.DB, ws *wallet.Service, sim *simpsp.Sim, rp *replayed, cutOff lendkit.Date, seller string) error {
	pos, err := rp.book.Position(disp.HolderID(seller), cutOff)
	if err != nil {
		return err
	}
	price := pos.Outstanding
	key := "sale/" + seller
	op, err := sim.CreatePayIn(ctx, psp.PayInRequest{Reference: key + "/payin", Kind: psp.PayInCard, Wallet: pspPool, Amount: price})
	if err != nil {
		return err
	}
	sim.Settle()
	if err := creditSucceeded(ctx, ws, sim, op.ID, demoFund, cutOff, "card"); err != nil {
		return err
	}
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
		got, err := servicing.Transfer(ctx, tx, rp.book.Loan(), disp.Transfer{Key: key, CutOff: cutOff, From: disp.HolderID(seller),
			To: disp.Holder{ID: demoFund, Kind: disp.Fund}, Amount: price, Price: price}, accounts(ws))
		if err != nil {
			return err
		}
		if got.Amount != rec.Amount {
			return fmt.Errorf("servicing transferred %s, the replay %s", got.Amount, rec.Amount)
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

// amortizationPenalty is the late-interest policy matching a loan's
// penalty rate: dispatch accrues it by actual days over 365, rounded half-up.
func amortizationPenalty(rate string) amortization.Penalty {
	return amortization.Penalty{Rate: lendkit.MustParseRate(rate), Rounding: lendkit.HalfUp}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

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
