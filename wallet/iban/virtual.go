package iban

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// MaxAttempts bounds Issuer.Issue's attempt number: a collision chain longer
// than this means the account space is exhausted, not bad luck.
const MaxAttempts = 100

// Issuer derives virtual IBANs from identifiers. Its account numbers live
// under one French bank code and branch code (the payment institution's) and
// start with a fixed prefix, so they never overlap with the institution's
// ordinary accounts; the rest of the 11-character account number is digits
// derived from SHA-256 of the namespace, the identifier and the attempt
// number. An Issuer is immutable and safe for concurrent use.
type Issuer struct {
	bank, branch, prefix, namespace string
	free                            int    // digits derived from the hash
	modulus                         uint64 // 10^free
}

// IssuerConfig configures NewIssuer.
type IssuerConfig struct {
	// Bank and Branch are the 5-digit French bank code (code banque) and branch
	// code (code guichet) under which the institution opens virtual accounts.
	Bank, Branch string
	// Prefix starts every virtual account number (1 to 4 letters or digits), so
	// that virtual accounts never collide with the institution's own numbering.
	// The remaining 11−len(Prefix) characters are digits: 10^(11−len) accounts.
	Prefix string
	// Namespace separates identifier spaces: an Issuer for loans ("loan") and
	// one for borrowers ("borrower") give the same id different IBANs.
	Namespace string
}

// NewIssuer returns an Issuer of French virtual IBANs (FRkk BBBBB GGGGG
// PPPPNNNNNNN KK, with the RIB key KK and the IBAN check digits kk computed).
// Monaco uses the same BBAN; other countries' virtual IBANs depend on national
// check rules this package does not implement, and are refused.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	prefix := strings.ToUpper(cfg.Prefix)
	if len(prefix) < 1 || len(prefix) > 4 {
		return nil, fmt.Errorf("iban: virtual account prefix %q must have 1 to 4 characters", cfg.Prefix)
	}
	if err := matchStructure(strconv.Itoa(len(prefix))+"c", []byte(prefix)); err != "" {
		return nil, fmt.Errorf("iban: virtual account prefix %q: %s", cfg.Prefix, err)
	}
	if cfg.Namespace == "" {
		return nil, fmt.Errorf("iban: virtual IBAN issuer needs a namespace")
	}
	free := 11 - len(prefix)
	mod := uint64(1)
	for range free {
		mod *= 10
	}
	is := &Issuer{bank: cfg.Bank, branch: cfg.Branch, prefix: prefix, namespace: cfg.Namespace, free: free, modulus: mod}
	// Validates bank and branch once, so Issue fails only on its own input.
	if _, err := FrenchIBAN(cfg.Bank, cfg.Branch, prefix+strings.Repeat("0", free)); err != nil {
		return nil, fmt.Errorf("iban: virtual IBAN issuer: %w", err)
	}
	return is, nil
}

// Capacity returns how many distinct account numbers the issuer can produce.
func (is *Issuer) Capacity() uint64 { return is.modulus }

// Issue returns the virtual IBAN of id at the given attempt (0 first; after a
// uniqueness conflict in the store, retry with attempt+1). The result depends
// only on the issuer's configuration, id and attempt.
func (is *Issuer) Issue(id string, attempt int) (IBAN, error) {
	if id == "" {
		return IBAN{}, fmt.Errorf("iban: virtual IBAN for an empty id")
	}
	if attempt < 0 || attempt >= MaxAttempts {
		return IBAN{}, fmt.Errorf("iban: virtual IBAN attempt %d outside [0, %d)", attempt, MaxAttempts)
	}
	h := sha256.New()
	// Length-prefixed fields: ("ab","c") and ("a","bc") hash differently.
	var n [8]byte
	for _, part := range []string{is.namespace, id} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write([]byte(part))
	}
	binary.BigEndian.PutUint64(n[:], uint64(attempt))
	h.Write(n[:])
	sum := h.Sum(nil)
	// The modulo bias of 2^64 mod 10^10 over 2^64 is below 1e-9: irrelevant
	// next to the collision handling the store does anyway.
	v := binary.BigEndian.Uint64(sum[:8]) % is.modulus
	account := fmt.Sprintf("%s%0*d", is.prefix, is.free, v)
	return FrenchIBAN(is.bank, is.branch, account)
}

// Owns reports whether i is in this issuer's virtual account range (same bank,
// branch and prefix). It does not say which id it was issued for: that is the
// store's lookup.
func (is *Issuer) Owns(i IBAN) bool {
	b := i.BBAN()
	return i.Country() == "FR" && len(b) == 23 && b[:5] == is.bank && b[5:10] == is.branch && strings.HasPrefix(b[10:21], is.prefix)
}
