package contract

import (
	"errors"
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract/internal/pdftext"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func defaults(t *testing.T) *Templates {
	t.Helper()
	ts, err := DefaultTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestGolden renders the full sample of every kind in every locale and
// compares the HTML and the text extracted from the PDF with the files in
// testdata/golden (go test -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	for _, k := range Kinds {
		for _, loc := range Locales {
			doc, err := r.Render(Sample(k, loc))
			if err != nil {
				t.Fatalf("%s/%s: %v", k, loc, err)
			}
			pages, err := pdftext.Extract(doc.PDF)
			if err != nil {
				t.Fatalf("%s/%s: %v", k, loc, err)
			}
			base := filepath.Join("testdata", "golden", string(k)+"."+loc)
			golden(t, base+".html", doc.HTML)
			golden(t, base+".pdf.txt", []byte(pdftext.Text(pages)))
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s", path, diff)
	}
}

// consumerSource is the built-in consumer template, the base of the
// user-template tests.
func consumerSource(t *testing.T) string {
	t.Helper()
	b, err := builtinFS.ReadFile("templates/consumer-loan.html.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUserTemplate(t *testing.T) {
	t.Parallel()
	src := strings.Replace(consumerSource(t), `<p>{{t "intro.consumer"}}</p>`,
		`<p><strong>Acme Bank</strong> — {{.Borrower.Person.LastName}} — {{int 3000}}</p>`, 1)
	ts, err := defaults(t).With(ConsumerLoan, "acme.html", src)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := NewRenderer(ts).Render(Sample(ConsumerLoan, "fr"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc.HTML), "<p><strong>Acme Bank</strong> — Marchand — 3\u202f000</p>") {
		t.Errorf("user template not used:\n%s", doc.HTML)
	}
	// The original set is unchanged.
	orig, err := NewRenderer(defaults(t)).HTML(Sample(ConsumerLoan, "fr"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(orig.HTML), "Acme Bank") {
		t.Error("With changed the set it was called on")
	}
}

// TestBadTemplateFailsAtLoad: every problem a template can have shows when
// it is loaded, with its cause, never later at signing time.
func TestBadTemplateFailsAtLoad(t *testing.T) {
	t.Parallel()
	base := consumerSource(t)
	intro := `<p>{{t "intro.consumer"}}</p>`
	tests := map[string]struct {
		replace string
		want    string
	}{
		"unknown field":              {`<p>{{.Borrower.Person.Birthday}}</p>`, "has no field or method Birthday"},
		"unknown field, dead branch": {`{{if false}}<p>{{.Loan.InterestRate}}</p>{{end}}`, "has no field or method InterestRate"},
		"unknown field in range":     {`{{range .Schedule.Rows}}<p>{{.Capital}}</p>{{end}}`, "has no field or method Capital"},
		"unknown field via variable": {`{{with $l := .Loan}}<p>{{$.Loan.Amount}}{{$l.Amont}}</p>{{end}}`, "has no field or method Amont"},
		"unknown field in else":      {`{{with .Tax}}<p>{{.Note}}</p>{{else}}<p>{{.Taxes}}</p>{{end}}`, "has no field or method Taxes"},
		"unknown message key":        {`<p>{{t "intro.consumr"}}</p>`, `unknown message key "intro.consumr"`},
		"unknown dynamic message":    {`<p>{{t (print "intro." .Kind)}}</p>`, `unknown message key "intro.consumer-loan"`},
		"unknown function":           {`<p>{{euros .Loan.Amount}}</p>`, `function "euros" not defined`},
		"syntax error":               {`<p>{{if .Loan.APR}}</p>`, "unexpected EOF"},
		"unsupported markup":         {`<img src="logo.png"/>`, "element <img> is not supported"},
		"unguarded optional field":   {`<p>{{.Tax.Note}}</p>`, "nil pointer"},
		"wrong argument type":        {`<p>{{money .Loan.Rate}}</p>`, "wrong type for value"},
		"unknown block":              {`{{template "terms2" .}}`, `no template named "terms2"`},
	}
	for name, tt := range tests {
		src := strings.Replace(base, intro, tt.replace, 1)
		_, err := defaults(t).With(ConsumerLoan, "user.html", src)
		var te *TemplateError
		if !errors.As(err, &te) || !errors.Is(err, ErrTemplate) {
			t.Errorf("%s: err = %v, want a *TemplateError", name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tt.want)
		}
	}
	if _, err := defaults(t).With("mortgage", "x", base); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestScheduleRowsMatchesTemplate: the scheduleRows shortcut prints exactly
// what the equivalent html/template range loop prints, in every locale and
// column set.
func TestScheduleRowsMatchesTemplate(t *testing.T) {
	t.Parallel()
	const loop = `{{range .Schedule.Rows}}<tr><td class="num">{{.N}}</td><td>{{sdate .Due}}</td><td class="num">{{num .Payment}}</td><td class="num">{{num .Principal}}</td><td class="num">{{num .Interest}}</td>{{if $.Totals.HasFee}}<td class="num">{{num .Fee}}</td>{{end}}{{if $.Totals.HasInsurance}}<td class="num">{{num .Insurance}}</td>{{end}}{{if $.Totals.HasTax}}<td class="num">{{num .Tax}}</td><td class="num">{{num .Net}}</td>{{end}}<td class="num">{{num .Balance}}</td></tr>
{{end}}`
	for _, loc := range Locales {
		l := mustLocale(t, loc)
		loopT := template.Must(template.New("loop").Funcs(funcsFor(l)).Parse(`<table><tbody>` + loop + `</tbody></table>`))
		fastT := template.Must(template.New("fast").Funcs(funcsFor(l)).Parse(`<table><tbody>{{scheduleRows .}}</tbody></table>`))
		for _, d := range []*Data{Sample(ConsumerLoan, loc), sample(BusinessLoan, loc, false), longLenderContract(loc)} {
			d.Schedule.Rows[0].Interest = lendkit.New(123456789, lendkit.EUR) // grouping
			d.Schedule.Rows[0].Payment, _ = lendkit.Sum(lendkit.EUR, d.Schedule.Rows[0].Principal, d.Schedule.Rows[0].Interest, d.Schedule.Rows[0].Fee, d.Schedule.Rows[0].Insurance)
			v, err := d.view()
			if err != nil {
				t.Fatal(err)
			}
			var a, b strings.Builder
			if err := loopT.Execute(&a, v); err != nil {
				t.Fatal(err)
			}
			if err := fastT.Execute(&b, v); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a.String(), b.String()); diff != "" {
				t.Errorf("%s %s (-loop +scheduleRows):\n%s", loc, d.Kind, diff)
			}
		}
	}
}
