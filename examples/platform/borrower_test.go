package main

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
)

// codeBox captures the signature codes the platform sends.
type codeBox struct {
	mu    sync.Mutex
	codes map[string]string // email → last code
}

func (b *codeBox) SendCode(ctx context.Context, m contract.CodeMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[m.Signer.Email] = m.Code
	return nil
}

func (b *codeBox) last(email string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[email]
}

func applicationBody(amount string, days float64) map[string]any {
	return map[string]any{"amount": amount, "currency": "EUR", "term_months": 24, "loan_type": "consumer",
		"birth_date": "1988-04-02", "contract": "permanent", "seniority_months": 40, "monthly_income": "3200.00",
		"days_overdrawn_90d": days, "housing": "tenant", "first_name": "Dana", "last_name": "Rossi", "birth_place": "Turin",
		"address": map[string]string{"street": "3 via Roma", "postal_code": "10121", "city": "Torino", "country": "Italy"}}
}

// TestBorrowerFlow walks a loan from application to repayment through the
// HTTP API: decision, referral and agent review, contract and signature,
// disbursement (idempotent), schedule, balance, a late manual payment; and
// checks that nobody else sees any of it.
func TestBorrowerFlow(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		codes := &codeBox{codes: map[string]string{}}
		tb.srv.signer.Sender = codes
		bid, bor := tb.signup(t, "dana@example.com", roleBorrower)
		_, other := tb.signup(t, "eve@example.com", roleBorrower)
		_, lender := tb.signup(t, "lou@example.com", roleLender)
		agent := tb.login(t, roleAgent)

		var pc struct {
			Eligible bool `json:"eligible"`
		}
		tb.do(t, "POST", "/v1/applications/precheck", bor, applicationBody("8000.00", 0)).must(t, 200).json(t, &pc)
		if !pc.Eligible {
			t.Fatal("pre-check refused a plain application")
		}
		tb.do(t, "POST", "/v1/applications", lender, applicationBody("8000.00", 0)).must(t, http.StatusForbidden)

		// A clean account is approved; a few overdrawn days are referred; a
		// chronically overdrawn one is declined.
		var approved, referred, declined applicationView
		tb.do(t, "POST", "/v1/applications", bor, applicationBody("8000.00", 0)).must(t, 201).json(t, &approved)
		tb.do(t, "POST", "/v1/applications", bor, applicationBody("6000.00", 4)).must(t, 201).json(t, &referred)
		tb.do(t, "POST", "/v1/applications", bor, applicationBody("6000.00", 30)).must(t, 201).json(t, &declined)
		if approved.Status != "approved" || referred.Status != "referred" || declined.Status != "declined" {
			t.Fatalf("statuses %s %s %s", approved.Status, referred.Status, declined.Status)
		}
		if approved.Rate == "" || approved.BorrowerID != bid {
			t.Fatalf("approved = %+v", approved)
		}
		tb.do(t, "GET", "/v1/applications/"+approved.ID, other, nil).must(t, 404)
		tb.do(t, "GET", "/v1/applications/"+approved.ID, lender, nil).must(t, http.StatusForbidden)

		// The agent's queue holds the referred one; the agent approves it.
		var queue struct {
			Applications []applicationView `json:"applications"`
		}
		tb.do(t, "GET", "/v1/applications?status=referred", agent, nil).must(t, 200).json(t, &queue)
		if len(queue.Applications) != 1 || queue.Applications[0].ID != referred.ID {
			t.Fatalf("queue = %+v", queue)
		}
		tb.do(t, "POST", "/v1/applications/"+referred.ID+"/review", bor, map[string]string{"outcome": "approve", "reason": "me"}).must(t, http.StatusForbidden)
		var reviewed applicationView
		tb.do(t, "POST", "/v1/applications/"+referred.ID+"/review", agent, map[string]string{"outcome": "approve", "reason": "payslips checked"}).must(t, 200).json(t, &reviewed)
		if reviewed.Status != "approved" {
			t.Fatalf("reviewed = %s", reviewed.Status)
		}
		tb.do(t, "POST", "/v1/applications/"+referred.ID+"/review", agent, map[string]string{"outcome": "approve", "reason": "again"}).must(t, 409)

		// Contract and signature.
		tb.do(t, "POST", "/v1/applications/"+declined.ID+"/contract", bor, nil).must(t, 409)
		var ct contractView
		tb.do(t, "POST", "/v1/applications/"+approved.ID+"/contract", bor, nil).must(t, 201).json(t, &ct)
		if ct.Status != "draft" || len(ct.Fingerprint) != 64 || ct.HTML == "" {
			t.Fatalf("contract = %+v", ct)
		}
		tb.do(t, "GET", "/v1/contracts/"+ct.ID, other, nil).must(t, 404)
		tb.do(t, "POST", "/v1/contracts/"+ct.ID+"/signature", bor, nil).must(t, 202)
		code := codes.last("dana@example.com")
		if code == "" {
			t.Fatal("no code sent")
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		tb.do(t, "POST", "/v1/contracts/"+ct.ID+"/signature/confirm", bor, map[string]string{"code": wrong}).must(t, 422)
		tb.do(t, "POST", "/v1/contracts/"+ct.ID+"/signature/confirm", bor, map[string]string{"code": code}).must(t, 200).json(t, &ct)
		if ct.Status != "signed" || ct.SignedAt == "" {
			t.Fatalf("signed contract = %+v", ct)
		}

		// Disbursement: idempotent, agents only.
		tb.do(t, "POST", "/v1/applications/"+approved.ID+"/disburse", bor, nil, idempotencyHeader, "d1").must(t, http.StatusForbidden)
		if got := tb.do(t, "POST", "/v1/applications/"+approved.ID+"/disburse", agent, nil).must(t, 400).code(t); got != "idempotency_key_required" {
			t.Fatalf("no key: %s", got)
		}
		first := tb.do(t, "POST", "/v1/applications/"+approved.ID+"/disburse", agent, nil, idempotencyHeader, "d1").must(t, 201)
		again := tb.do(t, "POST", "/v1/applications/"+approved.ID+"/disburse", agent, nil, idempotencyHeader, "d1").must(t, 201)
		if string(first.body) != string(again.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.body, again.body)
		}
		if got := tb.do(t, "POST", "/v1/applications/"+approved.ID+"/disburse", agent, `{"x":1}`, idempotencyHeader, "d1").must(t, 409).code(t); got != "idempotency_key_reused" {
			t.Fatalf("reused key: %s", got)
		}
		if got := tb.do(t, "POST", "/v1/applications/"+approved.ID+"/disburse", agent, nil, idempotencyHeader, "d2").must(t, 409).code(t); got != "not_signed" {
			t.Fatalf("second disbursement under a new key: %s", got)
		}
		var loan loanView
		first.json(t, &loan)
		if loan.Outstanding != lendkit.MustParseMoney("8000", "EUR") || loan.Status != "active" {
			t.Fatalf("loan = %+v", loan)
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID, other, nil).must(t, 404)
		tb.do(t, "GET", "/v1/loans/"+loan.ID, lender, nil).must(t, 404)
		var sched struct {
			Rows []scheduleRow `json:"rows"`
		}
		tb.do(t, "GET", "/v1/loans/"+loan.ID+"/schedule", bor, nil).must(t, 200).json(t, &sched)
		if len(sched.Rows) != 24 || !sched.Rows[23].Balance.IsZero() {
			t.Fatalf("schedule has %d rows", len(sched.Rows))
		}

		// Ten days after the first due date: late, with penalty interest.
		first1 := sched.Rows[0]
		tb.clock.Set(first1.Due.AddDays(10).Time().Add(12 * time.Hour))
		tb.do(t, "GET", "/v1/loans/"+loan.ID, bor, nil).must(t, 200).json(t, &loan)
		if loan.DaysPastDue != 10 {
			t.Errorf("days past due = %d", loan.DaysPastDue)
		}
		if c, _ := loan.DueNow.Cmp(first1.Payment); c <= 0 {
			t.Errorf("due now %s is not above the instalment %s", loan.DueNow, first1.Payment)
		}
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/payments", other, map[string]string{"amount": "10.00"}, idempotencyHeader, "p0").must(t, 404)
		var paid struct {
			Payment struct {
				Kind string `json:"kind"`
			} `json:"payment"`
			Loan loanView `json:"loan"`
		}
		tb.do(t, "POST", "/v1/loans/"+loan.ID+"/payments", bor, map[string]string{"amount": loan.DueNow.Amount()}, idempotencyHeader, "p1").must(t, 201).json(t, &paid)
		if paid.Payment.Kind != "late" || !paid.Loan.DueNow.IsZero() || paid.Loan.DaysPastDue != 0 {
			t.Fatalf("after paying: %+v", paid)
		}
		// The money: the borrower's wallet received the loan; paying it out
		// needs validated KYC, which an agent records.
		var w walletView
		tb.do(t, "GET", "/v1/wallet", bor, nil).must(t, 200).json(t, &w)
		if c, _ := w.Balance.Cmp(lendkit.MustParseMoney("7000", "EUR")); c <= 0 {
			t.Fatalf("borrower wallet after disbursement and one payment: %+v", w)
		}
		payout := map[string]string{"amount": "7000.00", "iban": "FR7630006000011234567890189"}
		if got := tb.do(t, "POST", "/v1/wallet/payouts", bor, payout, idempotencyHeader, "po1").code(t); got != "kyc_required" {
			t.Fatalf("payout before KYC: %s", got)
		}
		tb.do(t, "POST", "/v1/users/"+bid+"/kyc", bor, map[string]int{"level": 2}).must(t, http.StatusForbidden)
		tb.do(t, "POST", "/v1/users/"+bid+"/kyc", agent, map[string]int{"level": 2}).must(t, 200)
		tb.do(t, "POST", "/v1/wallet/payouts", bor, payout).must(t, 400)
		tb.do(t, "POST", "/v1/wallet/payouts", bor, payout, idempotencyHeader, "po1").must(t, 201)
		tb.do(t, "POST", "/v1/wallet/payouts", bor, payout, idempotencyHeader, "po1").must(t, 201) // replay: one payout
		tb.do(t, "GET", "/v1/wallet", bor, nil).must(t, 200).json(t, &w)
		before := w.Balance
		tb.do(t, "POST", "/v1/wallet/payins", bor, map[string]string{"amount": "50.00"}, idempotencyHeader, "pi1").must(t, 201)
		tb.do(t, "POST", "/v1/wallet/payins", bor, map[string]string{"amount": "50.00"}, idempotencyHeader, "pi1").must(t, 201)
		if got := tb.do(t, "POST", "/v1/wallet/payins", bor, map[string]string{"amount": "60.00"}, idempotencyHeader, "pi1").must(t, 409).code(t); got != "idempotency_key_reused" {
			t.Fatalf("pay-in key reuse: %s", got)
		}
		tb.do(t, "GET", "/v1/wallet", bor, nil).must(t, 200).json(t, &w)
		if diff, _ := w.Balance.Sub(before); diff != lendkit.MustParseMoney("50", "EUR") {
			t.Fatalf("balance moved by %s after a pay-in and its replay", diff)
		}
		if probs, err := verifyLoans(context.Background(), tb.db); err != nil || len(probs) > 0 {
			t.Fatalf("verify: %v %v", err, probs)
		}
	})
}
