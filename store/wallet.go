package store

import (
	"context"
	"time"

	"github.com/lendkit/lendkit"
)

// This file holds the wallet domain's persisted records and the WalletStore
// interface. Package wallet owns every rule (statuses, KYC gating, campaign
// life cycle) and moves money only through the ledger; a backend stores and
// fetches these rows faithfully, under the unique keys that make each
// operation happen at most once.

// Wallet is a participant's wallet. Its balance is not stored here: it is the
// ledger account AccountID.
type Wallet struct {
	ID        string
	Kind      string // lender, borrower, partner, mfi, fund, platform_fees, tax_authority, suspense, …
	Owner     string // the participant's id in the caller's system
	Currency  lendkit.Currency
	Status    string // open, blocked, closed
	KYCLevel  int
	AccountID string // the ledger account holding the balance
	// Version is the optimistic-concurrency counter: CreateWallet stores 1;
	// UpdateWallet with Version v updates only if the stored version is v.
	Version   int64
	CreatedAt time.Time // set by CreateWallet to Tx.Now
	UpdatedAt time.Time // set by CreateWallet and UpdateWallet to Tx.Now
}

// VirtualIBAN links an issued virtual IBAN to what it identifies.
type VirtualIBAN struct {
	IBAN      string // electronic form; unique
	OwnerKind string // "loan" or "borrower"; (OwnerKind, OwnerID) is unique
	OwnerID   string
	WalletID  string // the wallet credits to this IBAN land in
	CreatedAt time.Time
}

// Campaign is a funding campaign: lenders' commitments held until it closes.
type Campaign struct {
	ID             string
	BorrowerWallet string
	Currency       lendkit.Currency
	Target         lendkit.Money
	Minimum        lendkit.Money // funded at the deadline when raised ≥ Minimum
	Deadline       lendkit.Date
	Overfunding    string // refuse or trim
	Status         string // open, funded, failed, cancelled
	Raised         lendkit.Money
	Commitments    int   // live (held) commitments
	Version        int64 // as Wallet.Version
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Commitment is one lender's commitment to a campaign, a ledger hold.
type Commitment struct {
	CampaignID   string
	ID           string // unique within the campaign; the idempotency key of the commitment
	LenderWallet string
	Amount       lendkit.Money
	HoldID       string // the ledger hold
	Status       string // held, withdrawn, posted, voided
	ResolutionID string // the ledger transaction that posted or voided the hold
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Mandate is a SEPA mandate as the wallet domain keeps it.
type Mandate struct {
	Reference      string // unique
	WalletID       string
	CreditorID     string
	DebtorName     string
	DebtorIBAN     string
	Scheme         string
	Recurrent      bool
	SignedOn       lendkit.Date // zero while pending
	LastCollection lendkit.Date
	RevokedOn      lendkit.Date
	Status         string
	PSPID          string
	Version        int64 // as Wallet.Version
	UpdatedAt      time.Time
}

// StatementLine is one imported bank statement credit and what
// reconciliation did with it. Its ID makes a re-import a no-op.
type StatementLine struct {
	ID          string
	StatementID string
	Amount      lendkit.Money
	BookingDate lendkit.Date
	Outcome     string
	Rule        string
	GroupID     string // the loan or borrower matched, "" if none
	LedgerKey   string // idempotency key of the ledger transaction that booked it, "" if none
	CreatedAt   time.Time
}

// WalletStore persists the wallet domain within one unit of work. Amounts
// are stored as minor units with the record's currency code.
type WalletStore interface {
	// CreateWallet inserts a wallet at version 1. Errors: ErrConflict when
	// the id exists.
	CreateWallet(ctx context.Context, w Wallet) error
	// Wallet returns a wallet. Errors: ErrNotFound.
	Wallet(ctx context.Context, id string) (Wallet, error)
	// UpdateWallet stores Status and KYCLevel if the stored version is
	// w.Version, and returns the new version. Errors: ErrNotFound, ErrConflict
	// for a stale version.
	UpdateWallet(ctx context.Context, w Wallet) (int64, error)
	// WalletsByID returns the wallets with the given ids that exist, in id
	// order (unknown ids are left out): one query for a statement's thousands
	// of loans.
	WalletsByID(ctx context.Context, ids []string) ([]Wallet, error)
	// Wallets returns up to limit (1..1000) wallets of a kind ("" for all)
	// with id > afterID, in id order.
	Wallets(ctx context.Context, kind, afterID string, limit int) ([]Wallet, error)

	// AddVirtualIBAN records an issued virtual IBAN. Errors: ErrConflict when
	// the IBAN, or the owner, already has one; ErrNotFound for an unknown wallet.
	AddVirtualIBAN(ctx context.Context, v VirtualIBAN) error
	// VirtualIBAN looks an IBAN up. Errors: ErrNotFound.
	VirtualIBAN(ctx context.Context, iban string) (VirtualIBAN, error)
	// VirtualIBANOf returns an owner's virtual IBAN. Errors: ErrNotFound.
	VirtualIBANOf(ctx context.Context, ownerKind, ownerID string) (VirtualIBAN, error)

	// CreateCampaign inserts a campaign at version 1. Errors: ErrConflict,
	// ErrNotFound for an unknown borrower wallet.
	CreateCampaign(ctx context.Context, c Campaign) error
	// Campaign returns a campaign. Errors: ErrNotFound.
	Campaign(ctx context.Context, id string) (Campaign, error)
	// UpdateCampaign stores Status, Raised and Commitments under optimistic
	// concurrency and returns the new version. Errors: ErrNotFound, ErrConflict.
	UpdateCampaign(ctx context.Context, c Campaign) (int64, error)

	// InsertCommitment records a commitment. Errors: ErrConflict when the
	// campaign already has a commitment with that id; ErrNotFound for an
	// unknown campaign.
	InsertCommitment(ctx context.Context, c Commitment) error
	// Commitment returns one commitment. Errors: ErrNotFound.
	Commitment(ctx context.Context, campaignID, id string) (Commitment, error)
	// Commitments returns a campaign's commitments of a status ("" for all),
	// oldest first (then by id).
	Commitments(ctx context.Context, campaignID, status string) ([]Commitment, error)
	// UpdateCommitments stores Status and ResolutionID of many commitments of
	// one campaign at once (closing a campaign resolves thousands).
	// Errors: ErrNotFound when one of them does not exist (nothing is kept:
	// the caller's unit of work rolls back).
	UpdateCommitments(ctx context.Context, cs []Commitment) error

	// SaveMandate inserts (Version 0) or updates (Version v) a mandate and
	// returns the stored version. Errors: ErrConflict (reference exists, or
	// stale version), ErrNotFound (update of an unknown mandate or unknown wallet).
	SaveMandate(ctx context.Context, m Mandate) (int64, error)
	// Mandate returns a mandate by reference. Errors: ErrNotFound.
	Mandate(ctx context.Context, reference string) (Mandate, error)

	// InsertStatementLines records imported lines and reports, line by line,
	// whether each was new; a line whose ID exists (or repeats an earlier
	// line of the call) is left as it was (false).
	InsertStatementLines(ctx context.Context, ls []StatementLine) ([]bool, error)
	// StatementLine returns a line. Errors: ErrNotFound.
	StatementLine(ctx context.Context, id string) (StatementLine, error)

	// MarkNotification records a PSP notification id as applied and reports
	// whether it was new (false: a duplicate delivery).
	MarkNotification(ctx context.Context, id string) (bool, error)
}
