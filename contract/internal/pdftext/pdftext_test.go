package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pdfWith(dict string, stream []byte) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.3\n1 0 obj\n")
	fmt.Fprintf(&b, "<<%s/Length %d>>\nstream\n", dict, len(stream))
	b.Write(stream)
	b.WriteString("\nendstream\nendobj\n")
	return b.Bytes()
}

func TestExtract(t *testing.T) {
	t.Parallel()
	content := []byte("BT /F1 9 Tf ET\nBT 51.02 769.99 Td (Montant \\(pr\\352t\\351\\) : 10\\240000,00\\240\\200) Tj ET\n" +
		"BT 300.00 769.99 Td (right) Tj ET\nq 0.5 g BT 10 700 Td (back\\\\slash) Tj ET Q\n")
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(content)
	zw.Close()
	want := []string{"Montant (prêté) : 10\u00a0000,00\u00a0€ right", `back\slash`}
	for name, pdf := range map[string][]byte{
		"plain":   pdfWith("", content),
		"deflate": pdfWith("/Filter /FlateDecode ", z.Bytes()),
	} {
		pages, err := Extract(pdf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(pages) != 1 {
			t.Fatalf("%s: %d pages", name, len(pages))
		}
		if diff := cmp.Diff(want, pages[0].Lines); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestExtractRefusesBadInput(t *testing.T) {
	t.Parallel()
	for name, pdf := range map[string][]byte{
		"no header":        []byte("hello"),
		"short stream":     []byte("%PDF-1.3\n<</Length 99>>\nstream\nBT\nendstream\n"),
		"bad deflate":      pdfWith("/Filter /FlateDecode ", []byte("not zlib")),
		"unterminated str": pdfWith("", []byte("BT 1 2 Td (open Tj ET")),
		"Td operands":      pdfWith("", []byte("BT Td (x) Tj ET")),
	} {
		if _, err := Extract(pdf); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}
