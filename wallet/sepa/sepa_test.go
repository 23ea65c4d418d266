package sepa

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/rf"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
}

func date(s string) lendkit.Date { return lendkit.MustParseDate(s) }

func TestCreditorID(t *testing.T) {
	t.Parallel()
	// Published examples: Deutsche Bundesbank's test identifier, the EPC
	// guidance's FR/BE/ES/IT specimens.
	for _, ok := range []string{"DE98ZZZ09999999999", "FR72ZZZ123456", "fr72 zzz 123456", "BE68ZZZ0123456789", "ES59ZZZX1234567L", "IT66ZZZA1B2C3D4E5F6G7H8", "FR72ABC123456"} {
		if _, err := ParseCreditorID(ok); err != nil {
			t.Errorf("ParseCreditorID(%q): %v", ok, err)
		}
	}
	for _, ko := range []string{"", "FR14ZZZ123456", "FR72ZZZ12345", "XX72ZZZ123456", "FR7AZZZ123456", "FR72ZZZ12345-", strings.Repeat("F", 200)} {
		if _, err := ParseCreditorID(ko); !errors.Is(err, ErrInvalidCreditorID) {
			t.Errorf("ParseCreditorID(%.30q) = %v", ko, err)
		}
	}
	c, err := NewCreditorID("FR", "ZZZ", "123456")
	if err != nil || c.String() != "FR72ZZZ123456" || c.National() != "FR72123456" {
		t.Errorf("NewCreditorID = %v %v", c, err)
	}
	if MustCreditorID("FR72ABC123456").National() != c.National() {
		t.Error("business code changes the creditor")
	}
}

func TestCalendar(t *testing.T) {
	t.Parallel()
	// Easter Sundays from the published tables.
	for y, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2000: "2000-04-23"} {
		if got := Easter(y).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", y, got, want)
		}
	}
	tests := []struct {
		d    string
		want bool
	}{
		{"2027-03-26", false}, // Good Friday
		{"2027-03-29", false}, // Easter Monday
		{"2027-03-30", true},
		{"2027-05-01", false}, // Saturday anyway
		{"2026-05-01", false}, // Friday, Labour Day
		{"2026-12-25", false},
		{"2026-12-28", true},
		{"2027-01-01", false},
		{"2027-01-02", false}, // Saturday
		{"2027-01-04", true},
	}
	for _, tt := range tests {
		if got := IsTargetDay(date(tt.d)); got != tt.want {
			t.Errorf("IsTargetDay(%s) = %v", tt.d, got)
		}
	}
	// Due Tuesday after Easter Monday: D-1 is the Thursday before Good Friday.
	if got := SubmissionDeadline(date("2027-03-30")); got != date("2027-03-25") {
		t.Errorf("SubmissionDeadline = %s", got)
	}
	// Due on a Sunday: settles Monday, submit Friday.
	if got := SubmissionDeadline(date("2027-03-07")); got != date("2027-03-05") {
		t.Errorf("SubmissionDeadline(Sunday) = %s", got)
	}
	if got := AddTargetDays(date("2027-03-25"), 1); got != date("2027-03-30") {
		t.Errorf("AddTargetDays = %s", got)
	}
}

func testMandate() Mandate {
	return Mandate{
		Reference: "LK-MDT-B1", Creditor: MustCreditorID("FR72ZZZ123456"), DebtorName: "Paul Durand",
		DebtorIBAN: iban.MustParse("FR1420041010050500013M02606"), Scheme: Core, Recurrent: true,
		SignedOn: date("2027-01-10"), Status: MandateActive,
	}
}

func TestMandateLifecycle(t *testing.T) {
	t.Parallel()
	m := testMandate()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.SequenceType() != First || m.ExpiresOn() != date("2030-01-10") {
		t.Errorf("fresh mandate: %s %s", m.SequenceType(), m.ExpiresOn())
	}
	if err := m.CheckCollectable(date("2027-01-09")); !errors.Is(err, ErrMandateUnusable) {
		t.Errorf("collect before signature: %v", err)
	}
	m2, err := m.Collected(date("2027-02-05"))
	if err != nil {
		t.Fatal(err)
	}
	if m2.SequenceType() != Recurrent || m2.ExpiresOn() != date("2030-02-05") {
		t.Errorf("after first: %s %s", m2.SequenceType(), m2.ExpiresOn())
	}
	// 36 months without a collection: expired on the anniversary, not the day before.
	if s := m2.StatusOn(date("2030-02-04")); s != MandateActive {
		t.Errorf("day before expiry: %s", s)
	}
	if s := m2.StatusOn(date("2030-02-05")); s != MandateExpired {
		t.Errorf("expiry day: %s", s)
	}
	if err := m2.CheckCollectable(date("2030-03-05")); !errors.Is(err, ErrMandateUnusable) {
		t.Errorf("collect on expired: %v", err)
	}
	if _, err := m2.Collected(date("2027-02-01")); !errors.Is(err, ErrMandateUnusable) {
		t.Errorf("collect before the previous one: %v", err)
	}
	r := m2.Revoke(date("2027-04-01"))
	if err := r.CheckCollectable(date("2027-05-05")); !errors.Is(err, ErrMandateUnusable) {
		t.Errorf("collect on revoked: %v", err)
	}
	one := testMandate()
	one.Recurrent = false
	if one.SequenceType() != OneOff {
		t.Error("one-off")
	}
	used, err := one.Collected(date("2027-02-05"))
	if err != nil || used.Status != MandateUsed {
		t.Errorf("one-off after use: %v %v", used.Status, err)
	}
	if _, err := used.Collected(date("2027-03-05")); !errors.Is(err, ErrMandateUnusable) {
		t.Error("one-off reused")
	}
}

func TestMandateValidate(t *testing.T) {
	t.Parallel()
	mut := []func(*Mandate){
		func(m *Mandate) { m.Reference = "" },
		func(m *Mandate) { m.Reference = strings.Repeat("A", 36) },
		func(m *Mandate) { m.Reference = "/LK" },
		func(m *Mandate) { m.Reference = "LK//1" },
		func(m *Mandate) { m.Reference = "LK_1" },
		func(m *Mandate) { m.Creditor = CreditorID{} },
		func(m *Mandate) { m.DebtorName = " " },
		func(m *Mandate) { m.DebtorIBAN = iban.IBAN{} },
		func(m *Mandate) { m.Scheme = "COR1" },
		func(m *Mandate) { m.SignedOn = lendkit.Date{} },
		func(m *Mandate) { m.Status = "zombie" },
		func(m *Mandate) { m.Status = MandateRevoked },
		func(m *Mandate) { m.Status = MandatePending },
		func(m *Mandate) { m.LastCollection = date("2026-12-01") },
	}
	for i, f := range mut {
		m := testMandate()
		f(&m)
		if err := m.Validate(); !errors.Is(err, ErrInvalidMandate) {
			t.Errorf("mutation %d accepted: %v", i, err)
		}
	}
	if ref, err := NewReference("LK-MDT-", "b1"); err != nil || ref != "LK-MDT-B1" {
		t.Errorf("NewReference = %q %v", ref, err)
	}
}

// Property: a mandate collected at dates at most 36 months apart never
// expires; any gap of 36 months or more expires it.
func TestMandateExpiryProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		m := testMandate()
		d := m.SignedOn
		for i := range rapid.IntRange(1, 20).Draw(t, "n") {
			gap := rapid.IntRange(0, 1200).Draw(t, "gap")
			next := d.AddDays(gap)
			err := m.CheckCollectable(next)
			expired := !next.Before(d.AddMonths(ExpiryMonths))
			if expired != (err != nil) {
				t.Fatalf("collection %d on %s after %s: err %v, expired %v", i, next, d, err, expired)
			}
			if expired {
				return
			}
			if m, err = m.Collected(next); err != nil {
				t.Fatal(err)
			}
			d = next
		}
	})
}

func TestPreNotification(t *testing.T) {
	t.Parallel()
	due := date("2027-03-15")
	if err := CheckPreNotification(date("2027-03-01"), due, DefaultPreNotificationDays); err != nil {
		t.Errorf("14 days before: %v", err)
	}
	if err := CheckPreNotification(date("2027-03-02"), due, DefaultPreNotificationDays); !errors.Is(err, ErrPreNotification) {
		t.Errorf("13 days before: %v", err)
	}
	if err := CheckPreNotification(date("2027-03-13"), due, 2); err != nil {
		t.Errorf("agreed 2 days: %v", err)
	}
	if err := CheckPreNotification(lendkit.Date{}, due, 2); !errors.Is(err, ErrPreNotification) {
		t.Errorf("never sent: %v", err)
	}
}

func TestPreNotify(t *testing.T) {
	t.Parallel()
	m := testMandate()
	due := date("2027-03-15")
	got, err := PreNotify(m, lendkit.MustParseMoney("450.00", "EUR"), due, DefaultPreNotificationDays)
	if err != nil {
		t.Fatal(err)
	}
	want := PreNotification{MandateReference: "LK-MDT-B1", Creditor: m.Creditor, DebtorName: "Paul Durand",
		Amount: lendkit.MustParseMoney("450.00", "EUR"), DueDate: due, SequenceType: First, SendBy: date("2027-03-01")}
	if diff := cmp.Diff(want, got, cmpOpts, cmp.AllowUnexported(CreditorID{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := PreNotify(m, lendkit.MustParseMoney("1.00", "USD"), due, 14); !errors.Is(err, ErrInvalidMandate) {
		t.Errorf("USD: %v", err)
	}
	if _, err := PreNotify(m.Revoke(date("2027-03-01")), lendkit.MustParseMoney("1.00", "EUR"), due, 14); !errors.Is(err, ErrMandateUnusable) {
		t.Errorf("revoked: %v", err)
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	returned := date("2027-03-05") // a Friday
	type out struct {
		Retry    bool
		RetryOn  string
		Mandate  MandateAction
		Alert    Alert
		Escalate bool
	}
	tests := []struct {
		code    string
		attempt int
		want    out
	}{
		{"AM04", 1, out{Retry: true, RetryOn: "2027-03-12", Mandate: KeepMandate, Alert: AlertCollection}},
		{"AM04", 3, out{Mandate: KeepMandate, Alert: AlertCollection, Escalate: true}},
		{"AC04", 1, out{Mandate: RevokeMandate, Alert: AlertCollection, Escalate: true}},
		{"MD01", 1, out{Mandate: RevokeMandate, Alert: AlertCompliance, Escalate: true}},
		{"MD06", 1, out{Mandate: KeepMandate, Alert: AlertCollection, Escalate: true}},
		{"MS03", 2, out{Retry: true, RetryOn: "2027-03-12", Mandate: KeepMandate, Alert: AlertCollection}},
		{"ZZ99", 1, out{Mandate: KeepMandate, Alert: AlertOperations, Escalate: true}},
	}
	for _, tt := range tests {
		d, err := Decide(tt.code, tt.attempt, returned, RetryPolicy{})
		if (err != nil) != (tt.code == "ZZ99") || (err != nil && !errors.Is(err, ErrUnknownReason)) {
			t.Errorf("%s: error %v", tt.code, err)
		}
		if !d.Unpaid {
			t.Errorf("%s: instalment not unpaid", tt.code)
		}
		got := out{Retry: d.Retry, Mandate: d.Mandate, Alert: d.Alert, Escalate: d.Escalate}
		if !d.RetryOn.IsZero() {
			got.RetryOn = d.RetryOn.String()
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Decide(%s, %d) (-want +got):\n%s", tt.code, tt.attempt, diff)
		}
	}
	// Retry dates land on business days: AM04 returned Thursday before Easter 2027 + 7 = Thursday.
	d, _ := Decide("AM04", 1, date("2027-03-22"), RetryPolicy{DelayDays: 4}) // +4 = Good Friday
	if d.RetryOn != date("2027-03-30") {
		t.Errorf("retry over Easter on %s", d.RetryOn)
	}
	if len(Reasons()) < 20 || Reasons()[0].Code != "AC01" {
		t.Error("reasons table")
	}
}

func testBatch() Batch {
	m1 := testMandate()
	m2 := testMandate()
	m2.Reference, m2.DebtorName, m2.DebtorIBAN = "LK-MDT-B2", "Société Générale d'Épargne & Fils", iban.MustParse("DE89370400440532013000")
	m2.LastCollection = date("2027-02-05")
	m3 := testMandate()
	m3.Reference, m3.Scheme, m3.DebtorName = "LK-MDT-B3", B2B, "ACME SARL"
	return Batch{
		MessageID: "LK-DD-20270301",
		Created:   time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC),
		Creditor:  Creditor{Name: "Lendkit Plateforme", IBAN: iban.MustParse("FR7630006000011234567890189"), ID: MustCreditorID("FR72ZZZ123456")},
		Collections: []Collection{
			{EndToEndID: "LK-L1-I7", Amount: lendkit.MustParseMoney("450.00", "EUR"), Mandate: m1, DueDate: date("2027-03-05"), Reference: rf.MustNew("L1I7")},
			{EndToEndID: "LK-L2-I7", Amount: lendkit.MustParseMoney("120.50", "EUR"), Mandate: m2, DueDate: date("2027-03-05"), RemittanceInfo: "Échéance n°7 — prêt L2"},
			{EndToEndID: "LK-L3-I7", Amount: lendkit.MustParseMoney("9999.99", "EUR"), Mandate: m3, DueDate: date("2027-03-05")},
			{EndToEndID: "LK-L4-I7", Amount: lendkit.MustParseMoney("0.01", "EUR"), Mandate: m2, DueDate: date("2027-03-04")},
		},
	}
}

func TestPain008Golden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	sum, err := WritePain008(&buf, testBatch())
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/pain008-batch.golden.xml"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("pain.008 differs from %s (-want +got):\n%s", golden, diff)
	}
	// Totals: header sum is the sum of groups and of collections.
	if sum.Count != 4 || sum.Sum != lendkit.MustParseMoney("10570.50", "EUR") || len(sum.Groups) != 4 {
		t.Errorf("summary %+v", sum)
	}
	for _, s := range []string{"<NbOfTxs>4</NbOfTxs>", "<CtrlSum>10570.50</CtrlSum>", "<SeqTp>FRST</SeqTp>", "<SeqTp>RCUR</SeqTp>",
		"<Cd>B2B</Cd>", "<MndtId>LK-MDT-B2</MndtId>", "<DtOfSgntr>2027-01-10</DtOfSgntr>", "Societe Generale d&#39;Epargne Fils", "<Ref>RF",
		"<Id>FR72ZZZ123456</Id>"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("pain.008 lacks %s", s)
		}
	}
}

func TestPain008Invalid(t *testing.T) {
	t.Parallel()
	mut := map[string]func(*Batch){
		"no message id":   func(b *Batch) { b.MessageID = "" },
		"bad message id":  func(b *Batch) { b.MessageID = "A B" },
		"no creation":     func(b *Batch) { b.Created = time.Time{} },
		"empty":           func(b *Batch) { b.Collections = nil },
		"dup e2e":         func(b *Batch) { b.Collections[1].EndToEndID = "LK-L1-I7" },
		"usd":             func(b *Batch) { b.Collections[0].Amount = lendkit.MustParseMoney("1.00", "USD") },
		"zero":            func(b *Batch) { b.Collections[0].Amount = lendkit.Zero(lendkit.EUR) },
		"huge":            func(b *Batch) { b.Collections[0].Amount = lendkit.New(100_000_000_000, lendkit.EUR) },
		"no due":          func(b *Batch) { b.Collections[0].DueDate = lendkit.Date{} },
		"revoked mandate": func(b *Batch) { b.Collections[0].Mandate = b.Collections[0].Mandate.Revoke(date("2027-02-01")) },
		"other creditor":  func(b *Batch) { b.Collections[0].Mandate.Creditor = MustCreditorID("DE98ZZZ09999999999") },
		"no creditor id":  func(b *Batch) { b.Creditor.ID = CreditorID{} },
	}
	for name, f := range mut {
		b := testBatch()
		f(&b)
		var buf bytes.Buffer
		if _, err := WritePain008(&buf, b); !errors.Is(err, ErrInvalidBatch) || buf.Len() != 0 {
			t.Errorf("%s: err %v, wrote %d bytes", name, err, buf.Len())
		}
	}
}

func TestParsePain002(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/pain002-001.03.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParsePain002(f, ReportLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := &StatusReport{
		MessageID: "PSR-20270302-01", Created: time.Date(2027, 3, 2, 6, 30, 0, 0, time.UTC),
		OriginalMessageID: "LK-DD-20270301", OriginalMessageType: "pain.008.001.02", GroupStatus: "PART",
		Groups: []GroupStatus{{PaymentInfoID: "LK-DD-20270301-1", Status: "PART"}},
		Transactions: []TxStatus{
			{PaymentInfoID: "LK-DD-20270301-1", OriginalEndToEndID: "LK-L1-I7", Status: "RJCT", Reason: "AM04",
				Amount: lendkit.MustParseMoney("450.00", "EUR"), DueDate: date("2027-03-05"), MandateID: "LK-MDT-B1"},
			{PaymentInfoID: "LK-DD-20270301-1", OriginalEndToEndID: "LK-L2-I7", Status: "ACCP",
				Amount: lendkit.MustParseMoney("120.50", "EUR"), DueDate: date("2027-03-05")},
		},
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !got.Transactions[0].Rejected() || got.Transactions[1].Rejected() {
		t.Error("Rejected")
	}
}

const p2head = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>M</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>O</OrgnlMsgId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId>`
const p2tail = `</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`
const p2tx = `<TxInfAndSts><OrgnlEndToEndId>E</OrgnlEndToEndId><TxSts>RJCT</TxSts></TxInfAndSts>`

func TestParsePain002Hostile(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"empty":         "",
		"camt":          strings.Replace(p2head, "pain.002.001.03", "camt.053.001.02", 1) + p2tail,
		"truncated":     p2head + p2tx,
		"deep":          p2head + strings.Repeat("<X>", 50) + strings.Repeat("</X>", 50) + p2tail,
		"dtd":           `<!DOCTYPE x [<!ENTITY a "b">]>` + p2head + p2tail,
		"bad amount":    p2head + `<TxInfAndSts><OrgnlEndToEndId>E</OrgnlEndToEndId><TxSts>RJCT</TxSts><OrgnlTxRef><Amt><InstdAmt Ccy="EUR">1.234</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>` + p2tail,
		"missing e2e":   p2head + `<TxInfAndSts><TxSts>RJCT</TxSts></TxInfAndSts>` + p2tail,
		"too many":      p2head + strings.Repeat(p2tx, 4) + p2tail,
		"foreign child": p2head + `<e:TxInfAndSts xmlns:e="urn:evil"/>` + p2tail,
	} {
		if rep, err := ParsePain002(strings.NewReader(in), ReportLimits{MaxTransactions: 3}); !errors.Is(err, ErrInvalidReport) || rep != nil {
			t.Errorf("%s: %v %v", name, rep, err)
		}
	}
}

func FuzzParsePain002(f *testing.F) {
	b, err := os.ReadFile("testdata/pain002-001.03.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(p2head + p2tx + p2tail))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ParsePain002(bytes.NewReader(b), ReportLimits{MaxBytes: 1 << 20})
		if err != nil {
			if rep != nil || !errors.Is(err, ErrInvalidReport) {
				t.Fatalf("%v %v", rep, err)
			}
			return
		}
		for _, tx := range rep.Transactions {
			if tx.OriginalEndToEndID == "" || tx.Amount.IsNegative() {
				t.Fatalf("accepted %+v", tx)
			}
		}
	})
}

// Property: for random batches, the written file decodes back to the same
// collections, and the group header's count and control sum equal the sums
// over the payment groups and over the collections.
func TestPain008SumsProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		base := testBatch()
		n := rapid.IntRange(1, 40).Draw(t, "n")
		b := base
		b.Collections = nil
		want := lendkit.Zero(lendkit.EUR)
		for i := range n {
			c := base.Collections[rapid.IntRange(0, len(base.Collections)-1).Draw(t, "proto")]
			c.EndToEndID = "E" + strings.Repeat("X", i%3) + string(rune('A'+i%26)) + "-" + lendkit.New(int64(i), lendkit.EUR).Amount()
			c.Amount = lendkit.New(rapid.Int64Range(1, maxInstructedAmount).Draw(t, "amount"), lendkit.EUR)
			c.DueDate = date("2027-03-01").AddDays(rapid.IntRange(0, 3).Draw(t, "day"))
			b.Collections = append(b.Collections, c)
			var err error
			if want, err = want.Add(c.Amount); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		sum, err := WritePain008(&buf, b)
		if err != nil {
			t.Fatal(err)
		}
		var doc p8Document
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Initn.GrpHdr.CtrlSum != want.Amount() || doc.Initn.GrpHdr.NbOfTxs != n || sum.Sum != want {
			t.Fatalf("header %s/%d, want %s/%d", doc.Initn.GrpHdr.CtrlSum, doc.Initn.GrpHdr.NbOfTxs, want.Amount(), n)
		}
		gsum, count := lendkit.Zero(lendkit.EUR), 0
		for _, g := range doc.Initn.PmtInf {
			txSum := lendkit.Zero(lendkit.EUR)
			for _, tx := range g.Txs {
				m, err := lendkit.ParseMoney(tx.InstdAmt.Value, lendkit.EUR)
				if err != nil {
					t.Fatal(err)
				}
				txSum, _ = txSum.Add(m)
			}
			if txSum.Amount() != g.CtrlSum || len(g.Txs) != g.NbOfTxs {
				t.Fatalf("group %s: %s/%d vs %s/%d", g.PmtInfID, g.CtrlSum, g.NbOfTxs, txSum.Amount(), len(g.Txs))
			}
			gsum, _ = gsum.Add(txSum)
			count += len(g.Txs)
		}
		if gsum != want || count != n {
			t.Fatalf("groups sum to %s/%d, want %s/%d", gsum, count, want, n)
		}
	})
}
