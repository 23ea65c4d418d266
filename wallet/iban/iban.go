package iban

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Parse and the generators wrap them with the offending value;
// test with errors.Is. A *Error carries the detail.
var (
	// ErrInvalid is returned for any string that is not a valid IBAN.
	ErrInvalid = errors.New("iban: invalid IBAN")
	// ErrUnknownCountry is returned for a country code absent from the registry.
	ErrUnknownCountry = errors.New("iban: unknown IBAN country")
	// ErrChecksum is returned when the check digits (or a national key) do not match.
	ErrChecksum = errors.New("iban: check digits do not match")
)

// Error describes why a string is not a valid IBAN. It matches ErrInvalid and,
// when relevant, ErrUnknownCountry or ErrChecksum with errors.Is.
type Error struct {
	Input  string // the input, truncated to 64 bytes
	Reason string // what is wrong, for humans
	kind   error
}

// Error describes the failure; it implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("iban: invalid IBAN %q: %s", e.Input, e.Reason) }

// Is makes errors.Is match ErrInvalid and the specific sentinel.
func (e *Error) Is(target error) bool {
	return target == ErrInvalid || (e.kind != nil && target == e.kind)
}

func invalid(input string, kind error, format string, args ...any) error {
	if len(input) > 64 {
		input = input[:64]
	}
	return &Error{Input: input, Reason: fmt.Sprintf(format, args...), kind: kind}
}

// MaxLength is the longest IBAN any country uses (ISO 13616 allows 34).
const MaxLength = 34

// IBAN is a validated IBAN in electronic form (upper case, no spaces). The zero
// value is not a valid IBAN; obtain one from Parse, FromBBAN or an Issuer.
type IBAN struct{ s string }

// String returns the electronic form, "FR1420041010050500013M02606".
func (i IBAN) String() string { return i.s }

// IsZero reports whether i is the zero (unset) IBAN.
func (i IBAN) IsZero() bool { return i.s == "" }

// Country returns the ISO 3166-1 alpha-2 country code.
func (i IBAN) Country() string {
	if len(i.s) < 2 {
		return ""
	}
	return i.s[:2]
}

// CheckDigits returns the two check digits.
func (i IBAN) CheckDigits() string {
	if len(i.s) < 4 {
		return ""
	}
	return i.s[2:4]
}

// BBAN returns the national part after the check digits.
func (i IBAN) BBAN() string {
	if len(i.s) < 4 {
		return ""
	}
	return i.s[4:]
}

// Print returns the paper form: groups of four characters separated by spaces,
// "FR14 2004 1010 0505 0001 3M02 606".
func (i IBAN) Print() string {
	var b strings.Builder
	for k := 0; k < len(i.s); k++ {
		if k > 0 && k%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(i.s[k])
	}
	return b.String()
}

// MarshalText encodes the electronic form.
func (i IBAN) MarshalText() ([]byte, error) { return []byte(i.s), nil }

// UnmarshalText parses with Parse; an empty text decodes as the zero IBAN.
func (i *IBAN) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*i = IBAN{}
		return nil
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*i = v
	return nil
}

// Parse validates s and returns it in electronic form. Spaces (the paper form)
// and lower case are accepted; any other separator is not. Parse checks, in
// order: the characters, the country, the length registered for the country,
// the BBAN structure where known, the national key (France, Monaco) and the
// ISO 7064 MOD 97-10 check digits.
func Parse(s string) (IBAN, error) {
	if len(s) > 2*MaxLength { // bounds the work before any copy
		return IBAN{}, invalid(s, nil, "longer than %d characters", MaxLength)
	}
	b := make([]byte, 0, MaxLength)
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
		default:
			return IBAN{}, invalid(s, nil, "character %q at byte %d is not a letter or digit", c, k)
		}
		if len(b) == MaxLength {
			return IBAN{}, invalid(s, nil, "longer than %d characters", MaxLength)
		}
		b = append(b, c)
	}
	if len(b) < 5 {
		return IBAN{}, invalid(s, nil, "too short")
	}
	if !isUpper(b[0]) || !isUpper(b[1]) {
		return IBAN{}, invalid(s, nil, "does not start with a country code")
	}
	if !isDigit(b[2]) || !isDigit(b[3]) {
		return IBAN{}, invalid(s, nil, "check digits %q are not digits", b[2:4])
	}
	if cd := string(b[2:4]); cd == "00" || cd == "01" || cd == "99" {
		// 98 − (n mod 97) lies in 2..98; 00, 01 and 99 alias 97, 98 and 02.
		return IBAN{}, invalid(s, ErrChecksum, "check digits %s are never issued", cd)
	}
	cc := string(b[:2])
	spec, ok := registry[cc]
	if !ok {
		return IBAN{}, invalid(s, ErrUnknownCountry, "country %s does not use IBANs", cc)
	}
	if len(b) != spec.length {
		return IBAN{}, invalid(s, nil, "%s IBANs have %d characters, not %d", cc, spec.length, len(b))
	}
	if spec.bban != "" {
		if err := matchStructure(spec.bban, b[4:]); err != "" {
			return IBAN{}, invalid(s, nil, "%s BBAN: %s", cc, err)
		}
	}
	if cc == "FR" || cc == "MC" {
		if !ribKeyValid(string(b[4:])) {
			return IBAN{}, invalid(s, ErrChecksum, "RIB key does not match")
		}
	}
	if mod97(b[4:], b[:4]) != 1 {
		return IBAN{}, invalid(s, ErrChecksum, "check digits %s do not match", b[2:4])
	}
	return IBAN{s: string(b)}, nil
}

// MustParse is Parse for constants in programs and tests: it panics on error.
func MustParse(s string) IBAN {
	i, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return i
}

// Valid reports whether s is a valid IBAN (see Parse).
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// FromBBAN builds the IBAN of a national account number: it computes the check
// digits and validates the result. bban must already carry any national key
// (see FrenchBBAN for France).
func FromBBAN(country, bban string) (IBAN, error) {
	country = strings.ToUpper(country)
	bban = strings.ToUpper(strings.ReplaceAll(bban, " ", ""))
	if _, ok := registry[country]; !ok || len(country) != 2 {
		return IBAN{}, invalid(country+"??"+bban, ErrUnknownCountry, "country %q does not use IBANs", country)
	}
	if len(bban) > MaxLength-4 {
		return IBAN{}, invalid(country+"??"+bban, nil, "BBAN longer than %d characters", MaxLength-4)
	}
	for k := 0; k < len(bban); k++ {
		if !isDigit(bban[k]) && !isUpper(bban[k]) {
			return IBAN{}, invalid(country+"??"+bban, nil, "BBAN character %q is not a letter or digit", bban[k])
		}
	}
	check := 98 - mod97([]byte(bban), []byte(country+"00"))
	return Parse(fmt.Sprintf("%s%02d%s", country, check, bban))
}

// mod97 returns the ISO 7064 MOD 97-10 remainder of the digits of a then b, each
// letter read as two digits (A=10 … Z=35). It works digit by digit on an int, so
// any length is fine and nothing allocates.
func mod97(a, b []byte) int {
	r := 0
	for _, part := range [2][]byte{a, b} {
		for _, c := range part {
			switch {
			case isDigit(c):
				r = (r*10 + int(c-'0')) % 97
			default:
				v := int(c-'A') + 10
				r = (r*100 + v) % 97
			}
		}
	}
	return r
}

// Mod97 returns the ISO 7064 MOD 97-10 remainder of s, letters read as 10..35.
// s must hold only digits and upper-case letters. It is exported for the other
// identifiers built on the same check (SEPA creditor identifiers, RF creditor
// references).
func Mod97(s string) int { return mod97([]byte(s), nil) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// matchStructure checks a BBAN against a registry structure such as "5n5n11c2n":
// n digits, a upper-case letters, c letters or digits. It returns "" on a match,
// otherwise why not.
func matchStructure(spec string, b []byte) string {
	pos := 0
	for k := 0; k < len(spec); {
		n := 0
		for k < len(spec) && isDigit(spec[k]) {
			n = n*10 + int(spec[k]-'0')
			k++
		}
		kind := spec[k]
		k++
		for j := 0; j < n; j++ {
			if pos >= len(b) {
				return "too short"
			}
			c := b[pos]
			ok := false
			switch kind {
			case 'n':
				ok = isDigit(c)
			case 'a':
				ok = isUpper(c)
			case 'c':
				ok = isDigit(c) || isUpper(c)
			}
			if !ok {
				what := map[byte]string{'n': "a digit", 'a': "a letter", 'c': "a letter or digit"}[kind]
				return fmt.Sprintf("character %d (%q) must be %s", pos+1, c, what)
			}
			pos++
		}
	}
	if pos != len(b) {
		return "too long"
	}
	return ""
}
