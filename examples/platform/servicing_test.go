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
