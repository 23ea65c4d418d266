package main

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/lendkit/lendkit/wallet"
)

// Charts are drawn on the server as inline SVG: no script, no external
// library, readable without JavaScript and printable. Bar lengths are
// computed in integer minor units (money never goes through float64), scaled
// to the chart's pixel width by integer division.

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int64  // minor units, or a count
	Text  string // what is printed after the bar
	Class string // CSS class (colour)
}

const (
	chartLabelW = 150
	chartBarW   = 330
	chartTextW  = 170
	chartRowH   = 26
)

// svgBars draws horizontal bars (inline SVG in HTML needs no xmlns, so
// the page names no outside URL at all) from a zero axis (negative values go left).
func svgBars(title string, bars []bar) template.HTML {
	if len(bars) == 0 {
		return template.HTML(`<p class="muted">nothing to chart yet</p>`)
	}
	lo, hi := int64(0), int64(0)
	for _, b := range bars {
		lo, hi = min(lo, b.Value), max(hi, b.Value)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	// Overflow guard: scale in int64 as v·width/span with |v| ≤ span; span
	// up to 2^63/chartBarW keeps the product in range, beyond it divide first.
	scale := func(v int64) int64 {
		if v < 0 {
			return -scalePos(-v, span)
		}
		return scalePos(v, span)
	}
	x0 := int64(chartLabelW) + scale(-lo)
	h := len(bars)*chartRowH + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %d %d"><title>%s</title>`,
		chartLabelW+chartBarW+chartTextW, h, template.HTMLEscapeString(title))
	for i, br := range bars {
		y := i*chartRowH + 4
		w := scale(br.Value)
		x := x0
		cls := "bar " + br.Class
		if w < 0 {
			x, w, cls = x0+w, -w, cls+" neg"
		}
		if w == 0 && br.Value != 0 {
			w = 1 // visible, however small
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, chartLabelW-8, y+16, template.HTMLEscapeString(br.Label))
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%d" height="%d" rx="3"><title>%s</title></rect>`,
			strings.Join(strings.Fields(cls), " "), x, y+3, w, chartRowH-8, template.HTMLEscapeString(br.Label+": "+br.Text))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, chartLabelW+chartBarW+8, y+16, template.HTMLEscapeString(br.Text))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="0" x2="%d" y2="%d" stroke="#9aa7b4"/></svg>`, x0, x0, h)
	return template.HTML(b.String())
}

// scalePos is v·chartBarW/span for 0 ≤ v ≤ span without overflow.
func scalePos(v, span int64) int64 {
	if span <= (1<<62)/chartBarW {
		return v * chartBarW / span
	}
	return v / (span / chartBarW)
}

// tallyChart charts granted amounts by a breakdown's key.
func tallyChart(by string, ts []tally) template.HTML {
	bars := make([]bar, 0, len(ts))
	for _, t := range ts {
		bars = append(bars, bar{Label: t.Key, Value: t.GrantedAmount.Minor(), Text: fmt.Sprintf("%s · %d", t.GrantedAmount, t.Granted)})
	}
	return svgBars("granted by "+by, bars)
}

// bucketChart charts outstanding principal by days past due.
func bucketChart(bs []dpdBucket) template.HTML {
	bars := make([]bar, 0, len(bs))
	for i, b := range bs {
		bars = append(bars, bar{Label: b.Label, Value: b.Outstanding.Minor(), Text: fmt.Sprintf("%s · %s", b.Outstanding, plural(b.Loans, "loan")), Class: fmt.Sprintf("b%d", i)})
	}
	return svgBars("outstanding by days past due", bars)
}

// forecastChart charts each month's closing balance.
func forecastChart(fs []wallet.Bucket) template.HTML {
	bars := make([]bar, 0, len(fs))
	for _, f := range fs {
		bars = append(bars, bar{Label: f.Start.String()[:7], Value: f.Closing.Minor(), Text: f.Closing.String()})
	}
	return svgBars("closing balance by month", bars)
}

// plural is "1 loan", "2 loans".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
