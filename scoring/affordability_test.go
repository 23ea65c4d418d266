package scoring

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func eur(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// decimalCmp compares decimals by value (0.35 equals 0.350).
var decimalCmp = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// moneyCmp compares Money by currency and minor units.
var moneyCmp = cmp.Comparer(func(a, b lendkit.Money) bool { return a == b })

// TestAnnuityReferenceVectors checks Instalment and MaxPrincipal against
// testdata/annuity-vectors.csv: vectors computed independently with exact
// rational arithmetic (Python fractions.Fraction) by
// testdata/annuity-vectors.py.
func TestAnnuityReferenceVectors(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/annuity-vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 40 {
		t.Fatalf("%d vectors, want at least 40", len(rows))
	}
	for _, row := range rows {
		kind, amount, rate, termS, ins, want := row[0], eur(row[1]), lendkit.RateFromDecimal(dec(row[2])), row[3], dec(row[4]), eur(row[5])
		term, err := strconv.Atoi(termS)
		if err != nil {
			t.Fatal(err)
		}
		var got lendkit.Money
		switch kind {
		case "instalment":
			got, err = Instalment(amount, rate, term)
		case "maxprincipal":
			got, err = MaxPrincipal(amount, rate, term, ins)
		default:
			t.Fatalf("unknown kind %q", kind)
		}
		if err != nil {
			t.Fatalf("%v: %v", row, err)
		}
		if diff := cmp.Diff(want, got, moneyCmp); diff != "" {
			t.Errorf("%v (-want +got):\n%s", row, diff)
		}
	}
}

func TestMaxPrincipalNoPayment(t *testing.T) {
	t.Parallel()
	for _, pay := range []string{"0.00", "-5.00"} {
		got, err := MaxPrincipal(eur(pay), lendkit.MustParseRate("5%"), 12, decimal.Zero)
		if err != nil || got != eur("0.00") {
			t.Errorf("MaxPrincipal(%s) = %s, %v; want 0.00 EUR", pay, got, err)
		}
	}
}

func TestAnnuityBadInput(t *testing.T) {
	t.Parallel()
	if _, err := Instalment(eur("-1.00"), lendkit.MustParseRate("5%"), 12); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative principal: %v", err)
	}
	if _, err := Instalment(eur("1.00"), lendkit.MustParseRate("5%"), 0); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("zero term: %v", err)
	}
	if _, err := MaxPrincipal(eur("1.00"), lendkit.MustParseRate("-1%"), 12, decimal.Zero); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative rate: %v", err)
	}
	if _, err := MaxPrincipal(eur("1.00"), lendkit.MustParseRate("1%"), 12, dec("-0.01")); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative insurance: %v", err)
	}
	if _, err := MonthlyInsurance(eur("-1.00"), dec("0.01")); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative principal for insurance: %v", err)
	}
}

// The maximum principal is affordable and maximal: its payment (instalment +
// insurance, each as charged) fits, and one more cent's exact payment does not.
func TestMaxPrincipalIsMaximal(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		pay := lendkit.New(rapid.Int64Range(1, 1_000_000_00).Draw(t, "payment"), lendkit.EUR)
		rate := lendkit.RateFromDecimal(decimal.New(rapid.Int64Range(0, 2000).Draw(t, "bp"), -4))
		term := rapid.IntRange(1, 360).Draw(t, "term")
		ins := decimal.New(rapid.Int64Range(0, 100).Draw(t, "insBp"), -4)
		p, err := MaxPrincipal(pay, rate, term, ins)
		if err != nil {
			t.Fatal(err)
		}
		exactPay := func(m lendkit.Money) decimal.Decimal {
			o := &apdOps{ctx: annuityContext()}
			f := o.annuityFactor(o.monthlyRate(rate), term)
			fd, err := decFrom(f)
			if err != nil || o.err != nil {
				t.Fatal(err, o.err)
			}
			q, _ := m.Decimal().QuoRem(fd, 30)
			insM, _ := m.Decimal().Mul(ins).QuoRem(decimal.NewFromInt(12), 30)
			return q.Add(insM)
		}
		if got := exactPay(p); got.GreaterThan(pay.Decimal().Add(dec("1e-20"))) {
			t.Fatalf("payment of %s is %s > %s", p, got, pay)
		}
		next := lendkit.New(p.Minor()+1, lendkit.EUR)
		if got := exactPay(next); got.LessThan(pay.Decimal().Sub(dec("1e-20"))) {
			t.Fatalf("%s is affordable too: payment %s ≤ %s", next, got, pay)
		}
		inst, err := Instalment(p, rate, term)
		if err != nil {
			t.Fatal(err)
		}
		if inst.Minor() > pay.Minor() {
			t.Fatalf("rounded instalment %s above %s", inst, pay)
		}
	})
}

func TestAssess(t *testing.T) {
	t.Parallel()
	rules := DefaultAffordabilityRules()
	tests := []struct {
		name   string
		budget Budget
		loan   NewLoanPayment
		want   Affordability
	}{{
		name: "single permanent salary within limits",
		budget: Budget{Incomes: []Income{{IncomePermanent, eur("3000.00")}}, DebtService: eur("200.00"),
			LivingCosts: eur("700.00"), Household: Household{Adults: 1}},
		loan: NewLoanPayment{Instalment: eur("600.00"), Insurance: eur("20.00")},
		want: Affordability{GrossIncome: eur("3000.00"), StableIncome: eur("3000.00"),
			DebtServiceBefore: eur("200.00"), DebtServiceAfter: eur("820.00"),
			DSTIBefore: dec("0.066667"), DSTIAfter: dec("0.273333"), HasStableIncome: true,
			ResidualBefore: eur("2100.00"), ResidualAfter: eur("1480.00"), Floor: eur("800.00"),
			// min(0.35×3000 − 200, 2100 − 800) = min(850, 1300)
			MaxPayment: eur("850.00"), DSTIOK: true, ResidualOK: true},
	}, {
		name: "couple with two children, haircuts, DSTI exceeded",
		budget: Budget{Incomes: []Income{{IncomePermanent, eur("2000.00")}, {IncomeFixedTerm, eur("1500.00")}, {IncomeVariable, eur("333.33")}},
			DebtService: eur("300.00"), LivingCosts: eur("900.00"), Household: Household{Adults: 2, Children: 2}},
		loan: NewLoanPayment{Instalment: eur("900.00")},
		// stable = 2000 + 1200 + 166.66 (333.33 × 0.5 rounded down) = 3366.66
		want: Affordability{GrossIncome: eur("3833.33"), StableIncome: eur("3366.66"),
			DebtServiceBefore: eur("300.00"), DebtServiceAfter: eur("1200.00"),
			DSTIBefore: dec("0.089109"), DSTIAfter: dec("0.356436"), HasStableIncome: true,
			ResidualBefore: eur("2166.66"), ResidualAfter: eur("1266.66"), Floor: eur("1800.00"),
			// DSTI room 1178.331 − 300 = 878.331; residual room 2166.66 − 1800 = 366.66
			MaxPayment: eur("366.66"), DSTIOK: false, ResidualOK: false},
	}, {
		name:   "only benefits fully haircut: no stable income",
		budget: Budget{Incomes: []Income{{IncomeBenefits, eur("0.01")}}, Household: Household{Adults: 1}},
		want: Affordability{GrossIncome: eur("0.01"), StableIncome: eur("0.00"), DebtServiceBefore: eur("0.00"), DebtServiceAfter: eur("0.00"),
			DSTIBefore: decimal.Zero, DSTIAfter: decimal.Zero, ResidualBefore: eur("0.00"), ResidualAfter: eur("0.00"),
			Floor: eur("800.00"), MaxPayment: eur("0.00")},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Assess(tc.budget, tc.loan)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, decimalCmp, moneyCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssessBadInput(t *testing.T) {
	t.Parallel()
	rules := DefaultAffordabilityRules()
	one := Household{Adults: 1}
	salary := []Income{{IncomePermanent, eur("2000.00")}}
	tests := []struct {
		name   string
		budget Budget
		loan   NewLoanPayment
		rules  func(*AffordabilityRules)
		want   error
	}{
		{"missing income", Budget{Household: one}, NewLoanPayment{}, nil, ErrMissingIncome},
		{"income without currency", Budget{Incomes: []Income{{Kind: IncomePermanent}}, Household: one}, NewLoanPayment{}, nil, ErrMissingIncome},
		{"negative income", Budget{Incomes: []Income{{IncomePermanent, eur("-1.00")}}, Household: one}, NewLoanPayment{}, nil, ErrInvalidInput},
		{"negative debt", Budget{Incomes: salary, DebtService: eur("-1.00"), Household: one}, NewLoanPayment{}, nil, ErrInvalidInput},
		{"negative instalment", Budget{Incomes: salary, Household: one}, NewLoanPayment{Instalment: eur("-1.00")}, nil, ErrInvalidInput},
		{"unknown income kind", Budget{Incomes: []Income{{"lottery", eur("10.00")}}, Household: one}, NewLoanPayment{}, nil, ErrUnknownIncomeKind},
		{"no adult", Budget{Incomes: salary}, NewLoanPayment{}, nil, ErrInvalidInput},
		{"negative children", Budget{Incomes: salary, Household: Household{Adults: 1, Children: -1}}, NewLoanPayment{}, nil, ErrInvalidInput},
		{"mixed currencies", Budget{Incomes: []Income{{IncomePermanent, eur("1.00")}, {IncomePension, lendkit.MustParseMoney("1.00", "USD")}}, Household: one}, NewLoanPayment{}, nil, lendkit.ErrCurrencyMismatch},
		{"DSTI above 100 %", Budget{Incomes: salary, Household: one}, NewLoanPayment{}, func(r *AffordabilityRules) { r.MaxDSTI = dec("1.5") }, ErrInvalidInput},
		{"haircut above 1", Budget{Incomes: salary, Household: one}, NewLoanPayment{}, func(r *AffordabilityRules) {
			r.Haircuts = map[IncomeKind]decimal.Decimal{IncomePermanent: dec("1.1")}
		}, ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := rules
			r.Haircuts = DefaultAffordabilityRules().Haircuts
			if tc.rules != nil {
				tc.rules(&r)
			}
			_, err := r.Assess(tc.budget, tc.loan)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var ie *InputError
			if errors.Is(tc.want, ErrInvalidInput) && !errors.As(err, &ie) {
				t.Errorf("%v is not an *InputError", err)
			}
		})
	}
}

// Paying exactly MaxPayment keeps both rules true; one cent more breaks one.
func TestMaxPaymentIsTheLimit(t *testing.T) {
	t.Parallel()
	rules := DefaultAffordabilityRules()
	rapid.Check(t, func(t *rapid.T) {
		b := Budget{
			Incomes:     []Income{{IncomePermanent, lendkit.New(rapid.Int64Range(0, 20_000_00).Draw(t, "salary"), lendkit.EUR)}, {IncomeRental, lendkit.New(rapid.Int64Range(0, 5_000_00).Draw(t, "rent"), lendkit.EUR)}},
			DebtService: lendkit.New(rapid.Int64Range(0, 5_000_00).Draw(t, "debt"), lendkit.EUR),
			LivingCosts: lendkit.New(rapid.Int64Range(0, 5_000_00).Draw(t, "living"), lendkit.EUR),
			Household:   Household{Adults: rapid.IntRange(1, 4).Draw(t, "adults"), Children: rapid.IntRange(0, 5).Draw(t, "children")},
		}
		a, err := rules.Assess(b, NewLoanPayment{})
		if err != nil {
			t.Fatal(err)
		}
		if !a.MaxPayment.IsPositive() {
			return
		}
		at, err := rules.Assess(b, NewLoanPayment{Instalment: a.MaxPayment})
		if err != nil {
			t.Fatal(err)
		}
		if !at.DSTIOK || !at.ResidualOK {
			t.Fatalf("paying MaxPayment %s breaks a rule: %+v", a.MaxPayment, at)
		}
		over, err := rules.Assess(b, NewLoanPayment{Instalment: lendkit.New(a.MaxPayment.Minor()+1, lendkit.EUR)})
		if err != nil {
			t.Fatal(err)
		}
		if over.DSTIOK && over.ResidualOK {
			t.Fatalf("one cent above MaxPayment %s still passes", a.MaxPayment)
		}
	})
}

func TestBusinessCapacity(t *testing.T) {
	t.Parallel()
	rules := DefaultBusinessRules()
	rate := lendkit.MustParseRate("6%")
	tests := []struct {
		name string
		f    BusinessFinancials
		want BusinessCapacity
	}{{
		name: "debt service binds",
		f:    BusinessFinancials{Revenue: eur("1200000.00"), EBITDAMargin: dec("0.10"), DebtService: eur("60000.00"), Debt: eur("100000.00"), Cash: eur("50000.00")},
		// EBITDA 120000; /1.25 = 96000; − 60000 = 36000 a year, 3000 a month.
		want: BusinessCapacity{EBITDA: eur("120000.00"), MaxInstalment: eur("3000.00"),
			ByDebtService: mustMaxPrincipal(t, eur("3000.00"), rate, 24), ByLeverage: eur("310000.00"), ByRevenue: eur("300000.00"),
			MaxAmount: mustMaxPrincipal(t, eur("3000.00"), rate, 24), Binding: LimitDebtService},
	}, {
		name: "leverage binds, cash counts",
		f:    BusinessFinancials{Revenue: eur("2000000.00"), EBITDAMargin: dec("0.15"), DebtService: eur("0.00"), Debt: eur("900000.00"), Cash: eur("100000.00")},
		// EBITDA 300000; 3 × 300000 − 900000 + 100000 = 100000.
		want: BusinessCapacity{EBITDA: eur("300000.00"), MaxInstalment: eur("20000.00"),
			ByDebtService: mustMaxPrincipal(t, eur("20000.00"), rate, 24), ByLeverage: eur("100000.00"), ByRevenue: eur("500000.00"),
			MaxAmount: eur("100000.00"), Binding: LimitLeverage},
	}, {
		name: "loss-making company has no capacity",
		f:    BusinessFinancials{Revenue: eur("500000.00"), EBITDAMargin: dec("-0.02"), DebtService: eur("0.00"), Debt: eur("0.00"), Cash: eur("900000.00")},
		want: BusinessCapacity{EBITDA: eur("-10000.00"), MaxInstalment: eur("0.00"), ByDebtService: eur("0.00"), ByLeverage: eur("0.00"),
			ByRevenue: eur("125000.00"), MaxAmount: eur("0.00"), Binding: LimitDebtService},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Capacity(tc.f, rate, 24)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, moneyCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := rules.Capacity(BusinessFinancials{}, rate, 24); !errors.Is(err, ErrMissingIncome) {
		t.Errorf("no revenue: %v", err)
	}
	for name, r := range map[string]BusinessRules{
		"zero DSCR":              {MinDSCR: decimal.Zero, MaxNetLeverage: dec("3"), MaxRevenueShare: dec("0.25")},
		"negative leverage":      {MinDSCR: dec("1.25"), MaxNetLeverage: dec("-1"), MaxRevenueShare: dec("0.25")},
		"negative revenue share": {MinDSCR: dec("1.25"), MaxNetLeverage: dec("3"), MaxRevenueShare: dec("-0.1")},
	} {
		ok := BusinessFinancials{Revenue: eur("1.00"), DebtService: eur("0.00"), Debt: eur("0.00"), Cash: eur("0.00")}
		if _, err := r.Capacity(ok, rate, 24); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
	mixed := BusinessFinancials{Revenue: eur("1.00"), DebtService: eur("0.00"), Debt: lendkit.MustParseMoney("0", "JPY"), Cash: eur("0.00")}
	if _, err := rules.Capacity(mixed, rate, 24); !errors.Is(err, lendkit.ErrCurrencyMismatch) {
		t.Errorf("mixed currencies: %v", err)
	}
	if _, err := rules.Capacity(BusinessFinancials{Revenue: eur("1.00"), DebtService: eur("0.00"), Debt: eur("0.00"), Cash: eur("0.00")}, rate, 0); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("zero term: %v", err)
	}
	neg := BusinessFinancials{Revenue: eur("1.00"), DebtService: eur("0.00"), Debt: eur("0.00"), Cash: eur("-1.00")}
	if _, err := rules.Capacity(neg, rate, 24); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative cash: %v", err)
	}
}

func mustMaxPrincipal(t *testing.T, pay lendkit.Money, rate lendkit.Rate, term int) lendkit.Money {
	t.Helper()
	m, err := MaxPrincipal(pay, rate, term, decimal.Zero)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// decFrom converts (for the tests’ exact checks) an apd decimal to shopspring without loss.
func decFrom(a *apd.Decimal) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(a.Text('f'))
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %s: %v", ErrArithmetic, a.Text('f'), err)
	}
	return d, nil
}
