package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	disp "github.com/lendkit/lendkit/dispatch"
)

// lenderContracts renders every lender's agreement of a funded P2P loan with
// contract.Bulk: the project's common terms, and for each lender their
// amount and their own schedule — the projection dispatch computed for them
// (capital, interest, tax withheld), so the contract shows exactly what
// dispersal will pay on time. people gives each holder's identity.
func lenderContracts(ctx context.Context, r *contract.Renderer, b *disp.Book, project *contract.Data, people func(disp.HolderID) contract.Person) ([]contract.Document, error) {
	p, err := b.Project()
	if err != nil {
		return nil, err
	}
	cur := b.Currency()
	rows := map[disp.HolderID][]contract.Installment{}
	for row := range p.Rows() {
		pay, err := row.Capital.Add(row.Interest)
		if err != nil {
			return nil, err
		}
		rows[row.Holder] = append(rows[row.Holder], contract.Installment{N: row.N, Due: row.Due, Payment: pay,
			Principal: row.Capital, Interest: row.Interest, Fee: lendkit.Zero(cur), Insurance: lendkit.Zero(cur), Tax: row.Tax})
	}
	var shares []contract.LenderShare
	for _, h := range b.Holders() {
		pos, err := b.Position(h.ID, b.LastEvent())
		if err != nil {
			return nil, err
		}
		ins := rows[h.ID]
		bal := pos.Acquired
		for i := range ins {
			if bal, err = bal.Sub(ins[i].Principal); err != nil {
				return nil, err
			}
			ins[i].Balance = bal
		}
		shares = append(shares, contract.LenderShare{Reference: fmt.Sprintf("%s-%s", project.Reference, h.ID), Lender: people(h.ID),
			Amount: pos.Acquired, Schedule: contract.Schedule{Rows: ins}})
	}
	return r.Bulk(ctx, project, shares, 0)
}

// demoProject is the common part of the demo's lender agreements.
func demoProject(funded lendkit.Date, periods int) *contract.Data {
	rate := lendkit.MustParseRate("7%")
	late := lendkit.MustParseRate("3%")
	return &contract.Data{Kind: contract.LenderAgreement, Locale: "fr", Reference: "LK-DEMO", Version: 1, IssueDate: funded, Place: "Nantes",
		Borrower: contract.Party{Company: &contract.Company{Name: "Boulangerie Dupont", LegalForm: "SARL", RegistrationID: "RCS Nantes 123 456 789",
			Representative: "Paul Dupont, gérant", Address: contract.Address{Street: "4 rue de la Fosse", PostalCode: "44000", City: "Nantes", Country: "France"}}},
		Platform: &contract.Company{Name: "Lendkit Demo Lending", LegalForm: "SAS", RegistrationID: "RCS Paris 000 000 000", Licence: "ORIAS 00000000 (demo)",
			Address: contract.Address{Street: "1 rue de l'Exemple", PostalCode: "75001", City: "Paris", Country: "France"}},
		Project: "Nouveau four et agrandissement de la boulangerie",
		// Zero amounts carry their currency: a zero lendkit.Money has none,
		// and the stored data (contract.Save keeps it as JSON) must decode.
		Loan:        contract.Loan{TermMonths: periods, Rate: &rate, Fees: lendkit.Zero(lendkit.EUR)},
		LatePayment: &contract.LatePayment{Rate: &late, Fee: lendkit.Zero(lendkit.EUR)},
	}
}

// demoPerson is demo lender i's (synthetic) identity.
func demoPerson(id disp.HolderID) contract.Person {
	var n int
	_, _ = fmt.Sscanf(string(id), "lender-%d", &n)
	return contract.Person{FirstName: "Prêteur", LastName: fmt.Sprintf("n°%05d", n),
		BirthDate:  lendkit.MustDate(1950, time.January, 1).AddDays(n * 7),
		BirthPlace: "Lyon", Address: contract.Address{Street: fmt.Sprintf("%d rue Victor Hugo", 1+n%200), PostalCode: "69002", City: "Lyon", Country: "France"}}
}
