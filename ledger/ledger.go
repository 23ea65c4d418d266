package ledger

import (
	"context"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// Record types are the store's, so a value read through the ledger can be
// handed to any store method and back without conversion.
type (
	// Account is a ledger account; see store.Account.
	Account = store.Account
	// Transaction is a committed ledger transaction; see store.Transaction.
	Transaction = store.Transaction
	// Posting is one leg of a transaction; see store.Posting. Callers set
	// AccountID, Side and Amount (Dr and Cr build one); the ledger sets the rest.
	Posting = store.Posting
	// Entry is a posting in an account's history; see store.Entry.
	Entry = store.Entry
	// Side is Debit or Credit.
	Side = store.Side
	// Constraint is NonNegative, CreditLimit or Unconstrained.
	Constraint = store.Constraint
)

// Sides and constraints, re-exported so callers need not import store.
const (
	Debit         = store.Debit
	Credit        = store.Credit
	NonNegative   = store.NonNegative
	CreditLimit   = store.CreditLimit
	Unconstrained = store.Unconstrained
)

// Bounds on what one call may ask for (TigerBeetle's rule: put a limit on
// everything). A funding of 3,000 lenders or a dispersal to 3,000 holders
// fits in one batch with room to spare.
const (
	MaxKeyLen    = 128    // bytes of an idempotency key
	MaxIDLen     = 128    // bytes of an account id
	MaxTextLen   = 1024   // bytes of a code or description
	MaxMetadata  = 64     // entries of a metadata map (keys and values ≤ MaxTextLen)
	MaxPostings  = 10000  // postings of one transaction
	MaxBatch     = 10000  // transfers of one PostBatch
	MaxBatchLegs = 100000 // postings of one PostBatch, all transfers together
	maxHistory   = 1000   // entries of one History page
	expireBatch  = 1000   // holds voided per ExpireHolds pass
	verifyPage   = 1000   // rows Verify reads per call
	defaultPage  = 100    // History page size when none is asked for
)

// Dr returns a posting that debits account by amount.
func Dr(account string, amount lendkit.Money) Posting {
	return Posting{AccountID: account, Side: Debit, Amount: amount}
}

// Cr returns a posting that credits account by amount.
func Cr(account string, amount lendkit.Money) Posting {
	return Posting{AccountID: account, Side: Credit, Amount: amount}
}

// Transfer is a request to move money: two or more postings that balance per
// currency, with an idempotency key. It is also the request of a hold.
type Transfer struct {
	Key           string            // idempotency key, 1 to MaxKeyLen bytes; required
	Code          string            // what the transaction is for: "funding", "repayment"
	Description   string            // free text
	EffectiveDate lendkit.Date      // the accounting date; required
	Metadata      map[string]string // free-form, up to MaxMetadata entries
	Postings      []Posting
}

// HoldPost is a request to post a hold, in full or in part.
type HoldPost struct {
	Key           string // idempotency key of the posting; required
	HoldID        string // the hold's transaction id
	EffectiveDate lendkit.Date
	Description   string
	Metadata      map[string]string
	// Postings, when nil, post the hold in full. Otherwise they are the part
	// to post: they must balance, and take from each account and side no
	// more than the hold reserved there. The rest of the hold is released.
	Postings []Posting
}

// HoldVoid is a request to void a hold, releasing all it reserved.
type HoldVoid struct {
	Key           string // idempotency key of the void; required
	HoldID        string
	EffectiveDate lendkit.Date
	Description   string
	Metadata      map[string]string
}

// Reversal is a request to reverse a transaction: a new transaction with the
// same posted postings on the opposite sides, linked to the original.
type Reversal struct {
	Key           string // idempotency key of the reversal; required
	TransactionID string // the transaction to reverse
	EffectiveDate lendkit.Date
	Description   string
	Metadata      map[string]string
}

// Balance is an account's balance on its normal side: for a credit-normal
// account (a wallet the platform owes), credits minus debits.
type Balance struct {
	AccountID string
	Posted    lendkit.Money // committed postings
	Pending   lendkit.Money // reserved by open holds moving money out (≥ 0)
	PendingIn lendkit.Money // expected from open holds moving money in (≥ 0)
	Available lendkit.Money // Posted − Pending: what a new transaction may spend
	// Raw totals, as stored (each ≥ 0).
	PostedDebits, PostedCredits, PendingDebits, PendingCredits lendkit.Money
	Entries                                                    int64 // number of postings on the account
}

// HistoryQuery selects a page of an account's history.
type HistoryQuery struct {
	AfterSeq int64 // return postings with Seq > AfterSeq (0: from the first)
	Limit    int   // page size, 1 to 1,000 (0: 100)
}

// HistoryPage is a page of an account's postings, oldest first.
type HistoryPage struct {
	Entries []Entry
	// Next is the AfterSeq of the next page, 0 when this page is the last.
	Next int64
}

// Ledger is a double-entry ledger over a store.DB. Each method runs in its own
// unit of work; to combine ledger writes with other writes atomically, use In
// inside db.InTx instead. A Ledger is safe for concurrent use.
type Ledger struct {
	db store.DB
}

// New returns a ledger over db. db must be migrated (db.Migrate).
func New(db store.DB) *Ledger { return &Ledger{db: db} }

// CreateAccount creates an account. Creating it again with an identical
// definition returns the existing account (so a program can declare its
// accounts at every start); a different definition is ErrAccountExists.
func (l *Ledger) CreateAccount(ctx context.Context, a Account) (Account, error) {
	var out Account
	err := l.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).CreateAccount(ctx, a)
		return err
	})
	return out, err
}

// Account returns the account with id, or ErrUnknownAccount.
func (l *Ledger) Account(ctx context.Context, id string) (Account, error) {
	var out Account
	err := l.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).Account(ctx, id)
		return err
	})
	return out, err
}

// Post commits one transfer, or returns the transaction first committed with
// t.Key if t is a replay.
func (l *Ledger) Post(ctx context.Context, t Transfer) (Transaction, error) {
	return l.one(ctx, func(u *Unit) (Transaction, error) { return u.Post(ctx, t) })
}

// PostBatch commits many transfers in one database transaction: all or none.
// Transfers apply in order (an earlier one may fund a later one). Replays
// among them return their original transactions.
func (l *Ledger) PostBatch(ctx context.Context, ts []Transfer) ([]Transaction, error) {
	var out []Transaction
	err := l.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).PostBatch(ctx, ts)
		return err
	})
	return out, err
}

// Hold reserves t's postings as pending until PostHold or VoidHold resolves
// them. A non-zero expires lets ExpireHolds void the hold after that instant,
// and makes PostHold refuse it from then on.
func (l *Ledger) Hold(ctx context.Context, t Transfer, expires time.Time) (Transaction, error) {
	return l.one(ctx, func(u *Unit) (Transaction, error) { return u.Hold(ctx, t, expires) })
}

// PostHold posts a hold in full or in part, at most once.
func (l *Ledger) PostHold(ctx context.Context, r HoldPost) (Transaction, error) {
	return l.one(ctx, func(u *Unit) (Transaction, error) { return u.PostHold(ctx, r) })
}

// VoidHold releases a hold without moving money, at most once.
func (l *Ledger) VoidHold(ctx context.Context, r HoldVoid) (Transaction, error) {
	return l.one(ctx, func(u *Unit) (Transaction, error) { return u.VoidHold(ctx, r) })
}

// ResolveHolds posts and voids many holds in one database transaction, all
// or none; see Unit.ResolveHolds.
func (l *Ledger) ResolveHolds(ctx context.Context, posts []HoldPost, voids []HoldVoid) ([]Transaction, error) {
	var out []Transaction
	err := l.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).ResolveHolds(ctx, posts, voids)
		return err
	})
	return out, err
}

// Reverse reverses a transfer or a posted hold, at most once.
func (l *Ledger) Reverse(ctx context.Context, r Reversal) (Transaction, error) {
	return l.one(ctx, func(u *Unit) (Transaction, error) { return u.Reverse(ctx, r) })
}

// ExpireHolds voids up to 1,000 open holds whose expiry has passed, and
// returns how many it voided; call it again while it returns 1,000.
func (l *Ledger) ExpireHolds(ctx context.Context) (int, error) {
	var n int
	err := l.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		n, err = In(tx).ExpireHolds(ctx)
		return err
	})
	return n, err
}

// Transaction returns the transaction with id, or ErrUnknownTransaction.
func (l *Ledger) Transaction(ctx context.Context, id string) (Transaction, error) {
	return l.view(ctx, func(u *Unit) (Transaction, error) { return u.Transaction(ctx, id) })
}

// Balance returns an account's current balance.
func (l *Ledger) Balance(ctx context.Context, id string) (Balance, error) {
	var out Balance
	err := l.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).Balance(ctx, id)
		return err
	})
	return out, err
}

// BalanceAsOf returns an account's posted balance counting only
// transactions effective on or before date.
func (l *Ledger) BalanceAsOf(ctx context.Context, id string, date lendkit.Date) (lendkit.Money, error) {
	var out lendkit.Money
	err := l.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).BalanceAsOf(ctx, id, date)
		return err
	})
	return out, err
}

// History returns a page of an account's postings, oldest first.
func (l *Ledger) History(ctx context.Context, id string, q HistoryQuery) (HistoryPage, error) {
	var out HistoryPage
	err := l.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = In(tx).History(ctx, id, q)
		return err
	})
	return out, err
}

// Verify checks the whole ledger in one consistent snapshot; see VerifyIn.
func (l *Ledger) Verify(ctx context.Context) (Report, error) {
	var out Report
	err := l.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = VerifyIn(ctx, tx.Ledger())
		return err
	})
	return out, err
}

func (l *Ledger) one(ctx context.Context, fn func(*Unit) (Transaction, error)) (Transaction, error) {
	var out Transaction
	err := l.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = fn(In(tx))
		return err
	})
	return out, err
}

func (l *Ledger) view(ctx context.Context, fn func(*Unit) (Transaction, error)) (Transaction, error) {
	var out Transaction
	err := l.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = fn(In(tx))
		return err
	})
	return out, err
}
