package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// A loan's servicing state is never stored as figures: platform_loans keeps
// the terms and the funding, platform_loan_events the payments and holding
// transfers in order, and loanBook rebuilds the disp.Book by replaying
// them. Dispatch is deterministic, so the replay gives back exactly the
// dispersals that were posted to the ledger (verify checks this).

// stakeJSON is one holder's part of a loan at funding.
type stakeJSON struct {
	Holder string `json:"holder"`
	Kind   string `json:"kind"` // disp.HolderKind name
	Tax    string `json:"tax"`  // tax profile name ("" withholds nothing)
	Amount string `json:"amount"`
}

// loanTerms is the JSON in platform_loans.terms.
type loanTerms struct {
	Terms       termsRequest `json:"terms"`
	Borrower    string       `json:"borrower"`
	Funded      string       `json:"funded"`
	Stakes      []stakeJSON  `json:"stakes"`
	FeeRate     string       `json:"platform_fee_rate"` // share of interest, a fraction ("0.1")
	PenaltyRate string       `json:"penalty_rate"`      // annual, percent ("3")
}

// loanEvent is one row of platform_loan_events.
type loanEvent struct {
	Kind   string `json:"-"` // "payment" or "transfer"
	Date   string `json:"-"`
	Key    string `json:"-"`
	Amount string `json:"amount"`
	// Reschedulings only: the new annual rate in percent ("" keeps it) and
	// the number of instalments from the date on.
	Rate    string `json:"rate,omitempty"`
	Periods int    `json:"periods,omitempty"`
	// Transfers only.
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	ToKind string `json:"to_kind,omitempty"`
	Price  string `json:"price,omitempty"`
}

// taxProfiles are the withholding profiles a stake may name.
var taxProfiles = map[string]disp.TaxProfile{}

func init() {
	for _, p := range []disp.TaxProfile{disp.FranceIndividual(), disp.FranceExempt(), disp.ItalyIndividual()} {
		taxProfiles[p.Name()] = p
	}
}

func taxProfile(name string) (disp.TaxProfile, error) {
	if name == "" {
		return disp.NoWithholding(), nil
	}
	p, ok := taxProfiles[name]
	if !ok {
		return disp.TaxProfile{}, badRequest("invalid_tax_profile", "unknown tax profile %q", name)
	}
	return p, nil
}

// schedule returns the loan's amortization schedule.
func (lt loanTerms) schedule() (*amortization.Schedule, error) {
	t, _, err := lt.Terms.terms()
	if err != nil {
		return nil, err
	}
	return generate(t)
}

// dispatchTerms turns the stored terms into disp.Terms.
func (lt loanTerms) dispatchTerms(loanID string, sch *amortization.Schedule) (disp.Terms, error) {
	cur := sch.Currency()
	funded, err := lendkit.ParseDate(lt.Funded)
	if err != nil {
		return disp.Terms{}, fmt.Errorf("loan %s: funded date: %w", loanID, err)
	}
	inst, err := disp.FromSchedule(sch)
	if err != nil {
		return disp.Terms{}, err
	}
	stakes := make([]disp.Stake, len(lt.Stakes))
	for i, s := range lt.Stakes {
		kind, err := disp.ParseHolderKind(s.Kind)
		if err != nil {
			return disp.Terms{}, err
		}
		tax, err := taxProfile(s.Tax)
		if err != nil {
			return disp.Terms{}, err
		}
		amt, err := lendkit.ParseMoney(s.Amount, cur)
		if err != nil {
			return disp.Terms{}, err
		}
		stakes[i] = disp.Stake{Holder: disp.Holder{ID: disp.HolderID(s.Holder), Kind: kind, Tax: tax}, Amount: amt}
	}
	dt := disp.Terms{Loan: loanID, Borrower: lt.Borrower, Currency: cur, Funded: funded, Schedule: inst, Stakes: stakes}
	if lt.FeeRate != "" {
		r, err := decimal.NewFromString(lt.FeeRate)
		if err != nil {
			return disp.Terms{}, fmt.Errorf("loan %s: fee rate: %w", loanID, err)
		}
		dt.Fee = disp.PlatformFee{Kind: disp.ShareOfInterest, Rate: r, Rounding: lendkit.HalfUp}
	}
	if lt.PenaltyRate != "" {
		p, err := decimal.NewFromString(lt.PenaltyRate)
		if err != nil {
			return disp.Terms{}, fmt.Errorf("loan %s: penalty rate: %w", loanID, err)
		}
		dt.PenaltyRate = lendkit.RateFromPercent(p)
	}
	return dt, nil
}

// replayed is a loan's book with what each of its events produced.
type replayed struct {
	book       *disp.Book
	terms      loanTerms
	schedule   *amortization.Schedule
	dispersals []disp.Dispersal
	transfers  []disp.TransferRecord
	events     []loanEvent
}

// apply applies one event to the book.
func (r *replayed) apply(ev loanEvent) error {
	cur := r.book.Currency()
	date, err := lendkit.ParseDate(ev.Date)
	if err != nil {
		return err
	}
	if ev.Kind == "reschedule" {
		res, rows, err := rescheduleRows(r.schedule, date, ev)
		if err != nil {
			return err
		}
		if err := r.book.Reschedule(date, rows); err != nil {
			return err
		}
		r.schedule = res
		r.events = append(r.events, ev)
		return nil
	}
	amt, err := lendkit.ParseMoney(ev.Amount, cur)
	if err != nil {
		return err
	}
	switch ev.Kind {
	case "payment":
		d, err := r.book.Pay(disp.Payment{Key: ev.Key, Date: date, Amount: amt})
		if err != nil {
			return err
		}
		r.dispersals = append(r.dispersals, d)
	case "transfer":
		kind, err := disp.ParseHolderKind(ev.ToKind)
		if err != nil {
			return err
		}
		price := lendkit.Zero(cur)
		if ev.Price != "" {
			if price, err = lendkit.ParseMoney(ev.Price, cur); err != nil {
				return err
			}
		}
		rec, err := r.book.Transfer(disp.Transfer{Key: ev.Key, CutOff: date, From: disp.HolderID(ev.From),
			To: disp.Holder{ID: disp.HolderID(ev.To), Kind: kind}, Amount: amt, Price: price})
		if err != nil {
			return err
		}
		r.transfers = append(r.transfers, rec)
	default:
		return fmt.Errorf("unknown loan event kind %q", ev.Kind)
	}
	r.events = append(r.events, ev)
	return nil
}

// rescheduleRows restructures schedule from date (amortization.Reschedule,
// arrears left due rather than capitalised) and returns the new schedule
// with the instalments dispatch must service after date.
func rescheduleRows(schedule *amortization.Schedule, date lendkit.Date, ev loanEvent) (*amortization.Schedule, []disp.Instalment, error) {
	var ch amortization.Changes
	if ev.Rate != "" {
		p, err := decimal.NewFromString(ev.Rate)
		if err != nil {
			return nil, nil, badRequest("invalid_reschedule", "rate: %q is not a percentage", ev.Rate)
		}
		r := lendkit.RateFromPercent(p)
		ch.Rate = &r
	}
	ch.Periods = ev.Periods
	res, err := amortization.Reschedule(schedule, date, ch)
	if err != nil {
		return nil, nil, badRequest("invalid_reschedule", "%v", err)
	}
	all, err := disp.FromSchedule(res.Schedule)
	if err != nil {
		return nil, nil, err
	}
	var rows []disp.Instalment
	for _, in := range all {
		if in.Due.After(date) {
			rows = append(rows, in)
		}
	}
	return res.Schedule, rows, nil
}

// openBook builds the book of a freshly funded loan from its terms.
func openBook(loanID string, lt loanTerms) (*replayed, error) {
	sch, err := lt.schedule()
	if err != nil {
		return nil, err
	}
	dt, err := lt.dispatchTerms(loanID, sch)
	if err != nil {
		return nil, err
	}
	b, err := disp.Open(dt)
	if err != nil {
		return nil, err
	}
	return &replayed{book: b, terms: lt, schedule: sch}, nil
}

// loadLoan reads a loan and replays its events.
func loadLoan(ctx context.Context, q sqlq, loanID string) (*replayed, loanRow, error) {
	lr, err := getLoanRow(ctx, q, loanID)
	if err != nil {
		return nil, lr, err
	}
	var lt loanTerms
	if err := json.Unmarshal([]byte(lr.terms), &lt); err != nil {
		return nil, lr, fmt.Errorf("loan %s: terms: %w", loanID, err)
	}
	r, err := openBook(loanID, lt)
	if err != nil {
		return nil, lr, fmt.Errorf("loan %s: %w", loanID, err)
	}
	rows, err := q.query(ctx, `SELECT kind, event_date, key, payload FROM platform_loan_events WHERE loan_id = $1 ORDER BY seq`, loanID)
	if err != nil {
		return nil, lr, err
	}
	defer rows.Close()
	var evs []loanEvent
	for rows.Next() {
		var ev loanEvent
		var payload string
		if err := rows.Scan(&ev.Kind, &ev.Date, &ev.Key, &payload); err != nil {
			return nil, lr, err
		}
		if err := json.Unmarshal([]byte(payload), &ev); err != nil {
			return nil, lr, fmt.Errorf("loan %s event %s: %w", loanID, ev.Key, err)
		}
		evs = append(evs, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, lr, err
	}
	rows.Close()
	for _, ev := range evs {
		if err := r.apply(ev); err != nil {
			return nil, lr, fmt.Errorf("loan %s: replaying %s: %w", loanID, ev.Key, err)
		}
	}
	return r, lr, nil
}

// loanRow is a platform_loans row.
type loanRow struct {
	id, applicationID, borrowerID, status, start, terms, advisor string
	amount                                                       lendkit.Money
}

func getLoanRow(ctx context.Context, q sqlq, id string) (loanRow, error) {
	var lr loanRow
	var minor int64
	var cur string
	err := queryRow(ctx, q, `SELECT id, application_id, borrower_id, amount, currency, status, start_date, terms, advisor_id FROM platform_loans WHERE id = $1`,
		[]any{id}, &lr.id, &lr.applicationID, &lr.borrowerID, &minor, &cur, &lr.status, &lr.start, &lr.terms, &lr.advisor)
	if errors.Is(err, errNoRow) {
		return lr, notFound("loan")
	}
	if err != nil {
		return lr, err
	}
	c, err := lendkit.ParseCurrency(cur)
	if err != nil {
		return lr, err
	}
	lr.amount = lendkit.New(minor, c)
	return lr, nil
}

// insertLoan stores a funded loan and who holds it.
func insertLoan(ctx context.Context, tx store.Tx, q sqlq, id, applicationID, borrowerID string, lt loanTerms, amount lendkit.Money) error {
	b, err := json.Marshal(lt)
	if err != nil {
		return err
	}
	now := tx.Now().UnixMicro()
	if _, err := q.exec(ctx, `INSERT INTO platform_loans (id, application_id, borrower_id, amount, currency, status, start_date, terms, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		id, applicationID, borrowerID, amount.Minor(), amount.Currency().Code(), "active", lt.Terms.Start, string(b), now); err != nil {
		return err
	}
	holders := make([]string, len(lt.Stakes))
	for i, s := range lt.Stakes {
		holders[i] = s.Holder
	}
	return insertHoldings(ctx, q, id, holders)
}

// insertHoldings records that holders hold part of loan, many rows per
// statement (a 3,000-lender funding is six statements, not 3,000).
func insertHoldings(ctx context.Context, q sqlq, loanID string, holders []string) error {
	const per = 500
	for start := 0; start < len(holders); start += per {
		end := min(start+per, len(holders))
		var sb []byte
		args := make([]any, 0, 2*(end-start))
		sb = append(sb, "INSERT INTO platform_holdings (holder_id, loan_id) VALUES "...)
		for i, h := range holders[start:end] {
			if i > 0 {
				sb = append(sb, ',')
			}
			sb = fmt.Appendf(sb, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, h, loanID)
		}
		sb = append(sb, " ON CONFLICT DO NOTHING"...)
		if _, err := q.exec(ctx, string(sb), args...); err != nil {
			return err
		}
	}
	return nil
}

// appendEvent stores ev as the loan's next event.
func appendEvent(ctx context.Context, tx store.Tx, q sqlq, loanID string, ev loanEvent) error {
	var seq int64
	if err := queryRow(ctx, q, `SELECT COALESCE(MAX(seq), 0) FROM platform_loan_events WHERE loan_id = $1`, []any{loanID}, &seq); err != nil {
		return err
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO platform_loan_events (loan_id, seq, kind, event_date, key, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		loanID, seq+1, ev.Kind, ev.Date, ev.Key, string(payload), tx.Now().UnixMicro())
	return err
}

// setLoanStatus records the book's servicing status on the loan row.
func setLoanStatus(ctx context.Context, tx store.Tx, q sqlq, loanID, status string) error {
	_, err := q.exec(ctx, `UPDATE platform_loans SET status = $1, updated_at = $2 WHERE id = $3`, status, tx.Now().UnixMicro(), loanID)
	return err
}

// Accounts. Every participant's money is a wallet of package wallet, and
// every wallet is a ledger account (wallet.Service.AccountOf). Dispatch names
// the accounts of its entries by role and owner; the platform maps them to
// wallets whose ids are the owners: a holder's or borrower's wallet id is
// their user id (or the demo's lender id), and the platform's own wallets
// have fixed ids.
const (
	walletPlatformFees = "platform-fees"
	walletInsurer      = "insurer"
)

func taxWallet(code string) string { return "tax-" + code }

// accountOf maps a dispatch account to its wallet's ledger account.
func accountOf(ws *wallet.Service, a disp.Account) string {
	switch a.Role {
	case disp.TaxAuthority:
		return ws.AccountOf(taxWallet(a.Owner))
	case disp.PlatformRevenue:
		return ws.AccountOf(walletPlatformFees)
	case disp.Insurer:
		return ws.AccountOf(walletInsurer)
	}
	return ws.AccountOf(a.Owner) // holder and borrower wallets
}

// accounts is the mapping dispatch/servicing posts through.
func accounts(ws *wallet.Service) servicing.Accounts {
	return func(a disp.Account) string { return accountOf(ws, a) }
}

// openPlatformWallets opens (idempotently) the wallets every loan's
// servicing pays into: platform fees, tax authorities, the insurer.
func openPlatformWallets(ctx context.Context, ws *wallet.Service) error {
	if err := ws.Setup(ctx); err != nil {
		return err
	}
	reqs := []wallet.OpenRequest{
		{ID: walletPlatformFees, Kind: wallet.PlatformFees, Owner: "platform", KYC: wallet.KYCValidated},
		{ID: walletInsurer, Kind: wallet.Partner, Owner: "insurer", KYC: wallet.KYCValidated},
	}
	for _, code := range []string{disp.TaxFranceIncome, disp.TaxFranceSocial, disp.TaxItaly} {
		reqs = append(reqs, wallet.OpenRequest{ID: taxWallet(code), Kind: wallet.TaxAuthority, Owner: code, KYC: wallet.KYCValidated})
	}
	for _, r := range reqs {
		if _, err := ws.Open(ctx, r); err != nil {
			return fmt.Errorf("wallet %s: %w", r.ID, err)
		}
	}
	return nil
}

// entryTransfer turns a dispatch entry into the ledger transfer that posts
// it on the wallets' accounts; dispatch computes, the ledger records. A
// dispersal to 3,000 holders is one balanced transaction, which wallet's
// two-party Transfer cannot express.
func entryTransfer(ws *wallet.Service, e disp.Entry, meta map[string]string) ledger.Transfer {
	ps := make([]ledger.Posting, len(e.Legs))
	for i, l := range e.Legs {
		if l.Side == disp.Debit {
			ps[i] = ledger.Dr(accountOf(ws, l.Account), l.Amount)
		} else {
			ps[i] = ledger.Cr(accountOf(ws, l.Account), l.Amount)
		}
	}
	return ledger.Transfer{Key: e.Key, Code: e.Code, Description: e.Description, EffectiveDate: e.Date, Metadata: meta, Postings: ps}
}
