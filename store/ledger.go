package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
)

// This file holds the ledger's persisted records and the LedgerStore interface
// that backends implement. The rules (balancing, constraints, idempotency,
// the hash chain) live in package ledger, once for every backend; a backend
// only stores and fetches these records faithfully and locks what it is asked
// to lock. store/storetest's ledger tests pin down what each method must do.

// Side is the side of a posting or an account's normal balance.
type Side uint8

// The two sides. The zero Side is invalid, so a forgotten field is an error.
const (
	Debit  Side = 1
	Credit Side = 2
)

// String returns "debit" or "credit", the form stored in the database.
func (s Side) String() string {
	switch s {
	case Debit:
		return "debit"
	case Credit:
		return "credit"
	}
	return fmt.Sprintf("Side(%d)", uint8(s))
}

// Opposite returns the other side (Debit for Credit and vice versa).
func (s Side) Opposite() Side {
	switch s {
	case Debit:
		return Credit
	case Credit:
		return Debit
	}
	return s
}

// ParseSide parses the stored form of a Side.
func ParseSide(s string) (Side, error) {
	switch s {
	case "debit":
		return Debit, nil
	case "credit":
		return Credit, nil
	}
	return 0, fmt.Errorf("store: unknown side %q", s)
}

// Constraint says how far an account's available balance (on its normal side)
// may fall.
type Constraint uint8

// Account constraints. The zero value, NonNegative, is the safe default.
const (
	// NonNegative: the available balance may never go below zero.
	NonNegative Constraint = 0
	// CreditLimit: the available balance may go down to -Account.CreditLimit.
	CreditLimit Constraint = 1
	// Unconstrained: any balance is allowed (the outside world, suspense,
	// an issuer's funding account).
	Unconstrained Constraint = 2
)

// String returns the stored form: "non_negative", "credit_limit" or
// "unconstrained".
func (c Constraint) String() string {
	switch c {
	case NonNegative:
		return "non_negative"
	case CreditLimit:
		return "credit_limit"
	case Unconstrained:
		return "unconstrained"
	}
	return fmt.Sprintf("Constraint(%d)", uint8(c))
}

// ParseConstraint parses the stored form of a Constraint.
func ParseConstraint(s string) (Constraint, error) {
	switch s {
	case "non_negative":
		return NonNegative, nil
	case "credit_limit":
		return CreditLimit, nil
	case "unconstrained":
		return Unconstrained, nil
	}
	return 0, fmt.Errorf("store: unknown constraint %q", s)
}

// TxKind says what a ledger transaction does.
type TxKind uint8

// Transaction kinds. The zero value is invalid.
const (
	// KindTransfer moves posted money: its postings are EntryPosted.
	KindTransfer TxKind = 1
	// KindHold reserves money (two-phase, phase one): its postings are
	// EntryPending and count against the available balance.
	KindHold TxKind = 2
	// KindPostHold resolves a hold by posting all or part of it: EntryRelease
	// postings undo the hold's pending postings, EntryPosted postings move
	// the posted part.
	KindPostHold TxKind = 3
	// KindVoidHold resolves a hold without moving money: only EntryRelease
	// postings. Expiry is a void too (Metadata["lendkit.void"]="expired").
	KindVoidHold TxKind = 4
	// KindReversal undoes a KindTransfer or KindPostHold (its posted part)
	// with the same postings on the opposite sides; ReversesID links it.
	KindReversal TxKind = 5
)

// String returns the stored form: "transfer", "hold", "post_hold",
// "void_hold" or "reversal".
func (k TxKind) String() string {
	switch k {
	case KindTransfer:
		return "transfer"
	case KindHold:
		return "hold"
	case KindPostHold:
		return "post_hold"
	case KindVoidHold:
		return "void_hold"
	case KindReversal:
		return "reversal"
	}
	return fmt.Sprintf("TxKind(%d)", uint8(k))
}

// ParseTxKind parses the stored form of a TxKind.
func ParseTxKind(s string) (TxKind, error) {
	for k := KindTransfer; k <= KindReversal; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("store: unknown transaction kind %q", s)
}

// EntryKind says which balance a posting moves.
type EntryKind uint8

// Entry kinds. The zero value is invalid.
const (
	// EntryPosted moves the posted balance.
	EntryPosted EntryKind = 1
	// EntryPending adds to the pending balance (a hold's postings).
	EntryPending EntryKind = 2
	// EntryRelease subtracts from the pending balance: the mirror of a hold's
	// EntryPending posting, written when the hold is posted or voided.
	EntryRelease EntryKind = 3
)

// String returns the stored form: "posted", "pending" or "release".
func (k EntryKind) String() string {
	switch k {
	case EntryPosted:
		return "posted"
	case EntryPending:
		return "pending"
	case EntryRelease:
		return "release"
	}
	return fmt.Sprintf("EntryKind(%d)", uint8(k))
}

// ParseEntryKind parses the stored form of an EntryKind.
func ParseEntryKind(s string) (EntryKind, error) {
	for k := EntryPosted; k <= EntryRelease; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("store: unknown entry kind %q", s)
}

// Account is a ledger account. It is immutable once created; its balance
// lives in AccountBalance.
type Account struct {
	ID          string            // chosen by the caller, 1 to 128 bytes, unique
	Code        string            // what the account is for: "lender_wallet", "escrow"
	Currency    lendkit.Currency  // every posting to the account is in this currency
	Normal      Side              // the side on which the balance is positive
	Constraint  Constraint        // how far the available balance may fall
	CreditLimit lendkit.Money     // with CreditLimit: how far below zero; else zero
	Metadata    map[string]string // free-form; nil and empty are the same
	CreatedAt   time.Time         // the unit of work's Now
}

// AccountBalance is an account's running totals, maintained in the same unit
// of work as the postings that change them. Each total is non-negative and
// fits in int64 (the ledger refuses a posting that would overflow one).
type AccountBalance struct {
	AccountID      string
	PostedDebits   int64  // sum of EntryPosted debit amounts
	PostedCredits  int64  // sum of EntryPosted credit amounts
	PendingDebits  int64  // sum of EntryPending debits minus EntryRelease debits
	PendingCredits int64  // sum of EntryPending credits minus EntryRelease credits
	Entries        int64  // number of postings on the account = Seq of the last one
	Head           []byte // hash of the last posting (Posting.Hash); nil when Entries is 0
}

// AccountState is an account with its balance, as LockAccounts and State
// return it.
type AccountState struct {
	Account Account
	Balance AccountBalance
}

// Posting is one leg of a transaction. Callers of package ledger fill
// AccountID, Side and Amount; the ledger sets Kind, Seq and Hash.
type Posting struct {
	AccountID string
	Side      Side
	Amount    lendkit.Money // > 0, in the account's currency
	Kind      EntryKind
	Seq       int64  // the posting's number in its account's history, from 1
	Hash      []byte // the account chain: SHA-256 over the previous posting's Hash and this posting
}

// Transaction is a committed ledger transaction with its postings, in the
// order they were given. It is never updated or deleted.
type Transaction struct {
	ID            string // random, 32 lowercase hex characters
	Key           string // idempotency key, unique across all transactions
	PayloadHash   []byte // SHA-256 of the request, to tell a replay from a reuse of the key
	Kind          TxKind
	Code          string
	Description   string
	EffectiveDate lendkit.Date
	Metadata      map[string]string
	HoldID        string    // KindPostHold, KindVoidHold: the hold resolved; unique
	ReversesID    string    // KindReversal: the transaction reversed; unique
	ExpiresAt     time.Time // KindHold: zero for never
	CreatedAt     time.Time // the unit of work's Now
	Hash          []byte    // SHA-256 over every field above and the postings' content
	Postings      []Posting
}

// Entry is a posting as an account's history lists it.
type Entry struct {
	Posting
	TransactionID   string
	TransactionHash []byte // the transaction's Hash, which the posting's Hash covers
	Index           int    // position of the posting in its transaction, from 0
	EffectiveDate   lendkit.Date
	CreatedAt       time.Time
}

// LedgerStore persists the ledger inside one unit of work. Methods validate
// nothing about money (package ledger does, once for every backend); they
// store and fetch faithfully and map driver errors to the store sentinels.
// Lists are ordered and bounded by limit (1 ≤ limit ≤ 10,000).
type LedgerStore interface {
	// CreateAccount inserts a and its balance row with every total zero,
	// Entries 0 and a nil Head.
	//
	// Errors: ErrConflict if the id exists.
	CreateAccount(ctx context.Context, a Account) error

	// Account returns the account with id.
	//
	// Errors: ErrNotFound.
	Account(ctx context.Context, id string) (Account, error)

	// Accounts returns up to limit accounts with id > afterID, by id
	// ascending ("" starts from the first).
	//
	// Errors: none but driver errors.
	Accounts(ctx context.Context, afterID string, limit int) ([]Account, error)

	// LockAccounts locks the balance rows of ids for the rest of the unit of
	// work (SELECT … FOR UPDATE on Postgres; the single writer on SQLite) and
	// returns the accounts with their balances in the order of ids. ids are
	// distinct and sorted ascending (byte order) by the caller, so that every
	// writer locks in the same order and no two writers deadlock; a backend
	// must lock in that order (ORDER BY id in one statement is enough).
	//
	// Errors: *AccountNotFoundError (ErrNotFound) naming the first missing id.
	LockAccounts(ctx context.Context, ids []string) ([]AccountState, error)

	// State returns an account with its balance without locking it.
	//
	// Errors: ErrNotFound.
	State(ctx context.Context, id string) (AccountState, error)

	// UpdateBalances overwrites the balance rows given (previously locked
	// with LockAccounts in this unit of work) with the new totals, Entries
	// and Head.
	//
	// Errors: ErrNotFound if a row does not exist.
	UpdateBalances(ctx context.Context, bs []AccountBalance) error

	// InsertTransactions inserts txs and their postings, in order.
	//
	// Errors: ErrConflict when a Key, a HoldID (hold already resolved) or a
	// ReversesID (already reversed) is taken, or a (account, Seq) repeats;
	// ErrNotFound when a posting names a missing account or HoldID/
	// ReversesID a missing transaction; ErrConstraint for a CHECK failure.
	// On error nothing of txs is written (the caller rolls back the unit of
	// work anyway).
	InsertTransactions(ctx context.Context, txs []Transaction) error

	// Transaction returns the transaction with id and its postings.
	//
	// Errors: ErrNotFound.
	Transaction(ctx context.Context, id string) (Transaction, error)

	// TransactionsByKey returns the transactions whose Key is in keys, with
	// their postings, in no particular order; keys not found are absent.
	//
	// Errors: none but driver errors.
	TransactionsByKey(ctx context.Context, keys []string) ([]Transaction, error)

	// Resolution returns the KindPostHold or KindVoidHold transaction that
	// resolved the hold holdID.
	//
	// Errors: ErrNotFound while the hold is open (or does not exist).
	Resolution(ctx context.Context, holdID string) (Transaction, error)

	// TransactionsByID returns the transactions whose ID is in ids, with
	// their postings, in no particular order; ids not found are absent (the
	// ledger reads every hold a batch of resolutions names with one call).
	// ids may be repeated and may number up to MaxListLimit.
	//
	// Errors: none but driver errors.
	TransactionsByID(ctx context.Context, ids []string) ([]Transaction, error)

	// Resolutions returns the KindPostHold and KindVoidHold transactions
	// whose HoldID is in holdIDs, with their postings, in no particular
	// order; holds that are open (or do not exist) have none. holdIDs may be
	// repeated and may number up to MaxListLimit.
	//
	// Errors: none but driver errors.
	Resolutions(ctx context.Context, holdIDs []string) ([]Transaction, error)

	// Reversal returns the KindReversal transaction that reversed id.
	//
	// Errors: ErrNotFound if id was not reversed (or does not exist).
	Reversal(ctx context.Context, id string) (Transaction, error)

	// Transactions returns up to limit transactions with ID > afterID, by ID
	// ascending, with their postings (Verify walks the ledger with it).
	//
	// Errors: none but driver errors.
	Transactions(ctx context.Context, afterID string, limit int) ([]Transaction, error)

	// Entries returns up to limit postings of accountID with Seq > afterSeq,
	// by Seq ascending, each with its transaction's ID, Hash, effective date
	// and creation time.
	//
	// Errors: none but driver errors (an unknown account has no entries).
	Entries(ctx context.Context, accountID string, afterSeq int64, limit int) ([]Entry, error)

	// PostedTotals returns the sums of the EntryPosted debit and credit
	// amounts of accountID whose transaction's EffectiveDate is on or before
	// through.
	//
	// Errors: none but driver errors (an unknown account sums to zero).
	PostedTotals(ctx context.Context, accountID string, through lendkit.Date) (debits, credits int64, err error)

	// ExpiredHolds returns up to limit KindHold transactions with a non-zero
	// ExpiresAt ≤ at that have no resolution yet, by ID ascending, with their
	// postings.
	//
	// Errors: none but driver errors.
	ExpiredHolds(ctx context.Context, at time.Time, limit int) ([]Transaction, error)
}

// KeyLocker is a LedgerStore that can look up idempotency keys and lock
// accounts in one step: one round trip instead of two on a networked
// database. The ledger uses it when it knows every account of a write before
// the lookup (transfers and holds); a backend without round trips to save
// (SQLite) need not implement it.
type KeyLocker interface {
	// TransactionsByKeyLocking is TransactionsByKey(keys) and
	// LockAccounts(ids) in one step, with one difference: an id with no
	// account is left out of the states instead of failing the call (the
	// caller reports it if a request that is not a replay needs it). The
	// states come in the order of ids; ids are distinct and sorted, as for
	// LockAccounts.
	//
	// Errors: none but driver errors.
	TransactionsByKeyLocking(ctx context.Context, keys, ids []string) ([]Transaction, []AccountState, error)
}

// AccountNotFoundError reports an account id that does not exist. It matches
// ErrNotFound with errors.Is.
type AccountNotFoundError struct {
	ID string
}

// Error describes the failure; it implements the error interface.
func (e *AccountNotFoundError) Error() string {
	return fmt.Sprintf("store: account %q not found", e.ID)
}

// StatesInOrder returns the states of ids, in the order of ids, picked out
// of states (in any order), or an *AccountNotFoundError naming the first id
// that has none: how LockAccounts answers, for backends and the ledger.
func StatesInOrder(ids []string, states []AccountState) ([]AccountState, error) {
	byID := make(map[string]int, len(states))
	for i, st := range states {
		byID[st.Account.ID] = i
	}
	out := make([]AccountState, len(ids))
	for i, id := range ids {
		j, ok := byID[id]
		if !ok {
			return nil, &AccountNotFoundError{ID: id}
		}
		out[i] = states[j]
	}
	return out, nil
}

// Unwrap returns ErrNotFound.
func (e *AccountNotFoundError) Unwrap() error { return ErrNotFound }

// MaxListLimit bounds every list a LedgerStore returns in one call.
const MaxListLimit = 10000
