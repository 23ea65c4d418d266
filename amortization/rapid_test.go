package amortization

import (
	"errors"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/internal/decmath"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

var currencies = []lendkit.Currency{lendkit.EUR, lendkit.JPY, lendkit.KWD}

// genTerms draws valid terms of every method and option. regular limits
// them to schedules without odd first period and not day-based, where the
// APR has a closed-form lower bound.
func genTerms(regular bool) *rapid.Generator[Terms] {
	return rapid.Custom(func(t *rapid.T) Terms {
		c := rapid.SampledFrom(currencies).Draw(t, "currency")
		freq := Frequency(rapid.IntRange(0, int(Annual)).Draw(t, "frequency"))
		// Terms of up to 40 years: a rounded payment's error compounds at
		// the periodic rate, and over centuries at 30 % it would swamp any
		// balance (the schedule then reports an overflow, not a wrong row).
		n := rapid.IntRange(1, min(240, 40*freq.PerYear())).Draw(t, "periods")
		terms := Terms{
			Principal: lendkit.New(rapid.Int64Range(1, 1_000_000_000).Draw(t, "principal"), c),
			// Up to 30 % with up to 4 decimals of a percent.
			Rate:      lendkit.RateFromDecimal(decimal.New(rapid.Int64Range(0, 300_000).Draw(t, "rate"), -6)),
			Periods:   n,
			Frequency: freq,
			Method:    Method(rapid.IntRange(0, int(Flat)).Draw(t, "method")),
			Start:     lendkit.MustDate(2000, 1, 1).AddDays(rapid.IntRange(0, 40*365).Draw(t, "start")),
			Rules: Rules{
				Interest:  lendkit.Rounding(rapid.IntRange(0, 5).Draw(t, "interestRounding")),
				Payment:   lendkit.Rounding(rapid.IntRange(0, 5).Draw(t, "paymentRounding")),
				Principal: lendkit.Rounding(rapid.IntRange(0, 5).Draw(t, "principalRounding")),
			},
		}
		if n > 1 {
			terms.Grace = rapid.IntRange(0, min(n-1, 6)).Draw(t, "grace")
			terms.GraceKind = GraceKind(rapid.IntRange(0, 1).Draw(t, "graceKind"))
		}
		if terms.Method == InterestOnly {
			if terms.Grace+1 >= n {
				terms.Method = Bullet
			} else {
				terms.InterestOnlyPeriods = rapid.IntRange(0, n-terms.Grace-1).Draw(t, "io")
				terms.Balloon = lendkit.New(rapid.Int64Range(0, terms.Principal.Minor()).Draw(t, "balloon"), c)
				if terms.InterestOnlyPeriods == 0 && terms.Balloon.IsZero() {
					terms.InterestOnlyPeriods = 1
					if terms.Grace+1 >= n {
						terms.Method, terms.InterestOnlyPeriods = Bullet, 0
					}
				}
			}
		}
		if !regular {
			terms.DayCount = DayCount(rapid.IntRange(0, int(ActActISDA)).Draw(t, "dayCount"))
			if rapid.Bool().Draw(t, "oddFirst") {
				span := lendkit.DaysBetween(terms.Start, terms.Frequency.Due(terms.Start, 2))
				terms.FirstDue = terms.Start.AddDays(rapid.IntRange(1, span).Draw(t, "firstDueDays"))
			}
		}
		if terms.DayCount == Periodic && rapid.Bool().Draw(t, "equivalent") {
			terms.Conversion = Equivalent
		}
		if rapid.Bool().Draw(t, "fees") {
			terms.InstallmentFee = lendkit.New(rapid.Int64Range(0, 1000).Draw(t, "fee"), c)
			terms.Insurance = Insurance{
				Rate:  decimal.New(rapid.Int64Range(0, 100).Draw(t, "insurance"), -4),
				Basis: InsuranceBasis(rapid.IntRange(0, 1).Draw(t, "insuranceBasis")),
			}
		}
		return terms
	})
}

// checkSchedule asserts the money invariants of any schedule.
func checkSchedule(t *rapid.T, s *Schedule, principal lendkit.Money) {
	if len(s.Rows) == 0 {
		t.Fatalf("no rows")
	}
	sum := lendkit.Zero(principal.Currency())
	for _, p := range s.Prepayments {
		sum, _ = sum.Add(p.Amount)
	}
	for _, c := range s.Capitalisations {
		principal, _ = principal.Add(c.Amount)
	}
	for i, r := range s.Rows {
		if r.N != i+1 {
			t.Fatalf("row %d numbered %d", i+1, r.N)
		}
		if i > 0 && !r.Due.After(s.Rows[i-1].Due) {
			t.Fatalf("row %d due %s not after %s", r.N, r.Due, s.Rows[i-1].Due)
		}
		parts, err := lendkit.Sum(principal.Currency(), r.Principal, r.Interest, r.Fee, r.Insurance)
		if err != nil || parts != r.Payment {
			t.Fatalf("row %d: payment %s ≠ principal %s + interest %s + fee %s + insurance %s", r.N, r.Payment, r.Principal, r.Interest, r.Fee, r.Insurance)
		}
		if r.Balance.IsNegative() {
			t.Fatalf("row %d: negative balance %s", r.N, r.Balance)
		}
		if r.Interest.IsNegative() || r.Fee.IsNegative() || r.Insurance.IsNegative() {
			t.Fatalf("row %d: negative part %+v", r.N, r)
		}
		sum, err = sum.Add(r.Principal)
		if err != nil {
			t.Fatal(err)
		}
	}
	if last := s.Rows[len(s.Rows)-1]; !last.Balance.IsZero() {
		t.Fatalf("last balance %s, want zero", last.Balance)
	}
	if sum != principal {
		t.Fatalf("principal parts and prepayments sum to %s, want %s", sum, principal)
	}
}

// TestScheduleInvariants: for every method and random valid terms, the
// principal parts sum to the principal exactly, the balance never goes
// negative and ends at zero, every row's payment is the sum of its parts,
// and an annuity's level payment is equal on every row but the last.
func TestScheduleInvariants(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		terms := genTerms(false).Draw(t, "terms")
		s, err := Generate(terms)
		if err != nil {
			t.Fatalf("Generate(%+v): %v", terms, err)
		}
		checkSchedule(t, s, terms.Principal)
		if len(s.Rows) > terms.Periods {
			t.Fatalf("%d rows for %d periods", len(s.Rows), terms.Periods)
		}
		if terms.Method == Annuity || terms.Method == InterestOnly {
			ioEnd := terms.Grace + terms.InterestOnlyPeriods
			var level *lendkit.Money
			for _, r := range s.Rows[:len(s.Rows)-1] {
				if r.N <= ioEnd || (r.N == 1 && !terms.FirstDue.IsZero() && terms.DayCount == Periodic) {
					continue
				}
				pi, _ := r.Principal.Add(r.Interest)
				if level == nil {
					level = &pi
				} else if pi != *level {
					t.Fatalf("row %d pays %s, earlier rows %s", r.N, pi, *level)
				}
			}
		}
	})
}

// TestAPRAboveNominal: with fees, the APR is at least the nominal rate's
// equivalent (1 + r/n)^n − 1 (the annual rate itself for an equivalent
// periodic rate). Principals start at 100,000 major units and fees at 1 %
// so that rounding each row to the minor unit (at most half a unit a row,
// against a balance of at least 10^5 units) cannot outweigh the fee.
func TestAPRAboveNominal(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		terms := genTerms(true).Draw(t, "terms")
		c := terms.Principal.Currency()
		unit := int64(1)
		for range c.Exponent() {
			unit *= 10
		}
		terms.Principal = lendkit.New(rapid.Int64Range(100_000*unit, 10_000_000*unit).Draw(t, "bigPrincipal"), c)
		if terms.Balloon.Minor() > terms.Principal.Minor() {
			terms.Balloon = terms.Principal
		}
		terms.Periods = min(terms.Periods, 120)
		terms.Grace = min(terms.Grace, terms.Periods-1)
		if terms.Method == InterestOnly && terms.Grace+terms.InterestOnlyPeriods >= terms.Periods {
			terms.Method, terms.InterestOnlyPeriods, terms.Balloon = Bullet, 0, lendkit.Money{}
		}
		// Fees that make the APR exceed 10^6 % are out of its range.
		terms.InstallmentFee = lendkit.New(min(terms.InstallmentFee.Minor(), terms.Principal.Minor()/1000), c)
		fee := terms.Principal.Minor() / 100
		terms.UpfrontFee = lendkit.New(rapid.Int64Range(fee, 4*fee).Draw(t, "upfront"), c)
		s, err := Generate(terms)
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		basis := TimeBasis(rapid.IntRange(0, 1).Draw(t, "basis"))
		apr, err := s.APR(basis)
		if err != nil {
			t.Fatalf("APR: %v", err)
		}
		ppy := int64(terms.Frequency.PerYear())
		nominal := terms.Rate.Decimal()
		if terms.Conversion == Proportional {
			nominal = nominal.Div(decimal.NewFromInt(ppy)).Add(decimal.NewFromInt(1)).Pow(decimal.NewFromInt(ppy)).Sub(decimal.NewFromInt(1))
		}
		if basis == ActualDays {
			// Calendar periods are not equal: a month of 28 days counts
			// 28/365 of a year. Allow what that can move the rate by.
			nominal = nominal.Mul(decimal.RequireFromString("0.97"))
		}
		if apr.LessThan(nominal) {
			t.Fatalf("APR %s below the nominal equivalent %s (fee %s)", apr, nominal, terms.UpfrontFee)
		}
	})
}

// TestPrepaymentConserves: a prepayment keeps the rows before it, and the
// principal repaid by rows and prepayments is still the principal lent;
// keeping the term lowers the payment, keeping the payment shortens the loan.
func TestPrepaymentConserves(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		terms := genTerms(false).Draw(t, "terms")
		s, err := Generate(terms)
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		last := s.Rows[len(s.Rows)-1].Due
		span := lendkit.DaysBetween(terms.Start, last)
		if span < 2 {
			t.Skip("schedule too short to prepay")
		}
		on := terms.Start.AddDays(rapid.IntRange(0, span-1).Draw(t, "onDay"))
		p, err := s.locate(on)
		if err != nil {
			t.Fatalf("locate: %v", err)
		}
		if p.bal.Minor() < 2 {
			t.Skip("nothing left to prepay")
		}
		amount := lendkit.New(rapid.Int64Range(1, p.bal.Minor()-1).Draw(t, "amount"), p.bal.Currency())
		mode := PrepayMode(rapid.IntRange(0, 1).Draw(t, "mode"))
		ns, err := Prepay(s, on, amount, mode)
		if mode == KeepPayment && (terms.Method == Bullet || terms.Method == Flat) {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("KeepPayment on %s: got %v, want ErrInvalidArgument", terms.Method, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Prepay(%s, %s, %d): %v", on, amount, mode, err)
		}
		checkSchedule(t, ns, terms.Principal)
		for i := range p.k {
			if ns.Rows[i] != s.Rows[i] {
				t.Fatalf("row %d changed: %+v → %+v", i+1, s.Rows[i], ns.Rows[i])
			}
		}
		if len(ns.Rows) > len(s.Rows) || ns.Terms.Periods != len(ns.Rows) {
			t.Fatalf("prepayment: %d → %d rows, Periods %d", len(s.Rows), len(ns.Rows), ns.Terms.Periods)
		}
		// A second prepayment later on (or the same day) also conserves,
		// and quotes start from the principal lent less what rows and
		// prepayments repaid up to their date, counted independently.
		if last := ns.Rows[len(ns.Rows)-1].Due; lendkit.DaysBetween(on, last) > 1 {
			on2 := on.AddDays(rapid.IntRange(0, lendkit.DaysBetween(on, last)-1).Draw(t, "on2Day"))
			if want := owedOn(ns, on2); want.Minor() > 1 {
				ns2, err := Prepay(ns, on2, lendkit.New(want.Minor()/2, want.Currency()), KeepTerm)
				if err != nil {
					t.Fatalf("second Prepay: %v", err)
				}
				checkSchedule(t, ns2, terms.Principal)
				ns = ns2
			}
		}
		if q, err := Quote(ns, on, nil); err != nil || q.Principal != owedOn(ns, on) {
			t.Fatalf("quote on %s: %+v, %v; want principal %s", on, q, err, owedOn(ns, on))
		}
	})
}

// owedOn is the principal outstanding on date d: lent, less the principal
// of rows due on or before d and the prepayments made on or before d.
func owedOn(s *Schedule, d lendkit.Date) lendkit.Money {
	owed := s.Terms.Principal
	for _, r := range s.Rows {
		if !r.Due.After(d) {
			owed, _ = owed.Sub(r.Principal)
		}
	}
	for _, p := range s.Prepayments {
		if !p.Date.After(d) {
			owed, _ = owed.Sub(p.Amount)
		}
	}
	for _, c := range s.Capitalisations {
		if !c.Date.After(d) {
			owed, _ = owed.Add(c.Amount)
		}
	}
	return owed
}

func mustAdd(a, b lendkit.Money) lendkit.Money {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

// TestRescheduleConserves: rescheduling keeps the past rows, and the rows'
// principal sums to the principal lent plus the capitalised arrears.
func TestRescheduleConserves(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		terms := genTerms(false).Draw(t, "terms")
		s, err := Generate(terms)
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		if len(s.Rows) < 2 {
			t.Skip("one-row schedule")
		}
		// On a due date (or at disbursement), or on any day in between.
		k := rapid.IntRange(0, len(s.Rows)-1).Draw(t, "k")
		from := terms.Start
		if k > 0 {
			from = s.Rows[k-1].Due
		}
		if rapid.Bool().Draw(t, "midPeriod") {
			from = from.AddDays(rapid.IntRange(0, lendkit.DaysBetween(from, s.Rows[k].Due)-1).Draw(t, "days"))
		}
		c := terms.Principal.Currency()
		ch := Changes{
			Arrears:           lendkit.New(rapid.Int64Range(0, 10_000).Draw(t, "arrears"), c),
			CapitaliseArrears: rapid.Bool().Draw(t, "capitalise"),
		}
		if rapid.Bool().Draw(t, "newRate") {
			r := lendkit.RateFromDecimal(decimal.New(rapid.Int64Range(0, 300_000).Draw(t, "rate"), -6))
			ch.Rate = &r
		}
		if rapid.Bool().Draw(t, "newPeriods") {
			ch.Periods = rapid.IntRange(1, 120).Draw(t, "periods")
		}
		res, err := Reschedule(s, from, ch)
		if err != nil {
			t.Fatalf("Reschedule: %v", err)
		}
		checkSchedule(t, res.Schedule, terms.Principal)
		if got := owedOn(res.Schedule, from); !res.Capitalised.IsZero() && got != mustAdd(owedOn(s, from), res.Capitalised) {
			t.Fatalf("owed on %s after capitalising %s: %s, before %s", from, res.Capitalised, got, owedOn(s, from))
		}
		if from.Before(res.Schedule.Rows[len(res.Schedule.Rows)-1].Due) {
			if q, err := Quote(res.Schedule, from, nil); err != nil || q.Principal != owedOn(res.Schedule, from) {
				t.Fatalf("quote on %s: %+v, %v; want principal %s", from, q, err, owedOn(res.Schedule, from))
			}
		}
		for i := range k {
			if res.Schedule.Rows[i] != s.Rows[i] {
				t.Fatalf("row %d changed", i+1)
			}
		}
		owed, _ := res.Capitalised.Add(res.ArrearsDue)
		if owed != ch.Arrears {
			t.Fatalf("arrears %s split into %s capitalised + %s due", ch.Arrears, res.Capitalised, res.ArrearsDue)
		}
	})
}

// TestXIRRSolvesNPV: on random schedules' flows, the XIRR found makes the
// net present value vanish when recomputed independently — with apd's
// exp/ln powers (1+X)^(−days/365) at 50 digits instead of the solver's
// polynomial in v — to 10^−25 of the flows' total.
func TestXIRRSolvesNPV(t *testing.T) {
	t.Parallel()
	ctx := decmath.NewContext(50)
	rapid.Check(t, func(t *rapid.T) {
		terms := genTerms(false).Draw(t, "terms")
		terms.Periods = min(terms.Periods, 60)
		terms.Grace = min(terms.Grace, terms.Periods-1)
		if terms.Method == InterestOnly && terms.Grace+terms.InterestOnlyPeriods >= terms.Periods {
			terms.Method, terms.InterestOnlyPeriods, terms.Balloon = Bullet, 0, lendkit.Money{}
		}
		terms.UpfrontFee = lendkit.New(terms.Principal.Minor()/100, terms.Principal.Currency())
		s, err := Generate(terms)
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		flows, err := s.CashFlows()
		if err != nil {
			t.Fatal(err)
		}
		x, err := XIRR(flows)
		if errors.Is(err, ErrNoSolution) {
			t.Skip("yield out of range (tiny principal against fees)")
		}
		if err != nil {
			t.Fatalf("XIRR: %v", err)
		}
		rate := decmath.FromDecimal(x)
		var npv, total, term, years apd.Decimal
		for _, f := range flows {
			if _, err := ctx.Quo(&years, apd.New(int64(-lendkit.DaysBetween(flows[0].Date, f.Date)), 0), apd.New(365, 0)); err != nil {
				t.Fatal(err)
			}
			df, err := decmath.CompoundFactor(ctx, rate, &years)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ctx.Mul(&term, df, apd.New(f.Amount.Minor(), 0)); err != nil {
				t.Fatal(err)
			}
			if _, err := ctx.Add(&npv, &npv, &term); err != nil {
				t.Fatal(err)
			}
			if _, err := ctx.Add(&total, &total, term.SetInt64(f.Amount.Minor()).Abs(&term)); err != nil {
				t.Fatal(err)
			}
		}
		var bound apd.Decimal
		if _, err := ctx.Mul(&bound, &total, apd.New(1, -25)); err != nil {
			t.Fatal(err)
		}
		if npv.Abs(&npv).Cmp(&bound) > 0 {
			t.Fatalf("NPV at XIRR %s is %s (flows total %s)", x, &npv, &total)
		}
	})
}
