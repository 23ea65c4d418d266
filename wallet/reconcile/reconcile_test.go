package reconcile

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/camt"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/rf"
)

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
}

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
func d(s string) lendkit.Date    { return lendkit.MustParseDate(s) }

var issuer, _ = iban.NewIssuer(iban.IssuerConfig{Bank: "16958", Branch: "00001", Prefix: "LK", Namespace: "loan"})

func vIBAN(id string) string {
	i, err := issuer.Issue(id, 0)
	if err != nil {
		panic(err)
	}
	return i.String()
}

func expectations() []Expectation {
	return []Expectation{
		{ID: "L1-3", Group: "L1", Amount: eur("450.00"), DueDate: d("2027-03-05"), VirtualIBAN: vIBAN("L1"), DebtorName: "ACME SARL"},
		{ID: "L1-2", Group: "L1", Amount: eur("450.00"), DueDate: d("2027-02-05"), VirtualIBAN: vIBAN("L1"), DebtorName: "ACME SARL"},
		{ID: "L2-1", Group: "L2", Amount: eur("311.25"), DueDate: d("2027-03-01"), Reference: rf.MustNew("L2"), DebtorName: "Jeanne Martin"},
		{ID: "L3-1", Group: "L3", Amount: eur("99.99"), DueDate: d("2027-03-01"), DebtorName: "Boulangerie Dupont"},
		{ID: "L4-1", Group: "L4", Amount: eur("99.99"), DueDate: d("2027-03-02"), DebtorName: "Garage Martin"},
	}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	credits := []Credit{
		{ID: "c1", Amount: eur("450.00"), CreditedIBAN: vIBAN("L1")},                                     // oldest instalment L1-2
		{ID: "c1", Amount: eur("450.00"), CreditedIBAN: vIBAN("L1")},                                     // duplicate line
		{ID: "c2", Amount: eur("500.00"), CreditedIBAN: vIBAN("L1")},                                     // L1-3 + 50 over
		{ID: "c3", Amount: eur("300.00"), Remittance: "prêt " + rf.MustNew("L2").Print()},                // under L2-1
		{ID: "c4", Amount: eur("99.99"), DebtorName: "DUPONT Boulangerie SARL"},                          // review L3-1
		{ID: "c5", Amount: eur("99.99"), DebtorName: "Someone Else"},                                     // unmatched
		{ID: "c6", Amount: eur("20.00"), CreditedIBAN: vIBAN("L1")},                                      // over: nothing open
		{ID: "c7", Amount: lendkit.MustParseMoney("5.00", "USD"), CreditedIBAN: vIBAN("L1")},             // wrong currency
		{ID: "c8", Amount: eur("311.25"), Reference: rf.MustNew("L2").String(), CreditedIBAN: "garbage"}, // exact by RF
	}
	res, err := Reconcile(lendkit.EUR, credits, expectations())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID       string
		Outcome  Outcome
		Rule     Rule
		Alloc    string
		Suspense string
	}
	var got []row
	for _, l := range res.Lines {
		var al []string
		for _, a := range l.Allocations {
			al = append(al, a.ExpectationID+"="+a.Amount.Amount())
		}
		al = append(al, l.Candidates...)
		got = append(got, row{l.Credit.ID, l.Outcome, l.Rule, strings.Join(al, ","), l.Suspense.String()})
	}
	want := []row{
		{"c1", Matched, ByVirtualIBAN, "L1-2=450.00", "0.00 EUR"},
		{"c1", Duplicate, NoRule, "", "0.00 EUR"},
		{"c2", Overpaid, ByVirtualIBAN, "L1-3=450.00", "50.00 EUR"},
		{"c3", Underpaid, ByReference, "", "300.00 EUR"},
		{"c4", Review, ByAmountName, "L3-1", "99.99 EUR"},
		{"c5", Unmatched, NoRule, "", "99.99 EUR"},
		{"c6", Overpaid, ByVirtualIBAN, "", "20.00 EUR"},
		{"c7", Unmatched, NoRule, "", "5.00 USD"},
		{"c8", Matched, ByReference, "L2-1=311.25", "0.00 EUR"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if res.Applied != eur("1211.25") || res.Suspense != eur("569.98") {
		t.Errorf("applied %s suspense %s", res.Applied, res.Suspense)
	}
	if diff := cmp.Diff(map[string]lendkit.Money{"L3-1": eur("99.99"), "L4-1": eur("99.99")}, res.Remaining, cmpOpts); diff != "" {
		t.Errorf("remaining (-want +got):\n%s", diff)
	}
}

func TestReconcileInvalid(t *testing.T) {
	t.Parallel()
	bad := [][]Expectation{
		{{ID: "", Group: "g", Amount: eur("1.00")}},
		{{ID: "a", Group: "g", Amount: eur("1.00")}, {ID: "a", Group: "g", Amount: eur("1.00")}},
		{{ID: "a", Group: "g", Amount: lendkit.MustParseMoney("1.00", "USD")}},
		{{ID: "a", Group: "g", Amount: eur("0.00")}},
		{{ID: "a", Group: "g", Amount: eur("1.00"), VirtualIBAN: vIBAN("g")}, {ID: "b", Group: "h", Amount: eur("1.00"), VirtualIBAN: vIBAN("g")}},
		{{ID: "a", Group: "g", Amount: eur("1.00"), VirtualIBAN: "FR00"}},
	}
	for i, es := range bad {
		if _, err := Reconcile(lendkit.EUR, nil, es); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
	if _, err := Reconcile(lendkit.EUR, []Credit{{ID: "x", Amount: eur("-1.00")}}, nil); err == nil {
		t.Error("negative credit accepted")
	}
}

func TestCreditsFromCamt(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../camt/testdata/camt053-001.02.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := camt.Parse(f, camt.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got := CreditsFromCamt(doc)
	day := d("2027-03-01")
	want := []Credit{
		{ID: "20270301-FR76/BANKREF-0001/1", Amount: eur("1250.00"), BookingDate: day, CreditedIBAN: "FR7616958000010LK0000004227",
			Remittance: "ECHEANCE MARS", DebtorName: "ACME SARL", DebtorIBAN: "FR1420041010050500013M02606"},
		{ID: "20270301-FR76/2/1", Amount: eur("311.25"), BookingDate: day, CreditedIBAN: "FR7616958000010000000000146",
			Reference: "RF18539007547034", DebtorName: "Jeanne Martin", DebtorIBAN: "DE89370400440532013000"},
		{ID: "20270301-FR76/4/1", Amount: eur("100.00"), BookingDate: day, CreditedIBAN: "FR7616958000010000000000146", DebtorName: "A"},
		{ID: "20270301-FR76/4/2", Amount: eur("50.00"), BookingDate: day, CreditedIBAN: "FR7616958000010000000000146", DebtorName: "B"},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Property: every line's allocations plus suspense equal its credit (zero for
// duplicates), no expectation receives more than its amount, and the run's
// totals are the sums of its lines: reconciliation never creates or loses
// money.
func TestConservationProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		nGroups := rapid.IntRange(1, 5).Draw(t, "groups")
		var es []Expectation
		for g := range nGroups {
			for k := range rapid.IntRange(0, 4).Draw(t, "instalments") {
				es = append(es, Expectation{
					ID: fmt.Sprintf("G%d-%d", g, k), Group: fmt.Sprint("G", g),
					Amount:  lendkit.New(rapid.Int64Range(1, 1000).Draw(t, "due"), lendkit.EUR),
					DueDate: d("2027-01-01").AddMonths(k), VirtualIBAN: vIBAN(fmt.Sprint("G", g)),
					Reference: rf.MustNew(fmt.Sprint("G", g)), DebtorName: rapid.SampledFrom([]string{"Alpha", "Beta Corp", "Gamma"}).Draw(t, "name"),
				})
			}
		}
		var credits []Credit
		for i := range rapid.IntRange(0, 20).Draw(t, "credits") {
			g := fmt.Sprint("G", rapid.IntRange(0, nGroups).Draw(t, "g")) // nGroups: an unknown loan
			c := Credit{ID: fmt.Sprint("c", rapid.IntRange(0, i).Draw(t, "id")), Amount: lendkit.New(rapid.Int64Range(1, 3000).Draw(t, "amt"), lendkit.EUR),
				DebtorName: rapid.SampledFrom([]string{"alpha", "BETA", "delta"}).Draw(t, "payer")}
			switch rapid.IntRange(0, 3).Draw(t, "how") {
			case 0:
				c.CreditedIBAN = vIBAN(g)
			case 1:
				c.Reference = rf.MustNew(g).String()
			case 2:
				c.Remittance = "ref " + rf.MustNew(g).Print()
			}
			credits = append(credits, c)
		}
		res, err := Reconcile(lendkit.EUR, credits, es)
		if err != nil {
			t.Fatal(err)
		}
		applied, suspense := lendkit.Zero(lendkit.EUR), lendkit.Zero(lendkit.EUR)
		paid := map[string]lendkit.Money{}
		for _, l := range res.Lines {
			sum := l.Suspense
			for _, a := range l.Allocations {
				sum, _ = sum.Add(a.Amount)
				applied, _ = applied.Add(a.Amount)
				p := paid[a.ExpectationID]
				if p.Currency().IsZero() {
					p = lendkit.Zero(lendkit.EUR)
				}
				paid[a.ExpectationID], _ = p.Add(a.Amount)
			}
			suspense, _ = suspense.Add(l.Suspense)
			want := l.Credit.Amount
			if l.Outcome == Duplicate {
				want = lendkit.Zero(lendkit.EUR)
			}
			if sum != want {
				t.Fatalf("line %s: allocations+suspense %s ≠ %s", l.Credit.ID, sum, want)
			}
		}
		if applied != res.Applied || suspense != res.Suspense {
			t.Fatalf("totals %s/%s, lines say %s/%s", res.Applied, res.Suspense, applied, suspense)
		}
		for _, e := range es {
			p, ok := paid[e.ID]
			rem, open := res.Remaining[e.ID]
			switch {
			case ok && p != e.Amount:
				t.Fatalf("%s paid %s of %s (instalments are paid in full only)", e.ID, p, e.Amount)
			case ok == open:
				t.Fatalf("%s paid %v and remaining %v", e.ID, ok, open)
			case open && rem != e.Amount:
				t.Fatalf("%s remaining %s", e.ID, rem)
			}
		}
	})
}

// statement builds a camt.053 with n credit lines to n loans' virtual IBANs
// (a third), RF references (a third) and payer names only (a third).
func statement(n int) ([]byte, []Expectation) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2027-03-01T22:00:00Z</CreDtTm></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>FR7616958000010000000000146</IBAN></Id></Acct>`)
	es := make([]Expectation, 0, n)
	for i := range n {
		loan := fmt.Sprint("L", i)
		amt := lendkit.New(int64(10_000+i), lendkit.EUR)
		e := Expectation{ID: loan + "-1", Group: loan, Amount: amt, DueDate: d("2027-03-01"), DebtorName: fmt.Sprintf("Borrower %d Name%d", i, i)}
		var party string
		switch i % 3 {
		case 0:
			e.VirtualIBAN = vIBAN(loan)
			party = `<CdtrAcct><Id><IBAN>` + e.VirtualIBAN + `</IBAN></Id></CdtrAcct>`
		case 1:
			e.Reference = rf.MustNew(loan)
		}
		es = append(es, e)
		rmt := "<Ustrd>instalment</Ustrd>"
		if i%3 == 1 {
			rmt = `<Strd><CdtrRefInf><Ref>` + e.Reference.String() + `</Ref></CdtrRefInf></Strd>`
		}
		fmt.Fprintf(&b, `<Ntry><NtryRef>%d</NtryRef><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2027-03-01</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>E%d</EndToEndId></Refs><RltdPties><Dbtr><Nm>Name%d</Nm></Dbtr>%s</RltdPties><RmtInf>%s</RmtInf></TxDtls></NtryDtls></Ntry>`,
			i, amt.Amount(), i, i, party, rmt)
	}
	b.WriteString(`</Stmt></BkToCstmrStmt></Document>`)
	return b.Bytes(), es
}

func TestStatementRun(t *testing.T) {
	t.Parallel()
	xml, es := statement(300)
	doc, err := camt.Parse(bytes.NewReader(xml), camt.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Reconcile(lendkit.EUR, CreditsFromCamt(doc), es)
	if err != nil {
		t.Fatal(err)
	}
	count := map[Outcome]int{}
	for _, l := range res.Lines {
		count[l.Outcome]++
	}
	if diff := cmp.Diff(map[Outcome]int{Matched: 200, Review: 100}, count); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// BenchmarkReconcileCamt053 parses and reconciles a 10,000-line camt.053
// (target: under 2 s).
func BenchmarkReconcileCamt053(b *testing.B) {
	xml, es := statement(10_000)
	b.SetBytes(int64(len(xml)))
	b.ResetTimer()
	for b.Loop() {
		doc, err := camt.Parse(bytes.NewReader(xml), camt.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Reconcile(lendkit.EUR, CreditsFromCamt(doc), es)
		if err != nil || len(res.Lines) != 10_000 {
			b.Fatal(err)
		}
	}
}
