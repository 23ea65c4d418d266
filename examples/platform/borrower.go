package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/scoring"
	"github.com/lendkit/lendkit/store"
)

// The borrower flow: an application is pre-checked and decided by scoring
// (approved, declined, or referred to an agent's queue, where an agent's
// decision is recorded as a scoring.Override); an approved application gets
// a contract rendered by contract and signed with a one-time code
// (contract.SimpleSigner); an agent disburses it: the platform's lending
// wallet funds the loan through dispatch's funding entry and the borrower's
// wallet pays out to their bank, in one unit of work. The loan is then
// serviced like any other (schedule, balance, payments).

// applicationRequest is the application form.
type applicationRequest struct {
	Amount          string `json:"amount"`
	Currency        string `json:"currency"`
	TermMonths      int    `json:"term_months"`
	LoanType        string `json:"loan_type"` // "consumer" or "business"
	BirthDate       string `json:"birth_date"`
	Contract        string `json:"contract"` // scoring.ContractKind: permanent, fixed-term, self-employed, …
	SeniorityMonths int    `json:"seniority_months"`
	// Employer is the partner company's code when the loan is employer-backed
	// (its policy applies on top of the platform's).
	Employer      string `json:"employer,omitempty"`
	MonthlyIncome string `json:"monthly_income"`
	DebtService   string `json:"debt_service,omitempty"`
	LivingCosts   string `json:"living_costs,omitempty"`
	Adults        int    `json:"adults,omitempty"`
	Children      int    `json:"children,omitempty"`
	// Identity for the contract (KYC happens before disbursement).
	FirstName  string      `json:"first_name,omitempty"`
	LastName   string      `json:"last_name,omitempty"`
	BirthPlace string      `json:"birth_place,omitempty"`
	Address    addressJSON `json:"address,omitzero"`
	// Company is the borrowing company of a business loan (loan_type
	// "business"): what its contracts print.
	Company *companyJSON `json:"company,omitempty"`
	// Scorecard features.
	DaysOverdrawn90d *float64 `json:"days_overdrawn_90d,omitempty"`
	Housing          string   `json:"housing,omitempty"`
}

// addressJSON is a postal address.
type addressJSON struct {
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"`
}

// companyJSON is a legal person party.
type companyJSON struct {
	Name           string      `json:"name"`
	LegalForm      string      `json:"legal_form"`
	RegistrationID string      `json:"registration_id"`
	Representative string      `json:"representative"`
	Address        addressJSON `json:"address"`
}

func (c *companyJSON) company(email string) *contract.Company {
	if c == nil {
		return nil
	}
	return &contract.Company{Name: c.Name, LegalForm: c.LegalForm, RegistrationID: c.RegistrationID, Representative: c.Representative,
		Email: email, Address: contract.Address{Street: c.Address.Street, PostalCode: c.Address.PostalCode, City: c.Address.City, Country: c.Address.Country}}
}

// application converts the form for scoring; errors are 400s.
func (r applicationRequest) application(id string, asOf lendkit.Date) (scoring.Application, error) {
	var a scoring.Application
	cur, err := lendkit.ParseCurrency(r.Currency)
	if err != nil {
		return a, badRequest("invalid_application", "currency: %q is not an ISO 4217 code", r.Currency)
	}
	money := func(field, s string) (lendkit.Money, error) {
		if s == "" {
			return lendkit.Zero(cur), nil
		}
		m, err := lendkit.ParseMoney(s, cur)
		if err != nil || m.IsNegative() {
			return m, badRequest("invalid_application", "%s: %q is not a non-negative amount in %s", field, s, cur)
		}
		return m, nil
	}
	if a.Amount, err = money("amount", r.Amount); err != nil {
		return a, err
	}
	if !a.Amount.IsPositive() {
		return a, badRequest("invalid_application", "amount must be positive")
	}
	if r.TermMonths < 1 || r.TermMonths > 600 {
		return a, badRequest("invalid_application", "term_months must be between 1 and 600")
	}
	if r.LoanType != "consumer" && r.LoanType != "business" {
		return a, badRequest("invalid_application", "loan_type must be consumer or business")
	}
	if a.BirthDate, err = lendkit.ParseDate(r.BirthDate); err != nil {
		return a, badRequest("invalid_application", "birth_date: %q is not a date YYYY-MM-DD", r.BirthDate)
	}
	income, err := money("monthly_income", r.MonthlyIncome)
	if err != nil {
		return a, err
	}
	if a.Budget.DebtService, err = money("debt_service", r.DebtService); err != nil {
		return a, err
	}
	if a.Budget.LivingCosts, err = money("living_costs", r.LivingCosts); err != nil {
		return a, err
	}
	adults := r.Adults
	if adults == 0 {
		adults = 1
	}
	if adults < 1 || adults > 20 || r.Children < 0 || r.Children > 30 {
		return a, badRequest("invalid_application", "adults must be 1 to 20 and children 0 to 30")
	}
	a.ID, a.AsOf, a.TermMonths = id, asOf, r.TermMonths
	a.Contract = scoring.ContractKind(r.Contract)
	a.SeniorityMonths = r.SeniorityMonths
	a.Employer = r.Employer
	a.Budget.Incomes = []scoring.Income{{Kind: scoring.IncomePermanent, Monthly: income}}
	a.Budget.Household = scoring.Household{Adults: adults, Children: r.Children}
	a.Features = scoring.Features{}
	if r.DaysOverdrawn90d != nil {
		a.Features["days_overdrawn_90d"] = scoring.Num(*r.DaysOverdrawn90d)
	}
	if r.Housing != "" {
		a.Features["housing"] = scoring.Cat(r.Housing)
	}
	return a, nil
}

// applicationDetail is platform_applications.detail.
type applicationDetail struct {
	Request  applicationRequest `json:"request"`
	Decision json.RawMessage    `json:"decision"` // scoring.Decision, overrides included
}

// applicationView is an application as the API shows it.
type applicationView struct {
	ID         string          `json:"id"`
	BorrowerID string          `json:"borrower_id"`
	Amount     lendkit.Money   `json:"amount"`
	TermMonths int             `json:"term_months"`
	Rate       string          `json:"rate"`
	LoanType   string          `json:"loan_type"`
	Employer   string          `json:"employer,omitempty"`
	Status     string          `json:"status"` // approved, referred, declined, contracted, signed, listed, disbursed
	Decision   json.RawMessage `json:"decision"`
	LoanID     string          `json:"loan_id,omitempty"`
	CreatedAt  string          `json:"created_at"`
}

// statusOf maps a decision outcome to an application status.
func statusOf(o scoring.Outcome) string {
	switch o {
	case scoring.Approve:
		return "approved"
	case scoring.Refer:
		return "referred"
	}
	return "declined"
}

// precheck serves POST /v1/applications/precheck: the eligibility pre-check
// on the form alone, before any document. Nothing is stored.
func (s *server) precheck(ctx context.Context, c *call) (int, any, error) {
	var req applicationRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	a, err := req.application("precheck", lendkit.Today(s.clock))
	if err != nil {
		return 0, nil, err
	}
	f, err := a.Form()
	if err != nil {
		return 0, nil, badRequest("invalid_application", "%v", err)
	}
	pc, err := s.decider.PreCheck(f)
	if err != nil {
		return 0, nil, badRequest("invalid_application", "%v", err)
	}
	return http.StatusOK, pc, nil
}

// createApplication serves POST /v1/applications: the decision is made at
// once and stored with the application; referred ones wait in the agents'
// queue.
func (s *server) createApplication(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req applicationRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	id := newID("app")
	a, err := req.application(id, lendkit.Today(s.clock))
	if err != nil {
		return 0, nil, err
	}
	dec, err := s.decider.Decide(a)
	if err != nil {
		var ie *scoring.InputError
		if errors.As(err, &ie) || errors.Is(err, scoring.ErrInvalidInput) {
			return 0, nil, badRequest("invalid_application", "%v", err)
		}
		return 0, nil, err
	}
	decJSON, err := json.Marshal(dec)
	if err != nil {
		return 0, nil, err
	}
	detail, err := json.Marshal(applicationDetail{Request: req, Decision: decJSON})
	if err != nil {
		return 0, nil, err
	}
	rate := ""
	if off := dec.Record().Offer; off != nil {
		rate = off.Rate.String()
	}
	status := statusOf(dec.Outcome())
	now := tx.Now().UnixMicro()
	if _, err := q.exec(ctx, `INSERT INTO platform_applications (id, borrower_id, amount, currency, term_months, rate, loan_type, status, detail, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		id, c.who.UserID, a.Amount.Minor(), a.Amount.Currency().Code(), int64(a.TermMonths), rate, req.LoanType, status, string(detail), now); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "application.decide", "application", id, map[string]any{"outcome": dec.Outcome(), "score": dec.Record().Score}); err != nil {
		return 0, nil, err
	}
	if err := emit(ctx, tx, q, event{Kind: notify.DecisionMade, Key: "decision/" + id + "/auto", Recipient: c.who.UserID,
		Data: map[string]string{"application": id, "amount": moneyText(a.Amount), "outcome": status}}); err != nil {
		return 0, nil, err
	}
	v, err := loadApplication(ctx, q, id)
	return http.StatusCreated, v, err
}

func loadApplication(ctx context.Context, q sqlq, id string) (applicationView, error) {
	var v applicationView
	var minor, term, created int64
	var cur, detail string
	err := queryRow(ctx, q, `SELECT a.id, a.borrower_id, a.amount, a.currency, a.term_months, a.rate, a.loan_type, a.status, a.detail, a.created_at,
			COALESCE((SELECT l.id FROM platform_loans l WHERE l.application_id = a.id), '')
		FROM platform_applications a WHERE a.id = $1`,
		[]any{id}, &v.ID, &v.BorrowerID, &minor, &cur, &term, &v.Rate, &v.LoanType, &v.Status, &detail, &created, &v.LoanID)
	if errors.Is(err, errNoRow) {
		return v, notFound("application")
	}
	if err != nil {
		return v, err
	}
	c, err := lendkit.ParseCurrency(cur)
	if err != nil {
		return v, err
	}
	var d applicationDetail
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		return v, err
	}
	v.Amount, v.TermMonths, v.Decision, v.CreatedAt = lendkit.New(minor, c), int(term), d.Decision, microTime(created)
	v.Employer = d.Request.Employer
	return v, nil
}

// visibleApplication loads an application the caller may see: its borrower
// or staff. Anyone else gets 404, as if it did not exist.
func visibleApplication(ctx context.Context, q sqlq, c *call, id string) (applicationView, error) {
	v, err := loadApplication(ctx, q, id)
	if err != nil {
		return v, err
	}
	if !c.who.Role.staff() && v.BorrowerID != c.who.UserID {
		return applicationView{}, notFound("application")
	}
	return v, nil
}

// getApplication serves GET /v1/applications/{id}.
func (s *server) getApplication(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	v, err := visibleApplication(ctx, q, c, c.r.PathValue("id"))
	return http.StatusOK, v, err
}

// listApplications serves GET /v1/applications: a borrower's own, or for
// staff every application (?status=referred is the review queue).
func (s *server) listApplications(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	status := c.r.URL.Query().Get("status")
	owner := ""
	if !c.who.Role.staff() {
		owner = c.who.UserID
	}
	ids, err := queryIDs(ctx, q, `SELECT id FROM platform_applications WHERE ($1 = '' OR borrower_id = $1) AND ($2 = '' OR status = $2)
		ORDER BY created_at, id LIMIT 500`, owner, status)
	if err != nil {
		return 0, nil, err
	}
	out := []applicationView{}
	for _, id := range ids {
		v, err := loadApplication(ctx, q, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, v)
	}
	return http.StatusOK, map[string]any{"applications": out}, nil
}

// reviewApplication serves POST /v1/applications/{id}/review (agents):
// the agent's decision on a referred application, recorded as an override
// of the automatic decision (who, when, why) and in the audit log.
func (s *server) reviewApplication(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req struct {
		Outcome string `json:"outcome"`
		Reason  string `json:"reason"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	o := scoring.Outcome(req.Outcome)
	if o != scoring.Approve && o != scoring.Decline {
		return 0, nil, badRequest("invalid_review", "outcome must be approve or decline")
	}
	if strings.TrimSpace(req.Reason) == "" {
		return 0, nil, badRequest("invalid_review", "a reason is required")
	}
	id := c.r.PathValue("id")
	v, err := loadApplication(ctx, q, id)
	if err != nil {
		return 0, nil, err
	}
	if v.Status != "referred" {
		return 0, nil, &apiError{http.StatusConflict, "not_referred", "only a referred application is reviewed; this one is " + v.Status}
	}
	var dec scoring.Decision
	if err := json.Unmarshal(v.Decision, &dec); err != nil {
		return 0, nil, err
	}
	dec, err = dec.Override(scoring.Override{By: c.who.UserID, At: tx.Now(), Reason: req.Reason, Outcome: o})
	if err != nil {
		return 0, nil, badRequest("invalid_review", "%v", err)
	}
	decJSON, err := json.Marshal(dec)
	if err != nil {
		return 0, nil, err
	}
	var detail string
	if err := queryRow(ctx, q, `SELECT detail FROM platform_applications WHERE id = $1`, []any{id}, &detail); err != nil {
		return 0, nil, err
	}
	var d applicationDetail
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		return 0, nil, err
	}
	d.Decision = decJSON
	nd, err := json.Marshal(d)
	if err != nil {
		return 0, nil, err
	}
	rate := v.Rate
	if rate == "" {
		if off := dec.Record().Offer; off != nil {
			rate = off.Rate.String()
		}
	}
	if o == scoring.Approve && rate == "" {
		return 0, nil, &apiError{http.StatusConflict, "no_offer", "the decision carries no rate; it cannot be approved as is"}
	}
	if _, err := q.exec(ctx, `UPDATE platform_applications SET status = $1, detail = $2, rate = $3, updated_at = $4 WHERE id = $5 AND status = 'referred'`,
		statusOf(o), string(nd), rate, tx.Now().UnixMicro(), id); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "application.review", "application", id, map[string]string{"outcome": string(o), "reason": req.Reason}); err != nil {
		return 0, nil, err
	}
	if err := emit(ctx, tx, q, event{Kind: notify.DecisionMade, Key: "decision/" + id + "/review", Recipient: v.BorrowerID,
		Data: map[string]string{"application": id, "amount": moneyText(v.Amount), "outcome": statusOf(o)}}); err != nil {
		return 0, nil, err
	}
	v, err = loadApplication(ctx, q, id)
	return http.StatusOK, v, err
}

// offerTerms are the loan terms of an approved application, disbursed on
// start: an annuity at the decision's rate.
func offerTerms(v applicationView, start lendkit.Date) termsRequest {
	return termsRequest{Principal: v.Amount.Amount(), Currency: v.Amount.Currency().Code(), Rate: strings.TrimSuffix(v.Rate, "%"),
		Periods: v.TermMonths, Start: start.String()}
}

// contractView is a contract version as the API shows it.
type contractView struct {
	ID          string `json:"id"`
	Application string `json:"application_id"`
	Reference   string `json:"reference"`
	Version     int    `json:"version"`
	Kind        string `json:"kind"`
	Fingerprint string `json:"fingerprint"`
	Status      string `json:"status"`
	HTML        string `json:"html,omitempty"`
	SignedAt    string `json:"signed_at,omitempty"`
}

// createContract serves POST /v1/applications/{id}/contract (the borrower,
// on an approved application): renders the credit agreement from the
// schedule starting today, and stores it.
func (s *server) createContract(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	v, err := visibleApplication(ctx, q, c, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if v.Status != "approved" {
		return 0, nil, &apiError{http.StatusConflict, "not_approved", "a contract is made for an approved application; this one is " + v.Status}
	}
	u, err := loadUser(ctx, q, v.BorrowerID)
	if err != nil {
		return 0, nil, err
	}
	today := lendkit.Today(s.clock)
	t, _, err := offerTerms(v, today).terms()
	if err != nil {
		return 0, nil, err
	}
	sch, err := generate(t)
	if err != nil {
		return 0, nil, err
	}
	loan, sched, err := contract.FromAmortization(sch)
	if err != nil {
		return 0, nil, err
	}
	var detail string
	if err := queryRow(ctx, q, `SELECT detail FROM platform_applications WHERE id = $1`, []any{v.ID}, &detail); err != nil {
		return 0, nil, err
	}
	var d applicationDetail
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		return 0, nil, err
	}
	r := d.Request
	bd, _ := lendkit.ParseDate(r.BirthDate) // validated when the application was made
	addr := contract.Address{Street: r.Address.Street, PostalCode: r.Address.PostalCode, City: r.Address.City, Country: r.Address.Country}
	kind := contract.ConsumerLoan
	borrower := contract.Party{Person: &contract.Person{FirstName: r.FirstName, LastName: r.LastName, BirthDate: bd, BirthPlace: r.BirthPlace,
		Address: addr, Email: u.Email}}
	if v.LoanType == "business" {
		kind = contract.BusinessLoan
		borrower = contract.Party{Company: r.Company.company(u.Email)}
		if borrower.Company == nil {
			return 0, nil, badRequest("contract_incomplete", "a business loan's application needs its company")
		}
	}
	ref := "LK-" + strings.ToUpper(strings.TrimPrefix(v.ID, "app_")[:12])
	var version int64
	if err := queryRow(ctx, q, `SELECT COALESCE(MAX(version), 0) FROM platform_contracts WHERE reference = $1`, []any{ref}, &version); err != nil {
		return 0, nil, err
	}
	data := &contract.Data{Kind: kind, Locale: "en", Reference: ref, Version: int(version) + 1, IssueDate: today, Place: "Paris",
		Lender: contract.Party{Company: &s.platformCompany}, Borrower: borrower, Loan: loan, Schedule: sched,
		LatePayment: &contract.LatePayment{Rate: ptrRate(lendkit.MustParseRate("3%"))}}
	if kind == contract.ConsumerLoan {
		data.Withdrawal = &contract.Withdrawal{Days: 14, Address: "withdrawal@lendkit.example"}
	}
	doc, err := s.contracts.HTML(data)
	if err != nil {
		var mf *contract.MissingFieldError
		if errors.As(err, &mf) {
			return 0, nil, badRequest("contract_incomplete", "%v", err)
		}
		return 0, nil, err
	}
	if err := contract.Save(ctx, tx, []contract.Document{doc}); err != nil {
		return 0, nil, err
	}
	cid := newID("ctr")
	if _, err := q.exec(ctx, `INSERT INTO platform_contracts (id, application_id, reference, version, kind, fingerprint, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7)`,
		cid, v.ID, ref, int64(doc.Version), string(kind), doc.Fingerprint.String(), tx.Now().UnixMicro()); err != nil {
		return 0, nil, err
	}
	if _, err := q.exec(ctx, `UPDATE platform_applications SET status = 'contracted', updated_at = $1 WHERE id = $2`, tx.Now().UnixMicro(), v.ID); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "contract.create", "contract", cid, map[string]string{"fingerprint": doc.Fingerprint.String()}); err != nil {
		return 0, nil, err
	}
	if err := emit(ctx, tx, q, event{Kind: notify.ContractToSign, Key: "contract/" + cid, Recipient: v.BorrowerID,
		Data: map[string]string{"reference": ref, "amount": moneyText(v.Amount)}}); err != nil {
		return 0, nil, err
	}
	cv, err := loadContract(ctx, tx, q, cid, true)
	return http.StatusCreated, cv, err
}

func ptrRate(r lendkit.Rate) *lendkit.Rate { return &r }

func loadContract(ctx context.Context, tx store.Tx, q sqlq, id string, withHTML bool) (contractView, error) {
	var cv contractView
	var version, signed int64
	err := queryRow(ctx, q, `SELECT id, application_id, reference, version, kind, fingerprint, status, signed_at FROM platform_contracts WHERE id = $1`,
		[]any{id}, &cv.ID, &cv.Application, &cv.Reference, &version, &cv.Kind, &cv.Fingerprint, &cv.Status, &signed)
	if errors.Is(err, errNoRow) {
		return cv, notFound("contract")
	}
	if err != nil {
		return cv, err
	}
	cv.Version = int(version)
	if signed != 0 {
		cv.SignedAt = microTime(signed)
	}
	if withHTML {
		// contract.Load checks the stored bytes against their fingerprint.
		doc, err := contract.Load(ctx, tx, cv.Reference, cv.Version)
		if err != nil {
			return cv, err
		}
		cv.HTML = string(doc.HTML)
	}
	return cv, nil
}

// visibleContract loads a contract of an application the caller may see.
func visibleContract(ctx context.Context, tx store.Tx, q sqlq, c *call, id string) (contractView, error) {
	cv, err := loadContract(ctx, tx, q, id, true)
	if err != nil {
		return cv, err
	}
	if _, err := visibleApplication(ctx, q, c, cv.Application); err != nil {
		return contractView{}, notFound("contract")
	}
	return cv, nil
}

// getContract serves GET /v1/contracts/{id}.
func (s *server) getContract(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	cv, err := visibleContract(ctx, tx, q, c, c.r.PathValue("id"))
	return http.StatusOK, cv, err
}

// signingConsent is the text the borrower accepts by typing the code.
const signingConsent = "I have read the credit agreement and I sign it electronically."

// startSigning serves POST /v1/contracts/{id}/signature (the borrower): a
// one-time code goes to the borrower through the code sender; the pending
// challenge (no code in it) is stored.
func (s *server) startSigning(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	cv, doc, u, err := s.signable(ctx, tx, q, c)
	if err != nil {
		return 0, nil, err
	}
	ch, err := s.signer.Start(ctx, doc, contract.Signer{ID: u.ID, Name: u.Name, Email: u.Email, Role: "borrower"}, contract.Email, signingConsent)
	if err != nil {
		return 0, nil, err
	}
	if err := contract.SaveChallenge(ctx, tx, ch); err != nil {
		return 0, nil, err
	}
	if _, err := q.exec(ctx, `UPDATE platform_contracts SET status = 'signing', challenge_id = $1 WHERE id = $2`, ch.ID, cv.ID); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "contract.signature_start", "contract", cv.ID, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]string{"challenge_id": ch.ID, "consent": signingConsent, "expires_at": ch.ExpiresAt.UTC().Format(timeRFC3339Micro)}, nil
}

const timeRFC3339Micro = "2006-01-02T15:04:05.000000Z07:00"

// confirmSigning serves POST /v1/contracts/{id}/signature/confirm
// {"code": "…"}: the sealed evidence is stored and the application becomes
// signed. A wrong code counts an attempt (stored even though the request
// fails, so the bound on attempts holds).
func (s *server) confirmSigning(ctx context.Context, c *call) (int, any, error) {
	var req struct {
		Code string `json:"code"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	var out contractView
	var signErr error
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		signErr = nil
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		cv, _, _, err := s.signable(ctx, tx, q, c)
		if err != nil {
			return err
		}
		var chID string
		if err := queryRow(ctx, q, `SELECT challenge_id FROM platform_contracts WHERE id = $1`, []any{cv.ID}, &chID); err != nil {
			return err
		}
		if chID == "" {
			return &apiError{http.StatusConflict, "no_challenge", "start the signature first"}
		}
		ch, err := contract.LoadChallenge(ctx, tx, chID)
		if err != nil {
			return err
		}
		ev, cerr := s.signer.Confirm(&ch, req.Code, contract.SigningContext{IP: c.remote, UserAgent: c.r.UserAgent()})
		// The attempt counts whatever the outcome, so the bound on wrong
		// codes holds across requests.
		if err := contract.SaveChallenge(ctx, tx, ch); err != nil {
			return err
		}
		if cerr != nil {
			signErr = &apiError{http.StatusUnprocessableEntity, "signature_refused", cerr.Error()}
			return nil
		}
		if err := contract.RecordSignature(ctx, tx, ev); err != nil {
			return err
		}
		now := tx.Now().UnixMicro()
		if _, err := q.exec(ctx, `UPDATE platform_contracts SET status = 'signed', signed_at = $1 WHERE id = $2`, now, cv.ID); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `UPDATE platform_applications SET status = 'signed', updated_at = $1 WHERE id = $2`, now, cv.Application); err != nil {
			return err
		}
		if err := auditBy(ctx, tx, q, c, "contract.sign", "contract", cv.ID, map[string]string{"fingerprint": cv.Fingerprint, "method": ev.Method}); err != nil {
			return err
		}
		out, err = loadContract(ctx, tx, q, cv.ID, false)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if signErr != nil {
		return 0, nil, signErr
	}
	return http.StatusOK, out, nil
}

// signable loads a contract its borrower may sign now, with its document
// from the contract store (checked against its fingerprint).
func (s *server) signable(ctx context.Context, tx store.Tx, q sqlq, c *call) (contractView, *contract.Document, user, error) {
	cv, err := visibleContract(ctx, tx, q, c, c.r.PathValue("id"))
	if err != nil {
		return cv, nil, user{}, err
	}
	app, err := loadApplication(ctx, q, cv.Application)
	if err != nil {
		return cv, nil, user{}, err
	}
	if app.BorrowerID != c.who.UserID {
		return cv, nil, user{}, &apiError{http.StatusForbidden, "not_the_signer", "only the borrower signs their contract"}
	}
	if cv.Status == "signed" {
		return cv, nil, user{}, &apiError{http.StatusConflict, "already_signed", "this contract version is signed"}
	}
	u, err := loadUser(ctx, q, c.who.UserID)
	if err != nil {
		return cv, nil, user{}, err
	}
	doc, err := contract.Load(ctx, tx, cv.Reference, cv.Version)
	if err != nil {
		return cv, nil, u, err
	}
	return cv, &doc, u, nil
}

// disburse serves POST /v1/applications/{id}/disburse (agents; money):
// for a signed application, in one unit of work, the loan is opened with the
// platform as its only holder (its servicing state, register and projected
// repayments in the dispatch store), and dispatch's funding entry moves the
// money from the platform's lending wallet to the borrower's wallet. The
// borrower then pays it out to their bank (POST /v1/wallet/payouts), which
// wallet allows only once their KYC is validated.
func (s *server) disburse(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	v, err := loadApplication(ctx, q, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if v.Status != "signed" {
		return 0, nil, &apiError{http.StatusConflict, "not_signed", "only a signed application is disbursed; this one is " + v.Status}
	}
	today := lendkit.Today(s.clock)
	loanID := "loan_" + strings.TrimPrefix(v.ID, "app_")
	lt := loanTerms{Terms: offerTerms(v, today), Borrower: v.BorrowerID, Funded: today.String(), PenaltyRate: "3",
		Stakes: []stakeJSON{{Holder: platformHolder, Kind: disp.Platform.String(), Amount: v.Amount.Amount()}}}
	rp, err := openBook(loanID, lt)
	if err != nil {
		return 0, nil, err
	}
	if _, err := servicing.Fund(ctx, tx, rp.book, servicing.FundOptions{Key: "funding/" + loanID, Accounts: accounts(s.wallets)}); err != nil {
		return 0, nil, err
	}
	if err := insertLoan(ctx, tx, q, loanID, v.ID, v.BorrowerID, lt, v.Amount); err != nil {
		return 0, nil, err
	}
	if _, err := q.exec(ctx, `UPDATE platform_applications SET status = 'disbursed', updated_at = $1 WHERE id = $2`, tx.Now().UnixMicro(), v.ID); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "loan.disburse", "loan", loanID, map[string]string{"amount": v.Amount.String()}); err != nil {
		return 0, nil, err
	}
	if err := emit(ctx, tx, q, event{Kind: notify.DisbursementDone, Key: "disbursement/" + loanID, Recipient: v.BorrowerID,
		Data: map[string]string{"loan": loanID, "amount": moneyText(v.Amount)}}); err != nil {
		return 0, nil, err
	}
	lv, err := loanViewOf(ctx, q, loanID, today)
	return http.StatusCreated, lv, err
}

// platformHolder is the holder id of the platform's own lending.
const platformHolder = "platform"

// loanView is a loan as the API shows it, computed from its book now.
type loanView struct {
	ID          string        `json:"id"`
	Application string        `json:"application_id,omitempty"`
	BorrowerID  string        `json:"borrower_id"`
	Amount      lendkit.Money `json:"amount"`
	Status      string        `json:"status"`
	Outstanding lendkit.Money `json:"outstanding_principal"`
	DueNow      lendkit.Money `json:"due_now"` // everything due today, penalties accrued, less credit
	Credit      lendkit.Money `json:"credit"`
	DaysPastDue int           `json:"days_past_due"`
	NextDue     string        `json:"next_due,omitempty"`
	Advisor     string        `json:"advisor_id,omitempty"`
	AsOf        string        `json:"as_of"`
}

func loanViewOf(ctx context.Context, q sqlq, id string, asOf lendkit.Date) (loanView, error) {
	rp, lr, err := loadLoan(ctx, q, id)
	if err != nil {
		return loanView{}, err
	}
	return loanViewFrom(rp, lr, asOf)
}

func loanViewFrom(rp *replayed, lr loanRow, asOf lendkit.Date) (loanView, error) {
	due, err := amountDue(rp.book, asOf, loanPenalty)
	if err != nil {
		return loanView{}, err
	}
	v := loanView{ID: lr.id, Application: lr.applicationID, BorrowerID: lr.borrowerID, Amount: lr.amount, Status: rp.book.Status().String(),
		Outstanding: rp.book.Outstanding(), DueNow: due, Credit: rp.book.Credit(), DaysPastDue: rp.book.DaysPastDue(asOf), AsOf: asOf.String(),
		Advisor: lr.advisor}
	for _, o := range rp.book.Schedule() {
		if o.Due.After(asOf) {
			v.NextDue = o.Due.String()
			break
		}
	}
	return v, nil
}

// visibleLoan loads a loan the caller may see: its borrower, staff, or a
// holder of part of it; anyone else gets 404.
func visibleLoan(ctx context.Context, q sqlq, c *call, id string) (*replayed, loanRow, error) {
	rp, lr, err := loadLoan(ctx, q, id)
	if err != nil {
		return nil, lr, err
	}
	if c.who.Role.staff() || lr.borrowerID == c.who.UserID {
		return rp, lr, nil
	}
	if c.who.Role == roleLender {
		var n int64
		if err := queryRow(ctx, q, `SELECT COUNT(*) FROM platform_holdings WHERE holder_id = $1 AND loan_id = $2`, []any{c.who.UserID, id}, &n); err != nil {
			return nil, lr, err
		}
		if n > 0 {
			return rp, lr, nil
		}
	}
	return nil, loanRow{}, notFound("loan")
}

// getLoan serves GET /v1/loans/{id}: status and the balance in real time.
func (s *server) getLoan(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	rp, lr, err := visibleLoan(ctx, q, c, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	v, err := loanViewFrom(rp, lr, lendkit.Today(s.clock))
	return http.StatusOK, v, err
}

// scheduleRow is one instalment with what is still owed on it.
type scheduleRow struct {
	N         int           `json:"n"`
	Due       lendkit.Date  `json:"due"`
	Payment   lendkit.Money `json:"payment"`
	Interest  lendkit.Money `json:"interest"`
	Principal lendkit.Money `json:"principal"`
	Balance   lendkit.Money `json:"balance"`
	Owed      lendkit.Money `json:"owed"` // still unpaid, penalties accrued so far included
}

// getSchedule serves GET /v1/loans/{id}/schedule.
func (s *server) getSchedule(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	rp, _, err := visibleLoan(ctx, q, c, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	owed := map[int]lendkit.Money{}
	for _, o := range rp.book.Schedule() {
		sum, err := lendkit.Sum(rp.book.Currency(), o.Penalty, o.Fee, o.Insurance, o.Interest, o.Principal)
		if err != nil {
			return 0, nil, err
		}
		owed[o.N] = sum
	}
	rows := make([]scheduleRow, len(rp.schedule.Rows))
	for i, r := range rp.schedule.Rows {
		o, ok := owed[r.N]
		if !ok {
			o = lendkit.Zero(rp.book.Currency())
		}
		rows[i] = scheduleRow{N: r.N, Due: r.Due, Payment: r.Payment, Interest: r.Interest, Principal: r.Principal, Balance: r.Balance, Owed: o}
	}
	return http.StatusOK, map[string]any{"loan_id": rp.book.Loan(), "rows": rows}, nil
}

// loanPenalty is the late-interest policy of the platform's loans: the 3 %
// a year the loan terms' penalty_rate carries, by actual days.
var loanPenalty = amortizationPenalty("3%")

// makePayment serves POST /v1/loans/{id}/payments (the borrower or an
// agent; money): a manual payment from the borrower's wallet, dispersed to
// the holders in the same unit of work.
func (s *server) makePayment(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req struct {
		Amount string `json:"amount"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	rp, lr, err := visibleLoan(ctx, q, c, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if c.who.Role == roleLender {
		return 0, nil, errForbidden
	}
	amt, err := requestAmount(req.Amount, rp.book.Currency())
	if err != nil {
		return 0, nil, err
	}
	today := lendkit.Today(s.clock)
	if today.Before(rp.book.LastEvent()) {
		today = rp.book.LastEvent()
	}
	key := newID("pay") // servicing scopes it to the loan
	ev := loanEvent{Kind: "payment", Date: today.String(), Key: key, Amount: amt.Amount()}
	if err := rp.apply(ev); err != nil {
		if errors.Is(err, disp.ErrLoanClosed) {
			return 0, nil, &apiError{http.StatusConflict, "loan_closed", "this loan takes no more payments"}
		}
		return 0, nil, err
	}
	d := rp.dispersals[len(rp.dispersals)-1]
	if err := persistPayment(ctx, tx, q, s.wallets, lr.id, ev, d, rp.book.Status()); err != nil {
		if errors.Is(err, ledger.ErrInsufficientFunds) {
			return 0, nil, &apiError{http.StatusConflict, "insufficient_funds", "the borrower's wallet does not hold " + amt.String() + "; pay in first"}
		}
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "loan.payment", "loan", lr.id, map[string]string{"amount": amt.String(), "kind": d.Kind.String()}); err != nil {
		return 0, nil, err
	}
	if err := paymentEvents(ctx, tx, q, lr, ev, d); err != nil {
		return 0, nil, err
	}
	v, err := loanViewFrom(rp, lr, today)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"payment": map[string]any{"key": key, "amount": amt, "kind": d.Kind.String(),
		"applied": d.Applied, "credit_after": d.CreditAfter}, "loan": v}, nil
}

// codeSender delivers contract signature codes through the notification
// ports (email, or SMS when the challenge asks for it). Not through the
// outbox: the code is a secret the platform never stores (the challenge
// keeps only its hash), and a lost code is simply requested again.
type codeSender struct {
	email notify.Email
	sms   notify.SMS
}

// SendCode renders the code message in English (the language the contract
// is rendered in) and sends it.
func (c codeSender) SendCode(ctx context.Context, m contract.CodeMessage) error {
	data := map[string]string{"name": m.Signer.Name, "code": m.Code, "reference": m.Reference,
		"expires": m.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")}
	subject, body, sms, err := notify.Render(notify.SignatureCode, notify.English, data)
	if err != nil {
		return err
	}
	id := newID("code")
	if m.Channel == contract.SMS {
		return c.sms.SendSMS(ctx, notify.Message{ID: id, Kind: notify.SignatureCode, To: m.Signer.Phone, Body: sms})
	}
	return c.email.SendEmail(ctx, notify.Message{ID: id, Kind: notify.SignatureCode, To: m.Signer.Email, Subject: subject, Body: body})
}
