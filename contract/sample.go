package contract

import (
	"time"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// Sample returns a complete, valid contract of kind in locale with every
// optional field filled: the data templates are validated against at load
// time, and a starting point for writing one's own template. An unknown kind
// gives data that Validate refuses.
func Sample(kind Kind, locale string) *Data { return sample(kind, locale, true) }

// sample builds the load-time samples: full fills every optional field of
// Data (whatever the kind), !full only the fields kind requires, so that a
// template dereferencing an optional field without {{with}} fails at load.
func sample(kind Kind, locale string, full bool) *Data {
	rate := lendkit.MustParseRate("4.9%")
	apr := lendkit.MustParseRate("5.37%")
	late := lendkit.MustParseRate("7.9%")
	taxRate := lendkit.MustParseRate("30%")
	addr := Address{Street: "12 rue de la Paix", PostalCode: "75002", City: "Paris", Country: "France"}
	person := &Person{FirstName: "Élodie", LastName: "Marchand", BirthDate: lendkit.MustDate(1987, time.March, 1),
		BirthPlace: "Lyon", Address: addr, Email: "elodie.marchand@example.org"}
	lenderCo := &Company{Name: "Prêts Solidaires", LegalForm: "SA", RegistrationID: "RCS Paris 812 345 678",
		Representative: "Jeanne Martin, directrice générale", Licence: "ACPR 17123",
		Address: Address{Street: "8 boulevard Haussmann", PostalCode: "75009", City: "Paris", Country: "France"}}
	borrowerCo := &Company{Name: "Atelier Dubois", LegalForm: "SAS", RegistrationID: "RCS Lyon 901 234 567",
		Representative: "Marc Dubois, président",
		Address:        Address{Street: "3 quai Saint-Vincent", PostalCode: "69001", City: "Lyon", Country: "France"}}
	plat := &Company{Name: "CrowdPrêt", LegalForm: "SAS", RegistrationID: "RCS Nantes 845 678 901",
		Licence: "ORIAS 19004567 (IFP)",
		Address: Address{Street: "1 place Royale", PostalCode: "44000", City: "Nantes", Country: "France"}}
	employer := &Employer{Company: Company{Name: "Industries Lefèvre", LegalForm: "SA", RegistrationID: "RCS Lille 552 100 554",
		Address: Address{Street: "20 rue Nationale", PostalCode: "59000", City: "Lille", Country: "France"}},
		CompanyCode: "LEF-01", GuaranteeShare: decimal.RequireFromString("0.5"), PayrollDeduction: true}

	d := &Data{
		Kind: kind, Locale: locale, Reference: "LK-2027-000123", Version: 1,
		IssueDate: lendkit.MustDate(2027, time.January, 15), Place: "Paris",
		Loan:        Loan{Amount: sampleAmount, TermMonths: 12, Rate: &rate},
		LatePayment: &LatePayment{Rate: &late},
	}
	withTax := kind == LenderAgreement || full
	withCharges := kind != LenderAgreement && full
	d.Schedule = sampleSchedule(sampleAmount, rate, lendkit.MustDate(2027, time.February, 15), 12, withCharges, withTax)
	switch kind {
	case ConsumerLoan, EmployerLoan:
		d.Lender = Party{Company: lenderCo}
		d.Borrower = Party{Person: person}
		d.Loan.APR = &apr
		d.Withdrawal = &Withdrawal{Days: 14, Address: "retractation@prets-solidaires.example"}
		if kind == EmployerLoan {
			d.Employer = employer
		}
	case BusinessLoan:
		d.Lender = Party{Company: lenderCo}
		d.Borrower = Party{Company: borrowerCo}
	case LenderAgreement:
		d.Lender = Party{Person: person}
		d.Borrower = Party{Company: borrowerCo}
		d.Platform = plat
		d.Project = "Nouvel atelier de menuiserie"
	}
	if !full {
		return d
	}
	// Every optional field, whatever the kind.
	d.Loan.Purpose = "Équipement professionnel"
	if d.Loan.APR == nil {
		d.Loan.APR = &apr
	}
	d.Loan.Fees = lendkit.New(15_000, lendkit.EUR)
	d.LatePayment.Fee = lendkit.New(1_500, lendkit.EUR)
	d.LatePayment.GraceDays = 10
	if d.Platform == nil {
		d.Platform = plat
	}
	if d.Employer == nil {
		d.Employer = employer
	}
	if d.Project == "" {
		d.Project = "Nouvel atelier de menuiserie"
	}
	if d.Withdrawal == nil {
		d.Withdrawal = &Withdrawal{Days: 14, Address: "retractation@prets-solidaires.example"}
	}
	d.Tax = &Tax{Rate: &taxRate, Note: "Article 125 A du CGI."}
	return d
}

// sampleSchedule is a constant-principal schedule (principal split evenly by
// lendkit.Allocate, interest on the outstanding at rate/12 rounded half-up),
// enough to exercise every column; real contracts take theirs from
// amortization.
func sampleSchedule(amount lendkit.Money, rate lendkit.Rate, first lendkit.Date, n int, charges, tax bool) Schedule {
	weights := make([]int64, n)
	for i := range weights {
		weights[i] = 1
	}
	parts, err := lendkit.Allocate(amount, weights)
	if err != nil {
		panic(err) // n > 0 and equal weights: cannot fail
	}
	monthly := rate.Decimal().Div(decimal.NewFromInt(12))
	flat := decimal.RequireFromString("0.30")
	balance := amount
	rows := make([]Installment, n)
	for i := range rows {
		interest, err := balance.Mul(monthly, lendkit.HalfUp)
		if err != nil {
			panic(err)
		}
		r := Installment{N: i + 1, Due: first.AddMonths(i), Principal: parts[i], Interest: interest,
			Fee: lendkit.Zero(amount.Currency()), Insurance: lendkit.Zero(amount.Currency()), Tax: lendkit.Zero(amount.Currency())}
		if charges {
			r.Fee = lendkit.New(200, amount.Currency())
			r.Insurance = lendkit.New(450, amount.Currency())
		}
		if tax {
			if r.Tax, err = interest.Mul(flat, lendkit.HalfUp); err != nil {
				panic(err)
			}
		}
		if r.Payment, err = lendkit.Sum(amount.Currency(), r.Principal, r.Interest, r.Fee, r.Insurance); err != nil {
			panic(err)
		}
		if balance, err = balance.Sub(parts[i]); err != nil {
			panic(err)
		}
		r.Balance = balance
		rows[i] = r
	}
	return Schedule{Rows: rows}
}
