package dispatch

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
)

func TestPayOnTime(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	d := mustPay(t, b, "p1", "2025-02-01", "510.00")
	want := []brief{
		{Holder: "a-fr", Principal: "250.00", Interest: "5.00", Penalty: "0.00", Taxes: map[string]string{"FR-IR": "0.64", "FR-PS": "0.86"}, Net: "253.50"},
		{Holder: "b-it", Principal: "150.00", Interest: "3.00", Penalty: "0.00", Taxes: map[string]string{"IT-RIT": "0.78"}, Net: "152.22"},
		{Holder: "c-corp", Principal: "100.00", Interest: "2.00", Penalty: "0.00", Net: "102.00"},
	}
	if diff := cmp.Diff(want, briefs(d)); diff != "" {
		t.Errorf("shares (-want +got):\n%s", diff)
	}
	if d.Kind != OnTime {
		t.Errorf("kind %s, want on-time", d.Kind)
	}
	e, ok := d.Entry()
	if !ok {
		t.Fatal("no entry")
	}
	wantEntry := Entry{Key: "p1", Date: day("2025-02-01"), Code: CodeDispersal,
		Description: "loan L1: on-time payment of 510.00 EUR dispersed to 3 holders",
		Legs: []Leg{
			{Account: Account{Role: BorrowerWallet, Owner: "B1"}, Side: Debit, Amount: eur("510.00")},
			{Account: Account{Role: HolderWallet, Owner: "a-fr"}, Side: Credit, Amount: eur("253.50")},
			{Account: Account{Role: HolderWallet, Owner: "b-it"}, Side: Credit, Amount: eur("152.22")},
			{Account: Account{Role: HolderWallet, Owner: "c-corp"}, Side: Credit, Amount: eur("102.00")},
			{Account: Account{Role: TaxAuthority, Owner: "FR-IR"}, Side: Credit, Amount: eur("0.64")},
			{Account: Account{Role: TaxAuthority, Owner: "FR-PS"}, Side: Credit, Amount: eur("0.86")},
			{Account: Account{Role: TaxAuthority, Owner: "IT-RIT"}, Side: Credit, Amount: eur("0.78")},
		}}
	if diff := cmp.Diff(wantEntry, e, cmpOpts); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if err := e.Check(); err != nil {
		t.Errorf("entry does not balance: %v", err)
	}
	if got := b.Outstanding(); got != eur("500.00") {
		t.Errorf("outstanding %s", got)
	}
}

// TestFranceSocialLevies2026 checks the date-effective table: interest paid
// on 2025-12-01 bears 17.2 % social levies, on 2026-01-01 18.6 %.
func TestFranceSocialLevies2026(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, func(tm *Terms) {
		tm.Funded = day("2025-11-01")
		tm.Schedule[0].Due = day("2025-12-01")
		tm.Schedule[1].Due = day("2026-01-01")
	})
	d1 := mustPay(t, b, "p1", "2025-12-01", "510.00")
	d2 := mustPay(t, b, "p2", "2026-01-01", "505.00")
	tests := []struct {
		name string
		d    Dispersal
		want brief
	}{
		{"2025", d1, brief{Holder: "a-fr", Principal: "250.00", Interest: "5.00", Penalty: "0.00",
			Taxes: map[string]string{"FR-IR": "0.64", "FR-PS": "0.86"}, Net: "253.50"}},
		// 2.50 × 18.6 % = 0.465, rounded half-up to 0.47.
		{"2026", d2, brief{Holder: "a-fr", Principal: "250.00", Interest: "2.50", Penalty: "0.00",
			Taxes: map[string]string{"FR-IR": "0.32", "FR-PS": "0.47"}, Net: "251.71"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, briefs(tc.d)[0]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if b.Status() != Repaid {
		t.Errorf("status %s, want repaid", b.Status())
	}
}

func TestTaxProfiles(t *testing.T) {
	t.Parallel()
	custom, err := NewTaxProfile("CUSTOM", TaxPeriod{Rates: []TaxRate{{Code: "X", Rate: decimal.RequireFromString("0.5")}, {Code: "Y", Rate: decimal.RequireFromString("0.5")}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		profile TaxProfile
		taxable string
		date    string
		want    map[string]string
	}{
		{"france 2025", FranceIndividual(), "100.00", "2025-12-31", map[string]string{"FR-IR": "12.80", "FR-PS": "17.20"}},
		{"france 2026", FranceIndividual(), "100.00", "2026-01-01", map[string]string{"FR-IR": "12.80", "FR-PS": "18.60"}},
		{"france half-up", FranceIndividual(), "1.25", "2025-06-30", map[string]string{"FR-IR": "0.16", "FR-PS": "0.22"}},
		{"france exempt 2025", FranceExempt(), "100.00", "2025-01-01", map[string]string{"FR-PS": "17.20"}},
		{"france exempt 2026", FranceExempt(), "100.00", "2027-03-01", map[string]string{"FR-PS": "18.60"}},
		{"italy", ItalyIndividual(), "0.50", "2025-01-01", map[string]string{"IT-RIT": "0.13"}},
		{"none", NoWithholding(), "100.00", "2025-01-01", map[string]string{}},
		// 0.01 × 50 % rounds up to 0.01 twice: the cap keeps tax ≤ interest.
		{"capped", custom, "0.01", "2025-01-01", map[string]string{"X": "0.01", "Y": "0.00"}},
	}
	for _, tc := range tests {
		lines, total, err := tc.profile.withhold(nil, eur(tc.taxable).Minor(), day(tc.date), lendkit.EUR)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := map[string]string{}
		var sum int64
		for _, l := range lines {
			got[l.Code] = l.Amount.Amount()
			sum += l.Amount.Minor()
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if sum != total {
			t.Errorf("%s: total %d, lines sum %d", tc.name, total, sum)
		}
	}
}

func TestNewTaxProfileErrors(t *testing.T) {
	t.Parallel()
	r := func(code, rate string) TaxRate { return TaxRate{Code: code, Rate: decimal.RequireFromString(rate)} }
	tests := []struct {
		name    string
		periods []TaxPeriod
	}{
		{"no period", nil},
		{"first not zero", []TaxPeriod{{From: day("2025-01-01"), Rates: []TaxRate{r("A", "0.1")}}}},
		{"unordered", []TaxPeriod{{Rates: []TaxRate{r("A", "0.1")}}, {From: day("2025-01-01")}, {From: day("2024-01-01")}}},
		{"empty code", []TaxPeriod{{Rates: []TaxRate{r("", "0.1")}}}},
		{"repeated code", []TaxPeriod{{Rates: []TaxRate{r("A", "0.1"), r("A", "0.2")}}}},
		{"negative", []TaxPeriod{{Rates: []TaxRate{r("A", "-0.1")}}}},
		{"above one", []TaxPeriod{{Rates: []TaxRate{r("A", "0.6"), r("B", "0.5")}}}},
	}
	for _, tc := range tests {
		if _, err := NewTaxProfile("T", tc.periods...); !errors.Is(err, ErrInvalidTax) {
			t.Errorf("%s: err %v, want ErrInvalidTax", tc.name, err)
		}
	}
}

func TestPartialAndLate(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, func(tm *Terms) { tm.PenaltyRate = lendkit.MustParseRate("10%") })
	// 10 days late: penalty 510.00 × 10 % × 10/365 = 1.397… → 1.40, paid first.
	d := mustPay(t, b, "p1", "2025-02-11", "510.00")
	want := []brief{
		{Holder: "a-fr", Principal: "249.30", Interest: "5.00", Penalty: "0.70", Taxes: map[string]string{"FR-IR": "0.73", "FR-PS": "0.98"}, Net: "253.29"},
		{Holder: "b-it", Principal: "149.58", Interest: "3.00", Penalty: "0.42", Taxes: map[string]string{"IT-RIT": "0.89"}, Net: "152.11"},
		{Holder: "c-corp", Principal: "99.72", Interest: "2.00", Penalty: "0.28", Net: "102.00"},
	}
	if diff := cmp.Diff(want, briefs(d)); diff != "" {
		t.Errorf("shares (-want +got):\n%s", diff)
	}
	if d.Kind != Partial || d.Applied.Penalty != eur("1.40") || d.Applied.Principal != eur("498.60") {
		t.Errorf("kind %s, applied %+v", d.Kind, d.Applied)
	}
	d = mustPay(t, b, "p2", "2025-02-11", "1.40")
	if d.Kind != Late || d.Applied.Principal != eur("1.40") {
		t.Errorf("kind %s, applied %+v", d.Kind, d.Applied)
	}
	if got := b.DaysPastDue(day("2025-02-11")); got != 0 {
		t.Errorf("days past due %d", got)
	}
}

func TestWaterfallStrategies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		wf       Waterfall
		interest string
		prin     string
	}{
		{"oldest first", Waterfall{}, "10.00", "10.00"},
		{"component first", Waterfall{Strategy: ComponentFirst}, "15.00", "5.00"},
		{"principal first", Waterfall{Order: []Component{Principal, Interest, Penalty, Fee, Insurance}}, "0.00", "20.00"},
	}
	for _, tc := range tests {
		b := threeHolders(t, func(tm *Terms) { tm.Waterfall = tc.wf })
		d := mustPay(t, b, "p", "2025-03-01", "20.00")
		if d.Applied.Interest.Amount() != tc.interest || d.Applied.Principal.Amount() != tc.prin || d.Kind != Partial {
			t.Errorf("%s: applied %+v kind %s", tc.name, d.Applied, d.Kind)
		}
	}
}

func TestOverpayment(t *testing.T) {
	t.Parallel()
	t.Run("credit", func(t *testing.T) {
		t.Parallel()
		b := threeHolders(t, nil)
		d := mustPay(t, b, "p1", "2025-02-01", "600.00")
		if d.Total() != eur("510.00") || d.CreditAfter != eur("90.00") || d.Kind != OnTime {
			t.Errorf("total %s credit %s kind %s", d.Total(), d.CreditAfter, d.Kind)
		}
		if e, _ := d.Entry(); e.Legs[0].Amount != eur("510.00") {
			t.Errorf("borrower debited %s, want only what was applied", e.Legs[0].Amount)
		}
		d = mustPay(t, b, "p2", "2025-03-01", "0.00")
		if d.Total() != eur("90.00") || d.CreditBefore != eur("90.00") || d.CreditAfter != eur("0.00") || d.Kind != Partial {
			t.Errorf("second: total %s credit %s→%s kind %s", d.Total(), d.CreditBefore, d.CreditAfter, d.Kind)
		}
	})
	t.Run("prepay", func(t *testing.T) {
		t.Parallel()
		b := threeHolders(t, func(tm *Terms) { tm.Waterfall.Overpayment = Prepay })
		d := mustPay(t, b, "p1", "2025-02-01", "600.00")
		if d.Applied.Principal != eur("590.00") || d.Prepaid != eur("90.00") || d.Kind != Prepayment {
			t.Errorf("applied %+v prepaid %s kind %s", d.Applied, d.Prepaid, d.Kind)
		}
		if diff := cmp.Diff([]string{"295.00", "177.00", "118.00"}, []string{d.Shares[0].Principal.Amount(), d.Shares[1].Principal.Amount(), d.Shares[2].Principal.Amount()}); diff != "" {
			t.Errorf("principal split (-want +got):\n%s", diff)
		}
		d = mustPay(t, b, "p2", "2025-03-01", "415.00")
		if d.Kind != OnTime || b.Status() != Repaid {
			t.Errorf("kind %s status %s", d.Kind, b.Status())
		}
	})
	t.Run("advance", func(t *testing.T) {
		t.Parallel()
		b := threeHolders(t, nil)
		d := mustPay(t, b, "p0", "2025-01-15", "100.00")
		if _, ok := d.Entry(); ok || d.Kind != Advance || d.CreditAfter != eur("100.00") {
			t.Errorf("kind %s credit %s", d.Kind, d.CreditAfter)
		}
	})
}

func TestEarlyRepayment(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	mustPay(t, b, "p1", "2025-02-01", "510.00")
	owed, err := b.PayoffAmount(day("2025-02-15"), eur("2.50"), eur("1.00"))
	if err != nil || owed != eur("503.50") {
		t.Fatalf("payoff %s, %v", owed, err)
	}
	_, err = b.Repay(Payoff{Key: "r", Date: day("2025-02-15"), Amount: eur("503.49"), AccruedInterest: eur("2.50"), Indemnity: eur("1.00")})
	if !errors.Is(err, ErrInsufficientPayoff) {
		t.Fatalf("short payoff: %v", err)
	}
	d, err := b.Repay(Payoff{Key: "r", Date: day("2025-02-15"), Amount: eur("503.50"), AccruedInterest: eur("2.50"), Indemnity: eur("1.00")})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{Holder: "a-fr", Principal: "250.00", Interest: "1.75", Penalty: "0.00", Taxes: map[string]string{"FR-IR": "0.22", "FR-PS": "0.30"}, Net: "251.23"},
		{Holder: "b-it", Principal: "150.00", Interest: "1.05", Penalty: "0.00", Taxes: map[string]string{"IT-RIT": "0.27"}, Net: "150.78"},
		{Holder: "c-corp", Principal: "100.00", Interest: "0.70", Penalty: "0.00", Net: "100.70"},
	}
	if diff := cmp.Diff(want, briefs(d)); diff != "" {
		t.Errorf("shares (-want +got):\n%s", diff)
	}
	if d.Kind != EarlyRepayment || b.Status() != Repaid {
		t.Errorf("kind %s status %s", d.Kind, b.Status())
	}
	if _, err := b.Pay(Payment{Key: "late", Date: day("2025-03-01"), Amount: eur("1.00")}); !errors.Is(err, ErrLoanClosed) {
		t.Errorf("pay after repayment: %v", err)
	}
}

func TestDefaultRecoveryWriteOff(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	rec, err := b.Default(day("2025-02-15"))
	if err != nil {
		t.Fatal(err)
	}
	wantRec := DefaultRecord{Loan: "L1", Date: day("2025-02-15"), Accelerated: eur("500.00"), Owed: eur("1010.00"), DaysPastDue: 14}
	if diff := cmp.Diff(wantRec, rec, cmpOpts); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	d := mustPay(t, b, "r1", "2025-03-01", "100.00")
	if d.Kind != Recovery || d.Applied.Interest != eur("10.00") || d.Applied.Principal != eur("90.00") {
		t.Errorf("recovery kind %s applied %+v", d.Kind, d.Applied)
	}
	wo, err := b.WriteOff(day("2025-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	wantWO := WriteOffRecord{Loan: "L1", Date: day("2025-04-01"), Total: eur("910.00"), Losses: []Loss{
		{Holder: "a-fr", Amount: eur("455.00")}, {Holder: "b-it", Amount: eur("273.00")}, {Holder: "c-corp", Amount: eur("182.00")}}}
	if diff := cmp.Diff(wantWO, wo, cmpOpts); diff != "" {
		t.Errorf("write-off (-want +got):\n%s", diff)
	}
	d = mustPay(t, b, "r2", "2025-05-01", "50.00")
	if d.Kind != Recovery || d.Shares[0].Principal != eur("25.00") {
		t.Errorf("recovery after write-off: kind %s shares %+v", d.Kind, briefs(d))
	}
	p, err := b.Position("a-fr", day("2025-05-01"))
	if err != nil {
		t.Fatal(err)
	}
	if p.WrittenOff != eur("430.00") || !p.Outstanding.IsZero() || p.ReceivedPrincipal != eur("70.00") {
		t.Errorf("position %+v", p)
	}
	if _, err := b.Default(day("2025-06-01")); !errors.Is(err, ErrLoanClosed) {
		t.Errorf("default of written-off loan: %v", err)
	}
}

func TestTransfer(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	mustPay(t, b, "p1", "2025-02-01", "510.00")
	fund := Holder{ID: "z-fund", Kind: Fund}
	rec, err := b.Transfer(Transfer{Key: "t1", CutOff: day("2025-02-10"), From: "a-fr", To: fund, Price: eur("251.00")})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Amount != eur("250.00") || len(rec.Closed) != 1 || len(rec.Opened) != 1 || rec.Opened[0].Holder != "z-fund" {
		t.Errorf("record %+v", rec)
	}
	e, ok := rec.Entry()
	if !ok || e.Check() != nil || e.Legs[0].Account.Owner != "z-fund" || e.Legs[1].Account.Owner != "a-fr" {
		t.Errorf("entry %+v", e)
	}
	// A buyer already in the register must match its registration (c-corp
	// is a company, not an individual).
	if _, err := b.Transfer(Transfer{Key: "t2", CutOff: day("2025-02-10"), From: "b-it", To: Holder{ID: "c-corp", Kind: Individual}, Amount: eur("50.00")}); !errors.Is(err, ErrInvalidHolder) {
		t.Errorf("mismatched buyer: %v", err)
	}
	if _, err := b.Transfer(Transfer{Key: "t3", CutOff: day("2025-02-10"), From: "b-it", To: Holder{ID: "d-fr", Kind: Individual, Tax: FranceExempt()}, Amount: eur("50.00")}); err != nil {
		t.Fatal(err)
	}
	d := mustPay(t, b, "p2", "2025-03-01", "505.00")
	want := []brief{
		{Holder: "b-it", Principal: "100.00", Interest: "1.00", Penalty: "0.00", Taxes: map[string]string{"IT-RIT": "0.26"}, Net: "100.74"},
		{Holder: "c-corp", Principal: "100.00", Interest: "1.00", Penalty: "0.00", Net: "101.00"},
		{Holder: "d-fr", Principal: "50.00", Interest: "0.50", Penalty: "0.00", Taxes: map[string]string{"FR-PS": "0.09"}, Net: "50.41"},
		{Holder: "z-fund", Principal: "250.00", Interest: "2.50", Penalty: "0.00", Net: "252.50"},
	}
	if diff := cmp.Diff(want, briefs(d)); diff != "" {
		t.Errorf("after transfers (-want +got):\n%s", diff)
	}
	hs := b.Holdings()
	var open []string
	for _, h := range hs {
		if h.Open() {
			open = append(open, string(h.Holder)+" "+h.Principal.Amount()+" "+h.Opened.String())
		}
	}
	wantOpen := []string{"c-corp 200.00 2025-01-01", "z-fund 250.00 2025-02-10", "b-it 100.00 2025-02-10", "d-fr 50.00 2025-02-10"}
	if diff := cmp.Diff(wantOpen, open); diff != "" {
		t.Errorf("open holdings (-want +got):\n%s", diff)
	}
	for _, h := range []HolderID{"a-fr", "b-it", "d-fr", "z-fund"} {
		p, _ := b.Position(h, day("2025-03-01"))
		if p.ReceivedPrincipal.Minor() != p.Acquired.Minor()-p.Sold.Minor() {
			t.Errorf("%s: received %s, acquired %s, sold %s", h, p.ReceivedPrincipal, p.Acquired, p.Sold)
		}
	}
}

func TestPlatformFee(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fee  PlatformFee
		pays []string // amounts paid on the first due date
		fees []string
	}{
		{"share of interest", PlatformFee{Kind: ShareOfInterest, Rate: decimal.RequireFromString("0.1")}, []string{"510.00"}, []string{"1.00"}},
		{"share of interest, partial", PlatformFee{Kind: ShareOfInterest, Rate: decimal.RequireFromString("0.1")}, []string{"5.05", "4.95"}, []string{"0.51", "0.49"}},
		{"share of outstanding", PlatformFee{Kind: ShareOfOutstanding, Rate: decimal.RequireFromString("0.001")}, []string{"510.00"}, []string{"1.00"}},
		{"fixed", PlatformFee{Kind: FixedPerInstalment, Amount: eur("2.00")}, []string{"1.50", "508.50"}, []string{"1.50", "0.50"}},
		{"fixed above interest", PlatformFee{Kind: FixedPerInstalment, Amount: eur("20.00")}, []string{"510.00"}, []string{"10.00"}},
	}
	for _, tc := range tests {
		b := threeHolders(t, func(tm *Terms) { tm.Fee = tc.fee })
		for i, amt := range tc.pays {
			d := mustPay(t, b, "p"+amt, "2025-02-01", amt)
			if d.PlatformFee.Amount() != tc.fees[i] {
				t.Errorf("%s: payment %d fee %s, want %s", tc.name, i, d.PlatformFee, tc.fees[i])
			}
			e, ok := d.Entry()
			if ok && e.Check() != nil {
				t.Errorf("%s: %v", tc.name, e.Check())
			}
		}
	}
	// The fee is taken before the split: holders share 9.00 of 10.00.
	b := threeHolders(t, func(tm *Terms) { tm.Fee = tests[0].fee })
	d := mustPay(t, b, "p", "2025-02-01", "510.00")
	if got := []string{d.Shares[0].Interest.Amount(), d.Shares[1].Interest.Amount(), d.Shares[2].Interest.Amount()}; !cmp.Equal(got, []string{"4.50", "2.70", "1.80"}) {
		t.Errorf("interest split %v", got)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(*Terms)
		want error
	}{
		{"no loan id", func(tm *Terms) { tm.Loan = "" }, ErrInvalidTerms},
		{"stakes short", func(tm *Terms) { tm.Stakes[0].Amount = eur("199.99") }, ErrInvalidTerms},
		{"duplicate holder", func(tm *Terms) {
			tm.Stakes[1].Holder.ID = "c-corp"
			tm.Stakes[1].Holder.Tax = TaxProfile{}
			tm.Stakes[1].Holder.Kind = Company
		}, ErrInvalidHolder},
		{"company withheld", func(tm *Terms) { tm.Stakes[0].Holder.Tax = FranceIndividual() }, ErrInvalidHolder},
		{"unknown kind", func(tm *Terms) { tm.Stakes[0].Holder.Kind = 0 }, ErrInvalidHolder},
		{"currency", func(tm *Terms) { tm.Schedule[0].Interest = lendkit.MustParseMoney("10", "USD") }, ErrInvalidTerms},
		{"unordered", func(tm *Terms) { tm.Schedule[1].Due = day("2025-02-01") }, ErrInvalidTerms},
		{"due before funding", func(tm *Terms) { tm.Schedule[0].Due = day("2024-12-31") }, ErrInvalidTerms},
		{"negative interest", func(tm *Terms) { tm.Schedule[0].Interest = eur("-1.00") }, ErrInvalidTerms},
		{"zero stake", func(tm *Terms) {
			tm.Stakes = append(tm.Stakes, Stake{Holder: Holder{ID: "zz", Kind: Fund}, Amount: eur("0.00")})
		}, ErrInvalidTerms},
		{"waterfall", func(tm *Terms) { tm.Waterfall.Order = []Component{Principal, Principal, Interest, Fee, Penalty} }, ErrInvalidWaterfall},
		{"fee", func(tm *Terms) { tm.Fee = PlatformFee{Kind: ShareOfInterest, Rate: decimal.RequireFromString("1.5")} }, ErrInvalidFee},
	}
	for _, tc := range tests {
		terms := Terms{
			Loan: "L1", Borrower: "B1", Currency: lendkit.EUR, Funded: day("2025-01-01"),
			Schedule: []Instalment{
				{N: 1, Due: day("2025-02-01"), Principal: eur("500.00"), Interest: eur("10.00")},
				{N: 2, Due: day("2025-03-01"), Principal: eur("500.00"), Interest: eur("5.00")},
			},
			Stakes: []Stake{
				{Holder: Holder{ID: "c-corp", Kind: Company}, Amount: eur("200.00")},
				{Holder: Holder{ID: "a-fr", Kind: Individual, Tax: FranceIndividual()}, Amount: eur("500.00")},
				{Holder: Holder{ID: "b-it", Kind: Individual, Tax: ItalyIndividual()}, Amount: eur("300.00")},
			},
		}
		tc.mod(&terms)
		if _, err := Open(terms); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestEventErrors(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	mustPay(t, b, "p1", "2025-02-01", "510.00")
	before := b.Schedule()
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"empty key", func() error { _, err := b.Pay(Payment{Date: day("2025-02-02"), Amount: eur("1.00")}); return err }, ErrInvalidEvent},
		{"out of order", func() error {
			_, err := b.Pay(Payment{Key: "k", Date: day("2025-01-31"), Amount: eur("1.00")})
			return err
		}, ErrOutOfOrder},
		{"negative", func() error {
			_, err := b.Pay(Payment{Key: "k", Date: day("2025-02-02"), Amount: eur("-1.00")})
			return err
		}, ErrInvalidEvent},
		{"currency", func() error {
			_, err := b.Pay(Payment{Key: "k", Date: day("2025-02-02"), Amount: lendkit.MustParseMoney("1", "JPY")})
			return err
		}, ErrInvalidEvent},
		{"oversell", func() error {
			_, err := b.Transfer(Transfer{Key: "t", CutOff: day("2025-02-02"), From: "a-fr", To: Holder{ID: "f", Kind: Fund}, Amount: eur("250.01")})
			return err
		}, ErrInvalidTransfer},
		{"unknown seller", func() error {
			_, err := b.Transfer(Transfer{Key: "t", CutOff: day("2025-02-02"), From: "nobody", To: Holder{ID: "f", Kind: Fund}})
			return err
		}, ErrInvalidTransfer},
		{"self", func() error {
			_, err := b.Transfer(Transfer{Key: "t", CutOff: day("2025-02-02"), From: "a-fr", To: Holder{ID: "a-fr", Kind: Individual, Tax: FranceIndividual()}})
			return err
		}, ErrInvalidTransfer},
		{"reschedule mismatch", func() error {
			return b.Reschedule(day("2025-02-02"), []Instalment{{N: 2, Due: day("2025-03-01"), Principal: eur("400.00")}})
		}, ErrInvalidTerms},
		{"no holding", func() error { _, err := b.Position("nobody", day("2025-02-02")); return err }, ErrNoHolding},
	}
	for _, tc := range tests {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if diff := cmp.Diff(before, b.Schedule(), cmpOpts); diff != "" {
		t.Errorf("failed events changed the book (-before +after):\n%s", diff)
	}
	if b.LastEvent() != day("2025-02-01") {
		t.Errorf("last event moved to %s", b.LastEvent())
	}
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	mustPay(t, b, "p1", "2025-02-01", "510.00")
	err := b.Reschedule(day("2025-02-10"), []Instalment{
		{N: 2, Due: day("2025-03-01"), Principal: eur("250.00"), Interest: eur("3.00")},
		{N: 3, Due: day("2025-04-01"), Principal: eur("250.00"), Interest: eur("1.50")},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustPay(t, b, "p2", "2025-03-01", "253.00")
	d := mustPay(t, b, "p3", "2025-04-01", "251.50")
	if d.Kind != OnTime || b.Status() != Repaid {
		t.Errorf("kind %s status %s", d.Kind, b.Status())
	}
}

func TestPortfolio(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	mustPay(t, b, "p1", "2025-02-01", "510.00")
	mustPay(t, b, "p2", "2025-03-01", "505.00")
	late := threeHolders(t, func(tm *Terms) { tm.Loan = "L2" })
	asOf := day("2025-03-18") // L2's first instalment is 45 days past due
	p1, _ := b.Position("a-fr", asOf)
	p2, _ := late.Position("a-fr", asOf)
	wantFlows := []Flow{
		{Date: day("2025-01-01"), Amount: eur("-500.00")},
		{Date: day("2025-02-01"), Amount: eur("253.50")},
		{Date: day("2025-03-01"), Amount: eur("251.75")},
	}
	if diff := cmp.Diff(wantFlows, p1.Flows, cmpOpts); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
	pf, err := Summarise("a-fr", asOf, []Position{p1, p2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	irr, err := amortization.XIRR(append(append([]Flow{}, wantFlows...),
		Flow{Date: day("2025-01-01"), Amount: eur("-500.00")}, Flow{Date: asOf, Amount: eur("500.00")}))
	if err != nil {
		t.Fatal(err)
	}
	want := Portfolio{
		Holder: "a-fr", AsOf: asOf, Currency: lendkit.EUR, Projects: 2, Active: 1,
		Outstanding: eur("500.00"), WrittenOff: eur("0.00"), ReceivedPrincipal: eur("500.00"),
		ReceivedInterest: eur("7.50"), ReceivedPenalty: eur("0.00"), TaxWithheld: eur("2.25"), NetReceived: eur("505.25"),
		AtRisk: []RiskBucket{{From: 1, To: 30, Amount: eur("0.00")}, {From: 31, To: 60, Amount: eur("500.00")},
			{From: 61, To: 90, Amount: eur("0.00")}, {From: 91, Amount: eur("0.00")}},
		IRR: irr, HasIRR: true,
	}
	if diff := cmp.Diff(want, pf, cmpOpts); diff != "" {
		t.Errorf("portfolio (-want +got):\n%s", diff)
	}
	// The repaid loan alone: 5.25 net on about 61.65 euro-years ≈ 8.9 % a year.
	alone, err := Summarise("a-fr", asOf, []Position{p1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !alone.HasIRR || alone.IRR.LessThan(decimal.RequireFromString("0.08")) || alone.IRR.GreaterThan(decimal.RequireFromString("0.10")) {
		t.Errorf("IRR %s (has %v), want about 8.9 %%", alone.IRR, alone.HasIRR)
	}
}

func TestFromSchedule(t *testing.T) {
	t.Parallel()
	s, err := amortization.Generate(amortization.Terms{Principal: eur("10000.00"), Rate: lendkit.MustParseRate("5%"),
		Periods: 12, Start: day("2027-01-15")})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := FromSchedule(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(Terms{Loan: "A", Borrower: "B", Currency: lendkit.EUR, Funded: day("2027-01-15"), Schedule: rows,
		Stakes: []Stake{{Holder: Holder{ID: "x", Kind: Individual, Tax: FranceIndividual()}, Amount: eur("3333.33")},
			{Holder: Holder{ID: "y", Kind: Fund}, Amount: eur("6666.67")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rows {
		mustPay(t, b, r.Due.String(), r.Due.String(), r.Payment.Amount())
	}
	for _, h := range []HolderID{"x", "y"} {
		p, _ := b.Position(h, day("2028-01-15"))
		if p.ReceivedPrincipal != p.Acquired {
			t.Errorf("%s received %s of %s", h, p.ReceivedPrincipal, p.Acquired)
		}
	}
}

func TestTransferReplay(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	tr := Transfer{Key: "sale", CutOff: day("2025-01-20"), From: "a-fr", To: Holder{ID: "z-fund", Kind: Fund}, Amount: eur("100.00"), Price: eur("99.00")}
	first, err := b.Transfer(tr)
	if err != nil {
		t.Fatal(err)
	}
	mustPay(t, b, "p1", "2025-02-01", "510.00")
	// Replayed after a later event: the original record, nothing sold twice.
	again, err := b.Transfer(tr)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again, cmpOpts); diff != "" {
		t.Errorf("replay (-first +again):\n%s", diff)
	}
	p, _ := b.Position("z-fund", day("2025-02-01"))
	if p.Acquired != eur("100.00") {
		t.Errorf("fund acquired %s after a replay", p.Acquired)
	}
	other := tr
	other.Price = eur("98.00")
	if _, err := b.Transfer(other); !errors.Is(err, ErrInvalidTransfer) {
		t.Errorf("key reused with another price: %v", err)
	}
	// The record survives a snapshot.
	data, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(data)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := r.Transfer(tr)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, restored, cmpOpts); diff != "" {
		t.Errorf("replay after restore (-first +restored):\n%s", diff)
	}
}
