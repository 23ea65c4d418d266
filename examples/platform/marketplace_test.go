package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/store"
)

// signedApplication takes a new borrower's application through decision,
// contract and signature, and returns its id with the borrower's token.
func signedApplication(t *testing.T, tb *testBundle, email, amount string, employer ...string) (appID, token string) {
	t.Helper()
	codes := &codeBox{codes: map[string]string{}}
	tb.srv.signer.Sender = codes
	_, bor := tb.signup(t, email, roleBorrower)
	body := applicationBody(amount, 0)
	body["loan_type"] = "business"
	if len(employer) > 0 {
		body["employer"] = employer[0]
	}
	body["company"] = map[string]any{"name": "Fred Street Food", "legal_form": "SAS", "registration_id": "RCS Paris 111 222 333",
		"representative": "Fred Martin, président", "address": map[string]string{"street": "9 rue Oberkampf", "postal_code": "75011", "city": "Paris", "country": "France"}}
	var app applicationView
	tb.do(t, "POST", "/v1/applications", bor, body).must(t, 201).json(t, &app)
	if app.Status != "approved" {
		t.Fatalf("application %s", app.Status)
	}
	var ct contractView
	tb.do(t, "POST", "/v1/applications/"+app.ID+"/contract", bor, nil).must(t, 201).json(t, &ct)
	tb.do(t, "POST", "/v1/contracts/"+ct.ID+"/signature", bor, nil).must(t, 202)
	tb.do(t, "POST", "/v1/contracts/"+ct.ID+"/signature/confirm", bor, map[string]string{"code": codes.last(email)}).must(t, 200)
	return app.ID, bor
}

// TestMarketplaceFlow: a project funded by three lenders through wallet
// commitments, closed into a loan, repaid once; each lender sees only their
// own portfolio and repayments.
func TestMarketplaceFlow(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		agent := tb.login(t, roleAgent)
		appID, bor := signedApplication(t, tb, "fred@example.com", "8000.00")

		type lenderT struct{ id, token string }
		var ls []lenderT
		for _, e := range []string{"l1@example.com", "l2@example.com", "l3@example.com", "l4@example.com"} {
			id, tok := tb.signup(t, e, roleLender)
			tb.do(t, "POST", "/v1/users/"+id+"/kyc", agent, map[string]int{"level": 2}).must(t, 200)
			tb.do(t, "POST", "/v1/wallet/payins", tok, map[string]string{"amount": "5000.00"}, idempotencyHeader, "fund-me").must(t, 201)
			if e != "l3@example.com" { // l3 completes their profile only after a first close attempt
				tb.do(t, "PUT", "/v1/profile", tok, lenderProfile(e)).must(t, 200)
			}
			ls = append(ls, lenderT{id, tok})
		}
		tb.do(t, "POST", "/v1/projects", ls[0].token, map[string]string{"application_id": appID, "name": "x"}).must(t, http.StatusForbidden)
		var p projectView
		tb.do(t, "POST", "/v1/projects", agent, map[string]string{"application_id": appID, "name": "Fred's food truck"}).must(t, 201).json(t, &p)
		if p.Status != "open" || p.Target != lendkit.MustParseMoney("8000", "EUR") {
			t.Fatalf("project = %+v", p)
		}
		tb.do(t, "POST", "/v1/projects/"+p.ID+"/commitments", bor, map[string]string{"amount": "100.00"}, idempotencyHeader, "c").must(t, http.StatusForbidden)
		for i, amt := range []string{"3000.00", "3000.00", "2000.00"} {
			tb.do(t, "POST", "/v1/projects/"+p.ID+"/commitments", ls[i].token, map[string]string{"amount": amt}, idempotencyHeader, "c1").must(t, 201)
		}
		// A replay commits nothing more; the fourth lender would over-fund.
		tb.do(t, "POST", "/v1/projects/"+p.ID+"/commitments", ls[0].token, map[string]string{"amount": "3000.00"}, idempotencyHeader, "c1").must(t, 201)
		if got := tb.do(t, "POST", "/v1/projects/"+p.ID+"/commitments", ls[3].token, map[string]string{"amount": "10.00"}, idempotencyHeader, "c1").must(t, 409).code(t); got != "overfunded" {
			t.Fatalf("over-funding: %s", got)
		}
		// Lender 3's agreement cannot be made without their birth place and
		// address: nothing is opened; once they complete it the close works.
		if got := tb.do(t, "POST", "/v1/projects/"+p.ID+"/close", agent, nil, idempotencyHeader, "close").must(t, 409).code(t); got != "contract_incomplete" {
			t.Fatalf("close with an incomplete lender: %s", got)
		}
		// The funding close is one unit of work: the failed attempt moved no
		// money, the holds still wait for the next close.
		var w0 walletView
		tb.do(t, "GET", "/v1/wallet", bor, nil).must(t, 200).json(t, &w0)
		if !w0.Balance.IsZero() {
			t.Fatalf("borrower wallet %s after a failed close, want 0", w0.Balance)
		}
		tb.do(t, "PUT", "/v1/profile", ls[2].token, lenderProfile("l3@example.com")).must(t, 200)
		var loan loanView
		tb.do(t, "POST", "/v1/projects/"+p.ID+"/close", agent, nil, idempotencyHeader, "close").must(t, 201).json(t, &loan)
		if loan.Outstanding != lendkit.MustParseMoney("8000", "EUR") {
			t.Fatalf("loan = %+v", loan)
		}
		again := loanView{}
		tb.do(t, "POST", "/v1/projects/"+p.ID+"/close", agent, nil, idempotencyHeader, "close").must(t, 201).json(t, &again)
		if again.ID != loan.ID {
			t.Fatalf("second close opened %s", again.ID)
		}
		var w walletView
		tb.do(t, "GET", "/v1/wallet", bor, nil).must(t, 200).json(t, &w)
		if w.Balance != lendkit.MustParseMoney("8000", "EUR") {
			t.Fatalf("borrower wallet %s", w.Balance)
		}
		// Holders see the loan; the fourth lender does not.
		tb.do(t, "GET", "/v1/loans/"+loan.ID, ls[0].token, nil).must(t, 200)
		tb.do(t, "GET", "/v1/loans/"+loan.ID, ls[3].token, nil).must(t, 404)

		// The borrower pays the first instalment on its due date.
		var sched struct {
			Rows []scheduleRow `json:"rows"`
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID+"/schedule", bor, nil).must(t, 200).json(t, &sched)
		tb.clock.Set(sched.Rows[0].Due.Time().Add(10 * time.Hour))
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/payments", bor, map[string]string{"amount": sched.Rows[0].Payment.Amount()}, idempotencyHeader, "m1").must(t, 201)

		var pf struct {
			Projects         int           `json:"projects"`
			Outstanding      lendkit.Money `json:"outstanding"`
			ReceivedInterest lendkit.Money `json:"received_interest"`
			TaxWithheld      lendkit.Money `json:"tax_withheld"`
			IRR              string        `json:"irr"`
		}
		tb.do(t, "GET", "/v1/portfolio", ls[0].token, nil).must(t, 200).json(t, &pf)
		if pf.Projects != 1 || !pf.ReceivedInterest.IsPositive() || !pf.TaxWithheld.IsPositive() || pf.IRR == "" {
			t.Fatalf("lender 1 portfolio = %+v", pf)
		}
		if c, _ := pf.Outstanding.Cmp(lendkit.MustParseMoney("3000", "EUR")); c >= 0 {
			t.Fatalf("outstanding %s not below the 3000 lent after a repayment", pf.Outstanding)
		}
		var pf4 map[string]any
		tb.do(t, "GET", "/v1/portfolio", ls[3].token, nil).must(t, 200).json(t, &pf4)
		if pf4["projects"] != float64(0) {
			t.Fatalf("lender 4 sees %v", pf4)
		}
		tb.do(t, "GET", "/v1/portfolio", bor, nil).must(t, http.StatusForbidden)
		var reps struct {
			Repayments []repaymentView `json:"repayments"`
		}
		tb.do(t, "GET", "/v1/portfolio/repayments", ls[2].token, nil).must(t, 200).json(t, &reps)
		if len(reps.Repayments) != 23 {
			t.Fatalf("lender 3 has %d future repayments, want 23", len(reps.Repayments))
		}
		for _, r := range reps.Repayments {
			if r.Loan != loan.ID || !r.Due.After(sched.Rows[0].Due) {
				t.Fatalf("repayment %+v", r)
			}
		}
		if probs, err := verifyLoans(t.Context(), tb.db); err != nil || len(probs) > 0 {
			t.Fatalf("verify: %v %v", err, probs)
		}
		// Every lender's agreement is stored, with their own amount.
		if err := tb.db.View(t.Context(), func(tx store.Tx) error {
			for i, amt := range []string{"3000.00", "3000.00", "2000.00"} {
				doc, err := contract.Load(t.Context(), tx, "LK-"+strings.ToUpper(strings.TrimPrefix(p.ID, "prj_")[:12])+"-"+ls[i].id, 1)
				if err != nil {
					return err
				}
				if doc.Data == nil || doc.Data.Loan.Amount.Amount() != amt || doc.Data.Lender.Person == nil {
					return fmt.Errorf("lender %d agreement: %+v", i, doc.Data)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

func lenderProfile(email string) profile {
	return profile{FirstName: "Lena", LastName: strings.Split(email, "@")[0], BirthDate: "1979-03-04", BirthPlace: "Bordeaux",
		Address: addressJSON{Street: "2 cours de l'Intendance", PostalCode: "33000", City: "Bordeaux", Country: "France"}}
}

// TestAutoInvest: listing a project commits for the lenders whose
// preferences it meets, within their maximum and their balance.
func TestAutoInvest(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	agent := tb.login(t, roleAgent)
	appID, _ := signedApplication(t, tb, "hugo@example.com", "6000.00", "ACME")
	prefs := []struct {
		email, payin string
		p            preferences
		want         string // committed, "" for none
	}{
		{"a@example.com", "5000.00", preferences{Enabled: true, MinRate: "5", MaxPerProject: "3000.00"}, "3000.00"},
		{"b@example.com", "5000.00", preferences{Enabled: true, MinRate: "10", MaxPerProject: "3000.00"}, ""},
		{"c@example.com", "5000.00", preferences{Enabled: true, MinRate: "5", MaxTermMonths: 12, MaxPerProject: "3000.00"}, ""},
		{"d@example.com", "2000.00", preferences{Enabled: true, MinRate: "4", MaxPerProject: "10000.00"}, "2000.00"},
		{"e@example.com", "5000.00", preferences{Enabled: false, MinRate: "1", MaxPerProject: "10000.00"}, ""},
		{"f@example.com", "5000.00", preferences{Enabled: true, MinRate: "1", MaxPerProject: "500.00", Companies: []string{"OTHERCO"}}, ""},
		{"g@example.com", "5000.00", preferences{Enabled: true, MinRate: "1", MaxPerProject: "500.00", Companies: []string{"ACME"}}, "500.00"},
	}
	want := map[string]string{}
	for _, pr := range prefs {
		id, tok := tb.signup(t, pr.email, roleLender)
		if pr.want != "" {
			want[id] = pr.want
		}
		tb.do(t, "POST", "/v1/users/"+id+"/kyc", agent, map[string]int{"level": 2}).must(t, 200)
		tb.do(t, "POST", "/v1/wallet/payins", tok, map[string]string{"amount": pr.payin}, idempotencyHeader, "p").must(t, 201)
		tb.do(t, "PUT", "/v1/preferences", tok, pr.p).must(t, 200)
	}
	var p projectView
	tb.do(t, "POST", "/v1/projects", agent, map[string]string{"application_id": appID, "name": "Hugo's bikes"}).must(t, 201).json(t, &p)
	if p.Commitments != 3 || p.Raised != lendkit.MustParseMoney("5500", "EUR") || p.Employer != "ACME" {
		t.Fatalf("after auto-invest: %d commitments, %s raised", p.Commitments, p.Raised)
	}
	cms, err := tb.srv.wallets.Commitments(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, cm := range cms {
		got[cm.LenderWallet] = cm.Amount.Amount()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("auto-invest commitments by lender (-want +got):\n%s", diff)
	}
	tb.do(t, "PUT", "/v1/preferences", agent, prefs[0].p).must(t, http.StatusForbidden)
	if r := tb.do(t, "PUT", "/v1/preferences", "", prefs[0].p); r.status != 401 {
		t.Fatalf("anonymous preferences: %d", r.status)
	}
	if code := tb.do(t, "PUT", "/v1/preferences", tb.login(t, roleLender), preferences{MinRate: "x", MaxPerProject: "1"}).must(t, 400).code(t); code != "invalid_preferences" {
		t.Fatalf("bad preferences: %s", code)
	}
}
