package dispatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lendkit/lendkit"
)

// EventKind classifies what a dispersal was.
type EventKind uint8

const (
	// OnTime settled everything due, nothing of it overdue.
	OnTime EventKind = iota + 1
	// Partial left part of what is due unpaid.
	Partial
	// Late settled everything due, part of it overdue (penalties included).
	Late
	// Advance paid while nothing was due: the cash is kept as credit.
	Advance
	// Prepayment settled everything due and prepaid principal not yet due.
	Prepayment
	// EarlyRepayment repaid the loan in full before term.
	EarlyRepayment
	// Recovery is cash collected on a defaulted or written-off loan.
	Recovery
)

var eventKindNames = [...]string{"", "on-time", "partial", "late", "advance", "prepayment", "early-repayment", "recovery"}

// String returns the kind's name.
func (k EventKind) String() string {
	if k >= OnTime && k <= Recovery {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Amounts is cash by waterfall component.
type Amounts struct {
	Penalty   lendkit.Money
	Fee       lendkit.Money
	Insurance lendkit.Money
	Interest  lendkit.Money
	Principal lendkit.Money
}

// Share is what one holder receives from one payment: principal, interest
// (after the platform's fee) and penalty interest, the taxes withheld on
// interest and penalty, and the net paid into the holder's wallet.
type Share struct {
	Holder    HolderID
	Kind      HolderKind
	Principal lendkit.Money
	Interest  lendkit.Money
	Penalty   lendkit.Money
	Taxes     []TaxLine // one line per tax of the holder's profile on the date
	Tax       lendkit.Money
	Net       lendkit.Money // Principal + Interest + Penalty − Tax
}

// Gross returns Principal + Interest + Penalty.
func (s Share) Gross() lendkit.Money {
	return lendkit.New(s.Principal.Minor()+s.Interest.Minor()+s.Penalty.Minor(), s.Principal.Currency())
}

// Dispersal is what one payment did: how the waterfall applied the cash, what
// the platform kept, and each holder's share. Shares list every holder that
// had a stake in the split (outstanding principal above zero), in canonical
// HolderID order.
type Dispersal struct {
	Loan     string
	Borrower string
	Key      string
	Kind     EventKind
	Date     lendkit.Date
	// Cash is the cash the event brought; with CreditBefore it is what was
	// available: Cash + CreditBefore = Applied total + CreditAfter.
	Cash         lendkit.Money
	CreditBefore lendkit.Money
	CreditAfter  lendkit.Money
	Applied      Amounts
	// Prepaid is the part of Applied.Principal that was not yet due.
	Prepaid lendkit.Money
	// PlatformFee is the platform's service fee, taken from Applied.Interest
	// before the holders' split.
	PlatformFee lendkit.Money
	// Instalments are the numbers of the instalments the payment settled,
	// fully or in part, in order.
	Instalments []int
	Shares      []Share
}

// Total returns the cash applied: the sum of the Applied components.
func (d Dispersal) Total() lendkit.Money {
	a := d.Applied
	return lendkit.New(a.Penalty.Minor()+a.Fee.Minor()+a.Insurance.Minor()+a.Interest.Minor()+a.Principal.Minor(), d.Cash.Currency())
}

// Check verifies the dispersal's arithmetic: no negative amount; the shares'
// principal, interest and penalty plus the platform's fee equal what the
// waterfall applied; each share's net is its gross less its taxes; and cash
// plus credit before equals what was applied plus credit after. Dispatch
// checks every dispersal before returning it; Check is exported so that a
// persisted dispersal can be re-verified.
func (d Dispersal) Check() error {
	bad := func(format string, args ...any) error {
		return &InvariantError{Loan: d.Loan, What: fmt.Sprintf("dispersal %q: ", d.Key) + fmt.Sprintf(format, args...)}
	}
	a := d.Applied
	for _, m := range []lendkit.Money{d.Cash, d.CreditBefore, d.CreditAfter, a.Penalty, a.Fee, a.Insurance, a.Interest, a.Principal, d.Prepaid, d.PlatformFee} {
		if m.IsNegative() {
			return bad("negative amount %s", m)
		}
	}
	total := d.Total().Minor()
	if d.Cash.Minor()+d.CreditBefore.Minor() != total+d.CreditAfter.Minor() {
		return bad("cash %s + credit %s ≠ applied %d + credit %s", d.Cash, d.CreditBefore, total, d.CreditAfter)
	}
	if d.PlatformFee.Minor() > a.Interest.Minor() {
		return bad("platform fee %s above interest %s", d.PlatformFee, a.Interest)
	}
	var prin, intr, pen, net, tax int64
	for _, s := range d.Shares {
		for _, m := range []lendkit.Money{s.Principal, s.Interest, s.Penalty, s.Tax, s.Net} {
			if m.IsNegative() {
				return bad("holder %s: negative amount %s", s.Holder, m)
			}
		}
		var t int64
		for _, l := range s.Taxes {
			if l.Amount.IsNegative() {
				return bad("holder %s: negative tax %s", s.Holder, l.Amount)
			}
			t += l.Amount.Minor()
		}
		if t != s.Tax.Minor() || s.Principal.Minor()+s.Interest.Minor()+s.Penalty.Minor()-t != s.Net.Minor() {
			return bad("holder %s: net %s ≠ gross %s − tax %s", s.Holder, s.Net, s.Gross(), s.Tax)
		}
		prin += s.Principal.Minor()
		intr += s.Interest.Minor()
		pen += s.Penalty.Minor()
		net += s.Net.Minor()
		tax += t
	}
	if prin != a.Principal.Minor() || intr+d.PlatformFee.Minor() != a.Interest.Minor() || pen != a.Penalty.Minor() {
		return bad("shares (principal %d, interest %d, penalty %d) + platform fee %s ≠ applied %+v", prin, intr, pen, d.PlatformFee, a)
	}
	if net+tax+d.PlatformFee.Minor()+a.Fee.Minor()+a.Insurance.Minor() != total {
		return bad("net %d + tax %d + fees ≠ applied %d", net, tax, total)
	}
	return nil
}

// Entry returns the dispersal's balanced ledger transaction: the borrower's
// wallet pays the cash applied; each holder's wallet receives its net; each
// tax authority the tax withheld under its code; the platform its service
// fee and the borrower's fees; the insurer the insurance. It returns false
// when nothing was applied (an advance kept as credit moves no money: it
// stays in the borrower's wallet).
func (d Dispersal) Entry() (Entry, bool) {
	total := d.Total()
	if !total.IsPositive() {
		return Entry{}, false
	}
	cur := total.Currency()
	legs := make([]Leg, 0, len(d.Shares)+6)
	legs = append(legs, Leg{Account: Account{Role: BorrowerWallet, Owner: d.Borrower}, Side: Debit, Amount: total})
	// Taxes per code: profiles have a handful of codes, so a short slice
	// searched linearly beats a map over 3,000 shares.
	type codeSum struct {
		code string
		sum  int64
	}
	var taxes []codeSum
	for _, s := range d.Shares {
		if s.Net.IsPositive() {
			legs = append(legs, Leg{Account: Account{Role: HolderWallet, Owner: string(s.Holder)}, Side: Credit, Amount: s.Net})
		}
		for _, l := range s.Taxes {
			k := 0
			for k < len(taxes) && taxes[k].code != l.Code {
				k++
			}
			if k == len(taxes) {
				taxes = append(taxes, codeSum{code: l.Code})
			}
			taxes[k].sum += l.Amount.Minor()
		}
	}
	slices.SortFunc(taxes, func(a, b codeSum) int { return strings.Compare(a.code, b.code) })
	for _, t := range taxes {
		if t.sum > 0 {
			legs = append(legs, Leg{Account: Account{Role: TaxAuthority, Owner: t.code}, Side: Credit, Amount: lendkit.New(t.sum, cur)})
		}
	}
	if rev := d.PlatformFee.Minor() + d.Applied.Fee.Minor(); rev > 0 {
		legs = append(legs, Leg{Account: Account{Role: PlatformRevenue}, Side: Credit, Amount: lendkit.New(rev, cur)})
	}
	if d.Applied.Insurance.IsPositive() {
		legs = append(legs, Leg{Account: Account{Role: Insurer}, Side: Credit, Amount: d.Applied.Insurance})
	}
	var desc strings.Builder
	fmt.Fprintf(&desc, "loan %s: %s payment of %s dispersed to %d holders", d.Loan, d.Kind, total, len(d.Shares))
	return Entry{Key: d.Key, Date: d.Date, Code: CodeDispersal, Description: desc.String(), Legs: legs}, true
}
