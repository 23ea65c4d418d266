package dispatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
)

// scenario is a random loan: holders with uneven stakes, a schedule, rules,
// and a sequence of events.
type scenario struct {
	terms  Terms
	events []event
}

type event struct {
	kind   string // pay, transfer, default, writeoff, repay
	date   lendkit.Date
	amount int64
	// transfer
	from   int // index into the register at the time, modulo its size
	to     Holder
	share  int64 // per mille of the seller's outstanding sold (0: all)
	priced bool
}

var profiles = []TaxProfile{FranceIndividual(), FranceExempt(), ItalyIndividual(), NoWithholding()}

func randomHolder(r *rand.Rand, id string) Holder {
	k := HolderKind(1 + r.IntN(5))
	h := Holder{ID: HolderID(id), Kind: k}
	if k == Individual {
		h.Tax = profiles[r.IntN(len(profiles))]
	}
	return h
}

func genScenario(t *rapid.T) scenario {
	// 1 to 5,000 holders; most examples are small so that a run stays within
	// the package's time budget, one in ten has 1,000 to 5,000.
	n := rapid.IntRange(1, 300).Draw(t, "holders")
	if rapid.IntRange(0, 9).Draw(t, "large") == 0 {
		n = rapid.IntRange(1000, 5000).Draw(t, "many holders")
	}
	m := rapid.IntRange(1, 36).Draw(t, "instalments")
	r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 7))
	funded := lendkit.MustDate(2025, 1, 1).AddDays(r.IntN(700))
	stakes := make([]Stake, n)
	var total int64
	for i := range stakes {
		// Uneven: most stakes small, a few very large.
		a := 1 + r.Int64N(100_00)
		if r.IntN(20) == 0 {
			a *= 1 + r.Int64N(500)
		}
		stakes[i] = Stake{Holder: randomHolder(r, fmt.Sprintf("h%05d-%x", i, r.Uint32())), Amount: lendkit.New(a, lendkit.EUR)}
		total += a
	}
	// Principal split into m rows at random cut points (some rows may repay
	// no principal, as interest-only rows do).
	cuts := make([]int64, m-1)
	for i := range cuts {
		cuts[i] = r.Int64N(total + 1)
	}
	slices.Sort(cuts)
	rows := make([]Instalment, m)
	prev := int64(0)
	bal := total
	for i := range rows {
		end := total
		if i < m-1 {
			end = cuts[i]
		}
		p := end - prev
		prev = end
		interest := bal * int64(r.IntN(200)) / 10_000 // up to 2 % a period
		rows[i] = Instalment{N: i + 1, Due: funded.AddMonths(i + 1),
			Principal: lendkit.New(p, lendkit.EUR), Interest: lendkit.New(interest, lendkit.EUR)}
		if r.IntN(4) == 0 {
			rows[i].Fee = lendkit.New(r.Int64N(500), lendkit.EUR)
			rows[i].Insurance = lendkit.New(r.Int64N(500), lendkit.EUR)
		}
		bal -= p
	}
	terms := Terms{Loan: "L", Borrower: "B", Currency: lendkit.EUR, Funded: funded, Schedule: rows, Stakes: stakes}
	terms.Waterfall.Strategy = Strategy(rapid.IntRange(0, 1).Draw(t, "strategy"))
	terms.Waterfall.Overpayment = Overpayment(rapid.IntRange(0, 1).Draw(t, "overpayment"))
	if rapid.Bool().Draw(t, "custom order") {
		o := slices.Clone(DefaultOrder)
		r.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		terms.Waterfall.Order = o
	}
	switch rapid.IntRange(0, 3).Draw(t, "fee") {
	case 1:
		terms.Fee = PlatformFee{Kind: ShareOfInterest, Rate: decimal.New(int64(r.IntN(300)), -3)}
	case 2:
		terms.Fee = PlatformFee{Kind: ShareOfOutstanding, Rate: decimal.New(int64(r.IntN(20)), -4), Rounding: lendkit.Rounding(r.IntN(6))}
	case 3:
		terms.Fee = PlatformFee{Kind: FixedPerInstalment, Amount: lendkit.New(r.Int64N(1000), lendkit.EUR)}
	}
	if rapid.Bool().Draw(t, "penalty") {
		terms.PenaltyRate = lendkit.RateFromDecimal(decimal.New(int64(r.IntN(2000)), -4))
	}
	k := rapid.IntRange(0, 2*m).Draw(t, "events")
	date := funded
	sc := scenario{terms: terms}
	for i := range k {
		date = date.AddDays(r.IntN(45))
		e := event{date: date}
		switch x := r.IntN(100); {
		case x < 70:
			e.kind = "pay"
			// From nothing to about two instalments.
			e.amount = r.Int64N(2*(total/int64(m)+total/50) + 2)
		case x < 85:
			e.kind = "transfer"
			e.from = r.IntN(1 << 30)
			if r.IntN(3) == 0 {
				e.to = stakes[r.IntN(n)].Holder // maybe an existing holder
			} else {
				e.to = randomHolder(r, fmt.Sprintf("buyer%03d", i))
			}
			e.share = int64(r.IntN(1001))
			e.priced = r.IntN(2) == 0
		case x < 90:
			e.kind = "default"
		case x < 94:
			e.kind = "writeoff"
		default:
			e.kind = "repay"
			e.amount = r.Int64N(1000)
		}
		sc.events = append(sc.events, e)
	}
	return sc
}

// outcome is everything a run of a scenario produced.
type outcome struct {
	dispersals []Dispersal
	transfers  []TransferRecord
	positions  []Position
}

// run applies the scenario's events (skipping those the book refuses, which
// is itself checked to leave the book unchanged), then settles everything.
func run(t *rapid.T, sc scenario) (*Book, outcome) {
	b, err := Open(sc.terms)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var out outcome
	last := sc.terms.Funded
	for i, e := range sc.events {
		last = e.date
		key := fmt.Sprintf("e%d", i)
		switch e.kind {
		case "pay":
			d, err := b.Pay(Payment{Key: key, Date: e.date, Amount: lendkit.New(e.amount, lendkit.EUR)})
			if err == nil {
				out.dispersals = append(out.dispersals, d)
			} else if b.Status() != Repaid {
				t.Fatalf("pay: %v", err)
			}
		case "transfer":
			seller := b.hs[e.from%len(b.hs)]
			if seller.out == 0 || seller.ID == e.to.ID {
				continue
			}
			amt := seller.out * e.share / 1000
			tr := Transfer{Key: key, CutOff: e.date, From: seller.ID, To: e.to, Amount: lendkit.New(amt, lendkit.EUR)}
			if e.priced {
				tr.Price = lendkit.New(amt+1, lendkit.EUR)
			}
			rec, err := b.Transfer(tr)
			if err == nil {
				out.transfers = append(out.transfers, rec)
			}
		case "default":
			_, _ = b.Default(e.date)
		case "writeoff":
			_, _ = b.WriteOff(e.date)
		case "repay":
			if b.Status() != Active {
				continue
			}
			owed, err := b.PayoffAmount(e.date, lendkit.New(e.amount, lendkit.EUR), lendkit.Zero(lendkit.EUR))
			if err != nil {
				t.Fatalf("payoff: %v", err)
			}
			d, err := b.Repay(Payoff{Key: key, Date: e.date, Amount: owed, AccruedInterest: lendkit.New(e.amount, lendkit.EUR)})
			if err != nil {
				t.Fatalf("repay: %v", err)
			}
			out.dispersals = append(out.dispersals, d)
		}
	}
	// Settle: after the last due date everything is due; pay far more than
	// could be owed and keep the rest as credit.
	if b.Status() != Repaid {
		end := sc.terms.Schedule[len(sc.terms.Schedule)-1].Due
		if end.Before(last) {
			end = last
		}
		var owed int64
		for _, o := range b.Schedule() {
			owed += o.Penalty.Minor() + o.Fee.Minor() + o.Insurance.Minor() + o.Interest.Minor() + o.Principal.Minor()
		}
		d, err := b.Pay(Payment{Key: "settle", Date: end.AddDays(1), Amount: lendkit.New(2*owed+1_000_000, lendkit.EUR)})
		if err != nil {
			t.Fatalf("settle: %v", err)
		}
		out.dispersals = append(out.dispersals, d)
	}
	out.positions = b.Positions(last.AddYears(10))
	return b, out
}

// checkDispersal verifies a dispersal's sums independently of Check.
func checkDispersal(t *rapid.T, d Dispersal) {
	total := d.Applied.Penalty.Minor() + d.Applied.Fee.Minor() + d.Applied.Insurance.Minor() + d.Applied.Interest.Minor() + d.Applied.Principal.Minor()
	if d.Cash.Minor()+d.CreditBefore.Minor() != total+d.CreditAfter.Minor() {
		t.Fatalf("%s: cash %s + credit %s ≠ applied %d + credit %s", d.Key, d.Cash, d.CreditBefore, total, d.CreditAfter)
	}
	sum := d.PlatformFee.Minor() + d.Applied.Fee.Minor() + d.Applied.Insurance.Minor()
	for _, m := range []lendkit.Money{d.PlatformFee, d.Applied.Fee, d.Applied.Insurance, d.Applied.Interest, d.Applied.Principal, d.Applied.Penalty, d.CreditAfter} {
		if m.IsNegative() {
			t.Fatalf("%s: negative %s", d.Key, m)
		}
	}
	var prin int64
	for _, s := range d.Shares {
		var tax int64
		for _, l := range s.Taxes {
			tax += l.Amount.Minor()
			if l.Amount.IsNegative() {
				t.Fatalf("%s: %s negative tax", d.Key, s.Holder)
			}
		}
		for _, m := range []lendkit.Money{s.Principal, s.Interest, s.Penalty, s.Net} {
			if m.IsNegative() {
				t.Fatalf("%s: %s receives a negative amount %s", d.Key, s.Holder, m)
			}
		}
		if s.Principal.Minor()+s.Interest.Minor()+s.Penalty.Minor() != s.Net.Minor()+tax {
			t.Fatalf("%s: %s gross ≠ net + tax", d.Key, s.Holder)
		}
		sum += s.Net.Minor() + tax
		prin += s.Principal.Minor()
	}
	if sum != total {
		t.Fatalf("%s: dispersed %d ≠ applied %d", d.Key, sum, total)
	}
	if prin != d.Applied.Principal.Minor() {
		t.Fatalf("%s: principal shares %d ≠ applied %d", d.Key, prin, d.Applied.Principal.Minor())
	}
	if e, ok := d.Entry(); ok {
		if err := e.Check(); err != nil {
			t.Fatalf("%s: %v", d.Key, err)
		}
	} else if total != 0 {
		t.Fatalf("%s: no entry for %d applied", d.Key, total)
	}
}

func TestPropertyDispersal(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		sc := genScenario(t)
		b, out := run(t, sc)
		for _, d := range out.dispersals {
			checkDispersal(t, d)
		}
		if b.Status() != Repaid {
			t.Fatalf("not repaid after settling: %s", b.Status())
		}
		// Over the loan's life each holder's principal is exactly what it
		// held: lent or bought, less what it sold.
		for _, p := range out.positions {
			if p.ReceivedPrincipal.Minor() != p.Acquired.Minor()-p.Sold.Minor() || !p.Outstanding.IsZero() {
				t.Fatalf("%s: received %s, acquired %s, sold %s, outstanding %s", p.Holder, p.ReceivedPrincipal, p.Acquired, p.Sold, p.Outstanding)
			}
		}
		// The same loan with the holders listed in another order disperses
		// exactly the same amounts to the same holders.
		shuffled := sc
		shuffled.terms.Stakes = slices.Clone(sc.terms.Stakes)
		r := rand.New(rand.NewPCG(uint64(len(sc.events)), 1))
		r.Shuffle(len(shuffled.terms.Stakes), func(i, j int) {
			shuffled.terms.Stakes[i], shuffled.terms.Stakes[j] = shuffled.terms.Stakes[j], shuffled.terms.Stakes[i]
		})
		_, out2 := run(t, shuffled)
		if diff := cmp.Diff(out.dispersals, out2.dispersals, cmpOpts); diff != "" {
			t.Fatalf("order of holders changed the dispersals:\n%s", diff)
		}
		if diff := cmp.Diff(out.positions, out2.positions, cmpOpts); diff != "" {
			t.Fatalf("order of holders changed the positions:\n%s", diff)
		}
	})
}

// TestPropertyProjection: paying every instalment on time disperses exactly
// what was projected at funding.
func TestPropertyProjection(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		sc := genScenario(t)
		b, err := Open(sc.terms)
		if err != nil {
			t.Fatal(err)
		}
		proj, err := b.Project()
		if err != nil {
			t.Fatal(err)
		}
		// An instalment that owes nothing (no principal, no interest) has no
		// payment to project.
		var due []Instalment
		for _, row := range sc.terms.Schedule {
			if row.Principal.Minor()+row.Interest.Minor()+row.Fee.Minor()+row.Insurance.Minor() > 0 {
				due = append(due, row)
			}
		}
		if len(proj.Payments) != len(due) {
			t.Fatalf("%d projected payments for %d instalments that owe something", len(proj.Payments), len(due))
		}
		for i, pp := range proj.Payments {
			row := due[i]
			cash := row.Principal.Minor() + row.Interest.Minor() + row.Fee.Minor() + row.Insurance.Minor()
			d, err := b.Pay(Payment{Key: pp.Key, Date: row.Due, Amount: lendkit.New(cash, lendkit.EUR)})
			if err != nil {
				t.Fatal(err)
			}
			checkDispersal(t, d)
			if d.Kind != OnTime || pp.N != row.N {
				t.Fatalf("instalment %d: kind %s, projected as %d", row.N, d.Kind, pp.N)
			}
			if diff := cmp.Diff(pp.Dispersal, d, cmpOpts); diff != "" {
				t.Fatalf("instalment %d: projection ≠ dispersal (-projected +paid):\n%s", row.N, diff)
			}
		}
		if b.Status() != Repaid {
			t.Fatalf("status %s after paying every instalment", b.Status())
		}
		for _, p := range b.Positions(sc.terms.Schedule[len(sc.terms.Schedule)-1].Due) {
			if p.ReceivedPrincipal != p.Acquired {
				t.Fatalf("%s: received %s of %s", p.Holder, p.ReceivedPrincipal, p.Acquired)
			}
		}
	})
}
