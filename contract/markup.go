package contract

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The PDF is laid out from the HTML a template produces, so one template
// drives both outputs. The layout understands this subset of HTML; a
// template producing anything else is refused when it is loaded.
var supportedElements = map[string]bool{
	"html": true, "head": true, "title": true, "meta": true, "style": true, "body": true,
	"header": true, "footer": true, "section": true, "div": true, "article": true,
	"h1": true, "h2": true, "h3": true, "p": true, "br": true,
	"strong": true, "b": true, "em": true, "i": true, "span": true, "small": true,
	"table": true, "thead": true, "tbody": true, "tfoot": true, "tr": true, "th": true, "td": true,
	"ul": true, "ol": true, "li": true,
}

// maxMarkupDepth bounds element nesting, so hostile markup cannot exhaust
// the stack of the recursive layout.
const maxMarkupDepth = 64

// node is an element (tag != "") or a text run (tag == "").
type node struct {
	tag     string
	class   string
	colspan int
	text    string
	kids    []*node
}

// hasClass reports whether the space-separated class attribute has c.
func (n *node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.class) {
		if f == c {
			return true
		}
	}
	return false
}

// parseMarkup parses a rendered document into a tree, refusing elements
// the layout does not support.
func parseMarkup(doc []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	root := &node{tag: "#document"}
	stack := []*node{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("markup: %w", err)
		}
		top := stack[len(stack)-1]
		switch tok := tok.(type) {
		case xml.StartElement:
			tag := strings.ToLower(tok.Name.Local)
			if !supportedElements[tag] {
				return nil, fmt.Errorf("markup: element <%s> is not supported by the PDF layout", tag)
			}
			if len(stack) > maxMarkupDepth {
				return nil, fmt.Errorf("markup: elements nest deeper than %d", maxMarkupDepth)
			}
			n := &node{tag: tag, colspan: 1}
			for _, a := range tok.Attr {
				switch strings.ToLower(a.Name.Local) {
				case "class":
					n.class = a.Value
				case "colspan":
					c, err := strconv.Atoi(a.Value)
					if err != nil || c < 1 || c > 64 {
						return nil, fmt.Errorf("markup: colspan %q is not a number from 1 to 64", a.Value)
					}
					n.colspan = c
				}
			}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			tag := strings.ToLower(tok.Name.Local)
			// Pop to the matching element; html's optional end tags are
			// closed implicitly.
			for i := len(stack) - 1; i > 0; i-- {
				if stack[i].tag == tag {
					stack = stack[:i]
					break
				}
			}
		case xml.CharData:
			if len(tok) > 0 {
				top.kids = append(top.kids, &node{text: string(tok)})
			}
		}
	}
	return root, nil
}

// find returns the first element named tag in n's subtree.
func (n *node) find(tag string) *node {
	if n.tag == tag {
		return n
	}
	for _, k := range n.kids {
		if f := k.find(tag); f != nil {
			return f
		}
	}
	return nil
}

// textOf returns the text of n's subtree with HTML whitespace collapsed.
// Only ASCII whitespace collapses: U+00A0 and U+202F are content.
func (n *node) textOf() string {
	var b strings.Builder
	n.appendText(&b)
	return collapse(b.String())
}

func (n *node) appendText(b *strings.Builder) {
	if n.tag == "" {
		b.WriteString(n.text)
		return
	}
	if n.tag == "br" {
		b.WriteByte('\n')
	}
	for _, k := range n.kids {
		k.appendText(b)
	}
}

// collapse turns runs of ASCII whitespace into one space and trims the ends;
// a newline from <br> survives.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\r', '\f':
			space = true
		case '\n':
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		}
	}
	return b.String()
}
