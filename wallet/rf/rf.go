package rf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lendkit/lendkit/wallet/iban"
)

// ErrInvalid is returned (wrapped, with the offending input) for a string that
// is not a valid RF creditor reference, or a payload that cannot become one.
var ErrInvalid = errors.New("rf: invalid creditor reference")

// MaxPayload is the longest reference payload ISO 11649 allows (25 characters
// in all, minus "RF" and the check digits).
const MaxPayload = 21

// Reference is a validated creditor reference in electronic form (upper case,
// no spaces), "RF18539007547034". The zero value is "no reference".
type Reference struct{ s string }

// String returns the electronic form.
func (r Reference) String() string { return r.s }

// IsZero reports whether r is unset.
func (r Reference) IsZero() bool { return r.s == "" }

// Payload returns the creditor's own reference, after the check digits.
func (r Reference) Payload() string {
	if len(r.s) < 4 {
		return ""
	}
	return r.s[4:]
}

// Print returns the paper form in groups of four: "RF18 5390 0754 7034".
func (r Reference) Print() string {
	var b strings.Builder
	for k := 0; k < len(r.s); k++ {
		if k > 0 && k%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(r.s[k])
	}
	return b.String()
}

func bad(s, format string, args ...any) error {
	if len(s) > 64 {
		s = s[:64]
	}
	return fmt.Errorf("%w %q: %s", ErrInvalid, s, fmt.Sprintf(format, args...))
}

// normalize upper-cases s, drops spaces and checks that only letters and
// digits remain, at most limit of them.
func normalize(s string, limit int) (string, error) {
	if len(s) > 4*limit+8 {
		return "", bad(s, "too long")
	}
	b := make([]byte, 0, limit)
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
		default:
			return "", bad(s, "character %q is not a letter or digit", c)
		}
		if len(b) == limit {
			return "", bad(s, "more than %d characters", limit)
		}
		b = append(b, c)
	}
	return string(b), nil
}

// New returns the creditor reference of payload (1 to 21 letters or digits;
// spaces are dropped, lower case is upper-cased): it computes the check
// digits.
func New(payload string) (Reference, error) {
	p, err := normalize(payload, MaxPayload)
	if err != nil {
		return Reference{}, err
	}
	if p == "" {
		return Reference{}, bad(payload, "empty payload")
	}
	check := 98 - iban.Mod97(p+"RF00")
	return Reference{s: fmt.Sprintf("RF%02d%s", check, p)}, nil
}

// Parse validates s, accepting the paper form (spaces) and lower case.
func Parse(s string) (Reference, error) {
	n, err := normalize(s, MaxPayload+4)
	if err != nil {
		return Reference{}, err
	}
	if len(n) < 5 || n[:2] != "RF" {
		return Reference{}, bad(s, "does not start with RF and a payload")
	}
	if n[2] < '0' || n[2] > '9' || n[3] < '0' || n[3] > '9' {
		return Reference{}, bad(s, "check digits are not digits")
	}
	if cd := n[2:4]; cd == "00" || cd == "01" || cd == "99" {
		// 98 − (n mod 97) lies in 2..98; 00, 01 and 99 alias 97, 98 and 02.
		return Reference{}, bad(s, "check digits %s are never issued", cd)
	}
	if iban.Mod97(n[4:]+n[:4]) != 1 {
		return Reference{}, bad(s, "check digits %s do not match", n[2:4])
	}
	return Reference{s: n}, nil
}

// MustNew is New for constants in programs and tests: it panics on error.
func MustNew(payload string) Reference {
	r, err := New(payload)
	if err != nil {
		panic(err)
	}
	return r
}

// Find returns the first valid RF reference inside free text, such as the
// unstructured remittance information of a bank statement line ("Loan
// RF18 5390 0754 7034 March"). Payers paste references in electronic form or
// in the paper form's groups of four, so a reference is a run of
// alphanumerics starting with "RF", possibly continued by space-separated
// groups as long as every group but the last has exactly four characters (the
// paper grouping). Candidates end at group boundaries; the longest valid one
// wins. A following word of 1 to 4 characters that happens to validate with
// the reference (one chance in 97) would be taken with it: reconciliation
// treats an RF match as a strong hint and still checks the amount. It
// returns false when no reference is found. The scan is bounded to the
// text's first 4096 bytes.
func Find(text string) (Reference, bool) {
	if len(text) > 4096 {
		text = text[:4096]
	}
	up := strings.ToUpper(text)
	for i := 0; i+5 <= len(up); i++ {
		if up[i] != 'R' || up[i+1] != 'F' || (i > 0 && isAlnum(up[i-1])) {
			continue
		}
		var cand []byte
		var ends []int // candidate lengths at group boundaries
		j := i
		for group := 0; j < len(up); group++ {
			start := j
			for j < len(up) && isAlnum(up[j]) {
				j++
			}
			n := j - start
			if group > 0 && (n == 0 || n > 4) {
				break
			}
			if len(cand)+n > MaxPayload+4 {
				break
			}
			cand = append(cand, up[start:j]...)
			ends = append(ends, len(cand))
			if (group > 0 && n != 4) || (group == 0 && n > 4) {
				break // only a full paper group may be followed by another
			}
			if j+1 >= len(up) || up[j] != ' ' {
				break
			}
			j++ // the single space between groups
		}
		for k := len(ends) - 1; k >= 0; k-- {
			if ends[k] < 5 {
				break
			}
			if r, err := Parse(string(cand[:ends[k]])); err == nil {
				return r, true
			}
		}
	}
	return Reference{}, false
}

func isAlnum(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') }
