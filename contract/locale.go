package contract

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/lendkit/lendkit"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"
)

// Unicode spaces that French and Italian typography put inside numbers. They
// are named because they are invisible in source code and in test failures.
const (
	// NBSP is U+00A0 NO-BREAK SPACE: between an amount and its currency
	// symbol in fr and it ("1 234,56 €").
	NBSP = "\u00a0"
	// NNBSP is U+202F NARROW NO-BREAK SPACE: the French thousands separator
	// and the space before "%" ("1 234,56 €", "5,25 %").
	NNBSP = "\u202f"
)

// Locale formats amounts, dates and rates, and translates the contract text,
// for one language. Locales are immutable and safe for concurrent use; obtain
// one with LocaleFor.
//
// Number symbols (decimal separator, grouping separator and size, percent
// placement) come from CLDR through golang.org/x/text, with one correction:
// x/text ships CLDR 32, where French still groups with U+00A0; CLDR 34 and
// later, and the French Imprimerie nationale rules, use U+202F NARROW NO-BREAK
// SPACE for grouping and before "%". Currency symbols come from x/text too; the
// position of the symbol is not exposed by x/text and is taken from the CLDR
// standard currency pattern of each language (en "¤#,##0.00", fr and it
// "#,##0.00 ¤" with U+00A0), kept in the table below.
type Locale struct {
	name    string
	tag     language.Tag
	printer *message.Printer

	decimal     string // decimal separator
	group       string // grouping separator
	minGrouping int    // digits above which grouping starts (1: "1,234"; 2: "1234" but "12,345")
	pctPrefix   string // text before the digits of a percentage
	pctSuffix   string // text after the digits of a percentage

	curBefore bool   // symbol before the amount ("€1.00") or after ("1,00 €")
	curSep    string // between amount and symbol

	months     [12]string
	firstOfDay string // suffix of day 1 in long dates ("er" in French: "1er janvier")

	symbols sync.Map // ISO code → localized currency symbol
}

// localeSpec is what x/text does not provide: currency placement and month
// names (x/text has no date formatting), from CLDR 44 main/{en,fr,it}.xml.
type localeSpec struct {
	curBefore  bool
	curSep     string
	months     [12]string
	firstOfDay string
}

var localeSpecs = map[string]localeSpec{
	"en": {
		curBefore: true,
		months:    [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	},
	"fr": {
		curSep:     NBSP,
		months:     [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		firstOfDay: "er",
	},
	"it": {
		curSep: NBSP,
		months: [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
	},
}

// Locales lists the supported locale names, in a fixed order.
var Locales = []string{"en", "fr", "it"}

var (
	localeOnce sync.Once
	locales    map[string]*Locale
	localeErr  error
)

// LocaleFor returns the locale named name ("en", "fr" or "it"); other names
// are ErrUnsupportedLocale.
func LocaleFor(name string) (*Locale, error) {
	localeOnce.Do(func() { locales, localeErr = buildLocales() })
	if localeErr != nil {
		return nil, localeErr
	}
	l, ok := locales[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (supported: %s)", ErrUnsupportedLocale, name, strings.Join(Locales, ", "))
	}
	return l, nil
}

func buildLocales() (map[string]*Locale, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for key, byLang := range messages {
		for _, name := range Locales {
			text, ok := byLang[name]
			if !ok {
				return nil, fmt.Errorf("contract: message %q has no %s text", key, name)
			}
			if err := b.SetString(language.MustParse(name), key, text); err != nil {
				return nil, fmt.Errorf("contract: message %q (%s): %w", key, name, err)
			}
		}
	}
	out := make(map[string]*Locale, len(Locales))
	for _, name := range Locales {
		tag := language.MustParse(name)
		l := &Locale{name: name, tag: tag, printer: message.NewPrinter(tag, message.Catalog(b))}
		if err := l.deriveSymbols(); err != nil {
			return nil, err
		}
		spec := localeSpecs[name]
		l.curBefore, l.curSep, l.months, l.firstOfDay = spec.curBefore, spec.curSep, spec.months, spec.firstOfDay
		out[name] = l
	}
	return out, nil
}

// deriveSymbols reads the locale's number symbols out of x/text's CLDR data by
// formatting known integers, so they are never typed by hand.
func (l *Locale) deriveSymbols() error {
	p := message.NewPrinter(l.tag)
	// "1.0" / "1,0": the decimal separator.
	dec := strings.TrimSuffix(strings.TrimPrefix(p.Sprint(number.Decimal(int64(1), number.Scale(1))), "1"), "0")
	// "1,234,567": the grouping separator and the group size.
	big := p.Sprint(number.Decimal(int64(1234567)))
	grp := strings.TrimSuffix(strings.TrimPrefix(big, "1"), "567")
	if g, _, ok := strings.Cut(grp, "234"); ok {
		grp = g
	}
	if dec == "" || grp == "" || big != "1"+grp+"234"+grp+"567" {
		return fmt.Errorf("contract: %s: unexpected CLDR number format %q / %q (only 3-digit grouping is supported)", l.name, big, dec)
	}
	l.minGrouping = 1
	if p.Sprint(number.Decimal(int64(1234))) == "1234" {
		l.minGrouping = 2
	}
	// "500%" / "500 %": where the percent sign goes.
	pct := p.Sprint(number.Percent(int64(5)))
	pre, suf, ok := strings.Cut(pct, "500")
	if !ok {
		return fmt.Errorf("contract: %s: unexpected CLDR percent format %q", l.name, pct)
	}
	if l.name == "fr" {
		// CLDR 34+ (x/text ships CLDR 32): narrow no-break space.
		grp = strings.ReplaceAll(grp, NBSP, NNBSP)
		suf = strings.ReplaceAll(suf, NBSP, NNBSP)
	}
	l.decimal, l.group, l.pctPrefix, l.pctSuffix = dec, grp, pre, suf
	return nil
}

// Name returns the locale's name ("fr").
func (l *Locale) Name() string { return l.name }

// Tag returns the locale's BCP 47 language tag.
func (l *Locale) Tag() language.Tag { return l.tag }

// Text returns the translation of the message key, formatted with args by
// golang.org/x/text/message. Unknown keys are reported when a template is
// loaded (see Templates.Load), so Text itself never fails.
func (l *Locale) Text(key string, args ...any) string { return l.printer.Sprintf(key, args...) }

// HasText reports whether key is a message of the contract catalog.
func (l *Locale) HasText(key string) bool { return hasMessage(key) }

func hasMessage(key string) bool {
	_, ok := messages[key]
	return ok
}

// CurrencySymbol returns the localized symbol of c ("€", "$US" in French).
func (l *Locale) CurrencySymbol(c lendkit.Currency) string {
	if s, ok := l.symbols.Load(c.Code()); ok {
		return s.(string)
	}
	sym := c.Code()
	if u, err := currency.ParseISO(c.Code()); err == nil {
		sym = message.NewPrinter(l.tag).Sprint(currency.Symbol(u))
	}
	l.symbols.Store(c.Code(), sym)
	return sym
}

// Money formats m with its currency: "€1,234.56" (en), "1 234,56 €" (fr,
// with U+202F between groups and U+00A0 before €), "1.234,56 €" (it).
// Amounts are exact: m is printed digit for digit from its minor units, so no
// rounding happens.
func (l *Locale) Money(m lendkit.Money) string {
	return string(l.AppendMoney(make([]byte, 0, 32), m))
}

// AppendMoney appends Money(m) to b.
func (l *Locale) AppendMoney(b []byte, m lendkit.Money) []byte {
	sym := l.CurrencySymbol(m.Currency())
	if m.IsNegative() {
		b = append(b, '-')
	}
	if l.curBefore {
		b = append(b, sym...)
		b = append(b, l.curSep...)
	}
	u := uint64(m.Minor())
	if m.IsNegative() {
		u = -u // two's complement: right for math.MinInt64 too
	}
	b = l.appendUnsigned(b, u, m.Currency().Exponent())
	if !l.curBefore {
		b = append(b, l.curSep...)
		b = append(b, sym...)
	}
	return b
}

// Number formats an amount without its currency symbol ("1 234,56"), as
// schedule tables print it under a header naming the currency.
func (l *Locale) Number(m lendkit.Money) string {
	b := make([]byte, 0, 24)
	u := uint64(m.Minor())
	if m.IsNegative() {
		b = append(b, '-')
		u = -u
	}
	return string(l.appendUnsigned(b, u, m.Currency().Exponent()))
}

// Int formats an integer with grouping ("3 000" in French).
func (l *Locale) Int(n int64) string {
	b := make([]byte, 0, 24)
	u := uint64(n)
	if n < 0 {
		b = append(b, '-')
		u = -u
	}
	return string(l.appendUnsigned(b, u, 0))
}

// appendUnsigned appends u / 10^scale with grouping and the decimal separator.
func (l *Locale) appendUnsigned(b []byte, u uint64, scale int) []byte {
	var digits [24]byte
	n := len(digits)
	for u > 0 || n > len(digits)-scale-1 {
		n--
		digits[n] = byte('0' + u%10)
		u /= 10
	}
	s := digits[n:]
	intPart, frac := s[:len(s)-scale], s[len(s)-scale:]
	return l.appendGrouped(b, intPart, frac)
}

// appendGrouped appends integer digits with grouping, then frac after the
// decimal separator (if frac is not empty).
func (l *Locale) appendGrouped(b []byte, intPart, frac []byte) []byte {
	if len(intPart) > 3 && len(intPart) >= 3+l.minGrouping {
		first := len(intPart) % 3
		if first == 0 {
			first = 3
		}
		b = append(b, intPart[:first]...)
		for i := first; i < len(intPart); i += 3 {
			b = append(b, l.group...)
			b = append(b, intPart[i:i+3]...)
		}
	} else {
		b = append(b, intPart...)
	}
	if len(frac) > 0 {
		b = append(b, l.decimal...)
		b = append(b, frac...)
	}
	return b
}

// Rate formats an annual rate in percent with two decimals, rounded half-up
// for display only: "5.25%" (en), "5,25 %" (fr, U+202F), "5,25%" (it). Rates
// are exact decimals; a rate with more decimals (an APR of 5.2471…%) shows
// the legally customary two.
func (l *Locale) Rate(r lendkit.Rate) string {
	return l.RateDigits(r, 2)
}

// RateDigits formats r in percent with places decimals, rounded half-up.
func (l *Locale) RateDigits(r lendkit.Rate, places int32) string {
	p := lendkit.HalfUp.Round(r.Percent(), places)
	s := p.StringFixed(places)
	b := make([]byte, 0, len(s)+8)
	if strings.HasPrefix(s, "-") {
		b = append(b, '-')
		s = s[1:]
	}
	b = append(b, l.pctPrefix...)
	intPart, frac, _ := strings.Cut(s, ".")
	b = l.appendGrouped(b, []byte(intPart), []byte(frac))
	b = append(b, l.pctSuffix...)
	return string(b)
}

// Date formats d as a long date: "15 January 2027" (en, day first as in
// European English), "15 janvier 2027" (fr), "15 gennaio 2027" (it). The
// first of the month is "1er janvier" in French, as French contracts write
// it, where CLDR's pattern gives "1 janvier".
func (l *Locale) Date(d lendkit.Date) string {
	if d.IsZero() {
		return ""
	}
	b := make([]byte, 0, 24)
	b = appendInt(b, d.Day())
	if d.Day() == 1 {
		b = append(b, l.firstOfDay...)
	}
	b = append(b, ' ')
	b = append(b, l.months[d.Month()-1]...)
	b = append(b, ' ')
	b = appendInt(b, d.Year())
	return string(b)
}

// ShortDate formats d as "15/01/2027", the numeric day-month-year form all
// three locales use in tables.
func (l *Locale) ShortDate(d lendkit.Date) string {
	if d.IsZero() {
		return ""
	}
	b := make([]byte, 0, 10)
	b = append(b, byte('0'+d.Day()/10), byte('0'+d.Day()%10), '/', byte('0'+int(d.Month())/10), byte('0'+int(d.Month())%10), '/')
	return string(appendInt(b, d.Year()))
}

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// validUTF8 reports whether every string is valid UTF-8.
func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
