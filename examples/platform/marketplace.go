package main

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// The marketplace: an agent lists a signed application as a project; its
// funding is a wallet campaign (each commitment a hold on the lender's
// wallet towards the borrower's); at 100 % an agent closes it: wallet posts
// every hold into the borrower's wallet, then one unit of work opens the
// loan with dispatch/servicing (book, register, every lender's projected
// repayments) and the platform's records. Lenders see their portfolio
// (dispatch.Summarise, IRR included) and their future repayments.

// projectView is a project as the API shows it.
type projectView struct {
	ID          string        `json:"id"`
	Application string        `json:"application_id"`
	Name        string        `json:"name"`
	Status      string        `json:"status"`
	Target      lendkit.Money `json:"target"`
	Raised      lendkit.Money `json:"raised"`
	Commitments int           `json:"commitments"`
	Deadline    lendkit.Date  `json:"deadline"`
	Rate        string        `json:"rate"`
	TermMonths  int           `json:"term_months"`
	Employer    string        `json:"employer,omitempty"`
	LoanID      string        `json:"loan_id,omitempty"`
}

func (s *server) projectViewOf(ctx context.Context, q sqlq, id string) (projectView, error) {
	var p projectView
	err := queryRow(ctx, q, `SELECT id, application_id, name, status, loan_id FROM platform_projects WHERE id = $1`, []any{id},
		&p.ID, &p.Application, &p.Name, &p.Status, &p.LoanID)
	if errors.Is(err, errNoRow) {
		return p, notFound("project")
	}
	if err != nil {
		return p, err
	}
	app, err := loadApplication(ctx, q, p.Application)
	if err != nil {
		return p, err
	}
	p.Rate, p.TermMonths, p.Employer = app.Rate, app.TermMonths, app.Employer
	return p, nil
}

// withCampaign adds the campaign's figures (read in wallet's own unit of
// work, after the platform's).
func (s *server) withCampaign(ctx context.Context, p projectView) (projectView, error) {
	c, err := s.wallets.GetCampaign(ctx, p.ID)
	if err != nil {
		return p, err
	}
	p.Target, p.Raised, p.Commitments, p.Deadline = c.Target, c.Raised, c.Commitments, c.Deadline
	return p, nil
}

// createProject serves POST /v1/projects (staff) {"application_id", "name"}.
func (s *server) createProject(ctx context.Context, c *call) (int, any, error) {
	var req struct {
		Application  string `json:"application_id"`
		Name         string `json:"name"`
		DeadlineDays int    `json:"deadline_days,omitempty"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(req.Name) == "" || len(req.Name) > 200 {
		return 0, nil, badRequest("invalid_project", "name must have 1 to 200 bytes")
	}
	if req.DeadlineDays == 0 {
		req.DeadlineDays = 30
	}
	if req.DeadlineDays < 1 || req.DeadlineDays > 365 {
		return 0, nil, badRequest("invalid_project", "deadline_days must be 1 to 365")
	}
	var app applicationView
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		app, err = loadApplication(ctx, q, req.Application)
		return err
	}); err != nil {
		return 0, nil, err
	}
	if app.Status != "signed" {
		return 0, nil, &apiError{http.StatusConflict, "not_signed", "only a signed application is listed; this one is " + app.Status}
	}
	id := "prj_" + strings.TrimPrefix(app.ID, "app_")
	today := lendkit.Today(s.clock)
	// One unit of work: the campaign (creating it again is a no-op), the
	// project row and the application's move from signed to listed. The
	// move is conditional, so an application disbursed directly meanwhile
	// never gets a campaign whose holds nobody would close.
	var p projectView
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if _, err := s.wallets.In(tx).CreateCampaign(ctx, wallet.CampaignSpec{ID: id, BorrowerWallet: app.BorrowerID, Target: app.Amount,
			Deadline: today.AddDays(req.DeadlineDays), Overfunding: wallet.Refuse}); err != nil {
			return err
		}
		n, err := q.exec(ctx, `INSERT INTO platform_projects (id, application_id, name, status, created_at) VALUES ($1, $2, $3, 'open', $4) ON CONFLICT DO NOTHING`,
			id, app.ID, req.Name, tx.Now().UnixMicro())
		if err != nil {
			return err
		}
		if n == 1 {
			m, err := q.exec(ctx, `UPDATE platform_applications SET status = 'listed', updated_at = $1 WHERE id = $2 AND status = 'signed'`, tx.Now().UnixMicro(), app.ID)
			if err != nil {
				return err
			}
			if m != 1 {
				return &apiError{http.StatusConflict, "not_signed", "the application changed while its project was being listed"}
			}
			if err := auditBy(ctx, tx, q, c, "project.create", "project", id, map[string]string{"application": app.ID}); err != nil {
				return err
			}
		}
		p, err = s.projectViewOf(ctx, q, id)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if _, err := s.autoInvest(ctx, id, app); err != nil {
		return 0, nil, err
	}
	p, err = s.withCampaign(ctx, p)
	return http.StatusCreated, p, err
}

// listProjects serves GET /v1/projects: every project, open first.
func (s *server) listProjects(ctx context.Context, c *call) (int, any, error) {
	var ps []projectView
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		ids, err := queryIDs(ctx, q, `SELECT id FROM platform_projects ORDER BY status DESC, created_at, id LIMIT 500`)
		if err != nil {
			return err
		}
		ps = ps[:0]
		for _, id := range ids {
			p, err := s.projectViewOf(ctx, q, id)
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	out := []projectView{}
	for _, p := range ps {
		p, err := s.withCampaign(ctx, p)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, p)
	}
	return http.StatusOK, map[string]any{"projects": out}, nil
}

// commit serves POST /v1/projects/{id}/commitments (lenders; keyed)
// {"amount"}: a hold on the lender's wallet, refused past the target.
func (s *server) commit(ctx context.Context, c *call) (int, any, error) {
	var req struct {
		Amount string `json:"amount"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	amt, err := requestAmount(req.Amount, s.currency)
	if err != nil {
		return 0, nil, err
	}
	id := c.r.PathValue("id")
	if _, err := s.wallets.GetCampaign(ctx, id); err != nil {
		return 0, nil, notFound("project")
	}
	cm, err := s.wallets.Commit(ctx, wallet.Commit{Campaign: id, ID: walletKey(c, "commit"), Lender: c.who.UserID, Amount: amt, Date: lendkit.Today(s.clock)})
	if err != nil {
		return 0, nil, err
	}
	if cm.Amount != amt || cm.LenderWallet != c.who.UserID {
		return 0, nil, &apiError{http.StatusConflict, "idempotency_key_reused", "this Idempotency-Key was used with a different request"}
	}
	if err := s.auditAfter(ctx, c, "project.commit", "project", id, map[string]string{"amount": amt.String()}); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"project_id": id, "commitment_id": cm.ID, "amount": cm.Amount, "status": cm.Status}, nil
}

// closeProject serves POST /v1/projects/{id}/close (staff; keyed): the
// funding close. Closing again returns the same loan.
func (s *server) closeProject(ctx context.Context, c *call) (int, any, error) {
	id := c.r.PathValue("id")
	var p projectView
	var app applicationView
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if p, err = s.projectViewOf(ctx, q, id); err != nil {
			return err
		}
		app, err = loadApplication(ctx, q, p.Application)
		return err
	}); err != nil {
		return 0, nil, err
	}
	today := lendkit.Today(s.clock)
	// The stakes are read before the close: the commitments still held are
	// those the close will post (or, on a replay, those it posted). The
	// close itself runs in the unit of work that funds the loan, below, which
	// checks that the commitments it posted are exactly these.
	cms, err := s.wallets.Commitments(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	byLender := stakesOf(cms, wallet.Held, wallet.Posted)
	if len(byLender) == 0 {
		// Nothing to fund: the close can only fail (or void what is left);
		// it commits on its own.
		camp, err := s.wallets.CloseCampaign(ctx, id, today)
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, &apiError{http.StatusConflict, "not_funded", "the campaign closed " + string(camp.Status)}
	}
	lenders := make([]string, 0, len(byLender))
	for l := range byLender {
		lenders = append(lenders, l)
	}
	sort.Strings(lenders)
	loanID := "loan_" + strings.TrimPrefix(app.ID, "app_")
	// Everything that does not need the database is computed first: the
	// book (pure) and every lender's agreement (CPU-heavy rendering), so the
	// unit of work only writes.
	var lt loanTerms
	var people map[disp.HolderID]contract.Person
	var company *contract.Company
	var exists bool
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if _, err := getLoanRow(ctx, q, loanID); err == nil {
			exists = true
			return nil
		}
		stakes := make([]stakeJSON, len(lenders))
		people = map[disp.HolderID]contract.Person{}
		for i, l := range lenders {
			u, err := loadUser(ctx, q, l)
			if err != nil {
				return err
			}
			pr, email, err := loadProfile(ctx, q, l)
			if err != nil {
				return err
			}
			people[disp.HolderID(l)] = pr.person(email)
			st := stakeJSON{Holder: l, Kind: disp.Individual.String(), Tax: disp.FranceIndividual().Name(), Amount: lendkit.New(byLender[l], s.currency).Amount()}
			if u.Kind == "business" {
				st.Kind, st.Tax = disp.Company.String(), ""
			}
			stakes[i] = st
		}
		lt = loanTerms{Terms: offerTerms(app, today), Borrower: app.BorrowerID, Funded: today.String(), Stakes: stakes, FeeRate: "0.1", PenaltyRate: "3"}
		var detail string
		if err := queryRow(ctx, q, `SELECT detail FROM platform_applications WHERE id = $1`, []any{app.ID}, &detail); err != nil {
			return err
		}
		var d applicationDetail
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return err
		}
		u, err := loadUser(ctx, q, app.BorrowerID)
		if err != nil {
			return err
		}
		company = d.Request.Company.company(u.Email)
		return nil
	}); err != nil {
		return 0, nil, err
	}
	var lv loanView
	if exists { // closed before: the same loan
		err := s.db.View(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			lv, err = loanViewOf(ctx, q, loanID, today)
			return err
		})
		return http.StatusCreated, lv, err
	}
	rp, err := openBook(loanID, lt)
	if err != nil {
		return 0, nil, err
	}
	rate, err := lendkit.ParseRate(app.Rate)
	if err != nil {
		return 0, nil, err
	}
	late := lendkit.MustParseRate("3%")
	proj := &contract.Data{Kind: contract.LenderAgreement, Locale: "en", Reference: "LK-" + strings.ToUpper(strings.TrimPrefix(id, "prj_")[:12]),
		Version: 1, IssueDate: today, Place: "Paris", Borrower: contract.Party{Company: company}, Platform: &s.platformCompany, Project: p.Name,
		Loan:        contract.Loan{TermMonths: app.TermMonths, Rate: &rate, Fees: lendkit.Zero(s.currency)},
		LatePayment: &contract.LatePayment{Rate: &late, Fee: lendkit.Zero(s.currency)}}
	docs, err := lenderContracts(ctx, s.contracts, rp.book, proj, func(h disp.HolderID) contract.Person { return people[h] })
	if err != nil {
		var mf *contract.MissingFieldError
		if errors.As(err, &mf) {
			return 0, nil, &apiError{http.StatusConflict, "contract_incomplete", "a lender's agreement cannot be made yet: " + err.Error()}
		}
		return 0, nil, err
	}
	// One unit of work: the campaign's close (every hold posted into the
	// borrower's wallet), the loan with dispatch/servicing (book, register,
	// projections), every lender's agreement, the platform's records. A
	// campaign that closes unfunded commits its close (its holds are
	// voided) and nothing else.
	var unfunded wallet.CampaignStatus
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		unfunded = ""
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		ws := s.wallets.In(tx)
		camp, err := ws.CloseCampaign(ctx, id, today)
		if err != nil {
			return err
		}
		if camp.Status != wallet.CampaignFunded {
			unfunded = camp.Status
			return nil
		}
		posted, err := ws.Commitments(ctx, id)
		if err != nil {
			return err
		}
		if !maps.Equal(stakesOf(posted, wallet.Posted), byLender) {
			return &apiError{http.StatusConflict, "commitments_changed", "commitments changed while the project closed: send the request again"}
		}
		if _, err := servicing.Fund(ctx, tx, rp.book, servicing.FundOptions{SkipEntry: true, Accounts: accounts(s.wallets)}); err != nil {
			return err
		}
		if err := contract.Save(ctx, tx, docs); err != nil {
			return err
		}
		if err := insertLoan(ctx, tx, q, loanID, app.ID, app.BorrowerID, lt, app.Amount); err != nil {
			return err
		}
		now := tx.Now().UnixMicro()
		if _, err := q.exec(ctx, `UPDATE platform_projects SET status = 'funded', loan_id = $1 WHERE id = $2`, loanID, id); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `UPDATE platform_applications SET status = 'disbursed', updated_at = $1 WHERE id = $2`, now, app.ID); err != nil {
			return err
		}
		if err := emit(ctx, tx, q, event{Kind: notify.DisbursementDone, Key: "disbursement/" + loanID, Recipient: app.BorrowerID,
			Data: map[string]string{"loan": loanID, "amount": moneyText(app.Amount)}}); err != nil {
			return err
		}
		if err := auditBy(ctx, tx, q, c, "project.close", "project", id, map[string]any{"loan": loanID, "lenders": len(lenders), "contracts": len(docs)}); err != nil {
			return err
		}
		lv, err = loanViewFrom(rp, loanRow{id: loanID, applicationID: app.ID, borrowerID: app.BorrowerID, amount: app.Amount}, today)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if unfunded != "" {
		return 0, nil, &apiError{http.StatusConflict, "not_funded", "the campaign closed " + string(unfunded)}
	}
	return http.StatusCreated, lv, nil
}

// stakesOf sums the commitments in one of statuses per lender wallet, in
// minor units: one stake per lender, who may have committed several times.
func stakesOf(cms []wallet.Commitment, statuses ...wallet.CommitmentStatus) map[string]int64 {
	byLender := map[string]int64{}
	for _, cm := range cms {
		if slices.Contains(statuses, cm.Status) {
			byLender[cm.LenderWallet] += cm.Amount.Minor()
		}
	}
	return byLender
}

// holderLoans returns the loans holder holds part of.
func holderLoans(ctx context.Context, q sqlq, holder string) ([]string, error) {
	return queryIDs(ctx, q, `SELECT loan_id FROM platform_holdings WHERE holder_id = $1 ORDER BY loan_id`, holder)
}

// portfolio serves GET /v1/portfolio (lenders): the caller's figures across
// loans, by dispatch.Summarise (outstanding, received, tax, at risk, IRR).
// Only the caller's own positions are ever read.
func (s *server) portfolio(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	ids, err := holderLoans(ctx, q, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	today := lendkit.Today(s.clock)
	var ps []disp.Position
	for _, id := range ids {
		rp, _, err := loadLoan(ctx, q, id)
		if err != nil {
			return 0, nil, err
		}
		pos, err := rp.book.Position(disp.HolderID(c.who.UserID), today)
		if errors.Is(err, disp.ErrNoHolding) {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		ps = append(ps, pos)
	}
	if len(ps) == 0 {
		return http.StatusOK, map[string]any{"holder": c.who.UserID, "projects": 0}, nil
	}
	pf, err := disp.Summarise(disp.HolderID(c.who.UserID), today, ps, nil)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"holder": pf.Holder, "as_of": pf.AsOf, "projects": pf.Projects, "active": pf.Active,
		"outstanding": pf.Outstanding, "written_off": pf.WrittenOff, "received_principal": pf.ReceivedPrincipal,
		"received_interest": pf.ReceivedInterest, "received_penalty": pf.ReceivedPenalty, "tax_withheld": pf.TaxWithheld,
		"net_received": pf.NetReceived, "at_risk": pf.AtRisk}
	if pf.HasIRR {
		out["irr"] = pf.IRR.Mul(decimalHundred).StringFixed(2) + "%"
	}
	return http.StatusOK, out, nil
}

// repaymentView is one of a lender's future repayments.
type repaymentView struct {
	Loan     string        `json:"loan_id"`
	N        int           `json:"n"`
	Due      lendkit.Date  `json:"due"`
	Capital  lendkit.Money `json:"capital"`
	Interest lendkit.Money `json:"interest"`
	Tax      lendkit.Money `json:"tax"`
	Net      lendkit.Money `json:"net"`
}

// repayments serves GET /v1/portfolio/repayments (lenders): the caller's
// projected repayments due after today, from the dispatch store.
func (s *server) repayments(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	ids, err := holderLoans(ctx, q, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	today := lendkit.Today(s.clock)
	out := []repaymentView{}
	for _, id := range ids {
		rows, err := tx.Dispatch().Projections(ctx, id, c.who.UserID)
		if err != nil {
			return 0, nil, err
		}
		for _, r := range rows {
			if !r.Due.After(today) {
				continue // due today or before: paid, or in arrears on the loan's page
			}
			out = append(out, repaymentView{Loan: id, N: r.N, Due: r.Due, Capital: r.Capital, Interest: r.Interest, Tax: r.Tax, Net: r.Net})
		}
	}
	return http.StatusOK, map[string]any{"repayments": out}, nil
}
