package contract_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	"github.com/lendkit/lendkit/contract"
)

func ExampleLocale_Money() {
	for _, name := range contract.Locales {
		l, _ := contract.LocaleFor(name)
		fmt.Printf("%s %q %q %q\n", name, l.Money(lendkit.New(123456, lendkit.EUR)),
			l.Rate(lendkit.MustParseRate("5.25%")), l.Date(lendkit.MustParseDate("2027-01-01")))
	}
	// Output:
	// en "€1,234.56" "5.25%" "1 January 2027"
	// fr "1\u202f234,56\u00a0€" "5,25\u202f%" "1er janvier 2027"
	// it "1.234,56\u00a0€" "5,25%" "1 gennaio 2027"
}

// A consumer credit contract from an amortization schedule.
func ExampleRenderer_Render() {
	sched, err := amortization.Generate(amortization.Terms{
		Principal: lendkit.New(1_200_000, lendkit.EUR), // 12,000.00 €
		Rate:      lendkit.MustParseRate("4.5%"),
		Periods:   36,
		Start:     lendkit.MustParseDate("2027-01-15"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := contract.Sample(contract.ConsumerLoan, "fr") // parties, late payment, withdrawal
	d.Loan, d.Schedule, err = contract.FromAmortization(sched)
	if err != nil {
		fmt.Println(err)
		return
	}
	templates, err := contract.DefaultTemplates()
	if err != nil {
		fmt.Println(err)
		return
	}
	r := contract.NewRenderer(templates)
	doc, err := r.Render(d)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, _ := r.Render(d)
	fmt.Println("same fingerprint:", doc.Fingerprint == again.Fingerprint)
	fmt.Println("verifies:", doc.Verify() == nil)

	d.Borrower.Person.BirthDate = lendkit.Date{}
	_, err = r.Render(d)
	fmt.Println(err)
	// Output:
	// same fingerprint: true
	// verifies: true
	// contract: consumer-loan: missing mandatory field Borrower.Person.BirthDate
}

// printSender stands in for an SMS gateway.
type printSender struct{ code *string }

func (p printSender) SendCode(_ context.Context, m contract.CodeMessage) error {
	*p.code = m.Code
	fmt.Printf("code sent by %s to %s for %s v%d\n", m.Channel, m.Signer.Phone, m.Reference, m.Version)
	return nil
}

func ExampleSimpleSigner() {
	templates, _ := contract.DefaultTemplates()
	doc, _ := contract.NewRenderer(templates).Render(contract.Sample(contract.ConsumerLoan, "en"))

	var code string
	clock := lendkit.NewManualClock(time.Date(2027, 1, 15, 10, 0, 0, 0, time.UTC))
	signer := &contract.SimpleSigner{Clock: clock, Sender: printSender{&code}}
	who := contract.Signer{ID: "u-1", Name: "Élodie Marchand", Phone: "+33612345678", Role: "borrower"}
	ch, err := signer.Start(context.Background(), &doc, who, contract.SMS, "I have read this agreement and I sign it.")
	if err != nil {
		fmt.Println(err)
		return
	}
	clock.Advance(time.Minute)
	ev, err := signer.Confirm(&ch, code, contract.SigningContext{IP: "203.0.113.7", UserAgent: "Firefox"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Method, ev.Signer.Name, ev.SignedAt.Format(time.RFC3339), ev.IP)
	fmt.Println("evidence verifies:", contract.VerifyEvidence(ev, &doc) == nil)
	// Output:
	// code sent by sms to +33612345678 for LK-2027-000123 v1
	// simple-otp Élodie Marchand 2027-01-15T10:01:00Z 203.0.113.7
	// evidence verifies: true
}

func ExampleRenderer_Bulk() {
	templates, _ := contract.DefaultTemplates()
	project := contract.Sample(contract.LenderAgreement, "fr")
	var shares []contract.LenderShare
	for i, name := range []string{"Ada", "Blaise", "Carla"} {
		amount := lendkit.New(int64(100_000*(i+1)), lendkit.EUR)
		sched, _ := amortization.Generate(amortization.Terms{
			Principal: amount, Rate: *project.Loan.Rate, Periods: 12, Start: lendkit.MustParseDate("2027-01-15"),
		})
		_, s, _ := contract.FromAmortization(sched)
		shares = append(shares, contract.LenderShare{
			Reference: fmt.Sprintf("P42-L%d", i+1),
			Lender: contract.Person{FirstName: name, LastName: "Rossi", BirthDate: lendkit.MustParseDate("1980-05-04"),
				BirthPlace: "Torino", Address: contract.Address{City: "Torino", Country: "Italia"}},
			Amount: amount, Schedule: s, Locale: "it",
		})
	}
	docs, err := contract.NewRenderer(templates).Bulk(context.Background(), project, shares, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range docs {
		fmt.Println(d.Reference, d.Locale, len(d.PDF) > 0)
	}
	// Output:
	// P42-L1 it true
	// P42-L2 it true
	// P42-L3 it true
}

// A user-supplied template: it may call the built-in blocks; a reference to
// a field that does not exist fails when the template is loaded.
func ExampleTemplates_With() {
	templates, _ := contract.DefaultTemplates()
	src := `<!DOCTYPE html>
<html lang="{{locale}}">{{template "head" .}}<body>
<h1>Acme Bank — {{t "title.business-loan"}}</h1>
<p>{{.Borrower.Name}}: {{money .Loan.Amount}} {{t "duration.months" .Loan.TermMonths}}</p>
{{template "schedule" .}}{{template "late" .}}{{template "signatures" .}}
</body></html>`
	acme, err := templates.With(contract.BusinessLoan, "acme.html", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, _ := contract.NewRenderer(acme).HTML(contract.Sample(contract.BusinessLoan, "it"))
	fmt.Println(len(doc.HTML) > 0, doc.Locale)

	_, err = templates.With(contract.BusinessLoan, "typo.html", `<p>{{.Loan.Amout}}</p>`)
	fmt.Println(err)
	// Output:
	// true it
	// contract: template typo.html: typo.html:1:5: contract.Loan has no field or method Amout
}
