package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/store"
)

// Arrears management: an agent assigns a loan to an advisor, and may
// reschedule it — from today, the instalments not yet due are replaced by a
// new plan (amortization.Reschedule: a new rate and/or number of
// instalments on the same due-date grid); what is overdue stays due. The
// servicing state, the lenders' projections and the loan's event log change
// together in one unit of work.

// assignAdvisor serves POST /v1/loans/{id}/advisor {"advisor_id"} (staff).
func (s *server) assignAdvisor(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req struct {
		Advisor string `json:"advisor_id"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	id := c.r.PathValue("id")
	if _, err := getLoanRow(ctx, q, id); err != nil {
		return 0, nil, err
	}
	u, err := loadUser(ctx, q, req.Advisor)
	if err != nil || u.Role != roleAgent {
		return 0, nil, badRequest("invalid_advisor", "advisor_id must name an agent")
	}
	if _, err := q.exec(ctx, `UPDATE platform_loans SET advisor_id = $1, updated_at = $2 WHERE id = $3`, u.ID, tx.Now().UnixMicro(), id); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "loan.assign_advisor", "loan", id, map[string]string{"advisor": u.ID}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"loan_id": id, "advisor_id": u.ID}, nil
}

// rescheduleLoan serves POST /v1/loans/{id}/reschedule {"rate", "periods"}
// (staff).
func (s *server) rescheduleLoan(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req struct {
		Rate    string `json:"rate,omitempty"`
		Periods int    `json:"periods"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Periods < 1 || req.Periods > 600 {
		return 0, nil, badRequest("invalid_reschedule", "periods must be 1 to 600")
	}
	id := c.r.PathValue("id")
	rp, lr, err := loadLoan(ctx, q, id)
	if err != nil {
		return 0, nil, err
	}
	today := lendkit.Today(s.clock)
	if today.Before(rp.book.LastEvent()) {
		today = rp.book.LastEvent()
	}
	ev := loanEvent{Kind: "reschedule", Date: today.String(), Key: newID("rsc"), Rate: req.Rate, Periods: req.Periods}
	_, rows, err := rescheduleRows(rp.schedule, today, ev)
	if err != nil {
		return 0, nil, err
	}
	if err := rp.apply(ev); err != nil {
		return 0, nil, badRequest("invalid_reschedule", "%v", err)
	}
	// The same restructuring on dispatch's persisted book: the book's own
	// Reschedule, its new state saved at the version it was read at, and
	// the holders' projections re-derived.
	ld, err := servicing.Load(ctx, tx, id)
	if err != nil {
		return 0, nil, err
	}
	if err := ld.Book.Reschedule(today, rows); err != nil {
		return 0, nil, err
	}
	state, err := ld.Book.MarshalBinary()
	if err != nil {
		return 0, nil, err
	}
	if _, err := tx.Dispatch().SaveLoan(ctx, store.DispatchLoan{ID: id, Borrower: ld.Book.Borrower(), Currency: ld.Book.Currency(),
		Status: ld.Book.Status().String(), Version: ld.Version, State: state}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return 0, nil, &apiError{http.StatusConflict, "concurrent_change", "the loan changed meanwhile; retry"}
		}
		return 0, nil, err
	}
	if _, err := servicing.Reproject(ctx, tx, id); err != nil {
		return 0, nil, err
	}
	if err := appendEvent(ctx, tx, q, id, ev); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "loan.reschedule", "loan", id, map[string]any{"rate": req.Rate, "periods": req.Periods, "from": today}); err != nil {
		return 0, nil, err
	}
	v, err := loanViewFrom(rp, lr, today)
	return http.StatusOK, v, err
}
