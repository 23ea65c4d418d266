package dispatch

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestWithholdingVectors checks every profile against the reference vectors
// of testdata/withholding.txt (rates with their legal sources).
func TestWithholdingVectors(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "withholding.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	profiles := map[string]TaxProfile{"FR-PFU": FranceIndividual(), "FR-DISPENSE": FranceExempt(), "IT-26": ItalyIndividual()}
	sc := bufio.NewScanner(f)
	n := 0
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fs := strings.Fields(text)
		if len(fs) != 5 {
			t.Fatalf("line %d: %d fields", line, len(fs))
		}
		p, ok := profiles[fs[0]]
		if !ok || p.Name() != fs[0] {
			t.Fatalf("line %d: unknown profile %s", line, fs[0])
		}
		lines, _, err := p.withhold(nil, eur(fs[2]).Minor(), day(fs[1]), lendkit.EUR)
		if err != nil {
			t.Fatal(err)
		}
		got := "absent"
		for _, l := range lines {
			if l.Code == fs[3] {
				got = l.Amount.Amount()
			}
		}
		if got != fs[4] {
			t.Errorf("line %d: %s on %s of %s: %s = %s, want %s", line, fs[0], fs[1], fs[2], fs[3], got, fs[4])
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d vectors read", n)
	}
}

// TestProjectionGolden pins every row of a realistic projection: 7 lenders
// of every profile on a 24-month annuity from amortization, funded in
// November 2025 so the French social levies change from 17.2 % to 18.6 % in
// the middle. Regenerate with go test -run TestProjectionGolden -update and
// review the diff.
func TestProjectionGolden(t *testing.T) {
	t.Parallel()
	s, err := amortization.Generate(amortization.Terms{Principal: eur("25000.00"), Rate: lendkit.MustParseRate("6.9%"),
		Periods: 24, Start: day("2025-11-20")})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := FromSchedule(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(Terms{Loan: "golden", Borrower: "sme", Currency: lendkit.EUR, Funded: day("2025-11-20"), Schedule: rows,
		Fee: PlatformFee{Kind: ShareOfInterest, Rate: decimal.RequireFromString("0.05")},
		Stakes: []Stake{
			{Holder: Holder{ID: "anne", Kind: Individual, Tax: FranceIndividual()}, Amount: eur("7333.33")},
			{Holder: Holder{ID: "bruno", Kind: Individual, Tax: ItalyIndividual()}, Amount: eur("4000.01")},
			{Holder: Holder{ID: "chloe", Kind: Individual, Tax: FranceExempt()}, Amount: eur("1234.56")},
			{Holder: Holder{ID: "dupont-sarl", Kind: Company}, Amount: eur("2500.00")},
			{Holder: Holder{ID: "employer", Kind: Employer}, Amount: eur("5000.00")},
			{Holder: Holder{ID: "fund", Kind: Fund}, Amount: eur("4832.10")},
			{Holder: Holder{ID: "platform", Kind: Platform}, Amount: eur("100.00")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Project()
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for r := range p.Rows() {
		fmt.Fprintf(&sb, "%2d %s %-11s capital %8s interest %6s", r.N, r.Due, r.Holder, r.Capital.Amount(), r.Interest.Amount())
		for _, l := range r.Taxes {
			fmt.Fprintf(&sb, " %s %s", l.Code, l.Amount.Amount())
		}
		fmt.Fprintf(&sb, " net %s\n", r.Net.Amount())
	}
	path := filepath.Join("testdata", "projection.golden")
	if *update {
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), sb.String()); diff != "" {
		t.Errorf("projection (-golden +got):\n%s", diff)
	}
}
