package camt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
)

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
}

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

func parseFile(t *testing.T, path string) *Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := Parse(f, Limits{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return doc
}

func TestParse053(t *testing.T) {
	t.Parallel()
	got := parseFile(t, "testdata/camt053-001.02.xml")
	d := lendkit.MustParseDate("2027-03-01")
	want := &Document{
		Kind:      Statement053,
		Version:   "001.02",
		MessageID: "STMT-20270301-0001",
		Created:   time.Date(2027, 3, 1, 22, 15, 0, 0, time.FixedZone("", 3600)),
		Statements: []Statement{{
			ID:       "20270301-FR76",
			Account:  "FR7616958000010000000000146",
			Currency: lendkit.EUR,
			Balances: map[string]lendkit.Money{"OPBD": eur("10000.00"), "CLBD": eur("10861.25")},
			Entries: []Entry{
				{Ref: "1", AccountServicerRef: "BANKREF-0001", Amount: eur("1250.00"), Direction: Credit, Status: "BOOK",
					BookingDate: d, ValueDate: d, BankTxCode: "PMNT/RCDT/ESCT",
					Details: []Transaction{{EndToEndID: "E2E-ACME-0042", Amount: eur("1250.00"), DebtorName: "ACME SARL",
						DebtorIBAN: "FR1420041010050500013M02606", CreditorIBAN: "FR7616958000010LK0000004227", Unstructured: "ECHEANCE MARS"}}},
				{Ref: "2", Amount: eur("311.25"), Direction: Credit, Status: "BOOK", BookingDate: d, ValueDate: d,
					Details: []Transaction{{EndToEndID: "NOTPROVIDED", Amount: eur("311.25"), DebtorName: "Jeanne Martin",
						DebtorIBAN: "DE89370400440532013000", CreditorReference: "RF18539007547034"}}},
				{Ref: "3", Amount: eur("450.00"), Direction: Debit, Reversal: true, Status: "BOOK", BookingDate: d,
					ValueDate: lendkit.MustParseDate("2027-02-26"), BankTxCode: "PMNT/RDDT/UPDD",
					Details: []Transaction{{EndToEndID: "LK-DD-2027-02-0007", MandateID: "LK-MDT-000007", Amount: eur("450.00"),
						DebtorName: "Paul Durand", ReturnReason: "AM04"}}},
				{Ref: "4", Amount: eur("150.00"), Direction: Credit, Status: "BOOK", BookingDate: d, ValueDate: d,
					Details: []Transaction{
						{EndToEndID: "B1", Amount: eur("100.00"), DebtorName: "A"},
						{EndToEndID: "B2", Amount: eur("50.00"), DebtorName: "B"},
					}},
			},
		}},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParse054(t *testing.T) {
	t.Parallel()
	got := parseFile(t, "testdata/camt054-001.08.xml")
	d := lendkit.MustParseDate("2027-03-02")
	want := &Document{
		Kind: Notification054, Version: "001.08", MessageID: "NTF-1",
		Created: time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC),
		Statements: []Statement{{ID: "NTF-1-1", Account: "FR7616958000010000000000146", Entries: []Entry{{
			Amount: eur("99.99"), Direction: Credit, Status: "BOOK", BookingDate: d, ValueDate: d, BankTxCode: "VIR",
			Details: []Transaction{{EndToEndID: "E2E-9", Amount: eur("99.99"), DebtorName: "Société Générale Client",
				CreditorIBAN: "FR7616958000010LK0000004227", Unstructured: "part 1 part 2"}},
		}}}},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestScanStreams(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/camt053-001.02.xml")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	err = Scan(bytes.NewReader(b), Limits{}, func(d *Document, st *Statement, e Entry) error {
		if st.Account != "FR7616958000010000000000146" || len(st.Entries) != 0 || d.MessageID == "" {
			return fmt.Errorf("headers not parsed before entry %s: %+v", e.Ref, st)
		}
		refs = append(refs, e.Ref)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2", "3", "4"}, refs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	if err := Scan(bytes.NewReader(b), Limits{}, func(*Document, *Statement, Entry) error { return stop }); err != stop {
		t.Errorf("callback error not returned as is: %v", err)
	}
}

const head = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>FR7616958000010000000000146</IBAN></Id></Acct>`
const tail = `</Stmt></BkToCstmrStmt></Document>`
const entry = `<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>`

func TestHostile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		l    Limits
		want error
	}{
		{"empty", ``, Limits{}, ErrNamespace},
		{"not xml", `hello`, Limits{}, ErrNamespace},
		{"truncated", head + entry, Limits{}, ErrMalformed},
		{"wrong namespace", strings.Replace(head, "camt.053.001.02", "pain.001.001.03", 1) + tail, Limits{}, ErrNamespace},
		{"no namespace", strings.Replace(head, ` xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"`, "", 1) + tail, Limits{}, ErrNamespace},
		{"version 01", strings.Replace(head, "001.02", "001.01", 1) + tail, Limits{}, ErrNamespace},
		{"054 body in 053", strings.Replace(head, "BkToCstmrStmt>", "BkToCstmrDbtCdtNtfctn>", 1) + tail, Limits{}, ErrNamespace},
		{"foreign element", head + `<x:Ntry xmlns:x="urn:evil"/>` + tail, Limits{}, ErrNamespace},
		{"too large", head + strings.Repeat(entry, 1000) + tail, Limits{MaxBytes: 10_000}, ErrTooLarge},
		{"too many entries", head + strings.Repeat(entry, 11) + tail, Limits{MaxEntries: 10}, ErrTooManyEntries},
		{"deep", head + strings.Repeat("<Ntry>", 100) + strings.Repeat("</Ntry>", 100) + tail, Limits{}, ErrTooDeep},
		{"billion laughs", `<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` + head + tail, Limits{}, ErrMalformed},
		{"bad amount", head + strings.Replace(entry, "1.00", "1,00", 1) + tail, Limits{}, ErrInvalidAmount},
		{"three decimals", head + strings.Replace(entry, "1.00", "1.001", 1) + tail, Limits{}, ErrInvalidAmount},
		{"negative", head + strings.Replace(entry, "1.00", "-1.00", 1) + tail, Limits{}, ErrInvalidAmount},
		{"no currency", head + strings.Replace(entry, ` Ccy="EUR"`, "", 1) + tail, Limits{}, ErrInvalidAmount},
		{"bad direction", head + strings.Replace(entry, "CRDT", "CREDIT", 1) + tail, Limits{}, ErrMalformed},
		{"no amount", head + `<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>` + tail, Limits{}, ErrMissingRequired},
		{"no account", strings.Replace(head, "<Acct><Id><IBAN>FR7616958000010000000000146</IBAN></Id></Acct>", "", 1) + tail, Limits{}, ErrMissingRequired},
		{"bad date", head + strings.Replace(entry, "<Sts>", "<BookgDt><Dt>2027-02-30</Dt></BookgDt><Sts>", 1) + tail, Limits{}, ErrMalformed},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?>` + head + tail, Limits{}, ErrMalformed},
		{"huge text", head + `<Ntry><NtryRef>` + strings.Repeat("x", 100_000) + `</NtryRef></Ntry>` + tail, Limits{}, ErrMalformed},
	}
	for _, tt := range tests {
		doc, err := Parse(strings.NewReader(tt.in), tt.l)
		if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalid) || doc != nil {
			t.Errorf("%s: Parse = %v, %v; want nil, %v", tt.name, doc, err, tt.want)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v is not a *camt.Error", tt.name, err)
		}
	}
	// An account identified by Othr instead of an IBAN.
	othr := strings.Replace(head, "<IBAN>FR7616958000010000000000146</IBAN>", "<Othr><Id>PI-WALLET-42</Id></Othr>", 1)
	if doc, err := Parse(strings.NewReader(othr+entry+tail), Limits{}); err != nil || doc.Statements[0].Account != "PI-WALLET-42" {
		t.Errorf("Othr account: %v %v", doc, err)
	}
	// Within limits, the same shape parses.
	doc, err := Parse(strings.NewReader(head+strings.Repeat(entry, 10)+tail), Limits{MaxEntries: 10})
	if err != nil || len(doc.Statements[0].Entries) != 10 {
		t.Fatalf("10 entries at limit 10: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/camt053-001.02.xml", "testdata/camt054-001.08.xml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(head + entry + tail))
	f.Add([]byte(head + strings.Repeat("<Ntry>", 40) + tail))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := Parse(bytes.NewReader(b), Limits{MaxBytes: 1 << 20, MaxEntries: 1000})
		if err != nil {
			if doc != nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v with doc %v", err, doc)
			}
			return
		}
		for _, st := range doc.Statements {
			for _, e := range st.Entries {
				if e.Amount.IsNegative() || (e.Direction != Credit && e.Direction != Debit) {
					t.Fatalf("entry %+v accepted", e)
				}
			}
		}
	})
}
