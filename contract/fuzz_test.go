package contract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lendkit/lendkit/contract/internal/pdftext"
)

// FuzzParseMarkup: the markup tokenizer never panics and never loops, on
// any input (a user template's output, or garbage).
func FuzzParseMarkup(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.html"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"<", "<a", "<p class='x", "</", "<!--", "<!", "<td colspan=0>", "<style>", "<p>&amp;&#xZZ;</p>", "<br/><br>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		root, err := parseMarkup(doc)
		if err == nil && root == nil {
			t.Fatal("nil tree without error")
		}
	})
}

// FuzzFinishPDF: the stream rewriter refuses what it does not understand
// rather than panicking, and what it writes the extractor can read.
func FuzzFinishPDF(f *testing.F) {
	f.Add([]byte("%PDF-1.3\n1 0 obj\n<</Length 5>>\nstream\nBT ET\nendstream\nendobj\nxref\n0 2\ntrailer\n<<>>\nstartxref\n0\n%%EOF\n"))
	f.Add([]byte("%PDF-1.3\n1 0 obj\n<</Length 99>>\nstream\nx\nendstream\nendobj\n"))
	f.Add([]byte("%PDF-1.3\n7 0 obj\n<<>>\nendobj\nxref\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := finishPDF(raw, []byte("{nb}"), []byte("3"), true)
		if err != nil {
			return
		}
		if _, err := pdftext.Extract(out); err != nil && len(out) == 0 {
			t.Fatal("empty output without error")
		}
	})
}
