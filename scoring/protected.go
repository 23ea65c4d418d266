package scoring

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// protectedTokens are words that, as a whole word of a characteristic's name,
// mark it as sex, marital status, nationality or a direct proxy of them.
var protectedTokens = []string{
	"sex", "gender", "male", "female", "marital", "nationality", "citizenship", "ethnicity", "race", "religion",
}

// protectedPhrases are matched against the name with separators removed, so
// "personal_status", "PersonalStatus" and "personal-status" all match.
var protectedPhrases = []string{
	"personalstatus", // the German credit data codes sex and marital status together
	"maritalstatus",
	"foreignworker", // nationality in the German credit data
	"countryofbirth",
	"placeofbirth",
	"civilstatus",
}

// IsProtected reports whether a characteristic or feature name designates sex,
// marital status or nationality (or one of their direct proxies: gender,
// citizenship, personal status, foreign-worker status, country of birth,
// ethnicity, religion). Scoring must never use them: fitting, loading and
// deciding refuse them with ErrProtectedAttribute.
//
// It works on names, so a caller who renames "sex" to "x7" defeats it; it is a
// guard against mistakes, not against intent, and the fitted scorecard's
// characteristic list remains the document a reviewer checks.
func IsProtected(name string) bool {
	if p, ok := isProtectedASCII(name); ok {
		return p
	}
	return isProtectedUnicode(name)
}

// protectedPhraseBytes are protectedPhrases as bytes, for the fast path.
var protectedPhraseBytes = func() [][]byte {
	out := make([][]byte, len(protectedPhrases))
	for i, p := range protectedPhrases {
		out[i] = []byte(p)
	}
	return out
}()

// isProtectedASCII is IsProtected without allocation for ASCII names of up
// to 128 bytes (every name in practice): scoring checks each applicant's
// feature names, so this is on the decision hot path. ok is false when the
// name needs the Unicode path.
func isProtectedASCII(name string) (protected, ok bool) {
	var buf [128]byte // the name's letters and digits, lower-cased
	if len(name) > len(buf) {
		return false, false
	}
	n, start := 0, 0
	var prev byte
	word := func() bool {
		if n > start {
			for _, t := range protectedTokens {
				if string(buf[start:n]) == t {
					return true
				}
			}
		}
		start = n
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 0x80 {
			return false, false
		}
		upper, lower, digit := 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9'
		switch {
		case !upper && !lower && !digit:
			if word() {
				return true, true
			}
		case upper && 'a' <= prev && prev <= 'z':
			if word() {
				return true, true
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		if upper || lower || digit {
			buf[n] = c
			n++
		}
		prev = name[i]
	}
	if word() {
		return true, true
	}
	for _, p := range protectedPhraseBytes {
		if bytes.Contains(buf[:n], p) {
			return true, true
		}
	}
	return false, true
}

// isProtectedUnicode is the general IsProtected.
func isProtectedUnicode(name string) bool {
	// Split camelCase too: "applicantSex" has the word "sex".
	var b strings.Builder
	prev := rune(0)
	for _, r := range name {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	words := strings.FieldsFunc(b.String(), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		for _, t := range protectedTokens {
			if w == t {
				return true
			}
		}
	}
	joined := strings.Join(words, "")
	for _, p := range protectedPhrases {
		if strings.Contains(joined, p) {
			return true
		}
	}
	return false
}

func protectedErr(where, name string) error {
	return fmt.Errorf("%w: %s %q (sex, marital status and nationality must not be used)", ErrProtectedAttribute, where, name)
}
