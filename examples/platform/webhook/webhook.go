package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>".
	SignatureHeader = "Lendkit-Signature"
	// EventHeader carries the event's id, the same on every retry.
	EventHeader = "Lendkit-Event-Id"
	// DeliveryHeader carries the delivery's id (one per subscription and
	// event).
	DeliveryHeader = "Lendkit-Delivery-Id"
)

// DefaultTolerance is the replay window Verify is usually given: a delivery
// signed more than five minutes before (or after) the receiver's clock is
// refused.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify, wrapped with detail; check with errors.Is.
var (
	// ErrHeader: the signature header is missing or malformed.
	ErrHeader = errors.New("webhook: malformed signature header")
	// ErrSignature: no v1 value matches the body under the secret.
	ErrSignature = errors.New("webhook: signature mismatch")
	// ErrTooOld: the timestamp is older than the tolerance (a replay, or
	// a delivery that waited too long).
	ErrTooOld = errors.New("webhook: timestamp outside the replay window")
	// ErrFuture: the timestamp is further in the future than the tolerance.
	ErrFuture = errors.New("webhook: timestamp in the future")
)

// mac returns HMAC-SHA256(secret, t "." body).
func mac(secret []byte, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(t, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the SignatureHeader value for body signed at t with secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := t.Unix()
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// Verify checks header (a SignatureHeader value) against body and secret,
// and that its timestamp is within tolerance of now. It returns nil only for
// an authentic, fresh delivery.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if header == "" {
		return fmt.Errorf("%w: empty", ErrHeader)
	}
	var ts int64
	haveTS := false
	var sigs [][]byte
	for i, part := range strings.Split(header, ",") {
		if i >= 16 { // bounded: a header has t and a few v1 values
			return fmt.Errorf("%w: too many elements", ErrHeader)
		}
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: element %q is not key=value", ErrHeader, part)
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveTS {
				return fmt.Errorf("%w: bad or repeated timestamp %q", ErrHeader, v)
			}
			ts, haveTS = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return fmt.Errorf("%w: v1 is not a hex SHA-256 MAC", ErrHeader)
			}
			sigs = append(sigs, b)
		default:
			// Unknown schemes (a future v2) are skipped, so receivers keep
			// working when the platform adds one.
		}
	}
	if !haveTS || len(sigs) == 0 {
		return fmt.Errorf("%w: needs t= and at least one v1=", ErrHeader)
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignature
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > tolerance {
		return fmt.Errorf("%w: signed %s ago, tolerance %s", ErrTooOld, age.Truncate(time.Second), tolerance)
	}
	if -age > tolerance {
		return fmt.Errorf("%w: signed %s ahead", ErrFuture, (-age).Truncate(time.Second))
	}
	return nil
}

// Backoff is the wait after the attempt-th failed attempt (1-based):
// base·2^(attempt−1), capped at max. Deterministic (no jitter): deliveries
// are spread by the events' own times, and a schedule tests can predict is
// worth more here than decorrelation.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt; i++ {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	if d > max {
		return max
	}
	return d
}
