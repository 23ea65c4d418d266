package wallet

import (
	"context"
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// History returns a page of a wallet's movements (its ledger account's
// postings), oldest first: for the treasury, the history of the
// institution's internal movements.
func (s *Service) History(ctx context.Context, walletID string, q ledger.HistoryQuery) (ledger.HistoryPage, error) {
	var out ledger.HistoryPage
	err := s.db.View(ctx, func(tx store.Tx) error {
		w, err := s.load(ctx, tx, walletID)
		if err != nil {
			return err
		}
		out, err = ledger.In(tx).History(ctx, w.AccountID, q)
		return err
	})
	return out, err
}

// Capacity is how much the institution may still lend from its own funds.
type Capacity struct {
	Treasury  lendkit.Money // posted balance of every treasury wallet
	Reserved  lendkit.Money // held on treasury wallets (commitments not yet closed)
	Committed lendkit.Money // disbursements promised but not yet booked (input)
	Buffer    lendkit.Money // liquidity kept aside: Treasury × buffer rate, rounded up
	Available lendkit.Money // Treasury − Reserved − Committed − Buffer, never below zero
}

// LendingCapacity sums the treasury wallets and subtracts what is reserved,
// what is committed (disbursements approved but not yet paid, an input) and
// a liquidity buffer (a share of the treasury, e.g. 0.10), rounded up to the
// minor unit so the buffer is never understated.
func (s *Service) LendingCapacity(ctx context.Context, committed lendkit.Money, bufferRate decimal.Decimal) (Capacity, error) {
	if committed.Currency() != s.cur || committed.IsNegative() {
		return Capacity{}, fmt.Errorf("%w: committed %s must be a non-negative %s amount", ErrInvalid, committed, s.cur.Code())
	}
	if bufferRate.IsNegative() || bufferRate.GreaterThan(decimal.NewFromInt(1)) {
		return Capacity{}, fmt.Errorf("%w: buffer rate %s outside [0, 1]", ErrInvalid, bufferRate)
	}
	c := Capacity{Treasury: lendkit.Zero(s.cur), Reserved: lendkit.Zero(s.cur), Committed: committed}
	err := s.db.View(ctx, func(tx store.Tx) error {
		c.Treasury, c.Reserved = lendkit.Zero(s.cur), lendkit.Zero(s.cur) // a retried View starts over
		after := ""
		for range 1000 { // at most 1,000 pages of 1,000 treasury wallets
			ws, err := tx.Wallets().Wallets(ctx, string(Treasury), after, 1000)
			if err != nil {
				return err
			}
			for _, w := range ws {
				bal, err := ledger.In(tx).Balance(ctx, w.AccountID)
				if err != nil {
					return err
				}
				if c.Treasury, err = c.Treasury.Add(bal.Posted); err != nil {
					return err
				}
				if c.Reserved, err = c.Reserved.Add(bal.Pending); err != nil {
					return err
				}
			}
			if len(ws) < 1000 {
				return nil
			}
			after = ws[len(ws)-1].ID
		}
		return fmt.Errorf("%w: more than a million treasury wallets", ErrInvalid)
	})
	if err != nil {
		return Capacity{}, err
	}
	if c.Buffer, err = c.Treasury.Mul(bufferRate, lendkit.Up); err != nil {
		return Capacity{}, err
	}
	avail := c.Treasury
	for _, m := range []lendkit.Money{c.Reserved, c.Committed, c.Buffer} {
		if avail, err = avail.Sub(m); err != nil {
			return Capacity{}, err
		}
	}
	if avail.IsNegative() {
		avail = lendkit.Zero(s.cur)
	}
	c.Available = avail
	return c, nil
}

// Flow is an expected movement of cash: an instalment due (inflow), a
// disbursement committed (outflow).
type Flow struct {
	Date   lendkit.Date
	Amount lendkit.Money // positive
	Label  string
}

// Period is a forecast bucket's length.
type Period int

// Periods.
const (
	Weekly  Period = iota // 7 days from the start
	Monthly               // one month from the start, by the end-of-month rule
)

// Bucket is one period of a liquidity forecast.
type Bucket struct {
	Start, End lendkit.Date // inclusive
	Opening    lendkit.Money
	Inflows    lendkit.Money
	Outflows   lendkit.Money
	Closing    lendkit.Money // Opening + Inflows − Outflows; negative means a funding gap
}

// Forecast projects liquidity over n periods from start: each bucket's
// expected inflows (instalments due from schedules) and outflows (committed
// disbursements) and the running balance from opening. Flows dated before
// start are overdue and counted in the first bucket (cash that should
// already be there, or is already owed); flows after the horizon are left
// out. Bucket boundaries come from start alone (start + k weeks or months),
// so a forecast is the same whatever day it is computed.
func Forecast(opening lendkit.Money, start lendkit.Date, period Period, n int, inflows, outflows []Flow) ([]Bucket, error) {
	if n < 1 || n > 520 {
		return nil, fmt.Errorf("%w: %d periods, want 1..520", ErrInvalid, n)
	}
	if start.IsZero() || (period != Weekly && period != Monthly) {
		return nil, fmt.Errorf("%w: forecast needs a start date and a period", ErrInvalid)
	}
	c := opening.Currency()
	bounds := make([]lendkit.Date, n+1)
	for k := range bounds {
		if period == Weekly {
			bounds[k] = start.AddDays(7 * k)
		} else {
			bounds[k] = start.AddMonths(k)
		}
	}
	in := make([]lendkit.Money, n)
	out := make([]lendkit.Money, n)
	for k := range n {
		in[k], out[k] = lendkit.Zero(c), lendkit.Zero(c)
	}
	add := func(sums []lendkit.Money, fs []Flow) error {
		for _, f := range fs {
			if f.Amount.Currency() != c || f.Amount.IsNegative() {
				return fmt.Errorf("%w: flow %q of %s on %s", ErrInvalid, f.Label, f.Amount, f.Date)
			}
			if !f.Date.Before(bounds[n]) {
				continue
			}
			// The first bound after the date names its bucket.
			k := sort.Search(n, func(i int) bool { return f.Date.Before(bounds[i+1]) })
			var err error
			if sums[k], err = sums[k].Add(f.Amount); err != nil {
				return err
			}
		}
		return nil
	}
	if err := add(in, inflows); err != nil {
		return nil, err
	}
	if err := add(out, outflows); err != nil {
		return nil, err
	}
	buckets := make([]Bucket, n)
	bal := opening
	for k := range n {
		b := Bucket{Start: bounds[k], End: bounds[k+1].AddDays(-1), Opening: bal, Inflows: in[k], Outflows: out[k]}
		var err error
		if bal, err = bal.Add(in[k]); err != nil {
			return nil, err
		}
		if bal, err = bal.Sub(out[k]); err != nil {
			return nil, err
		}
		b.Closing = bal
		buckets[k] = b
	}
	return buckets, nil
}
