package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// The servicing cycle: for every active loan, what is due on the cycle's
// date (penalty interest on overdue instalments included) is collected from
// the borrower's wallet, as far as the wallet holds it, and dispersed to the
// holders by dispatch/servicing. What cannot be collected stays due: the
// loan's days past due grow and penalties accrue until a later cycle or a
// manual payment settles it. Each loan is one unit of work; the cycle is
// idempotent by state (run twice on one date, the second run finds nothing
// due). The borrower's wallet is fed by pay-ins and direct-debit
// collections (see the demo for a SEPA collection through the PSP).

// cycleLine is what the cycle did to one loan.
type cycleLine struct {
	Loan        string        `json:"loan_id"`
	Due         lendkit.Money `json:"due"`
	Collected   lendkit.Money `json:"collected"`
	DaysPastDue int           `json:"days_past_due"`
	Status      string        `json:"status"`
}

// cycleReport is the outcome of one cycle.
type cycleReport struct {
	AsOf      lendkit.Date `json:"as_of"`
	Loans     int          `json:"loans"`
	Collected int          `json:"collected"` // loans with a collection
	InArrears int          `json:"in_arrears"`
	Lines     []cycleLine  `json:"lines"`
}

// runCycle runs the servicing cycle as of asOf. c is the request that
// triggered it (nil for the scheduler), for the audit log.
func (s *server) runCycle(ctx context.Context, asOf lendkit.Date, c *call) (cycleReport, error) {
	s.cycleMu.Lock() // one cycle at a time: two would race for the same wallets
	defer s.cycleMu.Unlock()
	rep := cycleReport{AsOf: asOf, Lines: []cycleLine{}}
	var ids []string
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		ids, err = queryIDs(ctx, q, `SELECT id FROM platform_loans WHERE status = 'active' ORDER BY id`)
		return err
	}); err != nil {
		return rep, err
	}
	for _, id := range ids {
		var line cycleLine
		err := s.db.InTx(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			rp, lr, err := loadLoan(ctx, q, id)
			if err != nil {
				return err
			}
			if asOf.Before(rp.book.LastEvent()) {
				return fmt.Errorf("loan %s: cycle date %s is before its last event %s", id, asOf, rp.book.LastEvent())
			}
			due, err := amountDue(rp.book, asOf, loanPenalty)
			if err != nil {
				return err
			}
			line = cycleLine{Loan: id, Due: due, Collected: lendkit.Zero(due.Currency())}
			if due.IsPositive() {
				bal, err := ledger.In(tx).Balance(ctx, s.wallets.AccountOf(lr.borrowerID))
				if err != nil {
					return err
				}
				take := due
				if c, err := bal.Available.Cmp(due); err != nil {
					return err
				} else if c < 0 {
					take = bal.Available
				}
				if take.IsPositive() {
					ev := loanEvent{Kind: "payment", Date: asOf.String(), Key: fmt.Sprintf("cycle/%s/%d", asOf, len(rp.events)+1), Amount: take.Amount()}
					if err := rp.apply(ev); err != nil {
						return err
					}
					if err := persistPayment(ctx, tx, q, s.wallets, id, ev, rp.dispersals[len(rp.dispersals)-1], rp.book.Status()); err != nil {
						return err
					}
					line.Collected = take
					actor, actorRole := "system", role("system")
					if c != nil {
						actor, actorRole = c.who.UserID, c.who.Role
					}
					if err := audit(ctx, tx, q, c, actor, actorRole, "servicing.collect", "loan", id, map[string]string{"amount": take.String(), "due": due.String()}); err != nil {
						return err
					}
					if err := paymentEvents(ctx, tx, q, lr, ev, rp.dispersals[len(rp.dispersals)-1]); err != nil {
						return err
					}
				}
				if short, err := take.Cmp(due); err != nil {
					return err
				} else if short < 0 {
					// The collection came back short: the borrower hears of it
					// once per cycle date.
					if err := emit(ctx, tx, q, event{Kind: notify.InsufficientFunds, Key: "short/" + id + "/" + asOf.String(), Recipient: lr.borrowerID,
						Data: map[string]string{"loan": id, "due_amount": moneyText(due), "collected": moneyText(take)}}); err != nil {
						return err
					}
				}
			}
			line.DaysPastDue, line.Status = rp.book.DaysPastDue(asOf), rp.book.Status().String()
			if err := s.lateEvent(ctx, tx, q, rp, lr, asOf); err != nil {
				return err
			}
			return s.remind(ctx, tx, q, rp, lr, asOf)
		})
		if err != nil {
			return rep, err
		}
		rep.Loans++
		if line.Collected.IsPositive() {
			rep.Collected++
		}
		if line.DaysPastDue > 0 {
			rep.InArrears++
		}
		rep.Lines = append(rep.Lines, line)
	}
	return rep, nil
}

// runServicing serves POST /v1/servicing/run (staff; keyed) {"as_of"}:
// the cycle as of a date (today by the server's clock when absent).
func (s *server) runServicing(ctx context.Context, c *call) (int, any, error) {
	var req struct {
		AsOf string `json:"as_of,omitempty"`
	}
	if len(c.body) > 0 {
		if err := c.decode(&req); err != nil {
			return 0, nil, err
		}
	}
	asOf := lendkit.Today(s.clock)
	if req.AsOf != "" {
		d, err := lendkit.ParseDate(req.AsOf)
		if err != nil {
			return 0, nil, badRequest("invalid_date", "as_of: %q is not a date YYYY-MM-DD", req.AsOf)
		}
		if d.After(asOf) {
			return 0, nil, badRequest("invalid_date", "as_of %s is in the future", d)
		}
		asOf = d
	}
	rep, err := s.runCycle(ctx, asOf, c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rep, nil
}

// scheduleCycles runs the cycle every interval on the server's clock until
// ctx ends; a cycle in progress finishes first (runHTTP's caller waits on
// the returned WaitGroup).
func (s *server) scheduleCycles(ctx context.Context, every time.Duration) *sync.WaitGroup {
	return runEvery(ctx, every, func(ctx context.Context) {
		// The cycle must not be cut half-way by the shutdown: each loan is
		// its own unit of work, but stopping between loans is fine,
		// stopping inside one is not.
		rep, err := s.runCycle(ctx, lendkit.Today(s.clock), nil)
		if err != nil {
			s.log.Error("servicing cycle", "err", err)
			return
		}
		s.log.Info("servicing cycle", "as_of", rep.AsOf, "loans", rep.Loans, "collected", rep.Collected, "in_arrears", rep.InArrears)
	})
}
