package wallet

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/camt"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/reconcile"
	"github.com/lendkit/lendkit/wallet/rf"
)

var loanIBANs, _ = iban.NewIssuer(iban.IssuerConfig{Bank: "16958", Branch: "00001", Prefix: "LK", Namespace: "loan"})

func virtualIBAN(tb testing.TB, id string) string {
	tb.Helper()
	v, err := loanIBANs.Issue(id, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return v.String()
}

func TestImportStatement(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "suspense", Suspense, KYCValidated)
		mustOpen(t, s, "loan-1", Borrower, KYCNone) // KYC limits do not stop bank credits
		mustOpen(t, s, "loan-2", Borrower, KYCValidated)
		mustOpen(t, s, "loan-3", Borrower, KYCValidated)
		if _, err := s.Block(ctx, "loan-3"); err != nil {
			t.Fatal(err)
		}
		expected := []reconcile.Expectation{
			{ID: "loan-1/1", Group: "loan-1", Amount: eur("450.00"), DueDate: day, VirtualIBAN: virtualIBAN(t, "loan-1")},
			{ID: "loan-2/1", Group: "loan-2", Amount: eur("311.25"), DueDate: day, Reference: rf.MustNew("LOAN2")},
			{ID: "loan-3/1", Group: "loan-3", Amount: eur("99.00"), DueDate: day, VirtualIBAN: virtualIBAN(t, "loan-3")},
		}
		credits := []reconcile.Credit{
			{ID: "1", Amount: eur("500.00"), CreditedIBAN: virtualIBAN(t, "loan-1")},    // 450 applied, 50 over
			{ID: "2", Amount: eur("311.25"), Reference: rf.MustNew("LOAN2").String()},   // exact
			{ID: "3", Amount: eur("99.00"), CreditedIBAN: virtualIBAN(t, "loan-3")},     // blocked wallet: suspense
			{ID: "4", Amount: eur("12.34"), DebtorName: "nobody"},                       // unmatched
			{ID: "4", Amount: eur("12.34"), DebtorName: "nobody"},                       // duplicate line
			{ID: "5", Amount: lendkit.MustParseMoney("7.00", "USD"), DebtorName: "usd"}, // not bookable here
		}
		req := ImportRequest{StatementID: "S1", Credits: credits, Expected: expected, Suspense: "suspense", Date: day}
		res, err := s.ImportStatement(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Booked != 4 || res.Skipped != 2 {
			t.Errorf("booked %d skipped %d", res.Booked, res.Skipped)
		}
		balances := func() []string {
			var out []string
			for _, w := range []string{"loan-1", "loan-2", "loan-3", "suspense"} {
				out = append(out, balanceOf(t, s, w).Amount())
			}
			return out
		}
		want := []string{"450.00", "311.25", "0.00", "161.34"}
		if diff := cmp.Diff(want, balances()); diff != "" {
			t.Errorf("balances (-want +got):\n%s", diff)
		}
		// Importing the same statement again books nothing.
		again, err := s.ImportStatement(ctx, req)
		if err != nil || again.Booked != 0 || again.Skipped != 6 {
			t.Errorf("re-import: %+v %v", again, err)
		}
		if diff := cmp.Diff(want, balances()); diff != "" {
			t.Errorf("balances after re-import (-want +got):\n%s", diff)
		}
		if _, err := s.ImportStatement(ctx, ImportRequest{StatementID: "S2", Credits: credits, Suspense: "loan-2", Date: day}); err == nil {
			t.Error("a borrower wallet accepted as suspense")
		}
	})
}

// statementXML builds a camt.053 with n credits to n loans: a third by
// virtual IBAN, a third by RF reference, a third by payer name only.
func statementXML(tb testing.TB, n int) ([]byte, []reconcile.Expectation) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2027-03-01T22:00:00Z</CreDtTm></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>FR7616958000010000000000146</IBAN></Id></Acct>`)
	es := make([]reconcile.Expectation, 0, n)
	for i := range n {
		loan := fmt.Sprint("loan-", i)
		amt := lendkit.New(int64(10_000+i), lendkit.EUR)
		e := reconcile.Expectation{ID: loan + "/1", Group: loan, Amount: amt, DueDate: day, DebtorName: fmt.Sprint("Payer", i)}
		party, rmt := "", "<Ustrd>instalment</Ustrd>"
		switch i % 3 {
		case 0:
			e.VirtualIBAN = virtualIBAN(tb, loan)
			party = `<CdtrAcct><Id><IBAN>` + e.VirtualIBAN + `</IBAN></Id></CdtrAcct>`
		case 1:
			e.Reference = rf.MustNew(fmt.Sprint("L", i))
			rmt = `<Strd><CdtrRefInf><Ref>` + e.Reference.String() + `</Ref></CdtrRefInf></Strd>`
		}
		es = append(es, e)
		fmt.Fprintf(&b, `<Ntry><NtryRef>%d</NtryRef><Amt Ccy="EUR">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2027-03-01</Dt></BookgDt><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Payer%d</Nm></Dbtr>%s</RltdPties><RmtInf>%s</RmtInf></TxDtls></NtryDtls></Ntry>`,
			i, amt.Amount(), i, party, rmt)
	}
	b.WriteString(`</Stmt></BkToCstmrStmt></Document>`)
	return b.Bytes(), es
}

// BenchmarkImportStatement parses, reconciles and books a 10,000-line
// camt.053 in one unit of work (target: under 2 s).
func BenchmarkImportStatement(b *testing.B) {
	const lines = 10_000
	run := func(b *testing.B, db store.DB) {
		s := service(b, db)
		if _, err := s.Open(ctx, OpenRequest{ID: "suspense", Kind: Suspense, Owner: "platform", KYC: KYCValidated}); err != nil {
			b.Fatal(err)
		}
		xml, es := statementXML(b, lines)
		err := db.InTx(ctx, func(tx store.Tx) error { return seedWallets(ctx, s, tx, lines) })
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			doc, err := camt.Parse(bytes.NewReader(xml), camt.Limits{})
			if err != nil {
				b.Fatal(err)
			}
			i++
			res, err := s.ImportStatement(ctx, ImportRequest{StatementID: fmt.Sprint("S", i), Credits: reconcile.CreditsFromCamt(doc), Expected: es, Suspense: "suspense", Date: day})
			if err != nil || res.Booked != lines {
				b.Fatalf("import: %+v %v", res.Booked, err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, openPostgres(b)) })
}
