package rf

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func TestNewAndParse(t *testing.T) {
	t.Parallel()
	// ISO 11649 Annex example: payload 539007547034 has check digits 18.
	r, err := New("5390 0754 7034")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{r.String(), r.Print(), r.Payload()}
	want := []string{"RF18539007547034", "RF18 5390 0754 7034", "539007547034"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, ok := range []string{"RF18539007547034", "rf18 5390 0754 7034", "RF18000000000539007547034", "RF712348231"} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		}
	}
	for _, ko := range []string{"", "RF", "RF18", "RF19539007547034", "XX18539007547034", "RF1A539007547034",
		"RF18-5390", "RF18" + strings.Repeat("1", 22), strings.Repeat("R", 1<<16)} {
		if _, err := Parse(ko); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%.30q) = %v, want ErrInvalid", ko, err)
		}
	}
	for _, ko := range []string{"", "   ", strings.Repeat("9", 22), "LOAN/42"} {
		if _, err := New(ko); !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%q) = %v, want ErrInvalid", ko, err)
		}
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want string
	}{
		{"Loan RF18 5390 0754 7034 March", "RF18539007547034"},
		{"rf18539007547034", "RF18539007547034"},
		{"/RFB/RF18539007547034/", "RF18539007547034"},
		{"PERF18539007547034", ""}, // RF inside a word is not a reference
		{"RF19539007547034", ""},
		{"no reference here", ""},
		{"RF18539007547034 RF712348231", "RF18539007547034"},
	}
	for _, tt := range tests {
		r, ok := Find(tt.text)
		if got := r.String(); got != tt.want || ok != (tt.want != "") {
			t.Errorf("Find(%q) = %q, %v; want %q", tt.text, got, ok, tt.want)
		}
	}
}

func TestRoundTripProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.StringMatching(`[A-Z0-9]{1,21}`).Draw(t, "payload")
		r, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(r.Print())
		if err != nil || back != r || back.Payload() != p {
			t.Fatalf("round trip of %q: %v %v", p, back, err)
		}
		if f, ok := Find("Payment " + r.Print() + " thanks"); !ok || f != r {
			t.Fatalf("Find lost %s: %v", r, f)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"RF18539007547034", "rf18 5390", "RF", "", "RF00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v not ErrInvalid", err)
			}
			return
		}
		again, err := New(r.Payload())
		if err != nil || again != r {
			t.Fatalf("New(%q) = %v, %v; want %v", r.Payload(), again, err, r)
		}
		for _, form := range []string{r.String(), r.Print()} {
			if got, ok := Find(form); !ok || got != r {
				t.Fatalf("Find(%q) = %v, %v; want %v", form, got, ok, r)
			}
		}
	})
}
