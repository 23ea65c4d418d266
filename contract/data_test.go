package contract

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"pgregory.net/rapid"
)

func TestMissingFieldNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   Kind
		mutate func(d *Data)
		want   []string
	}{
		{ConsumerLoan, func(d *Data) { d.Borrower.Person.BirthDate = lendkit.Date{} }, []string{"Borrower.Person.BirthDate"}},
		{ConsumerLoan, func(d *Data) { d.Loan.APR = nil }, []string{"Loan.APR"}},
		{ConsumerLoan, func(d *Data) { d.Withdrawal = nil }, []string{"Withdrawal"}},
		{ConsumerLoan, func(d *Data) { d.Borrower = Party{} }, []string{"Borrower.Person"}},
		{ConsumerLoan, func(d *Data) { d.Lender.Company.Licence = ""; d.Reference = " " }, []string{"Reference", "Lender.Company.Licence"}},
		{BusinessLoan, func(d *Data) { d.Borrower.Company.Representative = "" }, []string{"Borrower.Company.Representative"}},
		{BusinessLoan, func(d *Data) { d.Loan.Rate = nil; d.Schedule.Rows = nil }, []string{"Loan.Rate", "Schedule.Rows"}},
		{LenderAgreement, func(d *Data) { d.Lender.Person.BirthPlace = "" }, []string{"Lender.Person.BirthPlace"}},
		{LenderAgreement, func(d *Data) { d.Platform = nil; d.Project = "" }, []string{"Platform", "Project"}},
		{LenderAgreement, func(d *Data) { d.LatePayment.Rate = nil }, []string{"LatePayment.Rate"}},
		{EmployerLoan, func(d *Data) { d.Employer.CompanyCode = "" }, []string{"Employer.CompanyCode"}},
		{EmployerLoan, func(d *Data) { d.Loan.Amount = lendkit.Money{}; d.IssueDate = lendkit.Date{} }, []string{"IssueDate", "Loan.Amount"}},
	}
	for _, tt := range tests {
		d := sample(tt.kind, "fr", false)
		tt.mutate(d)
		_, err := d.Validate()
		var mf *MissingFieldError
		if !errors.As(err, &mf) || !errors.Is(err, ErrMissingField) {
			t.Errorf("%s: err = %v, want *MissingFieldError", tt.kind, err)
			continue
		}
		if diff := cmp.Diff(tt.want, mf.Fields); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tt.kind, diff)
		}
		// Rendering refuses too, naming the field.
		ts, _ := DefaultTemplates()
		if _, err := NewRenderer(ts).Render(d); !errors.As(err, &mf) || mf.Fields[0] != tt.want[0] {
			t.Errorf("%s: Render err = %v, want the missing %s", tt.kind, err, tt.want[0])
		}
	}
}

func TestInconsistentDataRefused(t *testing.T) {
	t.Parallel()
	usd := lendkit.New(100, lendkit.USD)
	tests := map[string]func(d *Data){
		"principal does not repay amount": func(d *Data) { d.Loan.Amount = lendkit.New(999_999, lendkit.EUR) },
		"payment is not the sum":          func(d *Data) { d.Schedule.Rows[3].Payment = lendkit.New(1, lendkit.EUR) },
		"rows misnumbered":                func(d *Data) { d.Schedule.Rows[2].N = 7 },
		"due dates not increasing":        func(d *Data) { d.Schedule.Rows[5].Due = d.Schedule.Rows[4].Due },
		"foreign currency row":            func(d *Data) { d.Schedule.Rows[0].Fee = usd },
		"negative interest":               func(d *Data) { d.Schedule.Rows[0].Interest = lendkit.New(-1, lendkit.EUR) },
		"balance wrong":                   func(d *Data) { d.Schedule.Rows[0].Balance = lendkit.New(1, lendkit.EUR) },
		"tax above interest":              func(d *Data) { d.Schedule.Rows[11].Tax = lendkit.New(100_000, lendkit.EUR) },
		"version zero":                    func(d *Data) { d.Version = 0 },
		"unknown locale":                  func(d *Data) { d.Locale = "de" },
		"fees in another currency":        func(d *Data) { d.Loan.Fees = usd },
	}
	for name, mutate := range tests {
		d := Sample(LenderAgreement, "it")
		mutate(d)
		_, err := d.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted it", name)
			continue
		}
		if !errors.Is(err, ErrInvalidData) && !errors.Is(err, ErrUnsupportedLocale) {
			t.Errorf("%s: err = %v, want ErrInvalidData", name, err)
		}
	}
	d := Sample("mortgage", "en")
	if _, err := d.Validate(); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: err = %v", err)
	}
}

// TestTotalsAddUp: for any schedule Validate accepts, the printed totals are
// consistent: cost = interest + fees + insurance, payable = amount + cost,
// net = payments - tax, principal = amount.
func TestTotalsAddUp(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		amount := lendkit.New(rapid.Int64Range(1, 1e11).Draw(t, "amount"), lendkit.EUR)
		n := rapid.IntRange(1, 360).Draw(t, "n")
		rate := lendkit.RateFromDecimal(lendkit.MustParseRate("0.1%").Decimal().Mul(rapidDecimal(t)))
		charges := rapid.Bool().Draw(t, "charges")
		tax := rapid.Bool().Draw(t, "tax")
		d := Sample(ConsumerLoan, "en")
		d.Loan.Amount = amount
		d.Loan.Rate = &rate
		d.Schedule = sampleSchedule(amount, rate, lendkit.MustParseDate("2027-02-28"), n, charges, tax)
		tot, err := d.Validate()
		if err != nil {
			t.Fatal(err)
		}
		sum := func(ms ...lendkit.Money) lendkit.Money {
			s, err := lendkit.Sum(lendkit.EUR, ms...)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if tot.Principal != amount {
			t.Fatalf("principal %s, amount %s", tot.Principal, amount)
		}
		if got := sum(tot.Interest, tot.Fees, tot.Insurance); got != tot.Cost {
			t.Fatalf("cost %s, parts %s", tot.Cost, got)
		}
		if got := sum(amount, tot.Cost); got != tot.Payable {
			t.Fatalf("payable %s, want %s", tot.Payable, got)
		}
		if got := sum(tot.Payments, d.Loan.Fees); got != tot.Payable {
			t.Fatalf("payments + upfront fees %s, payable %s", got, tot.Payable)
		}
		neg, _ := tot.Tax.Neg()
		if got := sum(tot.Payments, neg); got != tot.Net {
			t.Fatalf("net %s, want %s", tot.Net, got)
		}
	})
}

func rapidDecimal(t *rapid.T) decimalValue {
	return decimalFromInt(rapid.Int64Range(0, 200).Draw(t, "rate tenths of a percent"))
}
