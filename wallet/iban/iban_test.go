package iban

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func readVectors(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRegistryExamples(t *testing.T) {
	t.Parallel()
	vectors := readVectors(t, "testdata/registry-examples.txt")
	if len(vectors) < 70 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	for _, v := range vectors {
		got, err := Parse(v)
		if err != nil {
			t.Errorf("Parse(%q): %v", v, err)
			continue
		}
		if got.String() != v {
			t.Errorf("Parse(%q) = %q", v, got)
		}
		// Every example regenerates from its BBAN.
		again, err := FromBBAN(got.Country(), got.BBAN())
		if err != nil || again != got {
			t.Errorf("FromBBAN(%s, %s) = %v, %v; want %v", got.Country(), got.BBAN(), again, err, got)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{in: "FR14 2004 1010 0505 0001 3M02 606", want: "FR1420041010050500013M02606"},
		{in: "fr1420041010050500013m02606", want: "FR1420041010050500013M02606"},
		{in: "DE89 3704 0044 0532 0130 00", want: "DE89370400440532013000"},
		{in: "", wantErr: ErrInvalid},
		{in: "FR", wantErr: ErrInvalid},
		{in: "FR15 2004 1010 0505 0001 3M02 606", wantErr: ErrChecksum}, // check digits off by one
		{in: "FR1420041010050500013M02607", wantErr: ErrChecksum},       // RIB key off by one
		{in: "DE89370400440532013001", wantErr: ErrChecksum},            // last digit changed
		{in: "DE8937040044053201300", wantErr: ErrInvalid},              // one short
		{in: "XX89370400440532013000", wantErr: ErrUnknownCountry},      // no such country
		{in: "DE89-3704-0044-0532-0130-00", wantErr: ErrInvalid},        // wrong separator
		{in: "NL91ABNA041716430O", wantErr: ErrInvalid},                 // letter O in a digit field
		{in: "GB29NWBK6016133192681É", wantErr: ErrInvalid},             // non-ASCII
		{in: "1E29AIBK93115212345678", wantErr: ErrInvalid},             // digit country
		{in: "IEAAAIBK93115212345678", wantErr: ErrInvalid},             // letter check digits
		{in: strings.Repeat("A", 1<<20), wantErr: ErrInvalid},           // huge
		{in: "FR1420041010050500013M0260612345", wantErr: ErrInvalid},   // too long for FR
		{in: "FR14200410100505000 13M02606 ", want: "FR1420041010050500013M02606"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%.40q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) || len(e.Input) > 64 {
				t.Errorf("Parse(%.40q) error %v is not a bounded *Error", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got.String()); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestPrintAndParts(t *testing.T) {
	t.Parallel()
	i := MustParse("FR1420041010050500013M02606")
	got := []string{i.Print(), i.Country(), i.CheckDigits(), i.BBAN()}
	want := []string{"FR14 2004 1010 0505 0001 3M02 606", "FR", "14", "20041010050500013M02606"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var zero IBAN
	if zero.Country() != "" || zero.BBAN() != "" || zero.CheckDigits() != "" || !zero.IsZero() {
		t.Error("zero IBAN parts not empty")
	}
}

func TestTextRoundTrip(t *testing.T) {
	t.Parallel()
	i := MustParse("BE68539007547034")
	b, err := i.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var j IBAN
	if err := j.UnmarshalText(b); err != nil || j != i {
		t.Fatalf("round trip: %v %v", j, err)
	}
	if err := j.UnmarshalText([]byte("BE68539007547035")); !errors.Is(err, ErrChecksum) {
		t.Fatalf("bad IBAN decoded: %v", err)
	}
	if err := j.UnmarshalText(nil); err != nil || !j.IsZero() {
		t.Fatalf("empty text: %v %v", j, err)
	}
}

func TestRIBKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ bank, branch, account, want string }{
		{"20041", "01005", "0500013M026", "06"}, // registry example FR14 2004 1010 0505 0001 3M02 606
		{"30006", "00001", "12345678901", "89"}, // sample FR76 3000 6000 0112 3456 7890 189 used in French bank documentation
		{"11222", "00001", "01234567890", "30"}, // Monaco registry example
	}
	for _, tt := range tests {
		got, err := RIBKey(tt.bank, tt.branch, tt.account)
		if err != nil {
			t.Errorf("RIBKey(%s %s %s): %v", tt.bank, tt.branch, tt.account, err)
			continue
		}
		if got != tt.want {
			t.Errorf("RIBKey(%s %s %s) = %s, want %s", tt.bank, tt.branch, tt.account, got, tt.want)
		}
	}
	for _, bad := range [][3]string{{"2004", "01005", "0500013M026"}, {"20041", "0100A", "0500013M026"}, {"20041", "01005", "0500013M02-"}} {
		if _, err := RIBKey(bad[0], bad[1], bad[2]); !errors.Is(err, ErrInvalid) {
			t.Errorf("RIBKey(%v) error = %v", bad, err)
		}
	}
	got, err := FrenchIBAN("30006", "00001", "12345678901")
	if err != nil || got.String() != "FR7630006000011234567890189" {
		t.Errorf("FrenchIBAN = %v, %v", got, err)
	}
}

// TestFromBBANProperty: any BBAN of the right shape gets check digits that
// validate, and changing any single character breaks validation (MOD 97-10
// detects all single substitutions).
func TestFromBBANProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		bban := rapid.StringMatching(`[0-9]{8}[0-9]{10}`).Draw(t, "bban")
		i, err := FromBBAN("DE", bban)
		if err != nil {
			t.Fatalf("FromBBAN(DE, %s): %v", bban, err)
		}
		pos := rapid.IntRange(2, len(i.s)-1).Draw(t, "pos")
		digit := byte(rapid.IntRange(0, 9).Draw(t, "digit")) + '0'
		if i.s[pos] == digit {
			return
		}
		mut := i.s[:pos] + string(digit) + i.s[pos+1:]
		if Valid(mut) {
			t.Fatalf("%s validates after changing position %d of %s", mut, pos, i)
		}
	})
}

func TestFrenchIBANProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		bank := rapid.StringMatching(`[0-9]{5}`).Draw(t, "bank")
		branch := rapid.StringMatching(`[0-9]{5}`).Draw(t, "branch")
		acct := rapid.StringMatching(`[0-9A-Z]{11}`).Draw(t, "account")
		i, err := FrenchIBAN(bank, branch, acct)
		if err != nil {
			t.Fatalf("FrenchIBAN(%s,%s,%s): %v", bank, branch, acct, err)
		}
		if !ribKeyValid(i.BBAN()) {
			t.Fatalf("%s: RIB key invalid", i)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"FR1420041010050500013M02606", "DE89 3704 0044 0532 0130 00", "", "XX00", "fr14 2004", "GB29NWBK60161331926819\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not match ErrInvalid", s, err)
			}
			return
		}
		// A valid IBAN is canonical, re-parses to itself and rebuilds from its BBAN.
		j, err := Parse(i.String())
		if err != nil || j != i {
			t.Fatalf("re-parse of %s: %v %v", i, j, err)
		}
		k, err := Parse(i.Print())
		if err != nil || k != i {
			t.Fatalf("parse of print form %q: %v %v", i.Print(), k, err)
		}
		l, err := FromBBAN(i.Country(), i.BBAN())
		if err != nil || l != i {
			t.Fatalf("FromBBAN of %s: %v %v", i, l, err)
		}
	})
}
