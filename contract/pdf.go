package contract

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The PDF layout: A4 portrait, millimetres, the PDF core font Helvetica
// (every PDF reader has it, nothing is embedded, so documents stay small and
// rendering fast) in the Windows-1252 encoding, which covers English, French
// and Italian including "€", "’", "«" and "»". U+202F NARROW NO-BREAK SPACE
// has no Windows-1252 code, so the PDF prints it as U+00A0 NO-BREAK SPACE:
// the same non-breaking behaviour, a slightly wider glyph. Other letters
// outside Windows-1252 print as their base letter (see fallback), anything
// else as "?"; the HTML keeps the exact text.
const (
	pageW, pageH            = 210.0, 297.0
	marginL, marginR        = 18.0, 18.0
	marginT, marginB        = 20.0, 22.0
	contentW                = pageW - marginL - marginR
	fontFamily              = "Helvetica"
	ptToMM                  = 25.4 / 72
	bodyPt, tablePt, smalPt = 9.5, 8.0, 7.0
	schedulePt              = 7.2
	minTablePt              = 1.5 // smallest font a crowded schedule shrinks to (amounts are never cut before it)
	cellPad                 = 1.2
)

// pageCountAlias stands for the number of pages in the footer until the
// layout is done.
const pageCountAlias = "{nb}"

// rawPool recycles the buffers fpdf writes the uncompressed PDF into
// (around 100 kB a contract), which finishPDF copies out of.
var rawPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 128<<10)) }}

// widths holds the core font's glyph widths (1/1000 em) per style and
// Windows-1252 byte, read once from fpdf's metrics.
var (
	widthsOnce sync.Once
	widths     map[string]*[256]int
	widthsErr  error
)

var styles = []string{"", "B", "I", "BI"}

func loadWidths() (map[string]*[256]int, error) {
	widthsOnce.Do(func() {
		p := fpdf.New("P", "mm", "A4", "")
		p.AddPage()
		out := map[string]*[256]int{}
		for _, st := range styles {
			p.SetFont(fontFamily, st, 10)
			var w [256]int
			for b := range 256 {
				w[b] = p.GetStringSymbolWidth(string([]byte{byte(b)}))
			}
			out[st] = &w
		}
		widths, widthsErr = out, p.Error()
	})
	return widths, widthsErr
}

// toCP1252 converts UTF-8 text to the bytes the core font prints.
func toCP1252(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r == '\u202f' {
			r = '\u00a0'
		}
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			c = fallback(r)
		}
		b = append(b, c)
	}
	return string(b)
}

// fallback prints a letter Windows-1252 lacks as its base letter when it
// has one ("ș" → "s", "ő" → "o", "Ł" → "L"), so that a Romanian or
// Hungarian name stays readable in the PDF; anything else prints as "?".
// The HTML, which the fingerprint covers, keeps the exact text.
func fallback(r rune) byte {
	if special, ok := baseLetters[r]; ok {
		return special
	}
	// The first rune of the canonical decomposition is the base letter.
	if d, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r))); d < 0x300 {
		if c, ok := charmap.Windows1252.EncodeRune(d); ok {
			return c
		}
	}
	return '?'
}

// baseLetters are letters with a stroke, which Unicode does not decompose.
var baseLetters = map[rune]byte{'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'Ø': 0xd8, 'ø': 0xf8, 'Ħ': 'H', 'ħ': 'h'}

// layout is the state of one PDF being laid out. Its float64 fields are page
// geometry in millimetres and font sizes in points, as fpdf takes them; no
// amount is ever a float here: amounts arrive already formatted as text.
type layout struct {
	pdf *fpdf.Fpdf
	w   map[string]*[256]int
	y   float64

	// The font last selected on the page, so runs of one style do not
	// re-emit it; reset on every new page (the header changes it).
	fontStyle string
	fontPt    float64
	// pending holds content-stream operators not yet handed to fpdf: one
	// RawWriteStr per run of text and rules instead of one per operator.
	// flush must run before anything else writes to the page (SetFont,
	// colours, AddPage, Close).
	pending []byte
}

// flush hands the pending operators to fpdf.
func (l *layout) flush() {
	if n := len(l.pending); n > 0 {
		l.pdf.RawWriteStr(string(l.pending[:n-1])) // RawWriteStr adds the last newline
		l.pending = l.pending[:0]
	}
}

// font selects the body font in style and size unless already selected.
func (l *layout) font(style string, pt float64) {
	if style == l.fontStyle && pt == l.fontPt {
		return
	}
	l.flush()
	l.pdf.SetFont(fontFamily, style, pt)
	l.fontStyle, l.fontPt = style, pt
}

// mmToPt converts the layout's millimetres to PDF points.
const mmToPt = 72 / 25.4

// show writes s (Windows-1252) with its baseline's left end at x, y in
// millimetres from the top left: the operators fpdf's Text writes, without
// its formatting allocations, for the thousands of strings of a schedule.
func (l *layout) show(x, y float64, s string) {
	b := append(l.pending, "BT "...)
	b = strconv.AppendFloat(b, x*mmToPt, 'f', 2, 64)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, (pageH-y)*mmToPt, 'f', 2, 64)
	b = append(b, " Td ("...)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '(', ')':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	l.pending = append(b, ") Tj ET\n"...)
}

// rect strokes (and with fill, fills) a rectangle in the current colours.
func (l *layout) rect(x, y, w, h float64, fill bool) {
	b := l.pending
	if fill {
		// The shade is set inside q…Q: PDF text uses the fill colour, so it
		// must not outlive the rectangle.
		b = append(b, "q 0.922 g "...)
	}
	for _, v := range [4]float64{x * mmToPt, (pageH - y) * mmToPt, w * mmToPt, -h * mmToPt} {
		b = strconv.AppendFloat(b, v, 'f', 2, 64)
		b = append(b, ' ')
	}
	if fill {
		b = append(b, "re B Q\n"...)
	} else {
		b = append(b, "re S\n"...)
	}
	l.pending = b
}

func (l *layout) width(s, style string, pt float64) float64 {
	cw := l.w[style]
	n := 0
	for i := 0; i < len(s); i++ {
		n += cw[s[i]]
	}
	return float64(n) * pt * ptToMM / 1000
}

func lineHeight(pt float64) float64 { return pt * ptToMM * 1.3 }

// ensure starts a new page unless h millimetres fit below the cursor.
func (l *layout) ensure(h float64) bool {
	if l.y+h <= pageH-marginB {
		return false
	}
	l.flush()
	l.pdf.AddPage()
	l.y = marginT
	l.fontStyle, l.fontPt = "#", 0
	return true
}

// pdfMeta is what the PDF prints besides the body: metadata, running header
// and footer.
type pdfMeta struct {
	title       string
	reference   string
	fingerprint string // hexadecimal
	footer      string // the localized footer line carrying the fingerprint
	created     time.Time
	pageText    func(page string) string
	compress    bool
}

// renderPDF lays out the parsed document root as a PDF.
func renderPDF(root *node, m pdfMeta) ([]byte, error) {
	w, err := loadWidths()
	if err != nil {
		return nil, fmt.Errorf("%w: font metrics: %w", ErrRender, err)
	}
	p := fpdf.New("P", "mm", "A4", "")
	// Deterministic output: fixed dates and producer, sorted catalogs.
	p.SetCompression(false) // compressStreams does it with pooled writers
	p.SetCatalogSort(true)
	p.SetCreationDate(m.created)
	p.SetModificationDate(m.created)
	p.SetProducer("lendkit contract", true)
	p.SetCreator("lendkit contract", true)
	p.SetTitle(m.title, true)
	p.SetSubject(m.reference, true)
	p.SetKeywords("sha256:"+m.fingerprint, true)
	p.SetMargins(marginL, marginT, marginR)
	p.SetAutoPageBreak(false, marginB)
	// No p.AliasNbPages: fpdf would copy every page twice to replace the
	// alias; finishPDF does it while it rewrites the streams anyway.
	ref := toCP1252(m.reference)
	fp := toCP1252(m.footer)
	p.SetHeaderFunc(func() {
		p.SetFont(fontFamily, "", smalPt)
		p.SetTextColor(90, 90, 90)
		p.Text(pageW-marginR-widthOf(w, ref, "", smalPt), 12, ref)
		p.SetTextColor(0, 0, 0)
	})
	p.SetFooterFunc(func() {
		p.SetFont(fontFamily, "", smalPt)
		p.SetTextColor(90, 90, 90)
		p.Text(marginL, pageH-12, fp)
		page := toCP1252(m.pageText(fmt.Sprint(p.PageNo())))
		p.Text(pageW-marginR-widthOf(w, strings.ReplaceAll(page, "{nb}", "00"), "", smalPt), pageH-12, page)
		p.SetTextColor(0, 0, 0)
	})
	l := &layout{pdf: p, w: w, y: marginT, fontStyle: "#", pending: make([]byte, 0, 8<<10)}
	p.AddPage()
	body := root.find("body")
	if body == nil {
		body = root
	}
	l.blocks(body)
	l.flush()
	pages := p.PageNo()
	buf := rawPool.Get().(*bytes.Buffer)
	defer rawPool.Put(buf)
	buf.Reset()
	if err := p.Output(buf); err != nil {
		return nil, fmt.Errorf("%w: pdf: %w", ErrRender, err)
	}
	return finishPDF(buf.Bytes(), []byte(pageCountAlias), []byte(strconv.Itoa(pages)), m.compress)
}

func widthOf(w map[string]*[256]int, s, style string, pt float64) float64 {
	l := layout{w: w}
	return l.width(s, style, pt)
}

// blocks lays out the block-level children of n.
func (l *layout) blocks(n *node) {
	var inline []*node
	flush := func() {
		if len(inline) > 0 {
			l.paragraph(&node{tag: "p", kids: inline}, bodyPt, "", 1.5)
			inline = nil
		}
	}
	for _, k := range n.kids {
		switch k.tag {
		case "", "strong", "b", "em", "i", "span", "small", "br":
			if k.tag == "" && strings.TrimSpace(k.text) == "" {
				continue
			}
			inline = append(inline, k)
			continue
		}
		flush()
		switch k.tag {
		case "head", "style", "title", "meta":
		case "h1":
			l.ensure(lineHeight(15) * 3)
			l.paragraph(k, 15, "B", 3)
		case "h2":
			// Keep a heading with at least three lines of what follows.
			l.ensure(lineHeight(11.5) + 3*lineHeight(bodyPt) + 3)
			l.y += 2
			l.paragraph(k, 11.5, "B", 1.5)
		case "h3":
			l.ensure(lineHeight(10) + 3*lineHeight(bodyPt))
			l.paragraph(k, 10, "B", 1)
		case "p":
			l.paragraph(k, bodyPt, "", 2)
		case "ul", "ol":
			l.list(k)
		case "table":
			l.table(k)
		default: // html, body, header, footer, section, div, article
			l.blocks(k)
		}
	}
	flush()
}

// word is a unit of inline text that never breaks.
type word struct {
	text  string // Windows-1252
	style string
	space bool // preceded by a breaking space
}

// words splits n's inline content into words, with bold and italic from
// strong/b/th and em/i.
func words(n *node, style string) []word {
	var out []word
	pendingSpace := false
	var walk func(n *node, style string)
	walk = func(n *node, style string) {
		switch n.tag {
		case "":
			t := toCP1252(n.text)
			i := 0
			for i < len(t) {
				if isBreakingSpace(t[i]) {
					pendingSpace = true
					i++
					continue
				}
				j := i
				for j < len(t) && !isBreakingSpace(t[j]) {
					j++
				}
				out = append(out, word{text: t[i:j], style: style, space: pendingSpace && len(out) > 0})
				pendingSpace = false
				i = j
			}
			return
		case "br":
			pendingSpace = true
			return
		case "strong", "b", "th":
			style = addStyle(style, "B")
		case "em", "i":
			style = addStyle(style, "I")
		}
		for _, k := range n.kids {
			walk(k, style)
		}
	}
	walk(n, style)
	return out
}

func isBreakingSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func addStyle(style, s string) string {
	if strings.Contains(style, s) {
		return style
	}
	if style == "I" && s == "B" {
		return "BI"
	}
	return style + s
}

// lines breaks ws into lines at most width wide; a word wider than a line is
// cut between characters.
func (l *layout) lines(ws []word, pt, width float64) [][]word {
	var out [][]word
	var cur []word
	x := 0.0
	space := l.width(" ", "", pt)
	for _, w := range ws {
		ww := l.width(w.text, w.style, pt)
		for ww > width && len(w.text) > 1 { // cut an over-long word
			if len(cur) > 0 {
				out = append(out, cur)
				cur, x = nil, 0
			}
			cut := 1
			for cut < len(w.text) && l.width(w.text[:cut+1], w.style, pt) <= width {
				cut++
			}
			out = append(out, []word{{text: w.text[:cut], style: w.style}})
			w = word{text: w.text[cut:], style: w.style}
			ww = l.width(w.text, w.style, pt)
		}
		add := ww
		if w.space && len(cur) > 0 {
			add += space
		}
		if len(cur) > 0 && x+add > width {
			out = append(out, cur)
			cur, x = nil, 0
			add = ww
		}
		if len(cur) == 0 {
			w.space = false
		}
		cur = append(cur, w)
		x += add
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// drawLine prints one line of words with its left edge at x and baseline y;
// right aligns it to x+width instead.
func (l *layout) drawLine(line []word, pt, x, y, width float64, right bool) {
	if right {
		total := 0.0
		for _, w := range line {
			if w.space {
				total += l.width(" ", "", pt)
			}
			total += l.width(w.text, w.style, pt)
		}
		x += width - total
	}
	// Consecutive words of one style print as one string.
	var run strings.Builder
	runStyle, runX := "", x
	flush := func() {
		if run.Len() > 0 {
			l.font(runStyle, pt)
			l.show(runX, y, run.String())
			run.Reset()
		}
	}
	for i, w := range line {
		if i == 0 || w.style != runStyle {
			flush()
			if w.space {
				x += l.width(" ", runStyle, pt)
			}
			runStyle, runX = w.style, x
		} else if w.space {
			run.WriteByte(' ')
			x += l.width(" ", runStyle, pt)
		}
		run.WriteString(w.text)
		x += l.width(w.text, w.style, pt)
	}
	flush()
}

// paragraph lays out n's inline content over the content width, breaking
// pages between lines, then leaves after millimetres.
func (l *layout) paragraph(n *node, pt float64, style string, after float64) {
	l.text(words(n, style), pt, marginL, contentW)
	l.y += after
}

func (l *layout) text(ws []word, pt, x, width float64) {
	lh := lineHeight(pt)
	for _, line := range l.lines(ws, pt, width) {
		l.ensure(lh)
		l.drawLine(line, pt, x, l.y+lh*0.78, width, false)
		l.y += lh
	}
}

// list lays out ul/ol items with a bullet or number.
func (l *layout) list(n *node) {
	i := 0
	for _, k := range n.kids {
		if k.tag != "li" {
			continue
		}
		i++
		marker := "\x95" // Windows-1252 bullet
		if n.tag == "ol" {
			marker = fmt.Sprintf("%d.", i)
		}
		lh := lineHeight(bodyPt)
		l.ensure(lh)
		l.font("", bodyPt)
		l.show(marginL+1, l.y+lh*0.78, marker)
		l.text(words(k, ""), bodyPt, marginL+6, contentW-6)
		l.y += 1
	}
	l.y += 1
}

// tcell and trow are a table's content, flattened for layout.
type tcell struct {
	words  []word
	lines  [][]word // words broken to the cell's width, set by rowHeight
	header bool
	right  bool
	span   int
}

type trow struct {
	cells []tcell
	head  bool
}

// table lays out a table with column widths from its content, rows that
// wrap, header rows repeated at the top of every page the table continues
// on, and a page break never inside a row.
func (l *layout) table(n *node) {
	pt := tablePt
	if n.hasClass("schedule") {
		pt = schedulePt
	}
	var rows []trow
	var collect func(n *node, head bool)
	collect = func(n *node, head bool) {
		for _, k := range n.kids {
			switch k.tag {
			case "thead":
				collect(k, true)
			case "tbody", "tfoot":
				collect(k, false)
			case "tr":
				r := trow{head: head}
				for _, c := range k.kids {
					if c.tag != "td" && c.tag != "th" {
						continue
					}
					style := ""
					if c.tag == "th" {
						style = "B"
					}
					r.cells = append(r.cells, tcell{words: words(c, style), header: c.tag == "th", right: c.hasClass("num"), span: c.colspan})
				}
				rows = append(rows, r)
			}
		}
	}
	collect(n, false)
	cols := 0
	for _, r := range rows {
		c := 0
		for _, cell := range r.cells {
			c += cell.span
		}
		cols = max(cols, c)
	}
	if cols == 0 {
		return
	}
	// A table whose unbreakable words (amounts, dates) cannot fit side by
	// side is set in a smaller font rather than having a number cut in
	// two: "971.428.571,42" must never print as "971.428.57" over "1,42".
	// Only schedules shrink: a label/value table with one very long word (a
	// URL) should wrap it, not shrink every line to a tiny font.
	//
	// The font shrinks until every amount fits whole, however small that
	// makes it: a cut amount reads as another number, a small one does not.
	// Cell padding does not scale with the font, hence a few rounds.
	if n.hasClass("schedule") {
		for round := 0; round < 8; round++ {
			need := l.minTableWidth(rows, cols, pt)
			if need <= contentW || pt <= minTablePt {
				break
			}
			pt = max(minTablePt, pt*contentW/need*0.98)
		}
	}
	colW := l.columnWidths(rows, cols, pt)
	if n.hasClass("kv") && cols == 2 {
		// Label and value: the label column takes the 35 % the HTML's
		// stylesheet gives it, so parties and terms line up.
		colW = []float64{contentW * 0.35, contentW * 0.65}
	}
	var head []trow
	for _, r := range rows {
		if r.head {
			head = append(head, r)
		}
	}
	l.y += 1
	// Cell borders, set once: fpdf restores the stroke colour and line
	// width on every new page.
	l.flush()
	l.pdf.SetDrawColor(150, 150, 150)
	l.pdf.SetLineWidth(0.15)
	for i := range rows {
		r := rows[i]
		h := l.rowHeight(r, colW, pt)
		if l.ensure(h) && !r.head && i > 0 {
			for _, hr := range head {
				l.drawRow(hr, colW, pt, l.rowHeight(hr, colW, pt))
			}
		}
		l.drawRow(r, colW, pt, h)
	}
	l.y += 3
}

// minTableWidth is the width the table needs so that no word is cut: per
// column, its widest word plus the cell padding.
func (l *layout) minTableWidth(rows []trow, cols int, pt float64) float64 {
	total := 0.0
	for _, w := range l.widestWords(rows, cols, pt) {
		total += w
	}
	return total
}

// widestWords returns, per column, its widest single-span word plus the cell
// padding: the narrowest the column can be without cutting a word.
func (l *layout) widestWords(rows []trow, cols int, pt float64) []float64 {
	widest := make([]float64, cols)
	for _, r := range rows {
		c := 0
		for _, cell := range r.cells {
			if cell.span == 1 && c < cols {
				for _, w := range cell.words {
					widest[c] = max(widest[c], l.width(w.text, w.style, pt)+2*cellPad+0.1)
				}
			}
			c += cell.span
		}
	}
	return widest
}

// columnWidths gives each column its natural width (the widest single-span
// cell) when the table fits. Otherwise every column first gets its widest
// word, so that no amount or date is cut while the table can hold them, and
// the width left is shared in proportion to what each column would still
// need to be natural; those columns' multi-word cells (headers) then wrap.
func (l *layout) columnWidths(rows []trow, cols int, pt float64) []float64 {
	natural := make([]float64, cols)
	for _, r := range rows {
		c := 0
		for _, cell := range r.cells {
			if cell.span == 1 && c < cols {
				w := 0.0
				for i, wd := range cell.words {
					if i > 0 && wd.space {
						w += l.width(" ", "", pt)
					}
					w += l.width(wd.text, wd.style, pt)
				}
				natural[c] = max(natural[c], w+2*cellPad+0.1)
			}
			c += cell.span
		}
	}
	total := 0.0
	for _, w := range natural {
		total += w
	}
	out := make([]float64, cols)
	if total <= contentW {
		for i, w := range natural {
			out[i] = w * contentW / total
		}
		return out
	}
	minW := l.widestWords(rows, cols, pt)
	minTotal, extra := 0.0, 0.0
	for i := range minW {
		minW[i] = min(minW[i], natural[i])
		minTotal += minW[i]
		extra += natural[i] - minW[i]
	}
	if minTotal >= contentW || extra <= 0 {
		// Not even the words fit (only tables that may not shrink get
		// here): share the width in proportion to them.
		for i, w := range minW {
			out[i] = w * contentW / minTotal
		}
		return out
	}
	for i := range out {
		out[i] = minW[i] + (natural[i]-minW[i])*(contentW-minTotal)/extra
	}
	return out
}

func (l *layout) cellWidth(colW []float64, c, span int) float64 {
	w := 0.0
	for i := c; i < c+span && i < len(colW); i++ {
		w += colW[i]
	}
	return w
}

// rowHeight breaks every cell of r into lines (kept in the cells for
// drawRow) and returns the height of the tallest.
func (l *layout) rowHeight(r trow, colW []float64, pt float64) float64 {
	n, c := 1, 0
	for i := range r.cells {
		cell := &r.cells[i]
		if cell.lines == nil {
			cell.lines = l.lines(cell.words, pt, l.cellWidth(colW, c, cell.span)-2*cellPad)
		}
		n = max(n, len(cell.lines))
		c += cell.span
	}
	return float64(n)*lineHeight(pt) + cellPad
}

func (l *layout) drawRow(r trow, colW []float64, pt, h float64) {
	x, c := marginL, 0
	lh := lineHeight(pt)
	for _, cell := range r.cells {
		w := l.cellWidth(colW, c, cell.span)
		l.rect(x, l.y, w, h, cell.header)
		y := l.y + cellPad/2
		for _, line := range cell.lines {
			l.drawLine(line, pt, x+cellPad, y+lh*0.78, w-2*cellPad, cell.right)
			y += lh
		}
		x += w
		c += cell.span
	}
	l.y += h
}
