package xmlguard

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func drain(r io.Reader, l Limits) error {
	g := NewDecoder(r, l)
	for {
		if _, err := g.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		l    Limits
		want error
	}{
		{"ok", `<?xml version="1.0" encoding="UTF-8"?><a><!-- c --><b>x</b></a>`, Limits{}, nil},
		{"deep", strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40), Limits{}, ErrTooDeep},
		{"large", "<a>" + strings.Repeat("<b>x</b>", 100) + "</a>", Limits{MaxBytes: 200}, ErrTooLarge},
		{"exact", "<a></a>", Limits{MaxBytes: 7}, nil},
		{"text", "<a>" + strings.Repeat("x", 5000) + "</a>", Limits{}, ErrTextLong},
		{"dtd", `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, Limits{}, ErrDirective},
		{"entity", `<a>&x;</a>`, Limits{}, ErrMalformed},
		{"unclosed", `<a><b></b>`, Limits{}, ErrMalformed},
		{"mismatch", `<a></b>`, Limits{}, ErrMalformed},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, Limits{}, ErrMalformed},
	}
	for _, tt := range tests {
		err := drain(strings.NewReader(tt.in), tt.l)
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestSkipAndParent(t *testing.T) {
	t.Parallel()
	g := NewDecoder(strings.NewReader(`<a><b><c>1</c><d/></b><e>2</e></a>`), Limits{})
	var seen []string
	for {
		tok, err := g.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tok.(xml.EndElement); ok {
			continue
		}
		switch g.Name().Local {
		case "b":
			if err := g.Skip(); err != nil {
				t.Fatal(err)
			}
		case "e":
			seen = append(seen, g.Parent(1)+"/"+g.Parent(0))
		}
	}
	if strings.Join(seen, ",") != "a/e,a/e" { // start tag and its text
		t.Errorf("seen %v", seen)
	}
}
