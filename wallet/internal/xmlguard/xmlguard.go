package xmlguard

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Limits bound what a decoder accepts. Zero fields take the defaults.
type Limits struct {
	MaxBytes int64 // total input size; default 64 MiB
	MaxDepth int   // element nesting; default 32 (ISO 20022 messages need ~12)
	MaxText  int   // bytes of one text node; default 4096
}

// Default limits.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxDepth = 32
	DefaultMaxText  = 4096
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	return l
}

// Sentinel errors, wrapped with the position where the limit was hit.
var (
	ErrTooLarge  = errors.New("input exceeds the size limit")
	ErrTooDeep   = errors.New("elements nested too deeply")
	ErrTextLong  = errors.New("text node too long")
	ErrDirective = errors.New("DTD or other directive not allowed")
	ErrMalformed = errors.New("malformed XML")
)

// limitedReader returns ErrTooLarge once more than n bytes were asked for,
// instead of io.LimitReader's silent EOF (which would look like truncated XML).
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Allow reading exactly the limit: probe one byte to see whether more follows.
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// Decoder yields the tokens of an XML document within limits. Path returns the
// local names of the open elements.
type Decoder struct {
	d      *xml.Decoder
	limits Limits
	stack  []xml.Name
}

// NewDecoder returns a guarded decoder over r.
func NewDecoder(r io.Reader, l Limits) *Decoder {
	l = l.withDefaults()
	d := xml.NewDecoder(&limitedReader{r: r, n: l.MaxBytes})
	d.Strict = true
	// Only UTF-8 (and its ASCII subset) is accepted: ISO 20022 mandates UTF-8.
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("%w: encoding %q is not UTF-8", ErrMalformed, label)
	}
	return &Decoder{d: d, limits: l, stack: make([]xml.Name, 0, l.MaxDepth)}
}

// Depth returns the number of open elements.
func (g *Decoder) Depth() int { return len(g.stack) }

// Name returns the name of the innermost open element (the zero Name at top level).
func (g *Decoder) Name() xml.Name {
	if len(g.stack) == 0 {
		return xml.Name{}
	}
	return g.stack[len(g.stack)-1]
}

// Parent returns the local name of the element k levels above the innermost
// one (Parent(0) is the innermost), or "" when there is none.
func (g *Decoder) Parent(k int) string {
	i := len(g.stack) - 1 - k
	if i < 0 {
		return ""
	}
	return g.stack[i].Local
}

// Token returns the next token: xml.StartElement, xml.EndElement or
// xml.CharData (copied, safe to keep); comments and processing instructions
// are skipped. At the end of input it returns io.EOF, and an error if
// elements are still open.
func (g *Decoder) Token() (xml.Token, error) {
	for {
		tok, err := g.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if len(g.stack) > 0 {
					return nil, g.errorf(ErrMalformed, "unexpected end of input inside <%s>", g.Name().Local)
				}
				return nil, io.EOF
			}
			if errors.Is(err, ErrTooLarge) {
				return nil, g.errorf(ErrTooLarge, "more than %d bytes", g.limits.MaxBytes)
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%w: line %d: %s", ErrMalformed, se.Line, se.Msg)
			}
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(g.stack) >= g.limits.MaxDepth {
				return nil, g.errorf(ErrTooDeep, "more than %d levels at <%s>", g.limits.MaxDepth, t.Name.Local)
			}
			g.stack = append(g.stack, t.Name)
			return t.Copy(), nil
		case xml.EndElement:
			g.stack = g.stack[:len(g.stack)-1] // the strict decoder has matched the pair
			return t, nil
		case xml.CharData:
			if len(t) > g.limits.MaxText {
				return nil, g.errorf(ErrTextLong, "%d bytes in <%s>, limit %d", len(t), g.Name().Local, g.limits.MaxText)
			}
			return t.Copy(), nil
		case xml.Directive:
			return nil, g.errorf(ErrDirective, "<!%.20s…>", string(t))
		case xml.Comment, xml.ProcInst:
			continue
		}
	}
}

// Skip consumes the rest of the innermost open element, within the limits.
func (g *Decoder) Skip() error {
	depth := len(g.stack)
	for len(g.stack) >= depth {
		if _, err := g.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return g.errorf(ErrMalformed, "unexpected end of input")
			}
			return err
		}
	}
	return nil
}

func (g *Decoder) errorf(kind error, format string, args ...any) error {
	line, col := g.d.InputPos()
	return fmt.Errorf("%w: line %d column %d: %s", kind, line, col, fmt.Sprintf(format, args...))
}
