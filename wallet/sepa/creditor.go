package sepa

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lendkit/lendkit/wallet/iban"
)

// Sentinel errors of the package; every error wraps one of them.
var (
	// ErrInvalidCreditorID is returned for a malformed SEPA creditor identifier.
	ErrInvalidCreditorID = errors.New("sepa: invalid creditor identifier")
	// ErrInvalidMandate is returned for a mandate that breaks the rulebook.
	ErrInvalidMandate = errors.New("sepa: invalid mandate")
	// ErrMandateUnusable is returned when a mandate may not be collected on
	// (revoked, expired, not yet signed, wrong scheme).
	ErrMandateUnusable = errors.New("sepa: mandate cannot be used")
	// ErrPreNotification is returned when the debtor was not notified early enough.
	ErrPreNotification = errors.New("sepa: pre-notification too late")
	// ErrInvalidBatch is returned for a direct-debit batch that cannot become a pain.008.
	ErrInvalidBatch = errors.New("sepa: invalid direct-debit batch")
	// ErrInvalidReport is returned for a pain.002 that cannot be parsed.
	ErrInvalidReport = errors.New("sepa: invalid pain.002 status report")
	// ErrUnknownReason is returned for an R-transaction reason code this package does not know.
	ErrUnknownReason = errors.New("sepa: unknown reason code")
)

// CreditorID is a validated SEPA creditor identifier (CI, ICS in France):
// country code, two check digits, a three-character creditor business code
// (often "ZZZ") and the national identifier. The check digits cover the
// national identifier and the country code only, so the business code may
// change without a new identifier ("FR72ZZZ123456" and "FR72ABC123456" are the
// same creditor).
type CreditorID struct{ s string }

// String returns the identifier, "FR72ZZZ123456".
func (c CreditorID) String() string { return c.s }

// IsZero reports whether c is unset.
func (c CreditorID) IsZero() bool { return c.s == "" }

// National returns the identifier without its business code, the part that
// identifies the creditor: "FR72123456".
func (c CreditorID) National() string {
	if len(c.s) < 8 {
		return ""
	}
	return c.s[:4] + c.s[7:]
}

// ParseCreditorID validates s (spaces ignored, case folded): at most 35
// characters, a country code, two check digits, a three-character business
// code and 1 to 28 national characters, with ISO 7064 MOD 97-10 check digits
// computed over the national identifier followed by the country code.
func ParseCreditorID(s string) (CreditorID, error) {
	if len(s) > 70 {
		return CreditorID{}, fmt.Errorf("%w: %.35q…: longer than 35 characters", ErrInvalidCreditorID, s)
	}
	n := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(n) < 8 || len(n) > 35 {
		return CreditorID{}, fmt.Errorf("%w: %q: length %d outside 8..35", ErrInvalidCreditorID, s, len(n))
	}
	for k := 0; k < len(n); k++ {
		c := n[k]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return CreditorID{}, fmt.Errorf("%w: %q: character %q", ErrInvalidCreditorID, s, c)
		}
	}
	if !isLetters(n[:2]) || !isDigits(n[2:4]) {
		return CreditorID{}, fmt.Errorf("%w: %q: must start with a country code and two check digits", ErrInvalidCreditorID, s)
	}
	if _, ok := iban.Length(n[:2]); !ok {
		return CreditorID{}, fmt.Errorf("%w: %q: country %s is not in SEPA/IBAN registry", ErrInvalidCreditorID, s, n[:2])
	}
	if iban.Mod97(n[7:]+n[:4]) != 1 {
		return CreditorID{}, fmt.Errorf("%w: %q: check digits %s do not match", ErrInvalidCreditorID, s, n[2:4])
	}
	return CreditorID{s: n}, nil
}

// NewCreditorID computes the check digits of a national identifier and
// returns the full creditor identifier.
func NewCreditorID(country, businessCode, national string) (CreditorID, error) {
	country, national = strings.ToUpper(country), strings.ToUpper(national)
	if len(country) != 2 || !isLetters(country) || len(businessCode) != 3 || national == "" || len(national) > 28 {
		return CreditorID{}, fmt.Errorf("%w: %s/%s/%s", ErrInvalidCreditorID, country, businessCode, national)
	}
	for k := 0; k < len(national); k++ {
		c := national[k]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return CreditorID{}, fmt.Errorf("%w: national identifier %q: character %q", ErrInvalidCreditorID, national, c)
		}
	}
	check := 98 - iban.Mod97(national+country+"00")
	return ParseCreditorID(fmt.Sprintf("%s%02d%s%s", country, check, strings.ToUpper(businessCode), national))
}

// MustCreditorID is ParseCreditorID for constants in programs and tests.
func MustCreditorID(s string) CreditorID {
	c, err := ParseCreditorID(s)
	if err != nil {
		panic(err)
	}
	return c
}

func isLetters(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] < 'A' || s[k] > 'Z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for k := 0; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return true
}
