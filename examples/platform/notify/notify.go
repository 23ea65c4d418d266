package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Kind is what a notification is about.
type Kind string

// The kinds of notification the platform sends.
const (
	// Reminder goes a few days before each due date (2 or 3 by default,
	// configurable per platform and per borrower).
	Reminder Kind = "reminder"
	// PaymentReceived confirms a borrower's payment.
	PaymentReceived Kind = "payment_received"
	// LatePayment tells a borrower an instalment is overdue.
	LatePayment Kind = "late_payment"
	// InsufficientFunds tells a borrower a collection (a direct debit, or
	// the wallet it is taken from) came back short.
	InsufficientFunds Kind = "insufficient_funds"
	// DecisionMade gives the credit decision on an application.
	DecisionMade Kind = "decision_made"
	// ContractToSign says the credit agreement is ready for signature.
	ContractToSign Kind = "contract_to_sign"
	// DisbursementDone says the loan's money was paid out.
	DisbursementDone Kind = "disbursement_done"
	// LenderRepayment tells a lender a repayment reached their wallet.
	LenderRepayment Kind = "lender_repayment"
)

// SignatureCode carries a contract's one-time signature code. It is not in
// Kinds: it is never an event (no outbox row, no webhook) — the code is a
// secret the platform does not store, sent straight through a port, and
// useless after its expiry, so a lost one is simply requested again.
const SignatureCode Kind = "signature_code"

// Kinds lists every event Kind, in a stable order.
var Kinds = []Kind{Reminder, PaymentReceived, LatePayment, InsufficientFunds, DecisionMade, ContractToSign, DisbursementDone, LenderRepayment}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Locale is a template language.
type Locale string

// The languages templates exist in.
const (
	English Locale = "en"
	French  Locale = "fr"
	Italian Locale = "it"
)

// Locales lists every Locale.
var Locales = []Locale{English, French, Italian}

// Valid reports whether l is one of Locales.
func (l Locale) Valid() bool { return l == English || l == French || l == Italian }

// Errors. Each is wrapped with context; check with errors.Is.
var (
	// ErrUnknownKind: the kind has no template.
	ErrUnknownKind = errors.New("notify: unknown notification kind")
	// ErrUnknownLocale: the locale is not en, fr or it.
	ErrUnknownLocale = errors.New("notify: unknown locale")
	// ErrTemplate: a template did not render (a field it needs is missing).
	ErrTemplate = errors.New("notify: template failed")
	// ErrAddress: a recipient or sender address is empty or malformed
	// (header injection included).
	ErrAddress = errors.New("notify: invalid address")
	// ErrSend: the transport refused or failed; the message may be retried.
	ErrSend = errors.New("notify: send failed")
)

// Message is one rendered notification ready to leave through a port.
type Message struct {
	// ID is the outbox row's id: stable across retries, so receivers
	// deduplicate on it.
	ID string
	// Kind is what the message is about.
	Kind Kind
	// To is an email address (Email) or a phone number in E.164 (SMS).
	To string
	// Subject is the email subject (unused by SMS).
	Subject string
	// Body is the text: the email body, or the short SMS text.
	Body string
}

// Email is the port emails leave through. SendEmail returns nil only when
// the message was accepted by the transport; any error means it may not have
// been, and the caller retries with the same Message (same ID).
type Email interface {
	SendEmail(ctx context.Context, m Message) error
}

// SMS is the port text messages leave through, with Email's contract.
type SMS interface {
	SendSMS(ctx context.Context, m Message) error
}

// Log is the default adapter of both ports: it writes each message to a
// logger instead of sending it.
type Log struct {
	Logger *slog.Logger
}

// SendEmail logs m as an email.
func (l Log) SendEmail(ctx context.Context, m Message) error {
	if err := checkAddress(m.To); err != nil {
		return err
	}
	l.Logger.InfoContext(ctx, "email (log delivery)", "id", m.ID, "kind", string(m.Kind), "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// SendSMS logs m as a text message.
func (l Log) SendSMS(ctx context.Context, m Message) error {
	if err := checkAddress(m.To); err != nil {
		return err
	}
	l.Logger.InfoContext(ctx, "sms (log delivery)", "id", m.ID, "kind", string(m.Kind), "to", m.To, "text", m.Body)
	return nil
}

// checkAddress refuses empty addresses and any carrying CR or LF, which
// would let a value inject mail headers or SMTP commands.
func checkAddress(a string) error {
	if strings.TrimSpace(a) == "" || strings.ContainsAny(a, "\r\n") || len(a) > 254 {
		return fmt.Errorf("%w: %q", ErrAddress, a)
	}
	return nil
}
