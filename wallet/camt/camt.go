package camt

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/internal/xmlguard"
)

// Sentinel errors; every error Parse returns matches ErrInvalid and, where one
// applies, a more specific sentinel.
var (
	ErrInvalid         = errors.New("camt: invalid statement")
	ErrNamespace       = errors.New("camt: not a camt.053 or camt.054 document")
	ErrTooLarge        = errors.New("camt: document too large")
	ErrTooDeep         = errors.New("camt: elements nested too deeply")
	ErrTooManyEntries  = errors.New("camt: too many entries")
	ErrMalformed       = errors.New("camt: malformed XML")
	ErrInvalidAmount   = errors.New("camt: invalid amount")
	ErrMissingRequired = errors.New("camt: missing required element")
)

// Error is the typed error Parse returns: it matches ErrInvalid, its Kind, and
// (through Unwrap) the underlying cause.
type Error struct {
	Kind  error  // one of the sentinels above
	Where string // element path or position
	Err   error  // cause, may be nil
}

// Error describes the failure; it implements the error interface.
func (e *Error) Error() string {
	msg := e.Kind.Error()
	if e.Where != "" {
		msg += " at " + e.Where
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is matches ErrInvalid and the Kind.
func (e *Error) Is(target error) bool { return target == ErrInvalid || target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Kind says which message a document is.
type Kind string

// Message kinds.
const (
	Statement053    Kind = "camt.053" // BkToCstmrStmt
	Notification054 Kind = "camt.054" // BkToCstmrDbtCdtNtfctn
)

// Direction is an entry's CdtDbtInd.
type Direction string

// Directions.
const (
	Credit Direction = "CRDT"
	Debit  Direction = "DBIT"
)

// Limits bound what Parse accepts; zero fields take the defaults.
type Limits struct {
	MaxBytes   int64 // default 64 MiB
	MaxDepth   int   // default 32
	MaxEntries int   // entries (Ntry) over the whole document; default 200,000
	MaxDetails int   // transaction details in one entry; default 10,000
}

// Default limits.
const (
	DefaultMaxEntries = 200_000
	DefaultMaxDetails = 10_000
)

// Document is a parsed camt.053 or camt.054 message.
type Document struct {
	Kind       Kind
	Version    string // the namespace's version, "001.02", "001.08"
	MessageID  string // GrpHdr/MsgId
	Created    time.Time
	Statements []Statement // Stmt (camt.053) or Ntfctn (camt.054)
}

// Statement is one account's statement or notification.
type Statement struct {
	ID       string
	Account  string // Acct/Id/IBAN (or Acct/Id/Othr/Id) as written; not validated: reconciliation decides
	Currency lendkit.Currency
	// Balances by type code (OPBD opening booked, CLBD closing booked, …),
	// signed: a debit balance is negative.
	Balances map[string]lendkit.Money
	Entries  []Entry
}

// Entry is one booked (or pending) movement on the account (Ntry).
type Entry struct {
	Ref                string // NtryRef
	AccountServicerRef string // AcctSvcrRef
	Amount             lendkit.Money
	Direction          Direction
	Reversal           bool   // RvslInd: the entry reverses an earlier one (a return)
	Status             string // BOOK, PDNG, INFO
	BookingDate        lendkit.Date
	ValueDate          lendkit.Date
	BankTxCode         string // BkTxCd/Domn/Cd/Fmly/Cd/Fmly/SubFmlyCd joined by "/", or Prtry/Cd
	Details            []Transaction
}

// Transaction is one transaction detail of an entry (NtryDtls/TxDtls). An
// entry booked as a batch has several; most have one.
type Transaction struct {
	EndToEndID         string
	AccountServicerRef string
	MandateID          string
	Amount             lendkit.Money // zero Money when the detail carries no amount
	DebtorName         string
	DebtorIBAN         string
	CreditorName       string
	CreditorIBAN       string // the account credited: a virtual IBAN on incoming transfers
	CreditorReference  string // RmtInf/Strd/CdtrRefInf/Ref (an RF reference, usually)
	Unstructured       string // RmtInf/Ustrd, lines joined by a space
	ReturnReason       string // RtrInf/Rsn/Cd (AM04, AC04, MD01, …)
}

// nsPrefix is the ISO 20022 namespace stem; the message and version follow.
const nsPrefix = "urn:iso:std:iso:20022:tech:xsd:"

// kindOf maps a namespace to its message kind and version ("001.08"), or
// reports false for anything but camt.053/camt.054 versions 001.02 and later.
func kindOf(ns string) (Kind, string, bool) {
	rest, ok := strings.CutPrefix(ns, nsPrefix)
	if !ok {
		return "", "", false
	}
	msg, ver, ok := strings.Cut(rest, ".001.")
	if !ok || len(ver) != 2 || ver[0] < '0' || ver[0] > '9' || ver[1] < '0' || ver[1] > '9' || ver < "02" {
		return "", "", false
	}
	switch msg {
	case "camt.053":
		return Statement053, "001." + ver, true
	case "camt.054":
		return Notification054, "001." + ver, true
	}
	return "", "", false
}

// Parse reads one camt.053 or camt.054 document from r. Use Scan instead to
// process entries one by one without keeping them.
func Parse(r io.Reader, l Limits) (*Document, error) {
	var doc *Document
	err := scan(r, l, func(d *Document, st *Statement, e Entry) error {
		st.Entries = append(st.Entries, e)
		return nil
	}, true, &doc)
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// ScanFunc receives each entry with its document and statement headers as
// parsed so far (everything before the first entry: ids, account, balances
// that precede entries in the schema).
type ScanFunc func(doc *Document, st *Statement, e Entry) error

// Scan streams a document, calling fn for each entry in document order,
// without keeping entries in memory. An error from fn stops the scan and is
// returned as is. The whole input is validated: an error after some calls to
// fn means the document is invalid, and the caller must discard what fn saw
// (reconciliation therefore applies nothing until Scan returns nil).
func Scan(r io.Reader, l Limits, fn ScanFunc) error {
	return scan(r, l, fn, false, nil)
}

func scan(r io.Reader, l Limits, fn ScanFunc, keep bool, out **Document) error {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxDetails <= 0 {
		l.MaxDetails = DefaultMaxDetails
	}
	p := &parser{
		g:     xmlguard.NewDecoder(r, xmlguard.Limits{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth}),
		lim:   l,
		fn:    fn,
		keep:  keep,
		doc:   &Document{},
		text:  make([]byte, 0, 256),
		names: make([]string, 0, 32),
	}
	if err := p.run(); err != nil {
		return err
	}
	if out != nil {
		*out = p.doc
	}
	return nil
}

type parser struct {
	g     *xmlguard.Decoder
	lim   Limits
	fn    ScanFunc
	keep  bool
	doc   *Document
	ns    string
	names []string // open elements' local names

	text    []byte // text of the innermost element
	ccy     string // Ccy attribute of the innermost Amt
	st      *Statement
	stDepth int // depth of the Stmt/Ntfctn element
	bal     struct {
		code, dir, ccy, amt string
		open                bool
	}
	entry     *Entry
	enDepth   int
	entries   int
	tx        *Transaction
	txDepth   int
	sawAmount bool
	sawDir    bool
}

func (p *parser) fail(kind error, err error) error {
	return &Error{Kind: kind, Where: "/" + strings.Join(p.names, "/"), Err: err}
}

func (p *parser) run() error {
	for {
		tok, err := p.g.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			kind := ErrMalformed
			switch {
			case errors.Is(err, xmlguard.ErrTooLarge):
				kind = ErrTooLarge
			case errors.Is(err, xmlguard.ErrTooDeep):
				kind = ErrTooDeep
			}
			return p.fail(kind, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			p.names = append(p.names, t.Name.Local)
			p.text = p.text[:0]
			if err := p.start(t); err != nil {
				return err
			}
		case xml.CharData:
			p.text = append(p.text, t...)
		case xml.EndElement:
			if err := p.end(strings.TrimSpace(string(p.text))); err != nil {
				return err
			}
			p.text = p.text[:0]
			p.names = p.names[:len(p.names)-1]
		}
	}
	if p.doc.Kind == "" {
		return p.fail(ErrNamespace, errors.New("no document element"))
	}
	return nil
}

// rel returns the path of the innermost element relative to the element at
// depth base (exclusive), "BookgDt/Dt".
func (p *parser) rel(base int) string {
	if base >= len(p.names) {
		return ""
	}
	return strings.Join(p.names[base:], "/")
}

func (p *parser) start(t xml.StartElement) error {
	depth := len(p.names)
	switch depth {
	case 1:
		if t.Name.Local != "Document" {
			return p.fail(ErrNamespace, fmt.Errorf("root element <%s>", t.Name.Local))
		}
		kind, ver, ok := kindOf(t.Name.Space)
		if !ok {
			return p.fail(ErrNamespace, fmt.Errorf("namespace %q", t.Name.Space))
		}
		p.ns, p.doc.Kind, p.doc.Version = t.Name.Space, kind, ver
		return nil
	case 2:
		want := "BkToCstmrStmt"
		if p.doc.Kind == Notification054 {
			want = "BkToCstmrDbtCdtNtfctn"
		}
		if t.Name.Local != want {
			return p.fail(ErrNamespace, fmt.Errorf("<%s> in a %s document, want <%s>", t.Name.Local, p.doc.Kind, want))
		}
	}
	if t.Name.Space != p.ns {
		// An element from another namespace inside the message (xmlns games):
		// schema validation would reject it, and so do we.
		return p.fail(ErrNamespace, fmt.Errorf("element <%s> in namespace %q", t.Name.Local, t.Name.Space))
	}
	if t.Name.Local == "Amt" {
		p.ccy = ""
		for _, a := range t.Attr {
			if a.Name.Local == "Ccy" {
				p.ccy = a.Value
			}
		}
	}
	if depth == 3 && (t.Name.Local == "Stmt" || t.Name.Local == "Ntfctn") {
		p.st = &Statement{}
		p.stDepth = depth
		if p.keep {
			p.doc.Statements = append(p.doc.Statements, Statement{})
			p.st = &p.doc.Statements[len(p.doc.Statements)-1]
		}
		return nil
	}
	if p.st == nil {
		return nil
	}
	switch {
	case depth == p.stDepth+1 && t.Name.Local == "Bal":
		p.bal.code, p.bal.dir, p.bal.ccy, p.bal.amt, p.bal.open = "", "", "", "", true
	case depth == p.stDepth+1 && t.Name.Local == "Ntry":
		p.entries++
		if p.entries > p.lim.MaxEntries {
			return p.fail(ErrTooManyEntries, fmt.Errorf("more than %d", p.lim.MaxEntries))
		}
		p.entry = &Entry{}
		p.enDepth = depth
		p.sawAmount, p.sawDir = false, false
	case p.entry != nil && t.Name.Local == "TxDtls" && p.rel(p.enDepth) == "NtryDtls/TxDtls":
		if len(p.entry.Details) >= p.lim.MaxDetails {
			return p.fail(ErrTooManyEntries, fmt.Errorf("more than %d transaction details in one entry", p.lim.MaxDetails))
		}
		p.entry.Details = append(p.entry.Details, Transaction{})
		p.tx = &p.entry.Details[len(p.entry.Details)-1]
		p.txDepth = depth
	}
	return nil
}

func (p *parser) money(text string) (lendkit.Money, error) {
	c, err := lendkit.ParseCurrency(p.ccy)
	if err != nil {
		return lendkit.Money{}, p.fail(ErrInvalidAmount, err)
	}
	m, err := lendkit.ParseMoney(text, c)
	if err != nil {
		return lendkit.Money{}, p.fail(ErrInvalidAmount, err)
	}
	if m.IsNegative() {
		return lendkit.Money{}, p.fail(ErrInvalidAmount, fmt.Errorf("negative amount %s (the sign is CdtDbtInd)", text))
	}
	return m, nil
}

func (p *parser) date(text string) (lendkit.Date, error) {
	if len(text) > 10 && text[10] == 'T' { // DtTm: the date as the bank wrote it
		text = text[:10]
	}
	d, err := lendkit.ParseDate(text)
	if err != nil {
		return lendkit.Date{}, p.fail(ErrMalformed, err)
	}
	return d, nil
}

func (p *parser) end(text string) error {
	depth := len(p.names)
	name := p.names[depth-1]
	switch {
	case depth == 2:
		return nil
	case p.doc != nil && depth == 4 && p.names[2] == "GrpHdr":
		switch name {
		case "MsgId":
			p.doc.MessageID = text
		case "CreDtTm":
			t, err := parseDateTime(text)
			if err != nil {
				return p.fail(ErrMalformed, err)
			}
			p.doc.Created = t
		}
		return nil
	case p.st == nil:
		return nil
	case depth == p.stDepth:
		if p.st.Account == "" {
			return p.fail(ErrMissingRequired, errors.New("statement without Acct/Id/IBAN or Acct/Id/Othr/Id"))
		}
		p.st = nil
		return nil
	}
	if p.tx != nil {
		if depth == p.txDepth {
			p.tx = nil
			return nil
		}
		return p.txField(p.rel(p.txDepth), text)
	}
	if p.entry != nil {
		if depth == p.enDepth {
			return p.endEntry()
		}
		return p.entryField(p.rel(p.enDepth), text)
	}
	if p.bal.open {
		switch p.rel(p.stDepth + 1) {
		case "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry":
			p.bal.code = text
		case "Amt":
			p.bal.amt, p.bal.ccy = text, p.ccy
		case "CdtDbtInd":
			p.bal.dir = text
		case "":
			p.bal.open = false
			m, err := p.money(p.bal.amt)
			if err != nil {
				return err
			}
			if p.bal.dir == string(Debit) {
				if m, err = m.Neg(); err != nil {
					return p.fail(ErrInvalidAmount, err)
				}
			} else if p.bal.dir != string(Credit) {
				return p.fail(ErrMalformed, fmt.Errorf("balance CdtDbtInd %q", p.bal.dir))
			}
			if p.st.Balances == nil {
				p.st.Balances = map[string]lendkit.Money{}
			}
			p.st.Balances[p.bal.code] = m
		}
		return nil
	}
	switch p.rel(p.stDepth) {
	case "Id":
		p.st.ID = text
	case "Acct/Id/IBAN", "Acct/Id/Othr/Id":
		// Othr: an account without an IBAN (some payment institutions'
		// internal accounts); reconciliation treats it as an opaque id.
		if p.st.Account == "" {
			p.st.Account = text
		}
	case "Acct/Ccy":
		c, err := lendkit.ParseCurrency(text)
		if err != nil {
			return p.fail(ErrMalformed, err)
		}
		p.st.Currency = c
	}
	return nil
}

func (p *parser) entryField(rel, text string) error {
	e := p.entry
	var err error
	switch rel {
	case "NtryRef":
		e.Ref = text
	case "AcctSvcrRef":
		e.AccountServicerRef = text
	case "Amt":
		e.Amount, err = p.money(text)
		p.sawAmount = true
	case "CdtDbtInd":
		if text != string(Credit) && text != string(Debit) {
			return p.fail(ErrMalformed, fmt.Errorf("CdtDbtInd %q", text))
		}
		e.Direction = Direction(text)
		p.sawDir = true
	case "RvslInd":
		e.Reversal = text == "true" || text == "1"
	case "Sts", "Sts/Cd", "Sts/Prtry":
		if text != "" { // "Sts" ends after its Cd child (version 08+) with no text of its own
			e.Status = text
		}
	case "BookgDt/Dt", "BookgDt/DtTm":
		e.BookingDate, err = p.date(text)
	case "ValDt/Dt", "ValDt/DtTm":
		e.ValueDate, err = p.date(text)
	case "BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd":
		if e.BankTxCode != "" {
			e.BankTxCode += "/"
		}
		e.BankTxCode += text
	case "BkTxCd/Prtry/Cd":
		if e.BankTxCode == "" {
			e.BankTxCode = text
		}
	}
	return err
}

func (p *parser) txField(rel, text string) error {
	tx := p.tx
	var err error
	switch rel {
	case "Refs/EndToEndId":
		tx.EndToEndID = text
	case "Refs/AcctSvcrRef":
		tx.AccountServicerRef = text
	case "Refs/MndtId":
		tx.MandateID = text
	case "Amt", "AmtDtls/TxAmt/Amt":
		tx.Amount, err = p.money(text)
	case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm":
		tx.DebtorName = text
	case "RltdPties/DbtrAcct/Id/IBAN":
		tx.DebtorIBAN = text
	case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm":
		tx.CreditorName = text
	case "RltdPties/CdtrAcct/Id/IBAN":
		tx.CreditorIBAN = text
	case "RmtInf/Ustrd":
		if tx.Unstructured != "" {
			tx.Unstructured += " "
		}
		tx.Unstructured += text
	case "RmtInf/Strd/CdtrRefInf/Ref":
		tx.CreditorReference = text
	case "RtrInf/Rsn/Cd":
		tx.ReturnReason = text
	}
	return err
}

func (p *parser) endEntry() error {
	e := p.entry
	p.entry = nil
	if !p.sawAmount || !p.sawDir {
		return p.fail(ErrMissingRequired, fmt.Errorf("entry %q without Amt or CdtDbtInd", e.Ref))
	}
	// A single detail without its own amount is the whole entry (common in
	// camt.053.001.02 files, which put the amount only on the entry).
	if len(e.Details) == 1 && e.Details[0].Amount == (lendkit.Money{}) {
		e.Details[0].Amount = e.Amount
	}
	return p.fn(p.doc, p.st, *e)
}

func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date-time %q", s)
}
