package contract

import (
	"fmt"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// Kind names a contract template family.
type Kind string

// The contract kinds lendkit ships templates for.
const (
	// ConsumerLoan is a credit agreement between a lender (an institution)
	// and a consumer: it carries the consumer-credit information (APR, total
	// cost, withdrawal right).
	ConsumerLoan Kind = "consumer-loan"
	// BusinessLoan is a loan to a company.
	BusinessLoan Kind = "business-loan"
	// LenderAgreement is the loan agreement between one lender of a P2P
	// platform and the borrowing company: the lender's identity, the amount
	// lent and the lender's own schedule.
	LenderAgreement Kind = "lender-agreement"
	// EmployerLoan is a consumer loan to an employee under a partner
	// company's credit policy, possibly guaranteed by the employer.
	EmployerLoan Kind = "employer-loan"
)

// Kinds lists every Kind in a fixed order.
var Kinds = []Kind{ConsumerLoan, BusinessLoan, LenderAgreement, EmployerLoan}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Address is a postal address.
type Address struct {
	Street     string
	PostalCode string
	City       string
	Country    string
}

// IsZero reports whether no part of the address is set.
func (a Address) IsZero() bool { return a == Address{} }

// String joins the address on one line: "12 rue de la Paix, 75002 Paris, France".
func (a Address) String() string {
	parts := make([]string, 0, 3)
	if a.Street != "" {
		parts = append(parts, a.Street)
	}
	if city := strings.TrimSpace(a.PostalCode + " " + a.City); city != "" {
		parts = append(parts, city)
	}
	if a.Country != "" {
		parts = append(parts, a.Country)
	}
	return strings.Join(parts, ", ")
}

// Person is a natural person party.
type Person struct {
	FirstName  string
	LastName   string
	BirthDate  lendkit.Date
	BirthPlace string
	Address    Address
	Email      string
}

// Name returns "First Last".
func (p Person) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// Company is a legal person party.
type Company struct {
	Name           string // legal name
	LegalForm      string // "SAS", "S.r.l.", "Ltd"
	RegistrationID string // "RCS Paris 812 345 678"
	Representative string // who signs for it: "Jeanne Martin, Présidente"
	Licence        string // regulatory authorisation of a lender or platform: "ACPR 17123"
	Address        Address
	Email          string
}

// FullName returns the name with the legal form: "Atelier Dubois SAS".
func (c Company) FullName() string { return strings.TrimSpace(c.Name + " " + c.LegalForm) }

// Party is one side of a contract: exactly one of Person or Company is set.
type Party struct {
	Person  *Person
	Company *Company
}

// Name returns the person's or the company's name.
func (p Party) Name() string {
	switch {
	case p.Person != nil:
		return p.Person.Name()
	case p.Company != nil:
		return p.Company.Name
	}
	return ""
}

// Employer is the partner company of an employer-backed loan.
type Employer struct {
	Company     Company
	CompanyCode string // the partner's code on the platform
	// GuaranteeShare is the fraction of the outstanding the employer
	// guarantees (0.5 for 50 %); zero means no guarantee.
	GuaranteeShare decimal.Decimal
	// PayrollDeduction: instalments are withheld from the salary.
	PayrollDeduction bool
}

// GuaranteeRate returns GuaranteeShare as a Rate, for the rate formatter.
func (e Employer) GuaranteeRate() lendkit.Rate { return lendkit.RateFromDecimal(e.GuaranteeShare) }

// Withdrawal is the consumer's right to withdraw from the agreement.
type Withdrawal struct {
	Days    int    // calendar days from the signature (14 in the EU)
	Address string // where the notice is sent (postal or e-mail)
}

// LatePayment states the consequences of a missed instalment.
type LatePayment struct {
	Rate      *lendkit.Rate // annual late-interest rate on the overdue amount
	Fee       lendkit.Money // flat fee per formal reminder; zero for none
	GraceDays int           // days after the due date before late interest runs
}

// Tax states the withholding applied to a lender's interest.
type Tax struct {
	Rate *lendkit.Rate // total withholding rate (12.8 % + 17.2 % = 30 %)
	Note string        // the legal basis, printed as is
}

// Loan holds the terms of the credit.
type Loan struct {
	Amount     lendkit.Money // amount of credit (or, for a LenderAgreement, the amount lent)
	TermMonths int
	Rate       *lendkit.Rate // nominal annual borrowing rate
	APR        *lendkit.Rate // annual percentage rate of charge (all costs)
	Fees       lendkit.Money // fees paid at disbursement, part of the total cost; zero for none
	Purpose    string
}

// Data is everything a contract shows. Fields a Kind requires are listed by
// Validate; optional pointers may stay nil.
type Data struct {
	Kind      Kind
	Locale    string // one of Locales
	Reference string // the contract's unique reference, printed on every page
	Version   int    // 1 for the first version; a new version supersedes a signed one
	IssueDate lendkit.Date
	Place     string // where the contract is made

	Lender   Party
	Borrower Party
	Platform *Company  // the P2P intermediary (LenderAgreement)
	Employer *Employer // the partner company (EmployerLoan)
	Project  string    // the financed project's name (LenderAgreement)

	Loan        Loan
	Schedule    Schedule
	Withdrawal  *Withdrawal
	LatePayment *LatePayment
	Tax         *Tax
}

// Installment is one row of a contract's schedule. Payment is what is due on
// Due: Principal + Interest + Fee + Insurance. Principal is negative only on
// a grace row whose interest is capitalised (the balance grows by it). Tax is withheld from a lender's
// interest (zero elsewhere). Balance is the principal outstanding after the row.
type Installment struct {
	N         int
	Due       lendkit.Date
	Payment   lendkit.Money
	Principal lendkit.Money
	Interest  lendkit.Money
	Fee       lendkit.Money
	Insurance lendkit.Money
	Tax       lendkit.Money
	Balance   lendkit.Money
}

// Net returns Payment - Tax, what a lender actually receives.
func (in Installment) Net() (lendkit.Money, error) { return in.Payment.Sub(in.Tax) }

// Schedule is the contract's view of a repayment schedule: only the dated
// amounts a document prints. FromAmortization builds one from an
// amortization.Schedule; any other source can fill it directly.
type Schedule struct {
	Rows []Installment
}

// View is what a template executes on: the contract data (unset optional
// amounts normalised to zero in the loan's currency) and the totals computed
// from its schedule. Templates read .Loan.Amount, .Totals.Cost,
// .Schedule.Rows and so on.
type View struct {
	Data
	Totals Totals
}

// Totals are the sums a contract prints, computed from the schedule so the
// document cannot contradict itself.
type Totals struct {
	Payments  lendkit.Money // sum of instalments
	Principal lendkit.Money
	Interest  lendkit.Money
	Fees      lendkit.Money // schedule fees + Loan.Fees
	Insurance lendkit.Money
	Tax       lendkit.Money
	Net       lendkit.Money // Payments - Tax
	Cost      lendkit.Money // total cost of credit: Interest + Fees + Insurance
	Payable   lendkit.Money // total amount payable: Amount + Cost
	// Which optional columns the schedule needs.
	HasFee, HasInsurance, HasTax bool
	// FirstDue and LastDue bound the schedule.
	FirstDue, LastDue lendkit.Date
}

// requirement is one mandatory field: its path and whether it is missing.
type requirement struct {
	path    string
	missing func(d *Data) bool
}

func personReqs(prefix string, get func(d *Data) *Person, birthPlace bool) []requirement {
	p := func(d *Data) *Person { return get(d) }
	rs := []requirement{
		{prefix, func(d *Data) bool { return p(d) == nil }},
		{prefix + ".FirstName", func(d *Data) bool { return p(d) != nil && strings.TrimSpace(p(d).FirstName) == "" }},
		{prefix + ".LastName", func(d *Data) bool { return p(d) != nil && strings.TrimSpace(p(d).LastName) == "" }},
		{prefix + ".BirthDate", func(d *Data) bool { return p(d) != nil && p(d).BirthDate.IsZero() }},
	}
	if birthPlace {
		rs = append(rs, requirement{prefix + ".BirthPlace", func(d *Data) bool { return p(d) != nil && strings.TrimSpace(p(d).BirthPlace) == "" }})
	}
	return append(rs, requirement{prefix + ".Address", func(d *Data) bool { return p(d) != nil && p(d).Address.IsZero() }})
}

func companyReqs(prefix string, get func(d *Data) *Company, representative, licence bool) []requirement {
	c := get
	rs := []requirement{
		{prefix, func(d *Data) bool { return c(d) == nil }},
		{prefix + ".Name", func(d *Data) bool { return c(d) != nil && strings.TrimSpace(c(d).Name) == "" }},
		{prefix + ".RegistrationID", func(d *Data) bool { return c(d) != nil && strings.TrimSpace(c(d).RegistrationID) == "" }},
	}
	if representative {
		rs = append(rs, requirement{prefix + ".Representative", func(d *Data) bool { return c(d) != nil && strings.TrimSpace(c(d).Representative) == "" }})
	}
	if licence {
		rs = append(rs, requirement{prefix + ".Licence", func(d *Data) bool { return c(d) != nil && strings.TrimSpace(c(d).Licence) == "" }})
	}
	return append(rs, requirement{prefix + ".Address", func(d *Data) bool { return c(d) != nil && c(d).Address.IsZero() }})
}

var commonReqs = []requirement{
	{"Reference", func(d *Data) bool { return strings.TrimSpace(d.Reference) == "" }},
	{"IssueDate", func(d *Data) bool { return d.IssueDate.IsZero() }},
	{"Place", func(d *Data) bool { return strings.TrimSpace(d.Place) == "" }},
	{"Loan.Amount", func(d *Data) bool { return d.Loan.Amount.Currency().IsZero() || d.Loan.Amount.IsZero() }},
	{"Loan.TermMonths", func(d *Data) bool { return d.Loan.TermMonths == 0 }},
	{"Loan.Rate", func(d *Data) bool { return d.Loan.Rate == nil }},
	{"Schedule.Rows", func(d *Data) bool { return len(d.Schedule.Rows) == 0 }},
	{"LatePayment", func(d *Data) bool { return d.LatePayment == nil }},
	{"LatePayment.Rate", func(d *Data) bool { return d.LatePayment != nil && d.LatePayment.Rate == nil }},
}

var (
	lenderCompany   = func(d *Data) *Company { return d.Lender.Company }
	lenderPerson    = func(d *Data) *Person { return d.Lender.Person }
	borrowerCompany = func(d *Data) *Company { return d.Borrower.Company }
	borrowerPerson  = func(d *Data) *Person { return d.Borrower.Person }
	platform        = func(d *Data) *Company { return d.Platform }
)

var consumerReqs = []requirement{
	{"Loan.APR", func(d *Data) bool { return d.Loan.APR == nil }},
	{"Withdrawal", func(d *Data) bool { return d.Withdrawal == nil }},
	{"Withdrawal.Days", func(d *Data) bool { return d.Withdrawal != nil && d.Withdrawal.Days <= 0 }},
	{"Withdrawal.Address", func(d *Data) bool { return d.Withdrawal != nil && strings.TrimSpace(d.Withdrawal.Address) == "" }},
}

// requirements lists, per kind, the mandatory fields in the order they are
// reported.
var requirements = map[Kind][]requirement{
	ConsumerLoan: concat(commonReqs,
		companyReqs("Lender.Company", lenderCompany, false, true),
		personReqs("Borrower.Person", borrowerPerson, false),
		consumerReqs),
	BusinessLoan: concat(commonReqs,
		companyReqs("Lender.Company", lenderCompany, false, false),
		companyReqs("Borrower.Company", borrowerCompany, true, false)),
	LenderAgreement: concat(commonReqs,
		personReqs("Lender.Person", lenderPerson, true),
		companyReqs("Borrower.Company", borrowerCompany, true, false),
		companyReqs("Platform", platform, false, true),
		[]requirement{{"Project", func(d *Data) bool { return strings.TrimSpace(d.Project) == "" }}}),
	EmployerLoan: concat(commonReqs,
		companyReqs("Lender.Company", lenderCompany, false, true),
		personReqs("Borrower.Person", borrowerPerson, false),
		[]requirement{
			{"Employer", func(d *Data) bool { return d.Employer == nil }},
			{"Employer.Company.Name", func(d *Data) bool { return d.Employer != nil && strings.TrimSpace(d.Employer.Company.Name) == "" }},
			{"Employer.CompanyCode", func(d *Data) bool { return d.Employer != nil && strings.TrimSpace(d.Employer.CompanyCode) == "" }},
		},
		consumerReqs),
}

func concat(parts ...[]requirement) []requirement {
	var out []requirement
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Validate checks d for its Kind: every mandatory field present (else a
// *MissingFieldError naming them), the locale supported, and the figures
// consistent: one currency, instalments numbered 1…n with increasing due
// dates, no negative amount but a capitalising row's principal, each
// Payment = Principal + Interest + Fee + Insurance, each Balance the
// previous one less Principal, principal summing to Loan.Amount (so the
// balance ends at zero). It returns the totals
// the contract prints.
func (d *Data) Validate() (Totals, error) {
	v, err := d.view()
	if err != nil {
		return Totals{}, err
	}
	return v.Totals, nil
}

// view validates d and returns what templates execute on: a copy of d with
// unset optional amounts normalised to zero in the loan's currency, and the
// totals.
func (d *Data) view() (*View, error) {
	reqs, ok := requirements[d.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, d.Kind)
	}
	var missing []string
	for _, r := range reqs {
		if r.missing(d) {
			missing = append(missing, r.path)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingFieldError{Kind: d.Kind, Fields: missing}
	}
	if _, err := LocaleFor(d.Locale); err != nil {
		return nil, err
	}
	if d.Version < 1 {
		return nil, fmt.Errorf("%w: version %d (versions start at 1)", ErrInvalidData, d.Version)
	}
	if d.Loan.TermMonths < 0 {
		return nil, fmt.Errorf("%w: term of %d months", ErrInvalidData, d.Loan.TermMonths)
	}
	if !validUTF8(d.Reference, d.Place, d.Project, d.Loan.Purpose) {
		return nil, fmt.Errorf("%w: text is not valid UTF-8", ErrInvalidData)
	}
	v := &View{Data: *d}
	var err error
	if v.Totals, v.Data.Schedule.Rows, err = d.totals(); err != nil {
		return nil, err
	}
	late := *d.LatePayment
	if late.Fee.Currency().IsZero() {
		late.Fee = lendkit.Zero(d.Loan.Amount.Currency())
	}
	v.Data.LatePayment = &late
	return v, nil
}

func (d *Data) totals() (Totals, []Installment, error) {
	cur := d.Loan.Amount.Currency()
	bad := func(format string, args ...any) (Totals, []Installment, error) {
		return Totals{}, nil, fmt.Errorf("%w: "+format, append([]any{ErrInvalidData}, args...)...)
	}
	if d.Loan.Amount.IsNegative() {
		return bad("negative amount %s", d.Loan.Amount)
	}
	fees := d.Loan.Fees
	if fees.Currency().IsZero() {
		fees = lendkit.Zero(cur)
	}
	if fees.Currency() != cur || fees.IsNegative() {
		return bad("fees %s do not suit an amount in %s", fees, cur)
	}
	if d.LatePayment.Fee.Currency() != cur && !d.LatePayment.Fee.Currency().IsZero() {
		return bad("late-payment fee %s is not in %s", d.LatePayment.Fee, cur)
	}
	t := Totals{
		Payments: lendkit.Zero(cur), Principal: lendkit.Zero(cur), Interest: lendkit.Zero(cur),
		Fees: fees, Insurance: lendkit.Zero(cur), Tax: lendkit.Zero(cur),
	}
	rows := make([]Installment, len(d.Schedule.Rows))
	copy(rows, d.Schedule.Rows)
	t.FirstDue, t.LastDue = rows[0].Due, rows[len(rows)-1].Due
	balance := d.Loan.Amount
	for i := range rows {
		r := &rows[i]
		if r.N != i+1 {
			return bad("schedule row %d is numbered %d", i+1, r.N)
		}
		if r.Due.IsZero() || (i > 0 && !r.Due.After(rows[i-1].Due)) {
			return bad("schedule row %d: due date %s is not after the previous one", r.N, r.Due)
		}
		amounts := []*lendkit.Money{&r.Payment, &r.Principal, &r.Interest, &r.Fee, &r.Insurance, &r.Tax, &r.Balance}
		for _, m := range amounts {
			if m.Currency().IsZero() && m.IsZero() {
				*m = lendkit.Zero(cur) // unset optional column
			}
			if m.Currency() != cur {
				return bad("schedule row %d: amount %s is not in %s", r.N, *m, cur)
			}
			if m.IsNegative() && m != &r.Principal {
				return bad("schedule row %d: negative amount %s", r.N, *m)
			}
		}
		sum, err := lendkit.Sum(cur, r.Principal, r.Interest, r.Fee, r.Insurance)
		if err != nil {
			return Totals{}, nil, fmt.Errorf("%w: schedule row %d: %w", ErrInvalidData, r.N, err)
		}
		if sum != r.Payment {
			return bad("schedule row %d: payment %s is not principal + interest + fee + insurance = %s", r.N, r.Payment, sum)
		}
		if c, _ := r.Tax.Cmp(r.Interest); c > 0 {
			return bad("schedule row %d: tax %s exceeds interest %s", r.N, r.Tax, r.Interest)
		}
		if balance, err = balance.Sub(r.Principal); err != nil {
			return Totals{}, nil, fmt.Errorf("%w: schedule row %d: %w", ErrInvalidData, r.N, err)
		}
		if balance != r.Balance {
			return bad("schedule row %d: balance %s, expected %s after principal %s", r.N, r.Balance, balance, r.Principal)
		}
		for _, acc := range []struct {
			to *lendkit.Money
			v  lendkit.Money
		}{{&t.Payments, r.Payment}, {&t.Principal, r.Principal}, {&t.Interest, r.Interest}, {&t.Fees, r.Fee}, {&t.Insurance, r.Insurance}, {&t.Tax, r.Tax}} {
			if *acc.to, err = acc.to.Add(acc.v); err != nil {
				return Totals{}, nil, fmt.Errorf("%w: schedule totals: %w", ErrInvalidData, err)
			}
		}
		t.HasFee = t.HasFee || !r.Fee.IsZero()
		t.HasInsurance = t.HasInsurance || !r.Insurance.IsZero()
		t.HasTax = t.HasTax || !r.Tax.IsZero()
	}
	if t.Principal != d.Loan.Amount {
		return bad("schedule principal %s does not repay the amount %s", t.Principal, d.Loan.Amount)
	}
	var err error
	if t.Net, err = t.Payments.Sub(t.Tax); err != nil {
		return Totals{}, nil, fmt.Errorf("%w: %w", ErrInvalidData, err)
	}
	if t.Cost, err = lendkit.Sum(cur, t.Interest, t.Fees, t.Insurance); err != nil {
		return Totals{}, nil, fmt.Errorf("%w: total cost: %w", ErrInvalidData, err)
	}
	if t.Payable, err = d.Loan.Amount.Add(t.Cost); err != nil {
		return Totals{}, nil, fmt.Errorf("%w: total payable: %w", ErrInvalidData, err)
	}
	return t, rows, nil
}
