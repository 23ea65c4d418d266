package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lendkit/lendkit"
)

// This file holds the dispatch domain's persisted records and the
// DispatchStore interface. Package dispatch computes (holdings, projections,
// dispersals); dispatch/servicing converts its values to these records and
// writes them in the caller's unit of work, next to the ledger transactions
// that move the money. A backend stores and fetches them faithfully.

// DispatchLoan is a loan's servicing state: the dispatch book's snapshot,
// opaque to the store, with the columns a query needs beside it.
type DispatchLoan struct {
	ID       string
	Borrower string
	Currency lendkit.Currency
	Status   string
	// Version is the optimistic-concurrency counter: SaveLoan with Version 0
	// inserts the loan at version 1; with Version v it updates the row only
	// if the stored version is still v, and stores v+1.
	Version   int64
	State     []byte
	UpdatedAt time.Time // set by SaveLoan to Tx.Now
}

// DispatchTax is one tax withheld on a projection or a share.
type DispatchTax struct {
	Code   string
	Amount lendkit.Money
}

// DispatchHolding is one dated line of a loan's register (who owned how much
// principal from which date). Line numbers a loan's lines from 1 in the
// order they were opened; Closed is zero while the line is open.
type DispatchHolding struct {
	LoanID    string
	Line      int
	Holder    string
	Kind      string
	Principal lendkit.Money
	Opened    lendkit.Date
	Closed    lendkit.Date
	Origin    string
}

// DispatchProjection is one holder's projected repayment of one instalment.
type DispatchProjection struct {
	LoanID   string
	Holder   string
	N        int
	Due      lendkit.Date
	Capital  lendkit.Money
	Interest lendkit.Money
	Tax      lendkit.Money
	Net      lendkit.Money
	Taxes    []DispatchTax
}

// DispatchShare is one holder's part of a dispersal.
type DispatchShare struct {
	Holder    string
	Kind      string
	Principal lendkit.Money
	Interest  lendkit.Money
	Penalty   lendkit.Money
	Tax       lendkit.Money
	Net       lendkit.Money
	Taxes     []DispatchTax
}

// DispatchDispersal is one payment's dispersal: how the cash was applied and
// each holder's share, with the ledger transaction that moved the money.
type DispatchDispersal struct {
	LoanID       string
	Key          string
	Kind         string
	Date         lendkit.Date
	Cash         lendkit.Money
	CreditBefore lendkit.Money
	CreditAfter  lendkit.Money
	Penalty      lendkit.Money
	Fee          lendkit.Money
	Insurance    lendkit.Money
	Interest     lendkit.Money
	Principal    lendkit.Money
	Prepaid      lendkit.Money
	PlatformFee  lendkit.Money
	LedgerTxID   string    // "" when the dispersal moved no money
	CreatedAt    time.Time // set by InsertDispersal to Tx.Now
	Shares       []DispatchShare
}

// DispatchStore persists the dispatch domain within one unit of work.
// Amounts of one record are in one currency; the backend stores minor units
// and the currency code, and taxes with EncodeTaxes.
type DispatchStore interface {
	// SaveLoan inserts or updates a loan's servicing state under optimistic
	// concurrency (see DispatchLoan.Version) and returns the stored version.
	//
	// Errors: ErrConflict when the loan exists and Version is 0, or when the
	// stored version is not Version; ErrNotFound when Version > 0 and the
	// loan does not exist.
	SaveLoan(ctx context.Context, l DispatchLoan) (int64, error)

	// Loan returns a loan's servicing state. Errors: ErrNotFound.
	Loan(ctx context.Context, id string) (DispatchLoan, error)

	// SaveHoldings inserts register lines, or updates them (Closed) when a
	// line with the same loan and number exists. The loan must exist.
	//
	// Errors: ErrNotFound for an unknown loan.
	SaveHoldings(ctx context.Context, hs []DispatchHolding) error

	// Holdings returns a loan's register lines ordered by Line (none for an
	// unknown loan).
	Holdings(ctx context.Context, loanID string) ([]DispatchHolding, error)

	// InsertProjections writes projection rows through the backend's bulk
	// path (a funding writes 180,000 of them). All-or-nothing.
	//
	// Errors: ErrConflict when a (loan, holder, instalment) row exists;
	// ErrNotFound for an unknown loan.
	InsertProjections(ctx context.Context, ps []DispatchProjection) error

	// DeleteProjections removes a loan's projection rows of instalments
	// numbered fromN or more (to re-project after a transfer, a
	// prepayment or a rescheduling) and returns how many it removed.
	DeleteProjections(ctx context.Context, loanID string, fromN int) (int64, error)

	// Projections returns a loan's projection rows ordered by instalment
	// then holder; holder "" returns every holder's.
	Projections(ctx context.Context, loanID, holder string) ([]DispatchProjection, error)

	// InsertDispersal writes a dispersal and its shares.
	//
	// Errors: ErrConflict when the loan already has a dispersal with that
	// key; ErrNotFound for an unknown loan.
	InsertDispersal(ctx context.Context, d DispatchDispersal) error

	// Dispersal returns a dispersal with its shares in holder order.
	// Errors: ErrNotFound.
	Dispersal(ctx context.Context, loanID, key string) (DispatchDispersal, error)
}

// EncodeTaxes encodes tax lines as the backends store them, identical in
// every dialect: "CODE=minor;CODE=minor" ("FR-IR=64;FR-PS=86"), "" for none.
// It is compact and cheap to write for the 180,000 rows of a funding. Codes
// must be non-empty and free of '=' and ';'.
func EncodeTaxes(ts []DispatchTax) (string, error) {
	if len(ts) == 0 {
		return "", nil
	}
	var b strings.Builder
	b.Grow(len(ts) * 14)
	for i, t := range ts {
		if t.Code == "" || strings.ContainsAny(t.Code, "=;") {
			return "", fmt.Errorf("%w: tax code %q", ErrConstraint, t.Code)
		}
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(t.Code)
		b.WriteByte('=')
		b.WriteString(strconv.FormatInt(t.Amount.Minor(), 10))
	}
	return b.String(), nil
}

// DecodeTaxes decodes what EncodeTaxes wrote, amounts in currency c.
func DecodeTaxes(s string, c lendkit.Currency) ([]DispatchTax, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ";")
	out := make([]DispatchTax, len(parts))
	for i, p := range parts {
		code, v, ok := strings.Cut(p, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || code == "" || err != nil {
			return nil, fmt.Errorf("store: malformed taxes %q", s)
		}
		out[i] = DispatchTax{Code: code, Amount: lendkit.New(n, c)}
	}
	return out, nil
}
