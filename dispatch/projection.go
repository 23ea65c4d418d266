package dispatch

import (
	"fmt"
	"iter"

	"github.com/lendkit/lendkit"
)

// Projection is every holder's expected repayments if the borrower pays each
// remaining instalment in full on its due date: one dispersal per
// instalment, computed by the very code that disperses real payments, so an
// on-time payment disperses exactly what was projected.
type Projection struct {
	Loan     string
	Currency lendkit.Currency
	// Payments are the projected dispersals, one per instalment, each with
	// the instalment's number in Instalments.
	Payments []ProjectedPayment
}

// ProjectedPayment is one projected instalment's dispersal.
type ProjectedPayment struct {
	N   int
	Due lendkit.Date
	Dispersal
}

// ProjectionRow is one holder's projected repayment of one instalment: the
// row a lender sees in their schedule.
type ProjectionRow struct {
	Loan     string
	Holder   HolderID
	N        int
	Due      lendkit.Date
	Capital  lendkit.Money
	Interest lendkit.Money // after the platform's fee, before tax
	Taxes    []TaxLine
	Tax      lendkit.Money
	Net      lendkit.Money
}

// Len returns the number of rows.
func (p *Projection) Len() int {
	n := 0
	for i := range p.Payments {
		n += len(p.Payments[i].Shares)
	}
	return n
}

// Rows yields every row, instalment by instalment, holders in canonical
// order within each.
func (p *Projection) Rows() iter.Seq[ProjectionRow] {
	return func(yield func(ProjectionRow) bool) {
		for i := range p.Payments {
			pp := &p.Payments[i]
			for _, s := range pp.Shares {
				r := ProjectionRow{Loan: p.Loan, Holder: s.Holder, N: pp.N, Due: pp.Due,
					Capital: s.Principal, Interest: s.Interest, Taxes: s.Taxes, Tax: s.Tax, Net: s.Net}
				if !yield(r) {
					return
				}
			}
		}
	}
}

// Project returns the projection from the book's current state; the book is
// unchanged. Each instalment is paid on its due date with what is owed on or
// before it (at funding, exactly its amount); an instalment that owes
// nothing (no principal, interest, fee or insurance) has no projected
// payment. Projected dispersals are keyed "<loan>/projection/<n>".
func (b *Book) Project() (*Projection, error) {
	p := &Projection{Loan: b.loan, Currency: b.cur, Payments: make([]ProjectedPayment, 0, len(b.inst))}
	err := b.ProjectEach(func(pp ProjectedPayment) error {
		p.Payments = append(p.Payments, pp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ProjectEach is Project one instalment at a time: fn receives each
// projected payment in due-date order and may keep it or drop it, so a
// caller writing 180,000 rows never holds them all at once. An error from
// fn stops the projection and is returned.
func (b *Book) ProjectEach(fn func(ProjectedPayment) error) error {
	sim := b.clone()
	// Each step settles at least the next instalment, so the loop is bounded
	// by the number of instalments.
	for steps := len(sim.inst); steps > 0 && sim.status != Repaid; steps-- {
		k := -1
		for i := range sim.inst {
			if sim.inst[i].owed() > 0 && !sim.inst[i].due.Before(sim.last) {
				k = i
				break
			}
		}
		if k < 0 {
			break
		}
		in := sim.inst[k]
		work := make([]inst, len(sim.inst))
		copy(work, sim.inst)
		if err := sim.accrue(work, in.due); err != nil {
			return err
		}
		owed := owedThrough(work, in.due)
		cash := max(owed-sim.credit, 0)
		d, err := sim.Pay(Payment{Key: fmt.Sprintf("%s/projection/%d", b.loan, in.n), Date: in.due, Amount: lendkit.New(cash, b.cur)})
		if err != nil {
			return fmt.Errorf("projecting instalment %d of loan %s: %w", in.n, b.loan, err)
		}
		if err := fn(ProjectedPayment{N: in.n, Due: in.due, Dispersal: d}); err != nil {
			return err
		}
	}
	return nil
}
