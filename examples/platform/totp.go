package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// TOTP (RFC 6238) over HOTP (RFC 4226), written with crypto/hmac: the code is
// the dynamic truncation of HMAC(secret, T) where T counts 30-second steps
// since the Unix epoch. Agents enrol a secret in an authenticator app (the
// otpauth:// URI below is what a QR code carries) and must give a code at
// login before any agent route accepts their session.

// totpStep is the RFC 6238 time step X; totpDigits the code length.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
	// totpSkew accepts codes from one step before and after now, the
	// resynchronisation window RFC 6238 §5.2 recommends for clock drift.
	totpSkew = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newTOTPSecret returns a fresh 160-bit secret (RFC 4226 §4 recommends at
// least 160 bits) in base32, as authenticator apps expect.
func newTOTPSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("platform: totp secret: %w", err)
	}
	return b32.EncodeToString(b), nil
}

// hotp returns the RFC 4226 code of key at counter with digits digits, using
// the hash h (SHA-1 for authenticator apps; RFC 6238 also defines SHA-256
// and SHA-512, which the tests check against the RFC's vectors).
func hotp(h func() hash.Hash, key []byte, counter uint64, digits int) string {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpAt returns the RFC 6238 code of key at t.
func totpAt(h func() hash.Hash, key []byte, t time.Time, digits int) string {
	return hotp(h, key, uint64(t.Unix())/uint64(totpStep/time.Second), digits)
}

// verifyTOTP reports whether code is the 6-digit SHA-1 TOTP of the base32
// secret at now, within ±totpSkew steps. The comparison is constant-time.
func verifyTOTP(secret, code string, now time.Time) bool {
	key, err := b32.DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	if err != nil || len(code) != totpDigits {
		return false
	}
	ok := 0
	for d := -totpSkew; d <= totpSkew; d++ {
		c := totpAt(sha1.New, key, now.Add(time.Duration(d)*totpStep), totpDigits)
		ok |= subtle.ConstantTimeCompare([]byte(c), []byte(code))
	}
	return ok == 1
}

// totpURI is the otpauth:// URI (Google Authenticator key-URI format) that
// authenticator apps import.
func totpURI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(totpDigits))
	v.Set("period", fmt.Sprint(int(totpStep/time.Second)))
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}
