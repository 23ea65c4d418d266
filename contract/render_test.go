package contract

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract/internal/pdftext"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// pdfForm is how text reaches the PDF: the core font's Windows-1252 has no
// U+202F, which prints as U+00A0 (see the layout's doc comment).
func pdfForm(s string) string { return strings.ReplaceAll(s, NNBSP, NBSP) }

// longLenderContract is a lender agreement with a ten-year monthly schedule,
// long enough for the table to run over several pages.
func longLenderContract(locale string) *Data {
	d := Sample(LenderAgreement, locale)
	rate := *d.Loan.Rate
	d.Loan.Amount = lendkit.New(1_234_567, lendkit.EUR)
	d.Loan.TermMonths = 120
	d.Schedule = sampleSchedule(d.Loan.Amount, rate, lendkit.MustParseDate("2027-01-31"), 120, false, true)
	return d
}

// TestPDFTextMatchesInputs reads the PDF back and finds in it, on the right
// lines, what the data says: the parties, the amounts, every schedule row,
// the header of the schedule on every page it runs over, and the
// fingerprint and page number at the foot of every page.
func TestPDFTextMatchesInputs(t *testing.T) {
	t.Parallel()
	for _, loc := range Locales {
		for _, compress := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/compress=%v", loc, compress), func(t *testing.T) {
				t.Parallel()
				var opts []Option
				if !compress {
					opts = append(opts, WithoutCompression())
				}
				d := longLenderContract(loc)
				doc, err := NewRenderer(defaults(t), opts...).Render(d)
				if err != nil {
					t.Fatal(err)
				}
				pages, err := pdftext.Extract(doc.PDF)
				if err != nil {
					t.Fatal(err)
				}
				checkPDFText(t, d, doc, pages)
			})
		}
	}
}

func checkPDFText(t *testing.T, d *Data, doc Document, pages []pdftext.Page) {
	t.Helper()
	l := mustLocale(t, d.Locale)
	if len(pages) < 3 {
		t.Fatalf("%d pages, want the 120-row schedule to run over several", len(pages))
	}
	text := pdftext.Text(pages)
	p := d.Lender.Person
	for _, want := range []string{
		p.FirstName + " " + p.LastName, l.Date(p.BirthDate), p.BirthPlace,
		l.Money(d.Loan.Amount), l.Rate(*d.Loan.Rate), d.Borrower.Company.Name, d.Platform.Name, d.Project,
	} {
		if !strings.Contains(text, pdfForm(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	fp := pdfForm(l.Text("footer.fingerprint", doc.Fingerprint.String()))
	header := pdfForm(strings.Join([]string{l.Text("col.n"), l.Text("col.due"), l.Text("col.payment"), l.Text("col.principal"),
		l.Text("col.interest"), l.Text("col.tax"), l.Text("col.net"), l.Text("col.balance")}, " "))
	rows := map[string]int{} // expected schedule line → page found on
	for _, r := range d.Schedule.Rows {
		net, err := r.Net()
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Join([]string{fmt.Sprint(r.N), l.ShortDate(r.Due), l.Number(r.Payment), l.Number(r.Principal),
			l.Number(r.Interest), l.Number(r.Tax), l.Number(net), l.Number(r.Balance)}, " ")
		rows[pdfForm(line)] = -1
	}
	for i, pg := range pages {
		n := len(pg.Lines)
		wantPage := pdfForm(l.Text("footer.page", fmt.Sprint(i+1), fmt.Sprint(len(pages))))
		if n == 0 || pg.Lines[n-1] != fp+" "+wantPage {
			t.Errorf("page %d footer = %q, want %q", i+1, pg.Lines[n-1], fp+" "+wantPage)
		}
		if pg.Lines[0] != d.Reference {
			t.Errorf("page %d header = %q, want the reference", i+1, pg.Lines[0])
		}
		hasRows, hasHeader := false, false
		for _, line := range pg.Lines {
			if _, ok := rows[line]; ok {
				if rows[line] != -1 {
					t.Errorf("schedule line %q printed twice", line)
				}
				rows[line] = i
				hasRows = true
			}
			hasHeader = hasHeader || line == header
		}
		if hasRows && !hasHeader {
			t.Errorf("page %d has schedule rows but no repeated header %q", i+1, header)
		}
	}
	for line, page := range rows {
		if page < 0 {
			t.Errorf("schedule line %q missing from the PDF", line)
		}
	}
}

func TestDeterministicAndConcurrent(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	first, err := r.Render(longLenderContract("fr"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	docs := make([]Document, 8)
	errs := make([]error, 8)
	for i := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs[i], errs[i] = r.Render(longLenderContract("fr"))
		}()
	}
	wg.Wait()
	for i, doc := range docs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(doc.HTML, first.HTML) || !bytes.Equal(doc.PDF, first.PDF) || doc.Fingerprint != first.Fingerprint {
			t.Fatalf("render %d differs from the first", i)
		}
	}
	// A different input gives a different fingerprint.
	d := longLenderContract("fr")
	d.Lender.Person.BirthPlace = "Lille"
	other, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if other.Fingerprint == first.Fingerprint || other.PDFDigest == first.PDFDigest {
		t.Error("changing the birth place did not change the fingerprints")
	}
}

// TestFingerprintPinned guards fingerprint stability across runs, machines
// and Go versions: a change here means every stored fingerprint of the
// built-in templates would stop matching a re-render.
func TestFingerprintPinned(t *testing.T) {
	t.Parallel()
	doc, err := NewRenderer(defaults(t)).Render(Sample(ConsumerLoan, "fr"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/golden/consumer-loan.fr.fingerprints", []byte(doc.Fingerprint.String()+"\n"+doc.PDFDigest.String()+"\n"))
}

func TestTamperedDocumentFailsVerification(t *testing.T) {
	t.Parallel()
	doc, err := NewRenderer(defaults(t)).Render(Sample(ConsumerLoan, "en"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Verify(); err != nil {
		t.Fatalf("untouched document: %v", err)
	}
	// Change the amount in the HTML: 10,000.00 → 19,000.00.
	html := bytes.Replace(doc.HTML, []byte("€10,000.00"), []byte("€19,000.00"), 1)
	if bytes.Equal(html, doc.HTML) {
		t.Fatal("amount not found in the HTML")
	}
	tampered := doc
	tampered.HTML = html
	var me *MismatchError
	if err := tampered.Verify(); !errors.Is(err, ErrTampered) || !errors.As(err, &me) || me.Want != doc.Fingerprint {
		t.Errorf("tampered HTML: %v", err)
	}
	for _, i := range []int{0, len(doc.PDF) / 2, len(doc.PDF) - 1} {
		pdf := bytes.Clone(doc.PDF)
		pdf[i] ^= 0x01
		tampered := doc
		tampered.PDF = pdf
		if err := tampered.Verify(); !errors.Is(err, ErrTampered) {
			t.Errorf("PDF byte %d flipped: %v", i, err)
		}
	}
	if err := Verify(doc.HTML, Fingerprint{}); !errors.Is(err, ErrTampered) {
		t.Errorf("zero fingerprint: %v", err)
	}
}

func TestFingerprintText(t *testing.T) {
	t.Parallel()
	f := FingerprintOf([]byte("contract"))
	back, err := ParseFingerprint(strings.ToUpper(f.String()))
	if err != nil || back != f {
		t.Fatalf("ParseFingerprint(String()) = %v, %v", back, err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64)} {
		if _, err := ParseFingerprint(bad); !errors.Is(err, ErrInvalidData) {
			t.Errorf("ParseFingerprint(%q) = %v", bad, err)
		}
	}
}

// TestPDFTextEscapingAndFallback: markup characters in the data are text,
// not markup, in both outputs; letters outside Windows-1252 print as their
// base letter in the PDF.
func TestPDFTextEscapingAndFallback(t *testing.T) {
	t.Parallel()
	d := Sample(LenderAgreement, "fr")
	d.Project = `Atelier <b>Bois</b> & "Fils" (Lyon) \ 100%`
	d.Lender.Person.FirstName = "Łucja Ștefănescu-Kővári"
	doc, err := NewRenderer(defaults(t)).Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc.HTML), "<b>Bois</b>") {
		t.Error("data was not escaped in the HTML")
	}
	pages, err := pdftext.Extract(doc.PDF)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(pages)
	for _, want := range []string{d.Project, "Lucja Stefanescu-Kovári Marchand"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if !strings.Contains(string(doc.HTML), "Łucja Ștefănescu-Kővári") {
		t.Error("the HTML lost the exact name")
	}
}

// TestPDFTextProperty: for random lender contracts (names with markup and
// accented characters, amounts from 1 cent to a billion, 1 to 130 rows, any
// locale), every schedule row and the lender's identity can be read back
// from the PDF, and rendering twice gives the same bytes.
func TestPDFTextProperty(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	rapid.Check(t, func(rt *rapid.T) {
		loc := rapid.SampledFrom(Locales).Draw(rt, "locale")
		d := Sample(LenderAgreement, loc)
		n := rapid.IntRange(1, 130).Draw(rt, "rows")
		amount := lendkit.New(rapid.Int64Range(int64(n), 100_000_000_000).Draw(rt, "amount"), lendkit.EUR)
		rate := lendkit.RateFromDecimal(decimal.New(rapid.Int64Range(0, 2500).Draw(rt, "rate bp"), -4))
		d.Loan.Amount, d.Loan.Rate, d.Loan.TermMonths = amount, &rate, n
		d.Schedule = sampleSchedule(amount, rate, lendkit.MustParseDate("2027-03-31"), n, rapid.Bool().Draw(rt, "charges"), true)
		name := rapid.StringOfN(rapid.SampledFrom([]rune("abcéèàçôü ÉÀ<>&\"'()\\-’")), 1, 30, -1).Draw(rt, "first name")
		d.Lender.Person.FirstName = strings.TrimSpace(name)
		if d.Lender.Person.FirstName == "" {
			d.Lender.Person.FirstName = "X"
		}
		doc, err := r.Render(d)
		if err != nil {
			rt.Fatal(err)
		}
		again, err := r.Render(d)
		if err != nil || !bytes.Equal(doc.PDF, again.PDF) {
			rt.Fatalf("second render differs (%v)", err)
		}
		pages, err := pdftext.Extract(doc.PDF)
		if err != nil {
			rt.Fatal(err)
		}
		text := pdftext.Text(pages)
		l := mustLocale(rt, loc)
		if !strings.Contains(text, pdfForm(collapse(d.Lender.Person.Name()))) {
			rt.Fatalf("PDF lacks the lender's name %q", d.Lender.Person.Name())
		}
		if !strings.Contains(text, pdfForm(l.Money(amount))) {
			rt.Fatalf("PDF lacks the amount %q", l.Money(amount))
		}
		lines := map[string]bool{}
		for _, p := range pages {
			for _, line := range p.Lines {
				lines[line] = true
			}
		}
		v, err := d.view()
		if err != nil {
			rt.Fatal(err)
		}
		for _, row := range v.Schedule.Rows {
			net, _ := row.Net()
			cells := []string{fmt.Sprint(row.N), l.ShortDate(row.Due), l.Number(row.Payment), l.Number(row.Principal), l.Number(row.Interest)}
			if v.Totals.HasFee {
				cells = append(cells, l.Number(row.Fee))
			}
			if v.Totals.HasInsurance {
				cells = append(cells, l.Number(row.Insurance))
			}
			if v.Totals.HasTax {
				cells = append(cells, l.Number(row.Tax), l.Number(net))
			}
			cells = append(cells, l.Number(row.Balance))
			if want := pdfForm(strings.Join(cells, " ")); !lines[want] {
				rt.Fatalf("schedule line %q not in the PDF", want)
			}
		}
	})
}

// TestPDFNeverCutsAnAmount pins the case rapid found: a one-row schedule of a
// billion euros in French, with fees, tax and net columns. The amount columns
// got less than their widest number (widths were shared in proportion to the
// headers' natural widths) and "1 010 000 006,50" printed as "…006,5" over "0".
func TestPDFNeverCutsAnAmount(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	d := Sample(LenderAgreement, "fr")
	amount := lendkit.New(100_000_000_000, lendkit.EUR)
	rate := lendkit.RateFromDecimal(decimal.New(1200, -4))
	d.Loan.Amount, d.Loan.Rate, d.Loan.TermMonths = amount, &rate, 1
	d.Schedule = sampleSchedule(amount, rate, lendkit.MustParseDate("2027-03-31"), 1, true, true)
	doc, err := r.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := pdftext.Extract(doc.PDF)
	if err != nil {
		t.Fatal(err)
	}
	want := pdfForm("1 31/03/2027 1\u00a0010\u00a0000\u00a0006,50 1\u00a0000\u00a0000\u00a0000,00 10\u00a0000\u00a0000,00 2,00 4,50 3\u00a0000\u00a0000,00 1\u00a0007\u00a0000\u00a0006,50 0,00")
	for _, p := range pages {
		if slices.Contains(p.Lines, want) {
			return
		}
	}
	t.Errorf("schedule row %q not in the PDF", want)
}
