package scoring

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
)

func day(s string) lendkit.Date { return lendkit.MustParseDate(s) }

func TestAccountHistory(t *testing.T) {
	t.Parallel()
	cats := Categories{Income: []string{"salary"}, Gambling: []string{"betting"}, Payday: []string{"payday-loan"}}
	// Window 2026-01-01 … 2026-03-31 (90 days), opening balance 100.00.
	txs := []Transaction{
		{Date: day("2026-02-27"), Amount: eur("2000.00"), Category: "salary"},
		{Date: day("2026-01-28"), Amount: eur("2000.00"), Category: "salary"},
		{Date: day("2026-01-05"), Amount: eur("-300.00"), Category: "groceries"}, // balance −200 from Jan 5
		{Date: day("2026-01-10"), Amount: eur("-50.00"), Category: "betting"},    // −250
		{Date: day("2026-01-12"), Amount: eur("-80.00"), Category: "insurance", Rejected: true},
		{Date: day("2026-02-02"), Amount: eur("-150.00"), Category: "payday-loan"},
		{Date: day("2026-03-15"), Amount: eur("-500.00"), Category: "rent"},
		{Date: day("2026-03-20"), Amount: eur("25.00"), Category: "refund"},
	}
	got, err := AccountHistory(eur("100.00"), day("2026-01-01"), day("2026-03-31"), txs, cats)
	if err != nil {
		t.Fatal(err)
	}
	// End-of-day balances: Jan 1–4: 100 (4 days); Jan 5–9: −200 (5); Jan 10–27:
	// −250 (18); Jan 28–Feb 1: 1750 (5); Feb 2–26: 1600 (25); Feb 27–Mar 14:
	// 3600 (16); Mar 15–19: 3100 (5); Mar 20–31: 3125 (12).
	// Sum = 400 − 1000 − 4500 + 8750 + 40000 + 57600 + 15500 + 37500 = 154250
	// over 90 days = 1713.888… → 1713.89.
	want := AccountFeatures{
		Days: 90, AverageBalance: eur("1713.89"), MinBalance: eur("-250.00"), DaysOverdrawn: 23,
		RejectedDebits: 1, Income: eur("4000.00"), FullMonths: 3, IncomeMonths: 2,
		IncomeRegularity: dec("0.666667"),
		IncomeVariation:  0.7071067811865476, // monthly 2000, 2000, 0: sd 942.8 / mean 1333.3 = √2/2
		Spending:         eur("1000.00"),
		GamblingShare:    dec("0.05"), PaydayShare: dec("0.15"),
	}
	if diff := cmp.Diff(want, got, decimalCmp, moneyCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	wantF := Features{
		FeatureAverageBalance: Num(1713.89), FeatureMinBalance: Num(-250), FeatureDaysOverdrawn: Num(23),
		FeatureRejectedDebits: Num(1), FeatureIncomeRegularity: Num(0.666667), FeatureIncomeVariation: Num(0.7071067811865476),
		FeatureGamblingShare: Num(0.05), FeaturePaydayShare: Num(0.15),
	}
	if diff := cmp.Diff(wantF, got.ScoringFeatures(), cmp.AllowUnexported(Value{})); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
	short, err := AccountHistory(eur("0.00"), day("2026-01-10"), day("2026-02-20"), nil, cats)
	if err != nil {
		t.Fatal(err)
	}
	if f := short.ScoringFeatures(); !f[FeatureIncomeRegularity].IsMissing() || short.FullMonths != 0 {
		t.Errorf("no full month: %+v", short)
	}
}

func TestAccountHistoryBadInput(t *testing.T) {
	t.Parallel()
	from, to := day("2026-01-01"), day("2026-01-31")
	tests := []struct {
		name     string
		opening  lendkit.Money
		from, to lendkit.Date
		txs      []Transaction
		want     error
	}{
		{"no currency", lendkit.Money{}, from, to, nil, ErrInvalidInput},
		{"empty window", eur("0.00"), to, from, nil, ErrInvalidInput},
		{"window too long", eur("0.00"), day("2000-01-01"), day("2026-01-01"), nil, ErrInvalidInput},
		{"transaction outside", eur("0.00"), from, to, []Transaction{{Date: day("2026-02-01"), Amount: eur("1.00")}}, ErrInvalidInput},
		{"zero amount", eur("0.00"), from, to, []Transaction{{Date: from, Amount: eur("0.00")}}, ErrInvalidInput},
		{"other currency", eur("0.00"), from, to, []Transaction{{Date: from, Amount: lendkit.MustParseMoney("1", "JPY")}}, lendkit.ErrCurrencyMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := AccountHistory(tc.opening, tc.from, tc.to, tc.txs, Categories{}); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
