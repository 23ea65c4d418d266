package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// ErrFormat reports a PDF this package cannot read.
var ErrFormat = errors.New("pdftext: unsupported PDF")

// maxStream bounds the inflated size of one stream (a contract page is a
// few tens of kilobytes), so a hostile file cannot exhaust memory.
const maxStream = 16 << 20

// Span is one string drawn on a page, at its baseline position in points
// (page geometry, hence float64; the text itself is compared as text).
type Span struct {
	X, Y float64
	Text string // UTF-8
}

// Page is the text of one page: its spans, and its lines (spans on one
// baseline, left to right, joined by a space).
type Page struct {
	Spans []Span
	Lines []string
}

// Extract returns the pages of pdf, in order: one per content stream that
// draws text.
func Extract(pdf []byte) ([]Page, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header", ErrFormat)
	}
	var pages []Page
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		dictStart := bytes.LastIndex(rest[:i], []byte("<<"))
		if dictStart < 0 {
			return nil, fmt.Errorf("%w: stream without a dictionary", ErrFormat)
		}
		dict := rest[dictStart:i]
		body := rest[i+len("stream\n"):]
		var data []byte
		if n, ok := length(dict); ok {
			// Binary data may contain "endstream" or end in CR/LF: the
			// direct /Length is authoritative.
			if n > len(body) || !bytes.HasPrefix(bytes.TrimLeft(body[n:], "\r\n"), []byte("endstream")) {
				return nil, fmt.Errorf("%w: stream /Length %d does not reach endstream", ErrFormat, n)
			}
			data, rest = body[:n], body[n:]
		} else {
			end := bytes.Index(body, []byte("endstream"))
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated stream", ErrFormat)
			}
			data, rest = bytes.TrimRight(body[:end], "\r\n"), body[end:]
		}
		rest = rest[bytes.Index(rest, []byte("endstream"))+len("endstream"):]
		if bytes.Contains(dict, []byte("/Filter")) {
			if !bytes.Contains(dict, []byte("/FlateDecode")) {
				continue // not text fpdf writes (images)
			}
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrFormat, err)
			}
			inflated, err := io.ReadAll(io.LimitReader(zr, maxStream+1))
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrFormat, err)
			}
			if len(inflated) > maxStream {
				return nil, fmt.Errorf("%w: stream larger than %d bytes", ErrFormat, maxStream)
			}
			data = inflated
		}
		if !bytes.Contains(data, []byte("BT")) {
			continue
		}
		spans, err := spansOf(data)
		if err != nil {
			return nil, err
		}
		pages = append(pages, Page{Spans: spans, Lines: lines(spans)})
	}
	return pages, nil
}

// Text returns all lines of all pages, one per line.
func Text(pages []Page) string {
	var b strings.Builder
	for _, p := range pages {
		for _, l := range p.Lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// spansOf runs the text operators of one content stream.
func spansOf(data []byte) ([]Span, error) {
	var spans []Span
	var operands []string
	var str []byte
	haveStr := false
	x, y := 0.0, 0.0
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			i++
		case c == '(':
			s, n, err := literal(data[i:])
			if err != nil {
				return nil, err
			}
			str, haveStr = s, true
			i += n
		case c == '[' || c == ']' || c == '<' || c == '>' || c == ')':
			i++ // array and dictionary delimiters; a stray ')' is skipped
		default:
			j := i
			for j < len(data) && !strings.ContainsRune(" \n\r\t()[]<>", rune(data[j])) {
				j++
			}
			tok := string(data[i:j])
			i = j
			switch tok {
			case "BT":
				x, y, operands = 0, 0, operands[:0]
			case "Td":
				if len(operands) < 2 {
					return nil, fmt.Errorf("%w: Td with %d operands", ErrFormat, len(operands))
				}
				dx, err1 := strconv.ParseFloat(operands[len(operands)-2], 64)
				dy, err2 := strconv.ParseFloat(operands[len(operands)-1], 64)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("%w: Td operands %q", ErrFormat, operands)
				}
				x, y = x+dx, y+dy
				operands = operands[:0]
			case "Tj":
				if !haveStr {
					return nil, fmt.Errorf("%w: Tj without a string", ErrFormat)
				}
				text, err := charmap.Windows1252.NewDecoder().Bytes(str)
				if err != nil {
					return nil, fmt.Errorf("%w: %v", ErrFormat, err)
				}
				spans = append(spans, Span{X: x, Y: y, Text: string(text)})
				haveStr, operands = false, operands[:0]
			default:
				if len(tok) > 0 && (tok[0] == '-' || tok[0] == '.' || (tok[0] >= '0' && tok[0] <= '9')) {
					operands = append(operands, tok)
				} else {
					operands = operands[:0] // any other operator or a name
				}
			}
		}
	}
	return spans, nil
}

// literal decodes the PDF literal string at the start of b and returns it
// with the number of bytes it took.
func literal(b []byte) ([]byte, int, error) {
	var out []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '(':
			if depth > 0 {
				out = append(out, c)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out, i + 1, nil
			}
			out = append(out, c)
		case '\\':
			i++
			if i >= len(b) {
				return nil, 0, fmt.Errorf("%w: string ends in a backslash", ErrFormat)
			}
			switch e := b[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v, n := 0, 0
					for n < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7' {
						v = v*8 + int(b[i]-'0')
						i++
						n++
					}
					i--
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
	}
	return nil, 0, fmt.Errorf("%w: unterminated string", ErrFormat)
}

// lines groups spans by baseline (top of the page first) and orders each
// line left to right.
func lines(spans []Span) []string {
	sorted := append([]Span(nil), spans...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if math.Abs(sorted[i].Y-sorted[j].Y) > 0.5 {
			return sorted[i].Y > sorted[j].Y
		}
		return sorted[i].X < sorted[j].X
	})
	var out []string
	var cur []string
	lastY := math.Inf(1)
	for _, s := range sorted {
		if len(cur) > 0 && math.Abs(s.Y-lastY) > 0.5 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
		cur = append(cur, s.Text)
		lastY = s.Y
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// length returns the direct /Length value of a stream dictionary.
func length(dict []byte) (int, bool) {
	i := bytes.Index(dict, []byte("/Length "))
	if i < 0 {
		return 0, false
	}
	j := i + len("/Length ")
	k := j
	for k < len(dict) && dict[k] >= '0' && dict[k] <= '9' {
		k++
	}
	if k == j || (k < len(dict) && dict[k] == ' ' && bytes.HasPrefix(dict[k:], []byte(" 0 R"))) {
		return 0, false // absent or an indirect reference
	}
	n, err := strconv.Atoi(string(dict[j:k]))
	return n, err == nil
}
