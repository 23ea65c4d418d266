package contract

import (
	"bytes"
	"fmt"
	"html"
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

// arena hands out nodes from chunks: a contract's markup is some 1,500
// nodes, and one allocation per node was a tenth of a contract's garbage.
type arena struct {
	chunk []node
}

func (a *arena) node() *node {
	if len(a.chunk) == cap(a.chunk) {
		a.chunk = make([]node, 0, 256)
	}
	a.chunk = a.chunk[:len(a.chunk)+1]
	return &a.chunk[len(a.chunk)-1]
}

// voidElements never have content or an end tag.
var voidElements = map[string]bool{"br": true, "meta": true}

// parseMarkup parses a rendered document into a tree, refusing elements
// the layout does not support. It reads the HTML html/template produces —
// tags with quoted or bare attributes, character references, comments, a
// doctype — and is a fraction of the cost of encoding/xml, which matters
// when 3,000 contracts are laid out at once.
func parseMarkup(doc []byte) (*node, error) {
	var a arena
	root := a.node()
	root.tag = "#document"
	stack := []*node{root}
	bad := func(i int, format string, args ...any) (*node, error) {
		return nil, fmt.Errorf("markup: byte %d: "+format, append([]any{i}, args...)...)
	}
	for i := 0; i < len(doc); {
		top := stack[len(stack)-1]
		if doc[i] != '<' {
			j := bytes.IndexByte(doc[i:], '<')
			if j < 0 {
				j = len(doc) - i
			}
			text := string(doc[i : i+j])
			if strings.IndexByte(text, '&') >= 0 {
				text = html.UnescapeString(text)
			}
			n := a.node()
			n.text = text
			top.kids = append(top.kids, n)
			i += j
			continue
		}
		switch {
		case bytes.HasPrefix(doc[i:], []byte("<!--")):
			j := bytes.Index(doc[i:], []byte("-->"))
			if j < 0 {
				return bad(i, "unterminated comment")
			}
			i += j + 3
			continue
		case bytes.HasPrefix(doc[i:], []byte("<!")):
			j := bytes.IndexByte(doc[i:], '>')
			if j < 0 {
				return bad(i, "unterminated declaration")
			}
			i += j + 1
			continue
		case bytes.HasPrefix(doc[i:], []byte("</")):
			j := bytes.IndexByte(doc[i:], '>')
			if j < 0 {
				return bad(i, "unterminated end tag")
			}
			tag := strings.ToLower(strings.TrimSpace(string(doc[i+2 : i+j])))
			// Pop to the matching element; an end tag with no open
			// element is ignored, as browsers do.
			for k := len(stack) - 1; k > 0; k-- {
				if stack[k].tag == tag {
					stack = stack[:k]
					break
				}
			}
			i += j + 1
			continue
		}
		n, end, selfClosed, err := startTag(&a, doc, i)
		if err != nil {
			return nil, err
		}
		if !supportedElements[n.tag] {
			return bad(i, "element <%s> is not supported by the PDF layout", n.tag)
		}
		top.kids = append(top.kids, n)
		i = end
		if n.tag == "style" {
			// Raw text: CSS is not content.
			j := bytes.Index(doc[i:], []byte("</style>"))
			if j < 0 {
				return bad(i, "unterminated <style>")
			}
			i += j + len("</style>")
			continue
		}
		if selfClosed || voidElements[n.tag] {
			continue
		}
		if len(stack) > maxMarkupDepth {
			return bad(i, "elements nest deeper than %d", maxMarkupDepth)
		}
		stack = append(stack, n)
	}
	return root, nil
}

// startTag parses the start tag at doc[i] ('<'), returning the element, the
// offset after '>' and whether it ended in "/>".
func startTag(a *arena, doc []byte, i int) (*node, int, bool, error) {
	fail := func(j int, what string) (*node, int, bool, error) {
		return nil, 0, false, fmt.Errorf("markup: byte %d: %s", j, what)
	}
	j := i + 1
	for j < len(doc) && isNameByte(doc[j]) {
		j++
	}
	if j == i+1 {
		return fail(i, "'<' not followed by a tag name")
	}
	n := a.node()
	n.tag, n.colspan = tagName(doc[i+1:j]), 1
	for {
		for j < len(doc) && isSpaceByte(doc[j]) {
			j++
		}
		if j >= len(doc) {
			return fail(i, "unterminated tag <"+n.tag+">")
		}
		switch {
		case doc[j] == '>':
			return n, j + 1, false, nil
		case doc[j] == '/' && j+1 < len(doc) && doc[j+1] == '>':
			return n, j + 2, true, nil
		}
		k := j
		for k < len(doc) && isNameByte(doc[k]) {
			k++
		}
		if k == j {
			return fail(j, "bad attribute in <"+n.tag+">")
		}
		name := strings.ToLower(string(doc[j:k]))
		val := ""
		j = k
		if j < len(doc) && doc[j] == '=' {
			j++
			if j < len(doc) && (doc[j] == '"' || doc[j] == '\'') {
				q := doc[j]
				e := bytes.IndexByte(doc[j+1:], q)
				if e < 0 {
					return fail(j, "unterminated attribute value")
				}
				val = html.UnescapeString(string(doc[j+1 : j+1+e]))
				j += e + 2
			} else {
				e := j
				for e < len(doc) && !isSpaceByte(doc[e]) && doc[e] != '>' {
					e++
				}
				val = html.UnescapeString(string(doc[j:e]))
				j = e
			}
		}
		switch name {
		case "class":
			n.class = val
		case "colspan":
			c, err := strconv.Atoi(val)
			if err != nil || c < 1 || c > 64 {
				return fail(j, fmt.Sprintf("colspan %q is not a number from 1 to 64", val))
			}
			n.colspan = c
		}
	}
}

// tagName returns the lower-case tag name, without allocating for the
// supported (lower-case) names.
func tagName(b []byte) string {
	if name, ok := internedTags[string(b)]; ok {
		return name
	}
	return strings.ToLower(string(b))
}

var internedTags = func() map[string]string {
	m := make(map[string]string, len(supportedElements))
	for name := range supportedElements {
		m[name] = name
	}
	return m
}()

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ':' || c == '_'
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

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

// collapse turns runs of ASCII whitespace (and <br>) into one space and
// trims the ends.
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
