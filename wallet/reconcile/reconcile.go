package reconcile

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/camt"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/rf"
)

// Credit is one incoming payment from a statement.
type Credit struct {
	ID           string // unique per bank line; the store dedupes re-imports on it
	Amount       lendkit.Money
	BookingDate  lendkit.Date
	CreditedIBAN string // the account credited: a virtual IBAN when the payer used one
	Reference    string // structured creditor reference, if any
	Remittance   string // free text
	DebtorName   string
	DebtorIBAN   string
}

// Expectation is an amount the platform waits for: an instalment (or what
// remains of it) of a loan.
type Expectation struct {
	ID          string // instalment id
	Group       string // the loan (or borrower) it belongs to; virtual IBAN and RF identify groups
	Amount      lendkit.Money
	DueDate     lendkit.Date
	VirtualIBAN string       // the group's virtual IBAN, if any
	Reference   rf.Reference // the group's (or instalment's) RF reference, if any
	DebtorName  string       // for the amount+name rule
}

// Outcome is what happened to a credit.
type Outcome string

// Outcomes.
const (
	Matched Outcome = "matched" // applied in full to expectations
	// Overpaid: the loan was identified, every open instalment is paid, and
	// the excess is in suspense (to refund or keep as an advance).
	Overpaid Outcome = "overpaid"
	// Underpaid: the loan was identified but the credit does not cover its
	// next open instalment in full; instalments it covers in full are paid,
	// the rest is in suspense until a human or the next credit completes it.
	Underpaid Outcome = "underpaid"
	Review    Outcome = "review"    // a likely match a human must confirm; held in suspense
	Unmatched Outcome = "unmatched" // nothing found; held in suspense
	Duplicate Outcome = "duplicate" // same credit id seen earlier in the input; not booked again
)

// Rule is the evidence a match rests on.
type Rule string

// Rules.
const (
	ByVirtualIBAN Rule = "virtual_iban"
	ByReference   Rule = "rf_reference"
	ByAmountName  Rule = "amount_name"
	NoRule        Rule = ""
)

// Allocation is part of a credit applied to an expectation.
type Allocation struct {
	ExpectationID string
	Amount        lendkit.Money
}

// Line is the outcome of one credit.
type Line struct {
	Credit      Credit
	Outcome     Outcome
	Rule        Rule
	Group       string
	Allocations []Allocation
	Suspense    lendkit.Money // the part of the credit held in suspense
	Candidates  []string      // expectation ids proposed for review
	Note        string        // why, for the humans reading the suspense queue
}

// Result is the outcome of a reconciliation run.
type Result struct {
	Lines    []Line
	Applied  lendkit.Money // sum of allocations
	Suspense lendkit.Money // sum held in suspense (duplicates excluded)
	// Remaining is, per expectation still (partly) open after the run, what is
	// still due.
	Remaining map[string]lendkit.Money
}

// Reconcile matches credits (in their order) to expectations of currency c.
// Expectations are consumed as credits pay them, so two credits never pay
// the same instalment twice. It fails only on invalid input (an expectation
// in another currency, a duplicate expectation id, a non-positive amount).
func Reconcile(c lendkit.Currency, credits []Credit, expectations []Expectation) (*Result, error) {
	ix, err := newIndex(c, expectations)
	if err != nil {
		return nil, err
	}
	res := &Result{Applied: lendkit.Zero(c), Suspense: lendkit.Zero(c), Lines: make([]Line, 0, len(credits))}
	seen := make(map[string]bool, len(credits))
	for _, cr := range credits {
		line := Line{Credit: cr, Suspense: lendkit.Zero(c)}
		switch {
		case cr.ID != "" && seen[cr.ID]:
			line.Outcome, line.Note = Duplicate, "credit id already in this run"
			line.Suspense = lendkit.Zero(c)
			res.Lines = append(res.Lines, line)
			continue
		case cr.Amount.Currency() != c:
			line.Outcome, line.Note = Unmatched, fmt.Sprintf("credit in %s, expected %s", cr.Amount.Currency().Code(), c.Code())
			// Suspense for a foreign-currency credit is reported in its own
			// currency and not added to the run's total in c.
			line.Suspense = cr.Amount
			seen[cr.ID] = true
			res.Lines = append(res.Lines, line)
			continue
		case !cr.Amount.IsPositive():
			return nil, fmt.Errorf("reconcile: credit %s: amount %s must be positive", cr.ID, cr.Amount)
		}
		seen[cr.ID] = true
		if g, rule := ix.find(cr); g != "" {
			line.Rule, line.Group = rule, g
			ix.apply(&line, g)
		} else if cands := ix.candidates(cr); len(cands) > 0 {
			line.Outcome, line.Rule, line.Candidates = Review, ByAmountName, cands
			line.Suspense = cr.Amount
			line.Note = "amount and payer name match; confirm before applying"
		} else {
			line.Outcome, line.Suspense, line.Note = Unmatched, cr.Amount, "no virtual IBAN, reference or amount match"
		}
		for _, a := range line.Allocations {
			if res.Applied, err = res.Applied.Add(a.Amount); err != nil {
				return nil, err
			}
		}
		if res.Suspense, err = res.Suspense.Add(line.Suspense); err != nil {
			return nil, err
		}
		res.Lines = append(res.Lines, line)
	}
	res.Remaining = ix.remaining()
	return res, nil
}

// index holds the open expectations by group, oldest first, and the lookups.
type index struct {
	c       lendkit.Currency
	groups  map[string][]*open
	byIBAN  map[string]string
	byRef   map[string]string
	byCents map[int64][]*open
}

type open struct {
	e    Expectation
	left lendkit.Money
	name map[string]bool // the debtor name's tokens, computed on first use
}

// tokens returns the expectation's name tokens; most credits match by IBAN
// or reference, so the Unicode folding is done only for those that reach
// the amount+name rule.
func (o *open) tokens() map[string]bool {
	if o.name == nil {
		o.name = nameTokens(o.e.DebtorName)
	}
	return o.name
}

func newIndex(c lendkit.Currency, es []Expectation) (*index, error) {
	ix := &index{c: c, groups: map[string][]*open{}, byIBAN: map[string]string{}, byRef: map[string]string{}, byCents: map[int64][]*open{}}
	ids := make(map[string]bool, len(es))
	for _, e := range es {
		if e.ID == "" || e.Group == "" {
			return nil, fmt.Errorf("reconcile: expectation %q needs an id and a group", e.ID)
		}
		if ids[e.ID] {
			return nil, fmt.Errorf("reconcile: expectation id %s repeated", e.ID)
		}
		ids[e.ID] = true
		if e.Amount.Currency() != c || !e.Amount.IsPositive() {
			return nil, fmt.Errorf("reconcile: expectation %s: amount %s must be a positive %s amount", e.ID, e.Amount, c.Code())
		}
		if e.VirtualIBAN != "" {
			v, err := iban.Parse(e.VirtualIBAN)
			if err != nil {
				return nil, fmt.Errorf("reconcile: expectation %s: %w", e.ID, err)
			}
			e.VirtualIBAN = v.String() // credits are looked up in electronic form
		}
		o := &open{e: e, left: e.Amount}
		ix.groups[e.Group] = append(ix.groups[e.Group], o)
		for key, m := range map[string]map[string]string{e.VirtualIBAN: ix.byIBAN, e.Reference.String(): ix.byRef} {
			if key == "" {
				continue
			}
			if g, ok := m[key]; ok && g != e.Group {
				return nil, fmt.Errorf("reconcile: %s identifies both %s and %s", key, g, e.Group)
			}
			m[key] = e.Group
		}
		ix.byCents[e.Amount.Minor()] = append(ix.byCents[e.Amount.Minor()], o)
	}
	for _, g := range ix.groups {
		sort.SliceStable(g, func(i, j int) bool { return g[i].e.DueDate.Before(g[j].e.DueDate) })
	}
	return ix, nil
}

// find returns the group a credit belongs to by the strong rules.
func (ix *index) find(cr Credit) (string, Rule) {
	if cr.CreditedIBAN != "" {
		if i, err := iban.Parse(cr.CreditedIBAN); err == nil {
			if g, ok := ix.byIBAN[i.String()]; ok {
				return g, ByVirtualIBAN
			}
		}
	}
	if cr.Reference != "" {
		if r, err := rf.Parse(cr.Reference); err == nil {
			if g, ok := ix.byRef[r.String()]; ok {
				return g, ByReference
			}
		}
	}
	if r, ok := rf.Find(cr.Remittance); ok {
		if g, ok := ix.byRef[r.String()]; ok {
			return g, ByReference
		}
	}
	return "", NoRule
}

// apply pays the group's open expectations oldest first, in full only; the
// rest goes to suspense.
func (ix *index) apply(line *Line, g string) {
	left := line.Credit.Amount
	for _, o := range ix.groups[g] {
		if o.left.IsZero() {
			continue
		}
		if c, _ := left.Cmp(o.left); c < 0 {
			break
		}
		line.Allocations = append(line.Allocations, Allocation{ExpectationID: o.e.ID, Amount: o.left})
		left, _ = left.Sub(o.left) // same currency, no overflow: left ≥ o.left ≥ 0
		o.left = lendkit.Zero(ix.c)
	}
	line.Suspense = left
	switch {
	case left.IsZero():
		line.Outcome = Matched
	case allPaid(ix.groups[g]):
		line.Outcome, line.Note = Overpaid, "more than everything open on the loan"
	default:
		line.Outcome, line.Note = Underpaid, "does not cover the next open instalment in full"
	}
}

func allPaid(os []*open) bool {
	for _, o := range os {
		if !o.left.IsZero() {
			return false
		}
	}
	return true
}

// candidates returns, for the review queue, the open expectations of exactly
// the credited amount whose debtor name shares a significant word with the
// payer's name, oldest first, at most 5.
func (ix *index) candidates(cr Credit) []string {
	name := nameTokens(cr.DebtorName)
	if len(name) == 0 {
		return nil
	}
	var out []string
	for _, o := range ix.byCents[cr.Amount.Minor()] {
		if o.left != o.e.Amount {
			continue // partly or fully paid meanwhile
		}
		for tok := range o.tokens() {
			if name[tok] {
				out = append(out, o.e.ID)
				break
			}
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}

func (ix *index) remaining() map[string]lendkit.Money {
	out := map[string]lendkit.Money{}
	for _, g := range ix.groups {
		for _, o := range g {
			if !o.left.IsZero() {
				out[o.e.ID] = o.left
			}
		}
	}
	return out
}

// noise are words that say nothing about who the payer is.
var noise = map[string]bool{"SARL": true, "SAS": true, "SASU": true, "EURL": true, "SA": true, "SCI": true, "GMBH": true, "LTD": true,
	"MR": true, "MME": true, "MLLE": true, "M": true, "MRS": true, "MS": true, "ET": true, "AND": true, "DE": true, "DU": true, "LA": true, "LE": true, "LES": true}

// nameTokens upper-cases a name, drops accents and punctuation, and keeps the
// words of 3 letters or more that are not titles or legal forms.
func nameTokens(s string) map[string]bool {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	words := strings.FieldsFunc(strings.ToUpper(folded), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := map[string]bool{}
	for _, w := range words {
		if len(w) >= 3 && !noise[w] {
			out[w] = true
		}
	}
	return out
}

// CreditsFromCamt returns the incoming credits of a parsed statement: booked
// credit entries that are not reversals, one Credit per transaction detail
// (a batch-booked entry without details is one Credit). Credit ids are
// "statement/entry/detail", with the entry named by the bank's
// AcctSvcrRef, else NtryRef, else its position.
func CreditsFromCamt(doc *camt.Document) []Credit {
	var out []Credit
	for _, st := range doc.Statements {
		for ei, e := range st.Entries {
			if e.Direction != camt.Credit || e.Reversal || (e.Status != "" && e.Status != "BOOK") {
				continue
			}
			ref := e.AccountServicerRef
			if ref == "" {
				ref = e.Ref
			}
			if ref == "" {
				ref = fmt.Sprint("#", ei+1)
			}
			base := st.ID + "/" + ref
			if len(e.Details) == 0 {
				out = append(out, Credit{ID: base, Amount: e.Amount, BookingDate: e.BookingDate, CreditedIBAN: st.Account})
				continue
			}
			for di, d := range e.Details {
				amt := d.Amount
				if amt == (lendkit.Money{}) {
					amt = e.Amount
				}
				credited := d.CreditorIBAN
				if credited == "" {
					credited = st.Account
				}
				out = append(out, Credit{
					ID: fmt.Sprintf("%s/%d", base, di+1), Amount: amt, BookingDate: e.BookingDate, CreditedIBAN: credited,
					Reference: d.CreditorReference, Remittance: d.Unstructured, DebtorName: d.DebtorName, DebtorIBAN: d.DebtorIBAN,
				})
			}
		}
	}
	return out
}
