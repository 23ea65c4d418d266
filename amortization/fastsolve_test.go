package amortization

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/internal/decmath"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// slowAnnualRate is a straightforward reference for AnnualRate: the NPV
// Σ a·(1+X)^−t with every t = num/den years taken to apd's Pow (exp and ln)
// at 60 digits, one flow at a time (no polynomial in v, no runs, no binary
// arithmetic), solved for X by decmath.Solve over [−0.99, 1000].
func slowAnnualRate(t *rapid.T, amounts, nums, dens []int64) decimal.Decimal {
	ctx := decmath.NewContext(60)
	f := func(x, fx, dfx *apd.Decimal) error {
		var base, years, neg, df, term apd.Decimal
		fx.SetInt64(0)
		dfx.SetInt64(0)
		if _, err := ctx.Add(&base, x, apd.New(1, 0)); err != nil {
			return err
		}
		for i := range amounts {
			if _, err := ctx.Quo(&years, apd.New(nums[i], 0), apd.New(dens[i], 0)); err != nil {
				return err
			}
			neg.Neg(&years)
			if _, err := ctx.Pow(&df, &base, &neg); err != nil {
				return err
			}
			if _, err := ctx.Mul(&term, &df, apd.New(amounts[i], 0)); err != nil {
				return err
			}
			if _, err := ctx.Add(fx, fx, &term); err != nil {
				return err
			}
			// d/dX a·(1+X)^−t = −t·a·(1+X)^−t/(1+X)
			if _, err := ctx.Mul(&term, &term, &years); err != nil {
				return err
			}
			if _, err := ctx.Quo(&term, &term, &base); err != nil {
				return err
			}
			if _, err := ctx.Sub(dfx, dfx, &term); err != nil {
				return err
			}
		}
		return nil
	}
	x, err := decmath.Solve(ctx, f, apd.New(-99, -2), apd.New(1000, 0), apd.New(5, -2), apd.New(1, -45), 300)
	if err != nil {
		t.Fatalf("reference solve: %v", err)
	}
	if _, err := decmath.NewContext(decmath.Precision).Round(x, x); err != nil {
		t.Fatal(err)
	}
	d, err := decmath.ToDecimal(x)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFastYieldMatchesReference: the APR (both bases, monthly and weekly
// units) and the XIRR of random schedules agree with slowAnnualRate to the
// displayed precision (two decimals of a percent) and, beyond it, to
// 10^−30. The solver's fast path is what runs (solveAnnual falls back to
// apd only when it cannot vouch for a result); it is also checked directly.
func TestFastYieldMatchesReference(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		freq := rapid.SampledFrom([]Frequency{Monthly, Weekly, Quarterly}).Draw(t, "frequency")
		terms := Terms{
			Principal: lendkit.New(rapid.Int64Range(10_000, 100_000_000).Draw(t, "principal"), lendkit.EUR),
			Rate:      lendkit.MustParseRate(rapid.SampledFrom([]string{"0%", "0.5%", "3.85%", "5%", "7.25%", "19.9%", "35%"}).Draw(t, "rate")),
			Periods:   rapid.IntRange(1, 18).Draw(t, "periods"),
			Frequency: freq,
			Method:    rapid.SampledFrom([]Method{Annuity, Linear, Bullet, Flat}).Draw(t, "method"),
			Start:     date("2027-01-01").AddDays(rapid.IntRange(0, 3000).Draw(t, "start")),
		}
		terms.UpfrontFee = lendkit.New(terms.Principal.Minor()*int64(rapid.IntRange(0, 50).Draw(t, "fee‰"))/1000, lendkit.EUR)
		s, err := Generate(terms)
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		flows, err := s.CashFlows()
		if err != nil {
			t.Fatal(err)
		}
		first, err := checkFlows(flows)
		if err != nil {
			t.Skip(err) // a 0 % loan without fee has no negative NPV anywhere
		}
		unit := 12
		if freq == Weekly {
			unit = 52
		}
		for _, basis := range []TimeBasis{EqualPeriods, ActualDays} {
			amounts := make([]int64, len(flows))
			nums := make([]int64, len(flows))
			dens := make([]int64, len(flows))
			for i, f := range flows {
				amounts[i] = f.Amount.Minor()
				if basis == ActualDays {
					nums[i], dens[i] = int64(lendkit.DaysBetween(first, f.Date)), 365
				} else {
					nums[i], dens[i] = equalPeriodYears(first, f.Date, unit)
				}
			}
			want := slowAnnualRate(t, amounts, nums, dens)
			got, err := annualRate(flows, basis, unit, terms.Rate.Decimal())
			if err != nil {
				t.Fatalf("basis %d: %v (reference %s)", basis, err, want)
			}
			if g, w := FormatPercent(got, 2), FormatPercent(want, 2); g != w {
				t.Fatalf("basis %d: APR shown %s, reference %s", basis, g, w)
			}
			if diff := got.Sub(want).Abs(); diff.GreaterThan(decimal.New(1, -30).Mul(want.Abs().Add(decimal.New(1, 0)))) {
				t.Fatalf("basis %d: APR %s, reference %s", basis, got, want)
			}
			pl, L, eMax := yieldPoly(amounts, nums, dens)
			if fast, ok := solveAnnualFast(pl, L, eMax, terms.Rate.Decimal()); ok && !fast.Equal(got) {
				t.Fatalf("basis %d: fast path %s, solveAnnual %s", basis, fast, got)
			}
			if basis == ActualDays {
				x, err := XIRR(flows)
				if err != nil {
					t.Fatal(err)
				}
				if diff := x.Sub(want).Abs(); diff.GreaterThan(decimal.New(1, -30).Mul(want.Abs().Add(decimal.New(1, 0)))) {
					t.Fatalf("XIRR %s, reference %s", x, want)
				}
			}
		}
	})
}

// TestXIRRMatchesReferenceOnPortfolios: XIRR on lender-portfolio-like
// flows given in random order — a few contributions, then receipts of
// varied amounts on irregular dates, some on the same day — agrees with
// slowAnnualRate to 10^−30. One sign change in time order makes the root
// unique, so both must find the same one.
func TestXIRRMatchesReferenceOnPortfolios(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		start := date("2026-01-01").AddDays(rapid.IntRange(0, 2000).Draw(t, "start"))
		var flows []CashFlow
		out := int64(0)
		last := 0
		for i, n := 0, rapid.IntRange(1, 4).Draw(t, "contributions"); i < n; i++ {
			a := rapid.Int64Range(100, 5_000_000).Draw(t, "contribution")
			day := rapid.IntRange(0, 90).Draw(t, "contribution day")
			last = max(last, day)
			out += a
			flows = append(flows, CashFlow{Date: start.AddDays(day), Amount: lendkit.New(-a, lendkit.EUR)})
		}
		// Receipts total 0.8 to 2 times the contributions, from 180 days
		// after the last contribution: the yield stays within −40 % … 300 %.
		total := out * int64(rapid.IntRange(80, 200).Draw(t, "return %")) / 100
		day := last + 180
		for n := rapid.IntRange(1, 24).Draw(t, "receipts"); n > 0 && total > 0; n-- {
			a := total
			if n > 1 {
				a = min(total, rapid.Int64Range(1, max(1, 2*total/int64(n))).Draw(t, "receipt"))
			}
			total -= a
			flows = append(flows, CashFlow{Date: start.AddDays(day), Amount: lendkit.New(a, lendkit.EUR)})
			day += rapid.IntRange(0, 40).Draw(t, "gap")
		}
		perm := rapid.Permutation(flows).Draw(t, "order")
		first, err := checkFlows(perm)
		if err != nil {
			t.Skip(err)
		}
		amounts := make([]int64, len(perm))
		nums := make([]int64, len(perm))
		dens := make([]int64, len(perm))
		for i, f := range perm {
			amounts[i], nums[i], dens[i] = f.Amount.Minor(), int64(lendkit.DaysBetween(first, f.Date)), 365
		}
		want := slowAnnualRate(t, amounts, nums, dens)
		got, err := XIRR(perm)
		if err != nil {
			t.Fatalf("XIRR: %v (reference %s)", err, want)
		}
		if diff := got.Sub(want).Abs(); diff.GreaterThan(decimal.New(1, -30).Mul(want.Abs().Add(decimal.New(1, 0)))) {
			t.Fatalf("XIRR %s, reference %s", got, want)
		}
	})
}
