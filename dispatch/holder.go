package dispatch

import (
	"fmt"

	"github.com/lendkit/lendkit"
)

// HolderID identifies a holder of a loan (a lender, a fund, the platform, an
// employer). It is also the canonical sort key: every split walks holders in
// increasing HolderID order, so results never depend on the order in which
// callers list them.
type HolderID string

// HolderKind says what a holder is; it decides whether tax is withheld.
type HolderKind uint8

const (
	// Individual is a natural person lending; the only kind withheld at source.
	Individual HolderKind = iota + 1
	// Company is a legal person lending; paid gross.
	Company
	// Fund is an investment or securitisation fund; paid gross.
	Fund
	// Platform is the platform investing its own money alongside lenders.
	Platform
	// Employer is a partner company co-funding its employees' loans.
	Employer
)

var holderKindNames = [...]string{"", "individual", "company", "fund", "platform", "employer"}

// String returns the kind's name ("individual", "fund", …).
func (k HolderKind) String() string {
	if int(k) < len(holderKindNames) && k != 0 {
		return holderKindNames[k]
	}
	return fmt.Sprintf("HolderKind(%d)", uint8(k))
}

// ParseHolderKind returns the kind String names.
func ParseHolderKind(s string) (HolderKind, error) {
	for i, n := range holderKindNames {
		if i > 0 && n == s {
			return HolderKind(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown kind %q", ErrInvalidHolder, s)
}

// Withheld reports whether tax may be withheld from this kind of holder:
// only individuals are; companies and funds declare their income themselves.
func (k HolderKind) Withheld() bool { return k == Individual }

// Holder is a party that can own part of a loan.
type Holder struct {
	ID   HolderID
	Kind HolderKind
	// Tax is the withholding profile applied to the holder's interest. The
	// zero profile withholds nothing; a profile with rates is only accepted
	// for individuals.
	Tax TaxProfile
}

func (h Holder) validate() error {
	if h.ID == "" {
		return fmt.Errorf("%w: empty id", ErrInvalidHolder)
	}
	if h.Kind < Individual || h.Kind > Employer {
		return fmt.Errorf("%w: %s: unknown kind %d", ErrInvalidHolder, h.ID, h.Kind)
	}
	if !h.Kind.Withheld() && h.Tax.withholds() {
		return fmt.Errorf("%w: %s is a %s, which is paid gross, but has tax profile %q",
			ErrInvalidHolder, h.ID, h.Kind, h.Tax.Name())
	}
	return nil
}

// Stake is a holder's part of a loan at funding: the principal they lent.
type Stake struct {
	Holder Holder
	Amount lendkit.Money
}

// Origin says how a holding came to be.
type Origin uint8

const (
	// Funded holdings were opened when the loan was funded.
	Funded Origin = iota + 1
	// Transferred holdings were opened by a transfer at a cut-off date (for a
	// seller, the remainder it kept; for a buyer, what it bought plus what it
	// already held).
	Transferred
)

// String returns "funded" or "transferred".
func (o Origin) String() string {
	switch o {
	case Funded:
		return "funded"
	case Transferred:
		return "transferred"
	}
	return fmt.Sprintf("Origin(%d)", uint8(o))
}

// Holding is one dated line of a loan's register: Holder owned Principal of
// outstanding principal from Opened (inclusive) until Closed (exclusive; zero
// while open). Each holder has at most one open holding; a transfer closes
// the open holdings of both parties at the cut-off and opens new ones with
// their new outstanding principal, so the history says who owned how much of
// the loan from which date. Repayments reduce what a holder has outstanding
// without opening a new holding: Principal is the position at opening.
type Holding struct {
	Holder    HolderID
	Kind      HolderKind
	Principal lendkit.Money
	Opened    lendkit.Date
	Closed    lendkit.Date
	Origin    Origin
}

// Open reports whether the holding is still open.
func (h Holding) Open() bool { return h.Closed.IsZero() }

// Transfer moves outstanding principal of a loan from one holder to another at
// a cut-off date: a sale to a securitisation fund, a secondary-market sale.
// Servicing and the borrower's schedule do not change. Every payment dated on
// or after the cut-off goes to the buyer, including interest that accrued
// before it: the price settles accrued interest between the parties.
type Transfer struct {
	// Key is the idempotency key of the price settlement entry.
	Key    string
	CutOff lendkit.Date
	From   HolderID
	// To is the buyer; if it already holds part of the loan, its Kind and Tax
	// must match the register's.
	To Holder
	// Amount is the outstanding principal sold; zero sells everything the
	// seller has outstanding.
	Amount lendkit.Money
	// Price is what the buyer pays the seller, settled wallet to wallet by the
	// transfer's ledger entry. Zero means the price is settled outside this
	// ledger (portfolio figures then value the transfer at par).
	Price lendkit.Money
}

// TransferRecord is the outcome of a transfer.
type TransferRecord struct {
	Loan   string
	Key    string
	CutOff lendkit.Date
	From   HolderID
	To     HolderID
	Amount lendkit.Money // outstanding principal moved
	Price  lendkit.Money // zero when settled outside the ledger
	// Closed and Opened are the holdings the transfer closed and opened.
	Closed []Holding
	Opened []Holding
}

// Entry returns the ledger transaction settling the price (buyer's wallet →
// seller's wallet), and false when the transfer has no price.
func (r TransferRecord) Entry() (Entry, bool) {
	if !r.Price.IsPositive() {
		return Entry{}, false
	}
	return Entry{
		Key:         r.Key,
		Date:        r.CutOff,
		Code:        CodeTransfer,
		Description: fmt.Sprintf("loan %s: %s sells %s to %s", r.Loan, r.From, r.Amount, r.To),
		Legs: []Leg{
			{Account: Account{Role: HolderWallet, Owner: string(r.To)}, Side: Debit, Amount: r.Price},
			{Account: Account{Role: HolderWallet, Owner: string(r.From)}, Side: Credit, Amount: r.Price},
		},
	}, true
}
