package psp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
)

// Sentinel errors. Adapters wrap their PSP's errors in these.
var (
	// ErrTimeout: the PSP did not answer in time. The request may or may not
	// have been applied: retry with the same Reference, which is idempotent.
	ErrTimeout = errors.New("psp: timeout")
	// ErrRejected: the PSP refused the request synchronously (a *RejectedError
	// says why); nothing was created.
	ErrRejected = errors.New("psp: request rejected")
	// ErrNotFound: no operation, mandate or wallet with that id or reference.
	ErrNotFound = errors.New("psp: not found")
	// ErrInvalidRequest: the request is malformed (checked before calling the PSP).
	ErrInvalidRequest = errors.New("psp: invalid request")
	// ErrReferenceReused: a reference was reused with a different request.
	ErrReferenceReused = errors.New("psp: reference reused with a different request")
	// ErrInvalidTransition: a notification would move an operation backwards
	// or out of a final state.
	ErrInvalidTransition = errors.New("psp: invalid state transition")
	// ErrDuplicateNotification: a notification already applied was delivered again.
	ErrDuplicateNotification = errors.New("psp: duplicate notification")
)

// Failure is the normalised reason an operation failed or was reversed.
type Failure string

// Failures. SEPA reason codes travel alongside in Operation.ReasonCode.
const (
	NoFailure          Failure = ""
	InsufficientFunds  Failure = "insufficient_funds"  // AM04; card declined for funds
	AccountClosed      Failure = "account_closed"      // AC04
	NoMandate          Failure = "no_mandate"          // MD01
	RefundRequested    Failure = "refund_requested"    // MD06
	CardDeclined       Failure = "card_declined"       // other card refusals
	KYCRequired        Failure = "kyc_required"        // payout before KYC validation
	InvalidAccount     Failure = "invalid_account"     // AC01
	TechnicalFailure   Failure = "technical"           // anything the PSP does not explain
	FraudSuspected     Failure = "fraud_suspected"     // chargeback for fraud
	ChargebackDisputed Failure = "chargeback_disputed" // chargeback, other reasons
)

// RejectedError is a synchronous refusal.
type RejectedError struct {
	Failure Failure
	Detail  string
}

// Error describes the failure; it implements the error interface.
func (e *RejectedError) Error() string {
	return fmt.Sprintf("psp: request rejected (%s): %s", e.Failure, e.Detail)
}

// Unwrap returns ErrRejected.
func (e *RejectedError) Unwrap() error { return ErrRejected }

// Kind is the type of an operation.
type Kind string

// Operation kinds.
const (
	PayInCard      Kind = "payin_card"
	PayInTransfer  Kind = "payin_transfer"
	Payout         Kind = "payout"
	WalletTransfer Kind = "transfer"
	DirectDebit    Kind = "direct_debit"
	Refund         Kind = "refund"
)

// State is an operation's state.
type State string

// States. Succeeded can still turn into Refunded (a refund operation
// succeeded against it), ChargedBack (card dispute) or Returned (SEPA
// R-transaction after settlement); Failed and those three are final.
const (
	StateCreated     State = "created"
	StatePending     State = "pending"
	StateSucceeded   State = "succeeded"
	StateFailed      State = "failed"
	StateRefunded    State = "refunded"
	StateChargedBack State = "charged_back"
	StateReturned    State = "returned"
)

// Final reports whether no further transition may leave s.
func (s State) Final() bool {
	switch s {
	case StateFailed, StateRefunded, StateChargedBack, StateReturned:
		return true
	}
	return false
}

// CheckTransition reports whether an operation may move from one state to
// another; a repeated state is not a transition (the caller ignores it).
func CheckTransition(from, to State) error {
	ok := false
	switch from {
	case StateCreated:
		ok = to == StatePending || to == StateSucceeded || to == StateFailed
	case StatePending:
		ok = to == StateSucceeded || to == StateFailed
	case StateSucceeded:
		ok = to == StateRefunded || to == StateChargedBack || to == StateReturned
	}
	if !ok {
		return fmt.Errorf("%w: %s → %s", ErrInvalidTransition, from, to)
	}
	return nil
}

// Operation is a money movement at the PSP.
type Operation struct {
	ID         string // the PSP's id
	Reference  string // the caller's idempotency reference
	Kind       Kind
	State      State
	Amount     lendkit.Money
	Wallet     string    // the PSP wallet credited (pay-in, collection) or debited (payout, refund)
	ToWallet   string    // the credited wallet of a transfer
	IBAN       iban.IBAN // payout destination or debtor account
	MandateID  string
	Original   string // refunded operation's id (refunds)
	Failure    Failure
	ReasonCode string // SEPA reason code for returns and DD failures (AM04, …)
	// WireReference is, for a bank-transfer pay-in, what the payer must quote.
	WireReference string
	Created       time.Time
	Updated       time.Time
}

// PayInRequest asks for money to enter a wallet from outside.
type PayInRequest struct {
	Reference string
	Kind      Kind // PayInCard or PayInTransfer
	Wallet    string
	Amount    lendkit.Money
}

// PayoutRequest asks for money to leave a wallet to a bank account. The
// IBAN must be one the PSP verified for the wallet's owner (KYC).
type PayoutRequest struct {
	Reference string
	Wallet    string
	Amount    lendkit.Money
	IBAN      iban.IBAN
	Label     string // shown on the beneficiary's statement, ≤ 140 characters
}

// TransferRequest moves money between two wallets held at the PSP.
type TransferRequest struct {
	Reference  string
	FromWallet string
	ToWallet   string
	Amount     lendkit.Money
}

// MandateState is a SEPA mandate's state at the PSP.
type MandateState string

// Mandate states.
const (
	MandateCreated   MandateState = "created"
	MandateActive    MandateState = "active"
	MandateFailed    MandateState = "failed"
	MandateCancelled MandateState = "cancelled"
	MandateExpired   MandateState = "expired"
)

// MandateRequest registers a SEPA mandate for collections into a wallet.
type MandateRequest struct {
	Reference string // the unique mandate reference (UMR)
	Wallet    string
	IBAN      iban.IBAN
	Holder    string
	B2B       bool
}

// Mandate is a mandate as the PSP knows it.
type Mandate struct {
	ID        string
	Reference string
	Wallet    string
	IBAN      iban.IBAN
	State     MandateState
}

// CollectionRequest collects a direct debit under an active mandate.
type CollectionRequest struct {
	Reference string
	MandateID string
	Amount    lendkit.Money
	DueDate   lendkit.Date
}

// RefundRequest refunds a succeeded pay-in, in full or in part.
type RefundRequest struct {
	Reference   string
	OperationID string
	Amount      lendkit.Money
}

// Port is what lendkit needs from a PSP. Every method that creates something
// is idempotent on its request's Reference: a repeat returns the first result,
// a repeat with a different request is ErrReferenceReused. Creation returns
// the operation in its initial state; later states arrive as Notifications.
type Port interface {
	// CreatePayIn starts a card or transfer pay-in. Errors: ErrInvalidRequest,
	// ErrRejected, ErrTimeout, ErrReferenceReused.
	CreatePayIn(ctx context.Context, r PayInRequest) (Operation, error)
	// CreatePayout starts a payout. Errors: as CreatePayIn, and ErrRejected
	// with InsufficientFunds or KYCRequired.
	CreatePayout(ctx context.Context, r PayoutRequest) (Operation, error)
	// Transfer moves money between wallets; it succeeds or fails at once.
	Transfer(ctx context.Context, r TransferRequest) (Operation, error)
	// CreateMandate registers a mandate. Errors: as CreatePayIn.
	CreateMandate(ctx context.Context, r MandateRequest) (Mandate, error)
	// CancelMandate ends a mandate. Errors: ErrNotFound, ErrTimeout.
	CancelMandate(ctx context.Context, id string) (Mandate, error)
	// Collect presents a direct debit. Errors: as CreatePayIn, ErrNotFound
	// for an unknown mandate, ErrRejected for an inactive one.
	Collect(ctx context.Context, r CollectionRequest) (Operation, error)
	// Refund refunds a pay-in. Errors: as CreatePayIn, ErrNotFound.
	Refund(ctx context.Context, r RefundRequest) (Operation, error)
	// Operation looks an operation up by PSP id. Errors: ErrNotFound, ErrTimeout.
	Operation(ctx context.Context, id string) (Operation, error)
	// OperationByReference looks an operation up by the caller's reference,
	// the way out of an ambiguous timeout. Errors: ErrNotFound, ErrTimeout.
	OperationByReference(ctx context.Context, reference string) (Operation, error)
}

// Notification is an asynchronous report of an operation's (or mandate's)
// new state. PSPs deliver at least once: the same notification (same ID) may
// arrive twice, and notifications may arrive out of order; Apply sorts that
// out.
type Notification struct {
	ID          string // unique per event; a redelivery repeats it
	OperationID string // the operation concerned ("" for a mandate event)
	MandateID   string // the mandate concerned, for mandate events
	Reference   string // the operation's caller reference
	Wallet      string // the wallet the operation credits or debits (Operation.Wallet)
	Kind        Kind
	State       State        // new operation state
	Mandate     MandateState // new mandate state, for mandate events
	Amount      lendkit.Money
	Failure     Failure
	ReasonCode  string
	At          time.Time
}

// Apply folds a notification into the operation it concerns and returns the
// updated operation. It returns ErrDuplicateNotification when seen reports the
// notification's ID as already applied, leaves op unchanged (nil error,
// changed false) when the state is not new (a late notification of a state
// already passed), and ErrInvalidTransition for an impossible move. The
// caller persists op and records n.ID as seen in the same unit of work.
func Apply(op Operation, n Notification, seen func(id string) bool) (Operation, bool, error) {
	if n.ID == "" {
		return op, false, fmt.Errorf("%w: notification without id", ErrInvalidRequest)
	}
	if seen != nil && seen(n.ID) {
		return op, false, fmt.Errorf("%w: %s", ErrDuplicateNotification, n.ID)
	}
	if n.OperationID != op.ID {
		return op, false, fmt.Errorf("%w: notification %s is for %s, not %s", ErrInvalidRequest, n.ID, n.OperationID, op.ID)
	}
	if n.State == op.State || rank(n.State) < rank(op.State) {
		return op, false, nil
	}
	if err := CheckTransition(op.State, n.State); err != nil {
		return op, false, fmt.Errorf("operation %s: %w", op.ID, err)
	}
	op.State, op.Updated = n.State, n.At
	if n.Failure != NoFailure {
		op.Failure = n.Failure
	}
	if n.ReasonCode != "" {
		op.ReasonCode = n.ReasonCode
	}
	return op, true, nil
}

// rank orders states along the life cycle so that a late notification of an
// earlier state is recognised as stale rather than as a backward move.
func rank(s State) int {
	switch s {
	case StateCreated:
		return 0
	case StatePending:
		return 1
	case StateSucceeded, StateFailed:
		return 2
	}
	return 3
}
