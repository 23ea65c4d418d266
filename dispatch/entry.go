package dispatch

import (
	"fmt"

	"github.com/lendkit/lendkit"
)

// Side is the side of a ledger leg.
type Side uint8

const (
	// Debit takes money out of a wallet (wallets are the platform's
	// liabilities to their owners, credit-normal) and books revenue and tax
	// payables on their credit side.
	Debit Side = iota + 1
	// Credit puts money into a wallet, a tax authority's payable or the
	// platform's revenue.
	Credit
)

// String returns "debit" or "credit".
func (s Side) String() string {
	switch s {
	case Debit:
		return "debit"
	case Credit:
		return "credit"
	}
	return fmt.Sprintf("Side(%d)", uint8(s))
}

// Role says which ledger account a leg names; with Owner it identifies the
// account, and the persisting layer maps it to a ledger account id.
type Role uint8

const (
	// BorrowerWallet is the borrower's wallet; Owner is the borrower's id.
	BorrowerWallet Role = iota + 1
	// HolderWallet is a holder's wallet; Owner is the HolderID.
	HolderWallet
	// TaxAuthority is the payable to a tax authority; Owner is the tax code
	// ("FR-IR", "FR-PS", "IT-RIT").
	TaxAuthority
	// PlatformRevenue is the platform's revenue (service fees and borrower
	// fees); Owner is empty.
	PlatformRevenue
	// Insurer is the payable to the borrower's insurer; Owner is empty.
	Insurer
)

var roleNames = [...]string{"", "borrower-wallet", "holder-wallet", "tax-authority", "platform-revenue", "insurer"}

// String returns the role's name ("holder-wallet", …).
func (r Role) String() string {
	if r >= BorrowerWallet && r <= Insurer {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Account names a ledger account by its role and owner.
type Account struct {
	Role  Role
	Owner string
}

// String returns "role:owner", a readable and stable account reference.
func (a Account) String() string { return a.Role.String() + ":" + a.Owner }

// Leg is one posting of an entry.
type Leg struct {
	Account Account
	Side    Side
	Amount  lendkit.Money // positive
}

// Entry codes.
const (
	CodeFunding   = "dispatch.funding"
	CodeDispersal = "dispatch.dispersal"
	CodeTransfer  = "dispatch.transfer"
)

// Entry describes one balanced ledger transaction as data, for the ledger to
// post: dispatch computes, it never posts.
type Entry struct {
	Key         string // idempotency key
	Date        lendkit.Date
	Code        string
	Description string
	Legs        []Leg
}

// Check verifies that the entry has at least two legs, every amount is
// positive and of one currency, and debits equal credits. Errors wrap
// ErrInvalidEvent.
func (e Entry) Check() error {
	if len(e.Legs) < 2 {
		return fmt.Errorf("%w: entry %q has %d legs", ErrInvalidEvent, e.Key, len(e.Legs))
	}
	cur := e.Legs[0].Amount.Currency()
	var dr, cr int64
	for _, l := range e.Legs {
		if l.Amount.Currency() != cur || !l.Amount.IsPositive() {
			return fmt.Errorf("%w: entry %q: leg %s %s", ErrInvalidEvent, e.Key, l.Account, l.Amount)
		}
		var ok bool
		switch l.Side {
		case Debit:
			dr, ok = addChecked(dr, l.Amount.Minor())
		case Credit:
			cr, ok = addChecked(cr, l.Amount.Minor())
		}
		if !ok {
			return fmt.Errorf("%w: entry %q: %w", ErrInvalidEvent, e.Key, lendkit.ErrOverflow)
		}
	}
	if dr != cr {
		return fmt.Errorf("%w: entry %q: debits %d ≠ credits %d", ErrInvalidEvent, e.Key, dr, cr)
	}
	return nil
}

// addChecked returns a + b and whether it did not overflow.
func addChecked(a, b int64) (int64, bool) {
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, false
	}
	return s, true
}
