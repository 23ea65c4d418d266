package sepa

import (
	"fmt"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
)

// Scheme is the SEPA Direct Debit scheme of a mandate.
type Scheme string

// Schemes. CORE is for consumers and businesses, with an 8-week
// no-questions refund right; B2B is for businesses only, with no refund, and
// the debtor's bank must hold a copy of the mandate.
const (
	Core Scheme = "CORE"
	B2B  Scheme = "B2B"
)

// SequenceType says where a collection sits in the mandate's life (SeqTp).
type SequenceType string

// Sequence types.
const (
	First     SequenceType = "FRST" // first collection of a recurrent mandate
	Recurrent SequenceType = "RCUR"
	Final     SequenceType = "FNAL"
	OneOff    SequenceType = "OOFF"
)

// MandateStatus is a mandate's life-cycle state.
type MandateStatus string

// Mandate statuses.
const (
	MandatePending MandateStatus = "pending" // created, not yet signed
	MandateActive  MandateStatus = "active"
	MandateRevoked MandateStatus = "revoked" // cancelled by debtor or creditor, or after MD01/AC04
	MandateExpired MandateStatus = "expired" // 36 months without a collection
	MandateUsed    MandateStatus = "used"    // a one-off mandate after its collection
)

// ExpiryMonths is the rulebook's period of non-use after which a mandate
// lapses (EPC SDD Core Rulebook, section 4.5, PT-04.25).
const ExpiryMonths = 36

// MaxReferenceLength is the longest unique mandate reference (UMR).
const MaxReferenceLength = 35

// Mandate is a SEPA Direct Debit mandate: the debtor's authorisation for a
// creditor to collect from an account.
type Mandate struct {
	Reference      string // unique mandate reference (UMR), unique per creditor
	Creditor       CreditorID
	DebtorName     string
	DebtorIBAN     iban.IBAN
	Scheme         Scheme
	Recurrent      bool          // false: one-off (OOFF)
	SignedOn       lendkit.Date  // zero while pending
	Status         MandateStatus // as last recorded; StatusOn derives expiry
	LastCollection lendkit.Date  // due date of the latest collection presented, zero if none
	RevokedOn      lendkit.Date  // set with MandateRevoked
}

// ValidateReference checks a unique mandate reference: 1 to 35 characters of
// the SEPA character set (letters, digits, space and / - ? : ( ) . , ' +), not
// starting or ending with "/" and without "//" (EPC implementation guidelines).
func ValidateReference(ref string) error {
	if ref == "" || len(ref) > MaxReferenceLength {
		return fmt.Errorf("%w: reference %.40q must have 1 to %d characters", ErrInvalidMandate, ref, MaxReferenceLength)
	}
	for k := 0; k < len(ref); k++ {
		if !sepaChar(ref[k]) {
			return fmt.Errorf("%w: reference %q: character %q outside the SEPA character set", ErrInvalidMandate, ref, ref[k])
		}
	}
	if strings.HasPrefix(ref, "/") || strings.HasSuffix(ref, "/") || strings.Contains(ref, "//") {
		return fmt.Errorf("%w: reference %q must not start or end with / nor contain //", ErrInvalidMandate, ref)
	}
	return nil
}

// NewReference builds a mandate reference from a creditor-chosen prefix and
// an identifier the creditor already keeps unique (a borrower or loan id):
// "LK-MDT-" + id, upper-cased. Deriving the reference from an id makes its
// creation idempotent.
func NewReference(prefix, id string) (string, error) {
	ref := strings.ToUpper(prefix + id)
	return ref, ValidateReference(ref)
}

// sepaChar reports whether c is in the EPC basic Latin character set.
func sepaChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("/-?:().,'+ ", c) >= 0
}

// Validate checks the mandate's own fields.
func (m Mandate) Validate() error {
	if err := ValidateReference(m.Reference); err != nil {
		return err
	}
	if m.Creditor.IsZero() {
		return fmt.Errorf("%w: %s: no creditor identifier", ErrInvalidMandate, m.Reference)
	}
	if strings.TrimSpace(m.DebtorName) == "" || len(m.DebtorName) > 140 {
		return fmt.Errorf("%w: %s: debtor name must have 1 to 140 characters", ErrInvalidMandate, m.Reference)
	}
	if m.DebtorIBAN.IsZero() {
		return fmt.Errorf("%w: %s: no debtor IBAN", ErrInvalidMandate, m.Reference)
	}
	if m.Scheme != Core && m.Scheme != B2B {
		return fmt.Errorf("%w: %s: scheme %q is neither CORE nor B2B", ErrInvalidMandate, m.Reference, m.Scheme)
	}
	switch m.Status {
	case MandatePending:
		if !m.SignedOn.IsZero() {
			return fmt.Errorf("%w: %s: pending but signed on %s", ErrInvalidMandate, m.Reference, m.SignedOn)
		}
	case MandateActive, MandateExpired, MandateUsed:
		if m.SignedOn.IsZero() {
			return fmt.Errorf("%w: %s: %s without a signature date", ErrInvalidMandate, m.Reference, m.Status)
		}
	case MandateRevoked:
		if m.RevokedOn.IsZero() {
			return fmt.Errorf("%w: %s: revoked without a date", ErrInvalidMandate, m.Reference)
		}
	default:
		return fmt.Errorf("%w: %s: unknown status %q", ErrInvalidMandate, m.Reference, m.Status)
	}
	if !m.LastCollection.IsZero() && m.LastCollection.Before(m.SignedOn) {
		return fmt.Errorf("%w: %s: collected on %s before signature on %s", ErrInvalidMandate, m.Reference, m.LastCollection, m.SignedOn)
	}
	return nil
}

// ExpiresOn returns the first day on which the mandate has lapsed: 36 months
// after its latest collection, or after its signature if it was never used.
// It is the zero Date for an unsigned mandate.
func (m Mandate) ExpiresOn() lendkit.Date {
	from := m.LastCollection
	if from.IsZero() {
		from = m.SignedOn
	}
	if from.IsZero() {
		return lendkit.Date{}
	}
	return from.AddMonths(ExpiryMonths)
}

// StatusOn returns the status as of a date: an active mandate whose 36 months
// of non-use have run out by asOf is expired.
func (m Mandate) StatusOn(asOf lendkit.Date) MandateStatus {
	if m.Status == MandateActive && !asOf.Before(m.ExpiresOn()) {
		return MandateExpired
	}
	return m.Status
}

// SequenceType returns the sequence type of the next collection: OOFF for a
// one-off mandate, FRST for the first collection of a recurrent one, RCUR
// afterwards. (Since the November 2016 rulebook a first collection may also be
// sent as RCUR; FRST remains accepted everywhere and tells the debtor's bank
// that this is a new mandate.)
func (m Mandate) SequenceType() SequenceType {
	switch {
	case !m.Recurrent:
		return OneOff
	case m.LastCollection.IsZero():
		return First
	}
	return Recurrent
}

// CheckCollectable reports whether a collection due on due may be presented
// under the mandate; the error wraps ErrMandateUnusable and says why.
func (m Mandate) CheckCollectable(due lendkit.Date) error {
	if err := m.Validate(); err != nil {
		return err
	}
	switch s := m.StatusOn(due); s {
	case MandateActive:
	default:
		return fmt.Errorf("%w: %s is %s on %s", ErrMandateUnusable, m.Reference, s, due)
	}
	if due.Before(m.SignedOn) {
		return fmt.Errorf("%w: %s: due %s before signature on %s", ErrMandateUnusable, m.Reference, due, m.SignedOn)
	}
	if !m.LastCollection.IsZero() && due.Before(m.LastCollection) {
		return fmt.Errorf("%w: %s: due %s before the previous collection on %s", ErrMandateUnusable, m.Reference, due, m.LastCollection)
	}
	return nil
}

// Collected returns the mandate after a collection due on due was presented
// (whether it later succeeds or is returned: the rulebook's 36 months run from
// the latest collection presented). A one-off mandate becomes used.
func (m Mandate) Collected(due lendkit.Date) (Mandate, error) {
	if err := m.CheckCollectable(due); err != nil {
		return m, err
	}
	m.LastCollection = due
	if !m.Recurrent {
		m.Status = MandateUsed
	}
	return m, nil
}

// Revoke returns the mandate revoked on a date (by the debtor, the creditor,
// or after a return that ends the mandate such as MD01 or AC04).
func (m Mandate) Revoke(on lendkit.Date) Mandate {
	if m.Status != MandateRevoked {
		m.Status, m.RevokedOn = MandateRevoked, on
	}
	return m
}

// DefaultPreNotificationDays is the rulebook's default: the debtor is told of
// the amount and date at least 14 calendar days before the due date, unless
// creditor and debtor agreed on another period.
const DefaultPreNotificationDays = 14

// PreNotificationDeadline returns the last day a pre-notification may be sent
// for a collection due on due, with days of notice (DefaultPreNotificationDays
// unless agreed otherwise; at least 1).
func PreNotificationDeadline(due lendkit.Date, days int) lendkit.Date {
	return due.AddDays(-max(days, 1))
}

// CheckPreNotification reports whether a pre-notification sent on sentOn gave
// the agreed notice for a collection due on due.
func CheckPreNotification(sentOn, due lendkit.Date, days int) error {
	if sentOn.IsZero() {
		return fmt.Errorf("%w: no pre-notification sent for the collection due %s", ErrPreNotification, due)
	}
	if deadline := PreNotificationDeadline(due, days); sentOn.After(deadline) {
		return fmt.Errorf("%w: sent %s for %s; the %d-day notice required sending by %s", ErrPreNotification, sentOn, due, max(days, 1), deadline)
	}
	return nil
}

// SubmissionDeadline returns the last TARGET2 business day on which a
// collection due on due must reach the debtor's bank: D-1 for CORE and B2B
// alike, for every sequence type, since the November 2016 rulebooks. A due
// date on a closing day settles on the next business day, and the deadline
// follows.
func SubmissionDeadline(due lendkit.Date) lendkit.Date {
	return AddTargetDays(NextTargetDay(due), -1)
}

// PreNotification is what the creditor must tell the debtor before a
// collection: amount, due date, mandate reference and creditor identifier,
// sent no later than SendBy.
type PreNotification struct {
	MandateReference string
	Creditor         CreditorID
	DebtorName       string
	Amount           lendkit.Money
	DueDate          lendkit.Date
	SequenceType     SequenceType
	SendBy           lendkit.Date
}

// PreNotify prepares the pre-notification of a collection of amount due on
// due under m, with days of notice (DefaultPreNotificationDays unless
// agreed otherwise). It checks that the mandate may be collected on due and
// that the amount is a positive EUR amount; sending it by SendBy is the
// caller's part (CheckPreNotification verifies it afterwards).
func PreNotify(m Mandate, amount lendkit.Money, due lendkit.Date, days int) (PreNotification, error) {
	if err := m.CheckCollectable(due); err != nil {
		return PreNotification{}, err
	}
	if amount.Currency() != lendkit.EUR || !amount.IsPositive() {
		return PreNotification{}, fmt.Errorf("%w: %s: SEPA collects positive EUR amounts, not %s", ErrInvalidMandate, m.Reference, amount)
	}
	return PreNotification{MandateReference: m.Reference, Creditor: m.Creditor, DebtorName: m.DebtorName, Amount: amount,
		DueDate: due, SequenceType: m.SequenceType(), SendBy: PreNotificationDeadline(due, days)}, nil
}
