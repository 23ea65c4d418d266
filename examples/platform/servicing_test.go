package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
)

// TestServicingCycle: the cycle collects what is due from the borrower's
// wallet; when the wallet is short it collects what there is, the loan falls
// into arrears and accrues penalty interest, and a later cycle after a
// pay-in settles it.
func TestServicingCycle(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		agent := tb.login(t, roleAgent)
		appID, bor := signedApplication(t, tb, "gina@example.com", "6000.00")
		var loan loanView
		tb.do(t, "POST", "/v1/applications/"+appID+"/disburse", agent, nil, idempotencyHeader, "d").must(t, 201).json(t, &loan)
		var sched struct {
			Rows []scheduleRow `json:"rows"`
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID+"/schedule", bor, nil).must(t, 200).json(t, &sched)
		tb.do(t, "POST", "/v1/servicing/run", bor, nil, idempotencyHeader, "r").must(t, http.StatusForbidden)

		// First due date: the wallet still holds the loan, the cycle takes
		// the instalment.
		tb.clock.Set(sched.Rows[0].Due.Time().Add(8 * time.Hour))
		var rep cycleReport
		tb.do(t, "POST", "/v1/servicing/run", agent, nil, idempotencyHeader, "r1").must(t, 200).json(t, &rep)
		if rep.Loans != 1 || rep.Collected != 1 || rep.Lines[0].Collected != sched.Rows[0].Payment || rep.InArrears != 0 {
			t.Fatalf("first cycle = %+v", rep)
		}
		tb.do(t, "POST", "/v1/servicing/run", agent, nil, idempotencyHeader, "r1b").must(t, 200).json(t, &rep)
		if rep.Collected != 0 {
			t.Fatalf("second cycle on the same day collected again: %+v", rep)
		}

		// The borrower takes the money out; the next instalment finds the
		// wallet empty.
		uid := loan.BorrowerID
		tb.do(t, "POST", "/v1/users/"+uid+"/kyc", agent, map[string]int{"level": 2}).must(t, 200)
		var w walletView
		tb.do(t, "GET", "/v1/wallet", bor, nil).must(t, 200).json(t, &w)
		tb.do(t, "POST", "/v1/wallet/payouts", bor, map[string]string{"amount": w.Available.Amount(), "iban": "FR7630006000011234567890189"}, idempotencyHeader, "all").must(t, 201)
		tb.clock.Set(sched.Rows[1].Due.AddDays(5).Time().Add(8 * time.Hour))
		tb.do(t, "POST", "/v1/servicing/run", agent, nil, idempotencyHeader, "r2").must(t, 200).json(t, &rep)
		if rep.Collected != 0 || rep.InArrears != 1 || rep.Lines[0].DaysPastDue != 5 {
			t.Fatalf("cycle on an empty wallet = %+v", rep)
		}
		owed := rep.Lines[0].Due
		if c, _ := owed.Cmp(sched.Rows[1].Payment); c <= 0 {
			t.Fatalf("due %s has no penalty over the instalment %s", owed, sched.Rows[1].Payment)
		}
		// A pay-in, and the next cycle settles the arrears with penalties.
		tb.do(t, "POST", "/v1/wallet/payins", bor, map[string]string{"amount": "1000.00"}, idempotencyHeader, "top-up").must(t, 201)
		tb.clock.Set(sched.Rows[1].Due.AddDays(6).Time().Add(8 * time.Hour))
		tb.do(t, "POST", "/v1/servicing/run", agent, nil, idempotencyHeader, "r3").must(t, 200).json(t, &rep)
		if rep.Collected != 1 || rep.InArrears != 0 {
			t.Fatalf("cycle after the pay-in = %+v", rep)
		}
		if c, _ := rep.Lines[0].Collected.Cmp(owed); c <= 0 {
			t.Fatalf("collected %s, not above the %s owed a day earlier", rep.Lines[0].Collected, owed)
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID, bor, nil).must(t, 200).json(t, &loan)
		if !loan.DueNow.IsZero() || loan.DaysPastDue != 0 {
			t.Fatalf("loan after the cycle = %+v", loan)
		}
		if loan.Outstanding == lendkit.MustParseMoney("6000", "EUR") {
			t.Fatal("no principal repaid")
		}
		if probs, err := verifyLoans(t.Context(), tb.db); err != nil || len(probs) > 0 {
			t.Fatalf("verify: %v %v", err, probs)
		}
	})
}

// TestAdvisorAndReschedule: a loan in arrears is assigned to an advisor and
// rescheduled over a longer term at a lower rate; the overdue instalment
// stays due, the new plan repays exactly the rest, and the stored servicing
// state matches the replay of the loan's events.
func TestAdvisorAndReschedule(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		agent := tb.login(t, roleAgent)
		appID, bor := signedApplication(t, tb, "ivy@example.com", "6000.00")
		var loan loanView
		tb.do(t, "POST", "/v1/applications/"+appID+"/disburse", agent, nil, idempotencyHeader, "d").must(t, 201).json(t, &loan)
		var sched struct {
			Rows []scheduleRow `json:"rows"`
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID+"/schedule", bor, nil).must(t, 200).json(t, &sched)
		// The borrower empties the wallet, so the first instalment is missed.
		tb.do(t, "POST", "/v1/users/"+loan.BorrowerID+"/kyc", agent, map[string]int{"level": 2}).must(t, 200)
		tb.do(t, "POST", "/v1/wallet/payouts", bor, map[string]string{"amount": "6000.00", "iban": "FR7630006000011234567890189"}, idempotencyHeader, "out").must(t, 201)
		tb.clock.Set(sched.Rows[0].Due.AddDays(20).Time().Add(8 * time.Hour))
		tb.do(t, "GET", "/v1/loans/"+loan.ID, bor, nil).must(t, 200).json(t, &loan)
		if loan.DaysPastDue != 20 {
			t.Fatalf("days past due %d", loan.DaysPastDue)
		}
		var me struct {
			User user `json:"user"`
		}
		tb.do(t, "GET", "/v1/me", agent, nil).must(t, 200).json(t, &me)
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/advisor", bor, map[string]string{"advisor_id": me.User.ID}).must(t, http.StatusForbidden)
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/advisor", agent, map[string]string{"advisor_id": loan.BorrowerID}).must(t, 400)
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/advisor", agent, map[string]string{"advisor_id": me.User.ID}).must(t, 200)

		before := loan.DueNow
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/reschedule", agent, map[string]any{"rate": "3.5", "periods": 36}).must(t, 200).json(t, &loan)
		if loan.Advisor != me.User.ID {
			t.Errorf("advisor %q", loan.Advisor)
		}
		if loan.DueNow != before {
			t.Errorf("due now %s after rescheduling, %s before: the overdue instalment must stay due", loan.DueNow, before)
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID+"/schedule", bor, nil).must(t, 200).json(t, &sched)
		if n := len(sched.Rows); n != 1+36 || !sched.Rows[n-1].Balance.IsZero() {
			t.Fatalf("rescheduled plan has %d rows, last balance %s", n, sched.Rows[n-1].Balance)
		}
		var principal lendkit.Money = lendkit.Zero(lendkit.EUR)
		for _, r := range sched.Rows {
			principal, _ = principal.Add(r.Principal)
		}
		if principal != lendkit.MustParseMoney("6000", "EUR") {
			t.Errorf("the plan repays %s of principal", principal)
		}
		tb.do(t, "POST", "/v1/wallet/payins", bor, map[string]string{"amount": "1000.00"}, idempotencyHeader, "back").must(t, 201)
		var rep cycleReport
		tb.do(t, "POST", "/v1/servicing/run", agent, nil, idempotencyHeader, "r").must(t, 200).json(t, &rep)
		if rep.Collected != 1 || rep.InArrears != 0 {
			t.Fatalf("cycle after rescheduling = %+v", rep)
		}
		if probs, err := verifyLoans(t.Context(), tb.db); err != nil || len(probs) > 0 {
			t.Fatalf("verify: %v %v", err, probs)
		}
	})
}
