package sepa

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/rf"
)

// Pain008Namespace is the namespace of the collection files WritePain008
// produces (pain.008.001.02, the version the EPC 2023 implementation
// guidelines still accept and every French and German bank processes).
const Pain008Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"

// MaxBatch bounds the collections of one file; banks cap files well below.
const MaxBatch = 100_000

// maxInstructedAmount is the largest SEPA amount: 999,999,999.99 EUR.
const maxInstructedAmount = 99_999_999_999

// Creditor is the collecting party of a batch (the platform, or the payment
// institution on its behalf).
type Creditor struct {
	Name string
	IBAN iban.IBAN
	BIC  string // optional since 2016 (IBAN-only); written as NOTPROVIDED when empty
	ID   CreditorID
}

// Collection is one direct debit of a batch.
type Collection struct {
	EndToEndID string // unique in the batch, 1..35 SEPA characters; returns quote it
	Amount     lendkit.Money
	Mandate    Mandate
	DueDate    lendkit.Date // requested collection date
	// Remittance: a structured RF reference (preferred: reconciliation of a
	// return is exact) or free text, at most 140 characters.
	Reference      rf.Reference
	RemittanceInfo string
}

// Batch is what WritePain008 turns into one pain.008 message.
type Batch struct {
	MessageID   string    // unique per creditor, 1..35 SEPA characters
	Created     time.Time // CreDtTm; an input, not the clock
	Creditor    Creditor
	Collections []Collection
}

// PaymentGroup is one PmtInf block: collections sharing scheme, sequence type
// and due date.
type PaymentGroup struct {
	ID           string
	Scheme       Scheme
	SequenceType SequenceType
	DueDate      lendkit.Date
	Count        int
	Sum          lendkit.Money
}

// Summary is what WritePain008 wrote: the group header's totals and the
// payment groups, for the caller to record with the batch.
type Summary struct {
	Count  int
	Sum    lendkit.Money
	Groups []PaymentGroup
}

// WritePain008 validates the batch and writes it as a pain.008.001.02
// document. Collections are grouped into one PmtInf per (due date, scheme,
// sequence type), in that order; within a group they keep the batch's order.
// Validation is complete before the first byte is written, so an invalid batch
// leaves w untouched. Names and remittance text are transliterated to the
// SEPA character set (accents dropped, other characters become spaces) and
// cut to 70 and 140 characters.
func WritePain008(w io.Writer, b Batch) (Summary, error) {
	doc, sum, err := buildPain008(b)
	if err != nil {
		return Summary{}, err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return Summary{}, fmt.Errorf("sepa: encoding pain.008: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return Summary{}, fmt.Errorf("sepa: writing pain.008: %w", err)
	}
	return sum, nil
}

func buildPain008(b Batch) (*p8Document, Summary, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidBatch, fmt.Sprintf(format, args...))
	}
	if err := checkID("message id", b.MessageID); err != nil {
		return nil, Summary{}, bad("%v", err)
	}
	if b.Created.IsZero() {
		return nil, Summary{}, bad("no creation time")
	}
	if len(b.Collections) == 0 || len(b.Collections) > MaxBatch {
		return nil, Summary{}, bad("%d collections, want 1..%d", len(b.Collections), MaxBatch)
	}
	cr := b.Creditor
	if sepaText(cr.Name, 70) == "" || cr.IBAN.IsZero() || cr.ID.IsZero() {
		return nil, Summary{}, bad("creditor needs a name, an IBAN and a creditor identifier")
	}
	type key struct {
		due    lendkit.Date
		scheme Scheme
		seq    SequenceType
	}
	groups := map[key][]int{}
	seen := make(map[string]bool, len(b.Collections))
	for i, c := range b.Collections {
		if err := checkID("end-to-end id", c.EndToEndID); err != nil {
			return nil, Summary{}, bad("collection %d: %v", i, err)
		}
		if seen[c.EndToEndID] {
			return nil, Summary{}, bad("collection %d: end-to-end id %q repeated", i, c.EndToEndID)
		}
		seen[c.EndToEndID] = true
		if c.Amount.Currency() != lendkit.EUR {
			return nil, Summary{}, bad("collection %s: SEPA collects EUR, not %q", c.EndToEndID, c.Amount.Currency().Code())
		}
		if !c.Amount.IsPositive() || c.Amount.Minor() > maxInstructedAmount {
			return nil, Summary{}, bad("collection %s: amount %s outside 0.01..999999999.99", c.EndToEndID, c.Amount)
		}
		if c.DueDate.IsZero() {
			return nil, Summary{}, bad("collection %s: no due date", c.EndToEndID)
		}
		if err := c.Mandate.CheckCollectable(c.DueDate); err != nil {
			return nil, Summary{}, bad("collection %s: %v", c.EndToEndID, err)
		}
		if c.Mandate.Creditor.National() != cr.ID.National() {
			return nil, Summary{}, bad("collection %s: mandate %s belongs to creditor %s, batch to %s", c.EndToEndID, c.Mandate.Reference, c.Mandate.Creditor, cr.ID)
		}
		if len(c.RemittanceInfo) > 140*4 {
			return nil, Summary{}, bad("collection %s: remittance information too long", c.EndToEndID)
		}
		k := key{c.DueDate, c.Mandate.Scheme, c.Mandate.SequenceType()}
		groups[k] = append(groups[k], i)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if c := a.due.Compare(b.due); c != 0 {
			return c < 0
		}
		if a.scheme != b.scheme {
			return a.scheme < b.scheme
		}
		return a.seq < b.seq
	})

	bic := func(s string) p8Agent {
		if s == "" {
			return p8Agent{Othr: &p8OthrID{ID: "NOTPROVIDED"}}
		}
		return p8Agent{BIC: s}
	}
	doc := &p8Document{Xmlns: Pain008Namespace}
	total := lendkit.Zero(lendkit.EUR)
	var summary Summary
	for gi, k := range keys {
		idx := groups[k]
		gsum := lendkit.Zero(lendkit.EUR)
		pi := p8PmtInf{
			PmtInfID: fmt.Sprintf("%s-%d", b.MessageID, gi+1), PmtMtd: "DD", BtchBookg: true,
			NbOfTxs:      len(idx),
			PmtTpInf:     p8PmtTpInf{SvcLvl: "SEPA", LclInstrm: string(k.scheme), SeqTp: string(k.seq)},
			ReqdColltnDt: k.due.String(),
			Cdtr:         p8Party{Nm: sepaText(cr.Name, 70)},
			CdtrAcct:     p8Acct{IBAN: cr.IBAN.String()},
			CdtrAgt:      bic(cr.BIC),
			ChrgBr:       "SLEV",
			CdtrSchmeID:  p8SchemeID{ID: cr.ID.String(), Prtry: "SEPA"},
		}
		if len(pi.PmtInfID) > 35 {
			return nil, Summary{}, bad("message id %q too long to number %d payment groups", b.MessageID, len(keys))
		}
		for _, i := range idx {
			c := b.Collections[i]
			var err error
			if gsum, err = gsum.Add(c.Amount); err != nil {
				return nil, Summary{}, bad("sum: %v", err)
			}
			tx := p8Tx{
				EndToEndID: c.EndToEndID,
				InstdAmt:   p8Amt{Ccy: "EUR", Value: c.Amount.Amount()},
				MndtID:     c.Mandate.Reference,
				DtOfSgntr:  c.Mandate.SignedOn.String(),
				DbtrAgt:    p8Agent{Othr: &p8OthrID{ID: "NOTPROVIDED"}},
				Dbtr:       p8Party{Nm: sepaText(c.Mandate.DebtorName, 70)},
				DbtrAcct:   p8Acct{IBAN: c.Mandate.DebtorIBAN.String()},
			}
			switch {
			case !c.Reference.IsZero():
				tx.RmtInf = &p8RmtInf{Strd: &p8Strd{Cd: "SCOR", Issr: "ISO", Ref: c.Reference.String()}}
			case strings.TrimSpace(c.RemittanceInfo) != "":
				tx.RmtInf = &p8RmtInf{Ustrd: sepaText(c.RemittanceInfo, 140)}
			}
			pi.Txs = append(pi.Txs, tx)
		}
		pi.CtrlSum = gsum.Amount()
		var err error
		if total, err = total.Add(gsum); err != nil {
			return nil, Summary{}, bad("sum: %v", err)
		}
		summary.Groups = append(summary.Groups, PaymentGroup{ID: pi.PmtInfID, Scheme: k.scheme, SequenceType: k.seq, DueDate: k.due, Count: len(idx), Sum: gsum})
		doc.Initn.PmtInf = append(doc.Initn.PmtInf, pi)
	}
	summary.Count, summary.Sum = len(b.Collections), total
	doc.Initn.GrpHdr = p8GrpHdr{
		MsgID: b.MessageID, CreDtTm: b.Created.Format("2006-01-02T15:04:05"),
		NbOfTxs: len(b.Collections), CtrlSum: total.Amount(), InitgPty: p8Party{Nm: sepaText(cr.Name, 70)},
	}
	return doc, summary, nil
}

// checkID validates an identifier field: 1..35 SEPA characters, no leading
// or trailing "/", no "//" (message id, end-to-end id, payment group id).
func checkID(what, s string) error {
	if s == "" || len(s) > 35 {
		return fmt.Errorf("%s %.40q must have 1 to 35 characters", what, s)
	}
	for k := 0; k < len(s); k++ {
		if !sepaChar(s[k]) || s[k] == ' ' {
			return fmt.Errorf("%s %q: character %q not allowed", what, s, s[k])
		}
	}
	if strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
		return fmt.Errorf("%s %q must not start or end with / nor contain //", what, s)
	}
	return nil
}

// sepaText transliterates free text to the SEPA character set: decomposes
// accented letters and drops the accents (é → e), maps other characters
// outside the set to spaces, collapses spaces and cuts to limit bytes.
func sepaText(s string, limit int) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	var b strings.Builder
	space := false
	for _, r := range out {
		if r == 'ß' {
			b.WriteString("ss")
			space = false
			continue
		}
		if r < 0x80 && sepaChar(byte(r)) && r != ' ' {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space && b.Len() > 0 {
			b.WriteByte(' ')
			space = true
		}
	}
	res := strings.TrimSpace(b.String())
	if len(res) > limit {
		res = strings.TrimSpace(res[:limit])
	}
	return res
}

// pain.008.001.02 structure, the elements WritePain008 writes.
type p8Document struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	Initn   p8Initn  `xml:"CstmrDrctDbtInitn"`
}

type p8Initn struct {
	GrpHdr p8GrpHdr   `xml:"GrpHdr"`
	PmtInf []p8PmtInf `xml:"PmtInf"`
}

type p8GrpHdr struct {
	MsgID    string  `xml:"MsgId"`
	CreDtTm  string  `xml:"CreDtTm"`
	NbOfTxs  int     `xml:"NbOfTxs"`
	CtrlSum  string  `xml:"CtrlSum"`
	InitgPty p8Party `xml:"InitgPty"`
}

type p8Party struct {
	Nm string `xml:"Nm"`
}

type p8Acct struct {
	IBAN string `xml:"Id>IBAN"`
}

type p8OthrID struct {
	ID string `xml:"Id"`
}

type p8Agent struct {
	BIC  string    `xml:"FinInstnId>BIC,omitempty"`
	Othr *p8OthrID `xml:"FinInstnId>Othr,omitempty"`
}

type p8PmtTpInf struct {
	SvcLvl    string `xml:"SvcLvl>Cd"`
	LclInstrm string `xml:"LclInstrm>Cd"`
	SeqTp     string `xml:"SeqTp"`
}

type p8SchemeID struct {
	ID    string `xml:"Id>PrvtId>Othr>Id"`
	Prtry string `xml:"Id>PrvtId>Othr>SchmeNm>Prtry"`
}

type p8PmtInf struct {
	PmtInfID     string     `xml:"PmtInfId"`
	PmtMtd       string     `xml:"PmtMtd"`
	BtchBookg    bool       `xml:"BtchBookg"`
	NbOfTxs      int        `xml:"NbOfTxs"`
	CtrlSum      string     `xml:"CtrlSum"`
	PmtTpInf     p8PmtTpInf `xml:"PmtTpInf"`
	ReqdColltnDt string     `xml:"ReqdColltnDt"`
	Cdtr         p8Party    `xml:"Cdtr"`
	CdtrAcct     p8Acct     `xml:"CdtrAcct"`
	CdtrAgt      p8Agent    `xml:"CdtrAgt"`
	ChrgBr       string     `xml:"ChrgBr"`
	CdtrSchmeID  p8SchemeID `xml:"CdtrSchmeId"`
	Txs          []p8Tx     `xml:"DrctDbtTxInf"`
}

type p8Amt struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type p8Strd struct {
	Cd   string `xml:"CdtrRefInf>Tp>CdOrPrtry>Cd"`
	Issr string `xml:"CdtrRefInf>Tp>Issr"`
	Ref  string `xml:"CdtrRefInf>Ref"`
}

type p8RmtInf struct {
	Ustrd string  `xml:"Ustrd,omitempty"`
	Strd  *p8Strd `xml:"Strd,omitempty"`
}

type p8Tx struct {
	EndToEndID string    `xml:"PmtId>EndToEndId"`
	InstdAmt   p8Amt     `xml:"InstdAmt"`
	MndtID     string    `xml:"DrctDbtTx>MndtRltdInf>MndtId"`
	DtOfSgntr  string    `xml:"DrctDbtTx>MndtRltdInf>DtOfSgntr"`
	DbtrAgt    p8Agent   `xml:"DbtrAgt"`
	Dbtr       p8Party   `xml:"Dbtr"`
	DbtrAcct   p8Acct    `xml:"DbtrAcct"`
	RmtInf     *p8RmtInf `xml:"RmtInf,omitempty"`
}
