package main

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
)

// TestScalePos: a bar's length is within the chart for any amount up to
// the largest Money, and grows with the amount (no int64 overflow).
func TestScalePos(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		span := rapid.Int64Range(1, 1<<63-1).Draw(t, "span")
		a := rapid.Int64Range(0, span).Draw(t, "a")
		b := rapid.Int64Range(a, span).Draw(t, "b")
		sa, sb := scalePos(a, span), scalePos(b, span)
		if sa < 0 || sb > chartBarW || sa > sb {
			t.Fatalf("scalePos(%d)=%d, scalePos(%d)=%d over span %d", a, sa, b, sb, span)
		}
		if scalePos(span, span) < chartBarW-1 {
			t.Fatalf("the largest bar is %d px of %d", scalePos(span, span), chartBarW)
		}
	})
}

// TestPercentOf: PAR is part/whole in percent, exact to the cent of a
// percent, between 0 and 100 when the part is within the whole.
func TestPercentOf(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		whole := rapid.Int64Range(1, 1<<50).Draw(t, "whole")
		part := rapid.Int64Range(0, whole).Draw(t, "part")
		got := decimal.RequireFromString(percentOf(lendkit.New(part, lendkit.EUR), lendkit.New(whole, lendkit.EUR)))
		exact := decimal.NewFromInt(part).Mul(decimal.NewFromInt(100)).Div(decimal.NewFromInt(whole))
		if got.LessThan(decimal.Zero) || got.GreaterThan(decimal.NewFromInt(100)) || got.Sub(exact).Abs().GreaterThan(decimal.RequireFromString("0.005")) {
			t.Fatalf("percentOf(%d, %d) = %s, exact %s", part, whole, got, exact)
		}
	})
	if got := percentOf(lendkit.Zero(lendkit.EUR), lendkit.Zero(lendkit.EUR)); got != "0.00" {
		t.Errorf("empty portfolio: %s", got)
	}
}

// TestSVGBars: negative values go left of the axis, labels are escaped.
func TestSVGBars(t *testing.T) {
	t.Parallel()
	out := string(svgBars("t", []bar{{Label: "<b>", Value: -50, Text: "-0.50 EUR"}, {Label: "ok", Value: 100, Text: "1.00 EUR"}}))
	for _, s := range []string{"&lt;b&gt;", `class="bar neg"`, `width="110"`, `width="220"`} {
		if !strings.Contains(out, s) {
			t.Errorf("chart lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "<b>") {
		t.Error("label not escaped")
	}
}
