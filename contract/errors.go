package contract

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Functions wrap them with context (often in one of the
// typed errors below); test for them with errors.Is.
var (
	// ErrMissingField: a field the contract kind requires is empty. The error
	// is a *MissingFieldError naming the fields.
	ErrMissingField = errors.New("contract: missing mandatory field")
	// ErrInvalidData: the contract data contradicts itself (a schedule whose
	// principal does not sum to the amount, a negative amount, mixed
	// currencies, …).
	ErrInvalidData = errors.New("contract: invalid contract data")
	// ErrUnknownKind: a Kind that is not one of Kinds.
	ErrUnknownKind = errors.New("contract: unknown contract kind")
	// ErrUnsupportedLocale: a locale that is not one of Locales.
	ErrUnsupportedLocale = errors.New("contract: unsupported locale")
	// ErrTemplate: a template failed to load (syntax, unknown field, unknown
	// message key, markup the PDF layout does not support). The error is a
	// *TemplateError.
	ErrTemplate = errors.New("contract: invalid template")
	// ErrRender: a loaded template failed while rendering valid data.
	ErrRender = errors.New("contract: rendering failed")
	// ErrTampered: a document's bytes do not match the fingerprint recorded
	// for it.
	ErrTampered = errors.New("contract: document does not match its fingerprint")
	// ErrSigned: a signed contract version is immutable; changes go into a
	// new version that supersedes it.
	ErrSigned = errors.New("contract: version already signed")
	// ErrCodeExpired: the one-time signing code is past its expiry.
	ErrCodeExpired = errors.New("contract: signing code expired")
	// ErrCodeMismatch: the one-time signing code entered is wrong.
	ErrCodeMismatch = errors.New("contract: wrong signing code")
	// ErrTooManyAttempts: the signing challenge has used all its attempts.
	ErrTooManyAttempts = errors.New("contract: too many signing attempts")
	// ErrChallengeClosed: the challenge was already confirmed.
	ErrChallengeClosed = errors.New("contract: signing challenge already used")
	// ErrSuperseded: a signature was given for a version that a newer
	// version has replaced.
	ErrSuperseded = errors.New("contract: version superseded")
	// ErrInvalidSigner: the signer is not identified well enough to sign.
	ErrInvalidSigner = errors.New("contract: signer not identified")
)

// MissingFieldError lists the mandatory fields a contract lacks, by their Go
// path in Data ("Borrower.Person.BirthDate"), in a fixed order.
type MissingFieldError struct {
	Kind   Kind
	Fields []string
}

// Error names the kind and the missing fields.
func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("contract: %s: missing mandatory field %s", e.Kind, strings.Join(e.Fields, ", "))
}

// Unwrap makes errors.Is(err, ErrMissingField) true.
func (e *MissingFieldError) Unwrap() error { return ErrMissingField }

// TemplateError reports why a template cannot be used: Name is the template,
// Locale the locale it failed in (empty when the failure does not depend on
// it), Err the cause.
type TemplateError struct {
	Name   string
	Locale string
	Err    error
}

// Error names the template, the locale and the cause.
func (e *TemplateError) Error() string {
	if e.Locale != "" {
		return fmt.Sprintf("contract: template %s (%s): %v", e.Name, e.Locale, e.Err)
	}
	return fmt.Sprintf("contract: template %s: %v", e.Name, e.Err)
}

// Unwrap returns both ErrTemplate and the cause.
func (e *TemplateError) Unwrap() []error { return []error{ErrTemplate, e.Err} }

// MismatchError reports a fingerprint that does not match a document.
type MismatchError struct {
	Want, Got Fingerprint
}

// Error shows both fingerprints.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("contract: document fingerprint %s, recorded %s", e.Got, e.Want)
}

// Unwrap makes errors.Is(err, ErrTampered) true.
func (e *MismatchError) Unwrap() error { return ErrTampered }
