package contract

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/lendkit/lendkit"
)

// Signer identifies a person who signs a contract.
type Signer struct {
	ID    string // the platform's identifier of the person
	Name  string // full name as identified (KYC)
	Email string
	Phone string // E.164, "+33612345678"
	Role  string // "borrower", "lender", "guarantor", …
}

// Channel is how a one-time code reaches the signer.
type Channel string

// The channels the simple signature flow knows.
const (
	SMS   Channel = "sms"
	Email Channel = "email"
)

// CodeMessage is what a CodeSender delivers.
type CodeMessage struct {
	Signer      Signer
	Channel     Channel
	Code        string // the one-time code, digits only
	Reference   string // the contract's reference, to show the signer
	Version     int
	Fingerprint Fingerprint
	ExpiresAt   time.Time
}

// CodeSender is the port that delivers one-time codes: an SMS gateway or a
// mailer adapter. SendCode must not keep the code once delivered.
type CodeSender interface {
	SendCode(ctx context.Context, msg CodeMessage) error
}

// SimpleSigner runs the simple electronic signature flow (eIDAS "simple
// electronic signature" with a one-time code): Start sends a code to the
// identified signer and returns a Challenge to persist; Confirm checks the
// code the signer typed, within a bounded number of attempts and before
// expiry, and returns the Evidence of the signature. Time comes from Clock,
// never from the wall clock.
type SimpleSigner struct {
	Clock  lendkit.Clock
	Sender CodeSender
	// Random is the source of codes, salts and challenge ids; crypto/rand
	// when nil.
	Random io.Reader
	// TTL is how long a code is valid; 10 minutes when zero.
	TTL time.Duration
	// MaxAttempts bounds wrong codes per challenge; 5 when zero.
	MaxAttempts int
	// Digits is the code length; 6 when zero (4 to 10 allowed).
	Digits int
}

// Challenge is one pending signature: persist it between Start and
// Confirm. It holds a salted HMAC of the code, never the code.
type Challenge struct {
	ID          string
	Reference   string
	Version     int
	Fingerprint Fingerprint
	Signer      Signer
	Channel     Channel
	Consent     string // the consent text the signer is shown and accepts
	Salt        []byte
	CodeMAC     []byte // HMAC-SHA256(Salt, code)
	SentAt      time.Time
	ExpiresAt   time.Time
	Attempts    int
	MaxAttempts int
	Confirmed   bool
}

// Evidence is the record of one signature, bound to the fingerprint of the
// document signed. Digest seals the record: any later change to a field
// makes VerifyEvidence fail.
type Evidence struct {
	Method      string // "simple-otp", or "qualified" for a provider's signature
	Reference   string
	Version     int
	Fingerprint Fingerprint // of the document's HTML, the canonical text
	Signer      Signer
	Channel     Channel `json:",omitempty"`
	Consent     string
	ChallengeID string    `json:",omitempty"`
	CodeSentAt  time.Time `json:",omitzero"`
	SignedAt    time.Time
	IP          string `json:",omitempty"`
	UserAgent   string `json:",omitempty"`
	Attempts    int    `json:",omitempty"`
	// Qualified signatures: the provider, its request reference, the
	// digest of the PDF the provider returned signed, and the signer's
	// certificate (DER) if the provider gives it.
	Provider        string      `json:",omitempty"`
	ProviderRef     string      `json:",omitempty"`
	SignedPDFDigest Fingerprint `json:",omitzero"`
	Certificate     []byte      `json:",omitempty"`
	Digest          Fingerprint `json:"-"`
}

// AttemptError reports a wrong code and how many attempts remain.
type AttemptError struct {
	Remaining int
}

// Error says how many attempts remain.
func (e *AttemptError) Error() string {
	return fmt.Sprintf("contract: wrong signing code, %d attempts left", e.Remaining)
}

// Unwrap makes errors.Is(err, ErrCodeMismatch) true.
func (e *AttemptError) Unwrap() error { return ErrCodeMismatch }

// SigningContext is what the signer's session tells about the act.
type SigningContext struct {
	IP        string // the client address, IPv4 or IPv6
	UserAgent string
}

const (
	defaultTTL         = 10 * time.Minute
	defaultMaxAttempts = 5
	defaultDigits      = 6
	maxConsent         = 16 << 10
)

func (s *SimpleSigner) settings() (time.Duration, int, int, io.Reader, error) {
	ttl, attempts, digits, rnd := s.TTL, s.MaxAttempts, s.Digits, s.Random
	if ttl == 0 {
		ttl = defaultTTL
	}
	if attempts == 0 {
		attempts = defaultMaxAttempts
	}
	if digits == 0 {
		digits = defaultDigits
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if ttl < 0 || attempts < 1 || attempts > 20 || digits < 4 || digits > 10 || s.Clock == nil || s.Sender == nil {
		return 0, 0, 0, nil, fmt.Errorf("contract: SimpleSigner needs a Clock, a Sender, TTL > 0, 1–20 attempts and 4–10 digits")
	}
	return ttl, attempts, digits, rnd, nil
}

// Start begins the signature of doc by signer: it checks the signer is
// identified for channel, draws a code, sends it through Sender and returns
// the challenge to persist. consent is the text the signer accepts ("I have
// read the contract … and sign it"), recorded verbatim in the evidence.
// Nothing is returned if the code could not be sent.
func (s *SimpleSigner) Start(ctx context.Context, doc *Document, signer Signer, channel Channel, consent string) (Challenge, error) {
	ttl, attempts, digits, rnd, err := s.settings()
	if err != nil {
		return Challenge{}, err
	}
	if doc == nil || doc.Fingerprint.IsZero() || doc.Reference == "" {
		return Challenge{}, fmt.Errorf("%w: nothing to sign (no rendered document)", ErrInvalidData)
	}
	if err := doc.Verify(); err != nil {
		return Challenge{}, err
	}
	if err := checkSigner(signer, channel); err != nil {
		return Challenge{}, err
	}
	consent = strings.TrimSpace(consent)
	if consent == "" || len(consent) > maxConsent || !validUTF8(consent) {
		return Challenge{}, fmt.Errorf("%w: the consent text must be non-empty UTF-8 of at most %d bytes", ErrInvalidData, maxConsent)
	}
	code, err := randomDigits(rnd, digits)
	if err != nil {
		return Challenge{}, err
	}
	salt := make([]byte, 16)
	id := make([]byte, 16)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return Challenge{}, fmt.Errorf("contract: random salt: %w", err)
	}
	if _, err := io.ReadFull(rnd, id); err != nil {
		return Challenge{}, fmt.Errorf("contract: random challenge id: %w", err)
	}
	now := s.Clock.Now().UTC()
	ch := Challenge{
		ID: hex.EncodeToString(id), Reference: doc.Reference, Version: doc.Version, Fingerprint: doc.Fingerprint,
		Signer: signer, Channel: channel, Consent: consent, Salt: salt, CodeMAC: codeMAC(salt, code),
		SentAt: now, ExpiresAt: now.Add(ttl), MaxAttempts: attempts,
	}
	msg := CodeMessage{Signer: signer, Channel: channel, Code: code, Reference: doc.Reference, Version: doc.Version,
		Fingerprint: doc.Fingerprint, ExpiresAt: ch.ExpiresAt}
	if err := s.Sender.SendCode(ctx, msg); err != nil {
		return Challenge{}, fmt.Errorf("contract: sending the signing code to %s: %w", signer.ID, err)
	}
	return ch, nil
}

// Confirm checks code against the challenge. It updates ch (attempts,
// confirmation), which the caller persists whatever the outcome, and on
// success returns the sealed evidence. Errors: ErrChallengeClosed (already
// confirmed), ErrCodeExpired, ErrTooManyAttempts (the bound was reached
// before this attempt), *AttemptError (wrong code; errors.Is
// ErrCodeMismatch), ErrInvalidData (bad IP address).
func (s *SimpleSigner) Confirm(ch *Challenge, code string, sc SigningContext) (Evidence, error) {
	if s.Clock == nil {
		return Evidence{}, errors.New("contract: SimpleSigner needs a Clock")
	}
	if ch.Confirmed {
		return Evidence{}, ErrChallengeClosed
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(sc.IP))
	if err != nil {
		return Evidence{}, fmt.Errorf("%w: signer IP %q: %v", ErrInvalidData, sc.IP, err)
	}
	if len(sc.UserAgent) > 1024 || !validUTF8(sc.UserAgent) {
		return Evidence{}, fmt.Errorf("%w: user agent is not UTF-8 of at most 1024 bytes", ErrInvalidData)
	}
	now := s.Clock.Now().UTC()
	if !now.Before(ch.ExpiresAt) {
		return Evidence{}, fmt.Errorf("%w: expired at %s", ErrCodeExpired, ch.ExpiresAt.Format(time.RFC3339))
	}
	if ch.Attempts >= ch.MaxAttempts {
		return Evidence{}, fmt.Errorf("%w: %d of %d used", ErrTooManyAttempts, ch.Attempts, ch.MaxAttempts)
	}
	ch.Attempts++
	if !hmac.Equal(codeMAC(ch.Salt, strings.TrimSpace(code)), ch.CodeMAC) {
		return Evidence{}, &AttemptError{Remaining: ch.MaxAttempts - ch.Attempts}
	}
	ch.Confirmed = true
	ev := Evidence{
		Method: "simple-otp", Reference: ch.Reference, Version: ch.Version, Fingerprint: ch.Fingerprint,
		Signer: ch.Signer, Channel: ch.Channel, Consent: ch.Consent, ChallengeID: ch.ID,
		CodeSentAt: ch.SentAt, SignedAt: now, IP: ip.String(), UserAgent: sc.UserAgent, Attempts: ch.Attempts,
	}
	if ev.Digest, err = ev.seal(); err != nil {
		return Evidence{}, err
	}
	return ev, nil
}

func checkSigner(s Signer, ch Channel) error {
	switch {
	case strings.TrimSpace(s.ID) == "":
		return fmt.Errorf("%w: no signer id", ErrInvalidSigner)
	case strings.TrimSpace(s.Name) == "":
		return fmt.Errorf("%w: signer %s has no name", ErrInvalidSigner, s.ID)
	case ch == SMS && !isE164(s.Phone):
		return fmt.Errorf("%w: signer %s has no E.164 phone number for SMS (%q)", ErrInvalidSigner, s.ID, s.Phone)
	case ch == Email && (!strings.Contains(s.Email, "@") || strings.ContainsAny(s.Email, " \r\n")):
		return fmt.Errorf("%w: signer %s has no e-mail address", ErrInvalidSigner, s.ID)
	case ch != SMS && ch != Email:
		return fmt.Errorf("%w: unknown channel %q", ErrInvalidSigner, ch)
	}
	return nil
}

func isE164(p string) bool {
	if len(p) < 8 || len(p) > 16 || p[0] != '+' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// randomDigits draws n uniformly random decimal digits by rejection
// sampling (a plain modulo would favour low digits).
func randomDigits(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	var buf [8]byte
	for tries := 0; len(out) < n; tries++ {
		if tries > 64*n {
			return "", errors.New("contract: random source keeps returning unusable bytes")
		}
		if _, err := io.ReadFull(r, buf[:1]); err != nil {
			return "", fmt.Errorf("contract: random code: %w", err)
		}
		if buf[0] < 250 { // 250 = 25 × 10: uniform over 0–9
			out = append(out, '0'+buf[0]%10)
		}
	}
	return string(out), nil
}

func codeMAC(salt []byte, code string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(code))
	return m.Sum(nil)
}

// seal returns the SHA-256 of the evidence's canonical JSON (every field but
// Digest, in declaration order, times in UTC RFC 3339 with nanoseconds).
func (e Evidence) seal() (Fingerprint, error) {
	e.Digest = Fingerprint{}
	e.CodeSentAt, e.SignedAt = e.CodeSentAt.UTC(), e.SignedAt.UTC()
	b, err := json.Marshal(e)
	if err != nil { // a time outside years 0–9999
		return Fingerprint{}, fmt.Errorf("%w: evidence: %v", ErrInvalidData, err)
	}
	return FingerprintOf(b), nil
}

// Seal sets e.Digest from e's fields. Evidence from Confirm and
// QualifiedEvidence is already sealed; Seal serves evidence rebuilt from
// storage or made by other means.
func (e *Evidence) Seal() error {
	d, err := e.seal()
	if err != nil {
		return err
	}
	e.Digest = d
	return nil
}

// VerifyEvidence checks that e is intact (its Digest matches its fields) and
// that it was given for doc (its fingerprint is doc's, and doc's bytes match
// it). Either failure is ErrTampered.
func VerifyEvidence(e Evidence, doc *Document) error {
	got, err := e.seal()
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got[:], e.Digest[:]) != 1 {
		return fmt.Errorf("evidence: %w", &MismatchError{Want: e.Digest, Got: got})
	}
	if e.Fingerprint != doc.Fingerprint {
		return fmt.Errorf("evidence is for another document: %w", &MismatchError{Want: e.Fingerprint, Got: doc.Fingerprint})
	}
	return doc.Verify()
}
