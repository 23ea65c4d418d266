package contract

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
)

// Fingerprint is the SHA-256 digest of a rendered document. Rendering is
// deterministic, so a fingerprint identifies one contract text: it is printed
// at the foot of every PDF page and bound into the signature evidence.
type Fingerprint [sha256.Size]byte

// FingerprintOf returns the SHA-256 digest of b.
func FingerprintOf(b []byte) Fingerprint { return sha256.Sum256(b) }

// ParseFingerprint decodes the 64 lowercase or uppercase hexadecimal digits
// String produces.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	if len(s) != 2*len(f) {
		return Fingerprint{}, fmt.Errorf("%w: fingerprint %q is not 64 hexadecimal digits", ErrInvalidData, s)
	}
	if _, err := hex.Decode(f[:], []byte(s)); err != nil {
		return Fingerprint{}, fmt.Errorf("%w: fingerprint %q: %v", ErrInvalidData, s, err)
	}
	return f, nil
}

// String returns the 64 lowercase hexadecimal digits of f.
func (f Fingerprint) String() string { return hex.EncodeToString(f[:]) }

// IsZero reports whether f is unset.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// MarshalText encodes f as String does.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText decodes the form MarshalText writes.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	v, err := ParseFingerprint(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Verify reports whether doc is exactly the document whose fingerprint is
// want; any changed byte gives a *MismatchError (errors.Is ErrTampered). The
// comparison is constant-time.
func Verify(doc []byte, want Fingerprint) error {
	got := FingerprintOf(doc)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return &MismatchError{Want: want, Got: got}
	}
	return nil
}
