package contract

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/lendkit/lendkit/contract/internal/pdftext"
)

// checkXref verifies that every in-use cross-reference entry points at its
// object and that startxref points at the table.
func checkXref(t *testing.T, pdf []byte) {
	t.Helper()
	sx := bytes.LastIndex(pdf, []byte("startxref\n"))
	if sx < 0 {
		t.Fatal("no startxref")
	}
	rest := pdf[sx+len("startxref\n"):]
	off, err := strconv.Atoi(string(rest[:bytes.IndexByte(rest, '\n')]))
	if err != nil || !bytes.HasPrefix(pdf[off:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the table", off)
	}
	lines := strings.Split(string(pdf[off:]), "\n")
	n, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	for i := 1; i < n; i++ {
		f := strings.Fields(lines[2+i])
		if f[2] != "n" {
			continue
		}
		o, _ := strconv.Atoi(f[0])
		if !bytes.HasPrefix(pdf[o:], []byte(strconv.Itoa(i)+" 0 obj\n")) {
			t.Errorf("xref entry %d → byte %d, which is not object %d", i, o, i)
		}
	}
}

func TestCompressedPDFIsWellFormed(t *testing.T) {
	t.Parallel()
	d := longLenderContract("it")
	plain, err := NewRenderer(defaults(t), WithoutCompression()).Render(d)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := NewRenderer(defaults(t)).Render(d)
	if err != nil {
		t.Fatal(err)
	}
	checkXref(t, plain.PDF)
	checkXref(t, packed.PDF)
	if len(packed.PDF) >= len(plain.PDF)/2 {
		t.Errorf("compressed %d bytes, plain %d", len(packed.PDF), len(plain.PDF))
	}
	a, err := pdftext.Extract(plain.PDF)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pdftext.Extract(packed.PDF)
	if err != nil {
		t.Fatal(err)
	}
	if pdftext.Text(a) != pdftext.Text(b) {
		t.Error("compression changed the text")
	}
	if _, err := compressStreams([]byte("%PDF-1.3\n1 0 obj\n<</Length 99>>\nstream\nshort\nendstream\nendobj\nxref\n")); err == nil {
		t.Error("a stream shorter than its /Length was accepted")
	}
}

// TestPopplerReadsPDF cross-checks the PDF with an independent reader,
// pdftotext from poppler-utils, when it is installed.
func TestPopplerReadsPDF(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (Debian package poppler-utils) is not installed; the built-in extractor tests still ran")
	}
	d := longLenderContract("fr")
	doc, err := NewRenderer(defaults(t)).Render(d)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(doc.PDF)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("pdftotext: %v %s", err, stderr.String())
	}
	l := mustLocale(t, "fr")
	// poppler prints no-break spaces as plain spaces.
	plainSpaces := strings.NewReplacer(NBSP, " ", NNBSP, " ")
	text := plainSpaces.Replace(string(out))
	for _, want := range []string{d.Lender.Person.Name(), l.Money(d.Loan.Amount), doc.Fingerprint.String(), l.Number(d.Schedule.Rows[119].Payment)} {
		if !strings.Contains(text, plainSpaces.Replace(want)) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
}
