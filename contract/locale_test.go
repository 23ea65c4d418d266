package contract

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
	"pgregory.net/rapid"
)

func mustLocale(t interface{ Fatal(...any) }, name string) *Locale {
	l, err := LocaleFor(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestMoneyExactBytes pins the bytes of formatted amounts: French groups
// with U+202F NARROW NO-BREAK SPACE and puts U+00A0 NO-BREAK SPACE before
// the symbol (CLDR 34+), Italian groups with "." and uses U+00A0.
func TestMoneyExactBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		locale string
		m      lendkit.Money
		want   string
	}{
		{"fr", lendkit.New(123456, lendkit.EUR), "1\u202f234,56\u00a0€"},
		{"fr", lendkit.New(123456, lendkit.EUR), "1\xe2\x80\xaf234,56\xc2\xa0\xe2\x82\xac"},
		{"fr", lendkit.New(-123456789, lendkit.EUR), "-1\u202f234\u202f567,89\u00a0€"},
		{"fr", lendkit.New(5, lendkit.EUR), "0,05\u00a0€"},
		{"fr", lendkit.New(100000, lendkit.USD), "1\u202f000,00\u00a0$US"},
		{"en", lendkit.New(123456, lendkit.EUR), "€1,234.56"},
		{"en", lendkit.New(-5, lendkit.EUR), "-€0.05"},
		{"en", lendkit.New(100000000, lendkit.JPY), "¥100,000,000"},
		{"en", lendkit.New(1234567, lendkit.KWD), "KWD1,234.567"},
		{"it", lendkit.New(123456, lendkit.EUR), "1.234,56\u00a0€"},
		{"it", lendkit.New(99, lendkit.EUR), "0,99\u00a0€"},
		{"it", lendkit.New(math.MinInt64, lendkit.EUR), "-92.233.720.368.547.758,08\u00a0€"},
		{"en", lendkit.New(math.MaxInt64, lendkit.EUR), "€92,233,720,368,547,758.07"},
	}
	for _, tt := range tests {
		got := mustLocale(t, tt.locale).Money(tt.m)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s Money(%s) (-want +got):\n%s", tt.locale, tt.m, diff)
		}
	}
}

func TestRateDateIntExact(t *testing.T) {
	t.Parallel()
	fr, en, it := mustLocale(t, "fr"), mustLocale(t, "en"), mustLocale(t, "it")
	r := lendkit.MustParseRate("5.25%")
	apr := lendkit.MustParseRate("0.052471") // 5.2471 % shows as 5.25 (half-up)
	d1 := lendkit.MustParseDate("2027-01-01")
	d2 := lendkit.MustParseDate("2027-08-15")
	got := []string{
		fr.Rate(r), en.Rate(r), it.Rate(r), fr.Rate(apr), en.RateDigits(apr, 3),
		fr.Rate(lendkit.MustParseRate("1234.5%")), en.Rate(lendkit.MustParseRate("-0.5%")),
		fr.Date(d1), fr.Date(d2), en.Date(d1), it.Date(d2), fr.ShortDate(d1), en.ShortDate(d2),
		fr.Int(3000), en.Int(3000), it.Int(-1234567), fr.Int(999),
	}
	want := []string{
		"5,25\u202f%", "5.25%", "5,25%", "5,25\u202f%", "5.247%",
		"1\u202f234,50\u202f%", "-0.50%",
		"1er janvier 2027", "15 août 2027", "1 January 2027", "15 agosto 2027", "01/01/2027", "15/08/2027",
		"3\u202f000", "3,000", "-1.234.567", "999",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUnsupportedLocale(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "de", "FR", "fr-FR"} {
		if _, err := LocaleFor(name); !errorIs(err, ErrUnsupportedLocale) {
			t.Errorf("LocaleFor(%q) = %v, want ErrUnsupportedLocale", name, err)
		}
	}
}

// TestMoneyMatchesXText checks the fast formatter against x/text's own
// formatting of the same integer part (whose CLDR 32 French separator is
// U+00A0; ours is CLDR 34's U+202F), and that the output parses back to the
// same minor units: nothing is lost or rounded.
func TestMoneyMatchesXText(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.SampledFrom(Locales).Draw(t, "locale")
		cur := rapid.SampledFrom([]lendkit.Currency{lendkit.EUR, lendkit.JPY, lendkit.KWD}).Draw(t, "currency")
		minor := rapid.Int64Range(-1e15, 1e15).Draw(t, "minor")
		l := mustLocale(t, name)
		m := lendkit.New(minor, cur)
		got := l.Number(m)

		abs := minor
		if abs < 0 {
			abs = -abs
		}
		scale := int64(1)
		for range cur.Exponent() {
			scale *= 10
		}
		p := message.NewPrinter(language.MustParse(name))
		want := p.Sprint(number.Decimal(abs / scale))
		if name == "fr" {
			want = strings.ReplaceAll(want, "\u00a0", "\u202f")
		}
		if cur.Exponent() > 0 {
			frac := lendkit.New(abs%scale, cur).Amount() // "0.05"
			want += l.decimal + frac[strings.IndexByte(frac, '.')+1:]
		}
		if minor < 0 {
			want = "-" + want
		}
		if got != want {
			t.Fatalf("Number(%s) = %q, x/text gives %q", m, got, want)
		}
		plain := strings.NewReplacer(l.group, "", l.decimal, ".").Replace(got)
		back, err := lendkit.ParseMoney(plain, cur)
		if err != nil || back != m {
			t.Fatalf("Number(%s) = %q parses back as %v, %v", m, got, back, err)
		}
		withSym := l.Money(m)
		if !strings.Contains(withSym, strings.TrimPrefix(got, "-")) || !strings.Contains(withSym, l.CurrencySymbol(cur)) {
			t.Fatalf("Money(%s) = %q lacks %q or the symbol", m, withSym, got)
		}
	})
}
