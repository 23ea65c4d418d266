package main

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// The figures the agents' dashboard shows, computed from the platform's
// tables and each loan's book replayed as of today: nothing here is stored,
// so the dashboard can never disagree with the API or verify.

// grantedStatuses are the application statuses after an approval (by the
// automatic decision or an agent): credit granted, disbursed or not yet.
var grantedStatuses = map[string]bool{"approved": true, "contracted": true, "signed": true, "listed": true, "disbursed": true}

// tally is one row of a breakdown (by type, region or client).
type tally struct {
	Key            string
	Granted        int
	GrantedAmount  lendkit.Money
	InProgress     int
	Outstanding    lendkit.Money
	Repaid         int
	InArrears      int
	ArrearsOverdue lendkit.Money
}

// dpdBucket is a days-past-due band of the portfolio.
type dpdBucket struct {
	Label       string
	Loans       int
	Outstanding lendkit.Money
}

// portfolio is the overview page's figures.
type portfolio struct {
	AsOf        lendkit.Date
	Currency    lendkit.Currency
	Total       tally
	ByType      []tally
	ByRegion    []tally
	ByClient    []tally
	Buckets     []dpdBucket
	PAR30       string // percent of outstanding principal, 2 decimals
	PAR90       string
	Referred    int
	Outstanding lendkit.Money
}

// appRow is what the dashboard reads of an application.
type appRow struct {
	id, borrowerID, borrowerName, status, loanType string
	amount                                         lendkit.Money
	region                                         string
}

// regionOf is an application's region: the borrower's (or company's) city
// and country as given on the form.
func regionOf(d applicationDetail) string {
	a := d.Request.Address
	if d.Request.Company != nil && d.Request.Company.Address.City != "" {
		a = d.Request.Company.Address
	}
	parts := []string{}
	for _, p := range []string{strings.TrimSpace(a.City), strings.TrimSpace(a.Country)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}

func loadAppRows(ctx context.Context, q sqlq) ([]appRow, error) {
	rows, err := q.query(ctx, `SELECT a.id, a.borrower_id, COALESCE(u.name, ''), a.status, a.loan_type, a.amount, a.currency, a.detail
		FROM platform_applications a LEFT JOIN platform_users u ON u.id = a.borrower_id ORDER BY a.created_at, a.id LIMIT 100000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []appRow
	for rows.Next() {
		var r appRow
		var minor int64
		var cur, detail string
		if err := rows.Scan(&r.id, &r.borrowerID, &r.borrowerName, &r.status, &r.loanType, &minor, &cur, &detail); err != nil {
			return nil, err
		}
		c, err := lendkit.ParseCurrency(cur)
		if err != nil {
			return nil, err
		}
		r.amount = lendkit.New(minor, c)
		var d applicationDetail
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return nil, err
		}
		r.region = regionOf(d)
		out = append(out, r)
	}
	return out, rows.Err()
}

// loanFigures is one loan as of a date.
type loanFigures struct {
	lr          loanRow
	status      disp.Status
	outstanding lendkit.Money
	overdue     lendkit.Money
	dpd         int
	book        *disp.Book
}

func loadLoanFigures(ctx context.Context, q sqlq, asOf lendkit.Date) ([]loanFigures, error) {
	ids, err := queryIDs(ctx, q, `SELECT id FROM platform_loans ORDER BY created_at, id LIMIT 100000`)
	if err != nil {
		return nil, err
	}
	out := make([]loanFigures, 0, len(ids))
	for _, id := range ids {
		rp, lr, err := loadLoan(ctx, q, id)
		if err != nil {
			return nil, err
		}
		due, err := amountDue(rp.book, asOf, loanPenalty)
		if err != nil {
			return nil, err
		}
		out = append(out, loanFigures{lr: lr, status: rp.book.Status(), outstanding: rp.book.Outstanding(), overdue: due,
			dpd: rp.book.DaysPastDue(asOf), book: rp.book})
	}
	return out, nil
}

// percentOf is part/whole in percent with 2 decimals, rounded half away
// from zero (decimal.DivRound); "0.00" when whole is zero.
func percentOf(part, whole lendkit.Money) string {
	if whole.Minor() == 0 {
		return "0.00"
	}
	return decimal.NewFromInt(part.Minor()).Mul(decimalHundred).DivRound(decimal.NewFromInt(whole.Minor()), 2).StringFixed(2)
}

// computePortfolio builds the overview as of asOf in the unit of work q.
func computePortfolio(ctx context.Context, q sqlq, cur lendkit.Currency, asOf lendkit.Date) (portfolio, error) {
	p := portfolio{AsOf: asOf, Currency: cur}
	zero := lendkit.Zero(cur)
	newTally := func(k string) *tally {
		return &tally{Key: k, GrantedAmount: zero, Outstanding: zero, ArrearsOverdue: zero}
	}
	apps, err := loadAppRows(ctx, q)
	if err != nil {
		return p, err
	}
	loans, err := loadLoanFigures(ctx, q, asOf)
	if err != nil {
		return p, err
	}
	byApp := map[string]appRow{}
	for _, a := range apps {
		byApp[a.id] = a
	}
	types, regions, clients := map[string]*tally{}, map[string]*tally{}, map[string]*tally{}
	get := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = newTally(k)
		}
		return m[k]
	}
	total := newTally("all")
	each := func(a appRow, f func(t *tally) error) error {
		for _, t := range []*tally{total, get(types, a.loanType), get(regions, a.region), get(clients, a.borrowerName)} {
			if err := f(t); err != nil {
				return err
			}
		}
		return nil
	}
	for _, a := range apps {
		if a.status == "referred" {
			p.Referred++
		}
		if !grantedStatuses[a.status] || a.amount.Currency() != cur {
			continue
		}
		if err := each(a, func(t *tally) error {
			t.Granted++
			t.GrantedAmount, err = t.GrantedAmount.Add(a.amount)
			return err
		}); err != nil {
			return p, err
		}
	}
	buckets := []dpdBucket{{Label: "current"}, {Label: "1–30 days"}, {Label: "31–60 days"}, {Label: "61–90 days"}, {Label: "over 90 days"}}
	for i := range buckets {
		buckets[i].Outstanding = zero
	}
	par30, par90 := zero, zero
	for _, l := range loans {
		if l.outstanding.Currency() != cur {
			continue
		}
		a, ok := byApp[l.lr.applicationID]
		if !ok {
			// A loan without an application (the P2P demo's): typed and
			// placed by what the platform knows of it.
			a = appRow{id: l.lr.applicationID, borrowerID: l.lr.borrowerID, borrowerName: l.lr.borrowerID, loanType: "marketplace", region: "unknown"}
		}
		err := each(a, func(t *tally) error {
			var err error
			switch l.status {
			case disp.Active:
				t.InProgress++
				if t.Outstanding, err = t.Outstanding.Add(l.outstanding); err != nil {
					return err
				}
				if l.dpd > 0 {
					t.InArrears++
					t.ArrearsOverdue, err = t.ArrearsOverdue.Add(l.overdue)
				}
			case disp.Repaid:
				t.Repaid++
			}
			return err
		})
		if err != nil {
			return p, err
		}
		if l.status != disp.Active {
			continue
		}
		b := 0
		switch {
		case l.dpd > 90:
			b = 4
		case l.dpd > 60:
			b = 3
		case l.dpd > 30:
			b = 2
		case l.dpd > 0:
			b = 1
		}
		buckets[b].Loans++
		if buckets[b].Outstanding, err = buckets[b].Outstanding.Add(l.outstanding); err != nil {
			return p, err
		}
		if l.dpd > 30 {
			if par30, err = par30.Add(l.outstanding); err != nil {
				return p, err
			}
		}
		if l.dpd > 90 {
			if par90, err = par90.Add(l.outstanding); err != nil {
				return p, err
			}
		}
	}
	flat := func(m map[string]*tally) []tally {
		out := make([]tally, 0, len(m))
		for _, t := range m {
			out = append(out, *t)
		}
		sort.Slice(out, func(i, j int) bool {
			if c, _ := out[i].GrantedAmount.Cmp(out[j].GrantedAmount); c != 0 {
				return c > 0
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	p.Total, p.ByType, p.ByRegion, p.ByClient, p.Buckets = *total, flat(types), flat(regions), flat(clients), buckets
	p.Outstanding = total.Outstanding
	p.PAR30, p.PAR90 = percentOf(par30, total.Outstanding), percentOf(par90, total.Outstanding)
	return p, nil
}

// funds is the funds page's figures.
type funds struct {
	AsOf      lendkit.Date
	Capacity  wallet.Capacity
	BufferPct string
	Committed lendkit.Money
	Wallets   []walletLine
	Forecast  []wallet.Bucket
}

type walletLine struct {
	ID, Kind  string
	Posted    lendkit.Money
	Available lendkit.Money
}

// liquidityBuffer is the share of the treasury kept aside, in percent.
var liquidityBuffer = decimal.RequireFromString("0.10")

// computeFunds reads the institution's funds and projects its liquidity
// over the next twelve months: inflows are every active loan's instalments
// still owed (overdue ones in the first month, as wallet.Forecast counts
// them), outflows the disbursements granted but not yet paid, dated today.
func (s *server) computeFunds(ctx context.Context, asOf lendkit.Date) (funds, error) {
	f := funds{AsOf: asOf, BufferPct: liquidityBuffer.Mul(decimalHundred).StringFixed(0)}
	committed := lendkit.Zero(s.currency)
	var inflows, outflows []wallet.Flow
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		committed = lendkit.Zero(s.currency)
		inflows, outflows = nil, nil
		apps, err := loadAppRows(ctx, q)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if (a.status == "approved" || a.status == "contracted" || a.status == "signed") && a.amount.Currency() == s.currency {
				if committed, err = committed.Add(a.amount); err != nil {
					return err
				}
				outflows = append(outflows, wallet.Flow{Date: asOf, Amount: a.amount, Label: a.id})
			}
		}
		loans, err := loadLoanFigures(ctx, q, asOf)
		if err != nil {
			return err
		}
		for _, l := range loans {
			if l.status != disp.Active || l.book.Currency() != s.currency {
				continue
			}
			for _, o := range l.book.Schedule() {
				owed, err := lendkit.Sum(s.currency, o.Fee, o.Insurance, o.Interest, o.Principal)
				if err != nil {
					return err
				}
				if owed.IsPositive() {
					inflows = append(inflows, wallet.Flow{Date: o.Due, Amount: owed, Label: l.lr.id})
				}
			}
		}
		return nil
	})
	if err != nil {
		return f, err
	}
	f.Committed = committed
	if f.Capacity, err = s.wallets.LendingCapacity(ctx, committed, liquidityBuffer); err != nil {
		return f, err
	}
	for _, id := range []string{platformHolder, walletPlatformFees} {
		w, err := s.wallets.Get(ctx, id)
		if err != nil {
			continue // a wallet the platform has not opened yet
		}
		f.Wallets = append(f.Wallets, walletLine{ID: w.ID, Kind: string(w.Kind), Posted: w.Balance.Posted, Available: w.Balance.Available})
	}
	opening := f.Capacity.Treasury
	if opening, err = opening.Sub(f.Capacity.Reserved); err != nil {
		return f, err
	}
	f.Forecast, err = wallet.Forecast(opening, asOf, wallet.Monthly, 12, inflows, outflows)
	return f, err
}
