package servicing

import (
	"context"
	"errors"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// Accounts maps dispatch's account references (a role and an owner) to
// ledger account ids. The platform passes its wallet service's mapping;
// DefaultAccounts is a plain naming scheme for programs without one.
type Accounts func(dispatch.Account) string

// DefaultAccounts names accounts "wallet:borrower:<id>",
// "wallet:holder:<id>", "tax:<code>", "platform:revenue" and
// "platform:insurer".
func DefaultAccounts(a dispatch.Account) string {
	switch a.Role {
	case dispatch.BorrowerWallet:
		return "wallet:borrower:" + a.Owner
	case dispatch.HolderWallet:
		return "wallet:holder:" + a.Owner
	case dispatch.TaxAuthority:
		return "tax:" + a.Owner
	case dispatch.PlatformRevenue:
		return "platform:revenue"
	case dispatch.Insurer:
		return "platform:insurer"
	}
	return "unknown:" + a.String()
}

// errNoAccounts is returned when an entry must be posted but no account
// mapping was given.
var errNoAccounts = errors.New("servicing: no account mapping")

// ledgerKey is the ledger idempotency key of a dispatch entry: ledger keys
// are global, payment keys are per loan.
func ledgerKey(loan, key string) string { return "dispatch:" + loan + ":" + key }

// transfer converts a dispatch entry to a ledger transfer.
func transfer(loan string, e dispatch.Entry, acc Accounts) ledger.Transfer {
	ps := make([]ledger.Posting, len(e.Legs))
	for i, l := range e.Legs {
		side := ledger.Credit
		if l.Side == dispatch.Debit {
			side = ledger.Debit
		}
		ps[i] = ledger.Posting{AccountID: acc(l.Account), Side: side, Amount: l.Amount}
	}
	return ledger.Transfer{Key: ledgerKey(loan, e.Key), Code: e.Code, Description: e.Description,
		EffectiveDate: e.Date, Metadata: map[string]string{"loan": loan}, Postings: ps}
}

// post posts e in the unit of work and returns the ledger transaction id.
func post(ctx context.Context, tx store.Tx, loan string, e dispatch.Entry, acc Accounts) (string, error) {
	if acc == nil {
		return "", errNoAccounts
	}
	if err := e.Check(); err != nil {
		return "", err
	}
	t, err := ledger.In(tx).Post(ctx, transfer(loan, e, acc))
	if err != nil {
		return "", fmt.Errorf("servicing: loan %s: posting %q: %w", loan, e.Key, err)
	}
	return t.ID, nil
}

// Loan is a persisted loan's book with the version it was read at.
type Loan struct {
	Book    *dispatch.Book
	Version int64
}

// Load reads a loan's book. Errors: store.ErrNotFound, or
// dispatch.ErrInvalidTerms for a damaged snapshot.
func Load(ctx context.Context, tx store.Tx, loanID string) (*Loan, error) {
	l, err := tx.Dispatch().Loan(ctx, loanID)
	if err != nil {
		return nil, err
	}
	b, err := dispatch.Restore(l.State)
	if err != nil {
		return nil, fmt.Errorf("servicing: loan %s: %w", loanID, err)
	}
	return &Loan{Book: b, Version: l.Version}, nil
}

// Save writes the book's state under the version check and advances
// Version: for an event this package has no function for, apply it to
// l.Book and Save in the same unit of work. Errors: store.ErrConflict when
// another unit of work saved the loan since it was loaded.
func (l *Loan) Save(ctx context.Context, tx store.Tx) error { return l.save(ctx, tx) }

// save writes the book's new state under the version check.
func (l *Loan) save(ctx context.Context, tx store.Tx) error {
	state, err := l.Book.MarshalBinary()
	if err != nil {
		return fmt.Errorf("servicing: loan %s: %w", l.Book.Loan(), err)
	}
	v, err := tx.Dispatch().SaveLoan(ctx, store.DispatchLoan{ID: l.Book.Loan(), Borrower: l.Book.Borrower(),
		Currency: l.Book.Currency(), Status: l.Book.Status().String(), Version: l.Version, State: state})
	if err != nil {
		return err
	}
	l.Version = v
	return nil
}

// FundOptions configure Fund.
type FundOptions struct {
	// Key is the funding ledger transaction's idempotency key (within the
	// loan); required unless SkipEntry.
	Key      string
	Accounts Accounts
	// SkipEntry leaves the money movement to the caller (a wallet campaign
	// whose holds are posted to the borrower in the same unit of work).
	SkipEntry bool
}

// Funded is what Fund wrote.
type Funded struct {
	Version     int64
	Holdings    int
	Projections int
	LedgerTxID  string
}

// Fund persists a freshly funded loan in the caller's unit of work: its
// servicing state, its register, every lender's projected repayments
// (through the backend's bulk path) and the funding ledger transaction (every
// funder's wallet to the borrower's). Run it inside db.InTx: all of it
// commits or none.
//
// Errors: store.ErrConflict when the loan is already persisted; ledger errors
// (ledger.ErrInsufficientFunds, ledger.ErrUnknownAccount) from the posting.
func Fund(ctx context.Context, tx store.Tx, b *dispatch.Book, o FundOptions) (Funded, error) {
	if !o.SkipEntry && (o.Key == "" || o.Accounts == nil) {
		return Funded{}, fmt.Errorf("%w: loan %s: funding needs a key and an account mapping (or SkipEntry)", dispatch.ErrInvalidEvent, b.Loan())
	}
	l := &Loan{Book: b}
	if err := l.save(ctx, tx); err != nil {
		return Funded{}, err
	}
	hs := b.Holdings()
	if err := tx.Dispatch().SaveHoldings(ctx, holdingRecords(b.Loan(), hs, 0)); err != nil {
		return Funded{}, err
	}
	f := Funded{Version: l.Version, Holdings: len(hs)}
	n, err := insertProjections(ctx, tx, b)
	if err != nil {
		return Funded{}, err
	}
	f.Projections = n
	if !o.SkipEntry {
		if f.LedgerTxID, err = post(ctx, tx, b.Loan(), b.FundingEntry(o.Key), o.Accounts); err != nil {
			return Funded{}, err
		}
	}
	return f, nil
}

// projectionBatch is the most projection rows held in memory and sent in one
// InsertProjections call: large enough that each call amortises its round
// trips, small enough that a funding of 180,000 rows never holds them all.
const projectionBatch = 20_000

// insertProjections projects b instalment by instalment and writes the rows
// in batches, reusing one buffer; it returns the number of rows written.
func insertProjections(ctx context.Context, tx store.Tx, b *dispatch.Book) (int, error) {
	var buf projectionBuffer
	total := 0
	flush := func() error {
		if len(buf.rows) == 0 {
			return nil
		}
		total += len(buf.rows)
		err := tx.Dispatch().InsertProjections(ctx, buf.batch())
		buf.reset()
		return err
	}
	err := b.ProjectEach(func(pp dispatch.ProjectedPayment) error {
		if len(buf.rows)+len(pp.Shares) > projectionBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		buf.add(b.Loan(), pp)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return total, nil
}

// Outcome is the result of a persisted payment.
type Outcome struct {
	Dispersal store.DispatchDispersal
	// Replayed is true when the payment's key had already been applied with
	// the same date and amount: nothing was written, Dispersal is the stored
	// one.
	Replayed bool
}

// Pay applies a payment to a persisted loan in the caller's unit of work:
// the dispersal and its shares, one balanced ledger transaction (borrower →
// holders' wallets, tax authorities, platform) and the loan's new state.
// A replay of the same key with the same date and amount returns the stored
// dispersal; with a different payload it is store.ErrIdempotencyMismatch.
func Pay(ctx context.Context, tx store.Tx, loanID string, p dispatch.Payment, acc Accounts) (Outcome, error) {
	return apply(ctx, tx, loanID, p.Key, p.Date, p.Amount.Minor(), acc, func(b *dispatch.Book) (dispatch.Dispersal, error) {
		return b.Pay(p)
	})
}

// Repay applies an early repayment in full (see dispatch.Book.Repay), like
// Pay.
func Repay(ctx context.Context, tx store.Tx, loanID string, r dispatch.Payoff, acc Accounts) (Outcome, error) {
	return apply(ctx, tx, loanID, r.Key, r.Date, r.Amount.Minor(), acc, func(b *dispatch.Book) (dispatch.Dispersal, error) {
		return b.Repay(r)
	})
}

func apply(ctx context.Context, tx store.Tx, loanID, key string, date lendkit.Date, cash int64, acc Accounts,
	event func(*dispatch.Book) (dispatch.Dispersal, error)) (Outcome, error) {
	if key == "" {
		return Outcome{}, fmt.Errorf("%w: empty key", dispatch.ErrInvalidEvent)
	}
	if old, err := tx.Dispatch().Dispersal(ctx, loanID, key); err == nil {
		if old.Date != date || old.Cash.Minor() != cash {
			return Outcome{}, fmt.Errorf("servicing: loan %s: payment %q was %s on %s: %w", loanID, key, old.Cash, old.Date, store.ErrIdempotencyMismatch)
		}
		return Outcome{Dispersal: old, Replayed: true}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Outcome{}, err
	}
	l, err := Load(ctx, tx, loanID)
	if err != nil {
		return Outcome{}, err
	}
	d, err := event(l.Book)
	if err != nil {
		return Outcome{}, err
	}
	rec := dispersalRecord(d)
	if e, ok := d.Entry(); ok {
		if rec.LedgerTxID, err = post(ctx, tx, loanID, e, acc); err != nil {
			return Outcome{}, err
		}
	}
	if err := tx.Dispatch().InsertDispersal(ctx, rec); err != nil {
		return Outcome{}, err
	}
	if err := l.save(ctx, tx); err != nil {
		return Outcome{}, err
	}
	rec.CreatedAt = tx.Now()
	return Outcome{Dispersal: rec}, nil
}

// Transfer applies a transfer of holdings to a persisted loan: the register
// lines it closes and opens, the price settlement entry (when priced), and
// the projections re-derived for the instalments not yet due (the buyer now
// receives them), all in the caller's unit of work. A replay of an applied
// transfer's key returns the original record and writes nothing.
func Transfer(ctx context.Context, tx store.Tx, loanID string, t dispatch.Transfer, acc Accounts) (dispatch.TransferRecord, error) {
	l, err := Load(ctx, tx, loanID)
	if err != nil {
		return dispatch.TransferRecord{}, err
	}
	for _, r := range l.Book.Transfers() {
		if r.Key == t.Key && t.Key != "" {
			// A replay: the book checks the payload and returns the original
			// record; everything was written when it was first applied.
			return l.Book.Transfer(t)
		}
	}
	before := l.Book.Holdings()
	rec, err := l.Book.Transfer(t)
	if err != nil {
		return dispatch.TransferRecord{}, err
	}
	after := l.Book.Holdings()
	var changed []dispatch.Holding
	var lines []int
	for i, h := range after {
		if i >= len(before) || before[i].Closed != h.Closed {
			changed = append(changed, h)
			lines = append(lines, i+1)
		}
	}
	hs := holdingRecords(loanID, changed, 0)
	for i := range hs {
		hs[i].Line = lines[i]
	}
	if err := tx.Dispatch().SaveHoldings(ctx, hs); err != nil {
		return dispatch.TransferRecord{}, err
	}
	if e, ok := rec.Entry(); ok {
		if _, err := post(ctx, tx, loanID, e, acc); err != nil {
			return dispatch.TransferRecord{}, err
		}
	}
	if _, err := reproject(ctx, tx, l.Book); err != nil {
		return dispatch.TransferRecord{}, err
	}
	return rec, l.save(ctx, tx)
}

// Reproject replaces a persisted loan's projections of the instalments still
// owed with ones derived from its current state (after a prepayment, a
// rescheduling, a default or a transfer).
func Reproject(ctx context.Context, tx store.Tx, loanID string) (int, error) {
	l, err := Load(ctx, tx, loanID)
	if err != nil {
		return 0, err
	}
	return reproject(ctx, tx, l.Book)
}

// reproject deletes the projection rows of every instalment still owed and
// writes them again from b's state; it returns the number of rows written.
func reproject(ctx context.Context, tx store.Tx, b *dispatch.Book) (int, error) {
	if _, err := tx.Dispatch().DeleteProjections(ctx, b.Loan(), firstOwed(b)); err != nil {
		return 0, err
	}
	return insertProjections(ctx, tx, b)
}

// firstOwed returns the number of the first instalment still owing
// anything (a very large number when none is).
func firstOwed(b *dispatch.Book) int {
	for _, o := range b.Schedule() {
		if !o.Penalty.IsZero() || !o.Fee.IsZero() || !o.Insurance.IsZero() || !o.Interest.IsZero() || !o.Principal.IsZero() {
			return o.N
		}
	}
	return 1 << 30
}

// Default declares a persisted loan in default (see dispatch.Book.Default)
// and re-derives its projections (the accelerated principal, no future
// interest).
func Default(ctx context.Context, tx store.Tx, loanID string, date lendkit.Date) (dispatch.DefaultRecord, error) {
	l, err := Load(ctx, tx, loanID)
	if err != nil {
		return dispatch.DefaultRecord{}, err
	}
	rec, err := l.Book.Default(date)
	if err != nil {
		return dispatch.DefaultRecord{}, err
	}
	if _, err := reproject(ctx, tx, l.Book); err != nil {
		return dispatch.DefaultRecord{}, err
	}
	return rec, l.save(ctx, tx)
}

// Reschedule replaces a persisted loan's instalments due after date (see
// dispatch.Book.Reschedule: rows from amortization's prepayment or
// rescheduling maths) and re-derives its projections.
func Reschedule(ctx context.Context, tx store.Tx, loanID string, date lendkit.Date, rows []dispatch.Instalment) error {
	l, err := Load(ctx, tx, loanID)
	if err != nil {
		return err
	}
	if err := l.Book.Reschedule(date, rows); err != nil {
		return err
	}
	if _, err := reproject(ctx, tx, l.Book); err != nil {
		return err
	}
	return l.save(ctx, tx)
}

// WriteOff writes a persisted loan off (see dispatch.Book.WriteOff).
func WriteOff(ctx context.Context, tx store.Tx, loanID string, date lendkit.Date) (dispatch.WriteOffRecord, error) {
	l, err := Load(ctx, tx, loanID)
	if err != nil {
		return dispatch.WriteOffRecord{}, err
	}
	rec, err := l.Book.WriteOff(date)
	if err != nil {
		return dispatch.WriteOffRecord{}, err
	}
	return rec, l.save(ctx, tx)
}
