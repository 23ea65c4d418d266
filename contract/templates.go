package contract

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"reflect"
	"strconv"
	"sync"

	"github.com/lendkit/lendkit"
)

//go:embed templates/*.html.tmpl
var builtinFS embed.FS

// partialsName is the built-in file of shared blocks ("head", "party",
// "terms", "schedule", "withdrawal", "late", "signatures") that every
// template, built-in or user-supplied, may call with {{template}}.
const partialsName = "templates/partials.html.tmpl"

// Templates is an immutable set of compiled contract templates, one per
// Kind, each prepared for every locale. It is safe for concurrent use.
//
// Every template is validated when it is loaded: parsed, statically checked
// against View (every field, method and message key it names must exist, in
// every branch), executed against a fully populated sample and against a
// sample with only the kind's mandatory fields in every locale, and its
// output checked against the markup the PDF layout supports. A template
// that passes cannot fail later for a reason that lies in the template.
type Templates struct {
	byKind map[Kind]*compiled
}

type compiled struct {
	name     string
	byLocale map[string]*template.Template
}

var (
	defaultOnce sync.Once
	defaultSet  *Templates
	defaultErr  error
)

// DefaultTemplates returns the built-in templates for every Kind.
func DefaultTemplates() (*Templates, error) {
	defaultOnce.Do(func() {
		set := &Templates{byKind: map[Kind]*compiled{}}
		for _, k := range Kinds {
			name := "templates/" + string(k) + ".html.tmpl"
			src, err := builtinFS.ReadFile(name)
			if err != nil {
				defaultErr = fmt.Errorf("contract: built-in template %s: %w", name, err)
				return
			}
			c, err := compile(k, name, string(src))
			if err != nil {
				defaultErr = err
				return
			}
			set.byKind[k] = c
		}
		defaultSet = set
	})
	return defaultSet, defaultErr
}

// With returns a copy of t in which kind is rendered by the user-supplied
// html/template source src (name is used in error messages). The source may
// call the built-in blocks ({{template "schedule" .}}) and the functions
// listed in FuncNames; it executes on a *View. Any problem is a
// *TemplateError (errors.Is ErrTemplate) returned here, at load time.
func (t *Templates) With(kind Kind, name, src string) (*Templates, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	c, err := compile(kind, name, src)
	if err != nil {
		return nil, err
	}
	out := &Templates{byKind: make(map[Kind]*compiled, len(t.byKind)+1)}
	for k, v := range t.byKind {
		out.byKind[k] = v
	}
	out.byKind[kind] = c
	return out, nil
}

// FuncNames lists the functions templates may call, besides the
// text/template builtins:
//
//	t KEY ARGS…   the message KEY of the contract catalog in the locale
//	money M       an amount with its currency ("1 234,56 €")
//	num M         an amount without currency ("1 234,56"), for tables
//	rate R        a rate in percent with two decimals ("5,25 %")
//	date D        a long date ("15 janvier 2027")
//	sdate D       a numeric date ("15/01/2027")
//	int N         an integer with grouping ("3 000")
//	locale        the locale's name ("fr"), for <html lang>
//	scheduleRows V  the <tr> rows of the schedule table of view V, with the
//	              columns the built-in "schedule" block prints; a template
//	              wanting other columns ranges over .Schedule.Rows itself
var FuncNames = []string{"t", "money", "num", "rate", "date", "sdate", "int", "locale", "scheduleRows"}

func funcsFor(l *Locale) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) (string, error) {
			if _, ok := messages[key]; !ok {
				return "", fmt.Errorf("unknown message key %q", key)
			}
			return l.Text(key, args...), nil
		},
		"money":  l.Money,
		"num":    l.Number,
		"rate":   l.Rate,
		"date":   l.Date,
		"sdate":  l.ShortDate,
		"int":    l.Int,
		"locale": l.Name,
		"scheduleRows": func(v *View) (template.HTML, error) {
			return scheduleRows(l, v)
		},
	}
}

// scheduleRows renders the body rows of the schedule table. It exists for
// speed: a 60-row schedule is some 500 template actions, each a reflective
// call plus an escaper, which made the rows a third of the cost of a whole
// contract. Its output is what the range loop it replaced produced, and
// contains only digits, separators and the fixed markup, so it needs no
// escaping (TestScheduleRowsMatchesTemplate compares the two).
func scheduleRows(l *Locale, v *View) (template.HTML, error) {
	rows := v.Schedule.Rows
	b := make([]byte, 0, 400*len(rows))
	cell := func(m lendkit.Money) {
		b = append(b, `<td class="num">`...)
		neg := m.IsNegative()
		u := uint64(m.Minor())
		if neg {
			b = append(b, '-')
			u = -u
		}
		b = l.appendUnsigned(b, u, m.Currency().Exponent())
		b = append(b, "</td>"...)
	}
	for _, r := range rows {
		b = append(b, `<tr><td class="num">`...)
		b = strconv.AppendInt(b, int64(r.N), 10)
		b = append(b, "</td><td>"...)
		b = append(b, l.ShortDate(r.Due)...)
		b = append(b, "</td>"...)
		cell(r.Payment)
		cell(r.Principal)
		cell(r.Interest)
		if v.Totals.HasFee {
			cell(r.Fee)
		}
		if v.Totals.HasInsurance {
			cell(r.Insurance)
		}
		if v.Totals.HasTax {
			cell(r.Tax)
			net, err := r.Net()
			if err != nil {
				return "", err
			}
			cell(net)
		}
		cell(r.Balance)
		b = append(b, "</tr>\n"...)
	}
	return template.HTML(b), nil //nolint:gosec // digits, separators and fixed markup only
}

func compile(kind Kind, name, src string) (*compiled, error) {
	fail := func(locale string, err error) (*compiled, error) {
		return nil, &TemplateError{Name: name, Locale: locale, Err: err}
	}
	en, err := LocaleFor("en")
	if err != nil {
		return nil, err
	}
	partials, err := builtinFS.ReadFile(partialsName)
	if err != nil {
		return fail("", err)
	}
	funcs := funcsFor(en)
	base := template.New(name).Funcs(funcs).Option("missingkey=error")
	if _, err := base.New(partialsName).Parse(string(partials)); err != nil {
		return fail("", err)
	}
	if _, err := base.Parse(src); err != nil {
		return fail("", err)
	}
	if err := checkTemplate(base, name, reflect.TypeFor[*View](), funcs); err != nil {
		return fail("", err)
	}
	c := &compiled{name: name, byLocale: make(map[string]*template.Template, len(Locales))}
	for _, loc := range Locales {
		l, err := LocaleFor(loc)
		if err != nil {
			return nil, err
		}
		clone, err := base.Clone()
		if err != nil {
			return fail(loc, err)
		}
		c.byLocale[loc] = clone.Funcs(funcsFor(l))
	}
	for _, loc := range Locales {
		for _, full := range []bool{true, false} {
			d := sample(kind, loc, full)
			v, err := d.view()
			if err != nil {
				return nil, fmt.Errorf("contract: sample %s/%s: %w", kind, loc, err)
			}
			html, err := c.execute(v)
			if err != nil {
				return fail(loc, err)
			}
			if _, err := parseMarkup(html); err != nil {
				return fail(loc, err)
			}
		}
	}
	return c, nil
}

func (c *compiled) execute(v *View) ([]byte, error) {
	t, ok := c.byLocale[v.Locale]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedLocale, v.Locale)
	}
	var buf bytes.Buffer
	// About 8 kB of text and 450 bytes a schedule row: one allocation.
	buf.Grow(12<<10 + 512*len(v.Schedule.Rows))
	if err := t.Execute(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// HTML renders d to HTML with the set's template for d.Kind. The result is
// deterministic: the same Data gives the same bytes. Invalid data is refused
// before any template runs (a *MissingFieldError names the fields).
func (t *Templates) HTML(d *Data) ([]byte, error) {
	v, err := d.view()
	if err != nil {
		return nil, err
	}
	return t.html(v)
}

func (t *Templates) html(v *View) ([]byte, error) {
	c, ok := t.byKind[v.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: no template for %q", ErrUnknownKind, v.Kind)
	}
	out, err := c.execute(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrRender, v.Kind, v.Reference, err)
	}
	return out, nil
}

// sampleAmount is what samples lend: 10,000.00 in the sample currency.
var sampleAmount = lendkit.New(1_000_000, lendkit.EUR)
