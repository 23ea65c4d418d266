package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// Auto-invest: a lender states what they accept (a minimum rate, a maximum
// term, a maximum amount per project, optionally only loans backed by given
// partner companies); when an agent lists a project, every
// lender whose preferences it meets commits automatically, up to their
// maximum and their wallet's available balance, oldest preferences first,
// until the project is fully funded. Commitments are ordinary wallet holds:
// the lender can withdraw them while the campaign is open.

// preferences is a lender's auto-invest rule.
type preferences struct {
	Enabled       bool   `json:"enabled"`
	MinRate       string `json:"min_rate"`        // percent, "5"
	MaxTermMonths int    `json:"max_term_months"` // 0: any term
	MaxPerProject string `json:"max_per_project"` // amount in the platform currency
	// Companies, when not empty, limits auto-invest to loans backed by these
	// partner companies (employer codes).
	Companies []string `json:"companies,omitempty"`
}

func (p preferences) validate(cur lendkit.Currency) (decimal.Decimal, lendkit.Money, error) {
	rate, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(p.MinRate), "%"))
	if err != nil || rate.IsNegative() {
		return rate, lendkit.Money{}, badRequest("invalid_preferences", "min_rate: %q is not a percentage", p.MinRate)
	}
	if p.MaxTermMonths < 0 || p.MaxTermMonths > 600 {
		return rate, lendkit.Money{}, badRequest("invalid_preferences", "max_term_months must be 0 (any) to 600")
	}
	max, err := lendkit.ParseMoney(p.MaxPerProject, cur)
	if err != nil || !max.IsPositive() {
		return rate, max, badRequest("invalid_preferences", "max_per_project: %q is not a positive amount in %s", p.MaxPerProject, cur)
	}
	return rate, max, nil
}

// setPreferences serves PUT /v1/preferences (lenders).
func (s *server) setPreferences(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var p preferences
	if err := c.decode(&p); err != nil {
		return 0, nil, err
	}
	if _, _, err := p.validate(s.currency); err != nil {
		return 0, nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return 0, nil, err
	}
	n, err := q.exec(ctx, `UPDATE platform_preferences SET prefs = $1, updated_at = $2 WHERE user_id = $3`, string(b), tx.Now().UnixMicro(), c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	if n == 0 {
		if _, err := q.exec(ctx, `INSERT INTO platform_preferences (user_id, prefs, updated_at) VALUES ($1, $2, $3)`, c.who.UserID, string(b), tx.Now().UnixMicro()); err != nil {
			return 0, nil, err
		}
	}
	if err := auditBy(ctx, tx, q, c, "preferences.set", "user", c.who.UserID, p); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

// getPreferences serves GET /v1/preferences (lenders).
func (s *server) getPreferences(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var raw string
	err := queryRow(ctx, q, `SELECT prefs FROM platform_preferences WHERE user_id = $1`, []any{c.who.UserID}, &raw)
	if errors.Is(err, errNoRow) {
		return http.StatusOK, preferences{}, nil
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rawJSON(raw), nil
}

// autoInvest commits, for every lender whose enabled preferences the
// project meets, up to their maximum and available balance. It returns how
// many lenders committed. Each commitment is wallet's own unit of work,
// keyed by project and lender, so running it again commits nothing twice.
func (s *server) autoInvest(ctx context.Context, projectID string, app applicationView) (int, error) {
	type cand struct {
		id  string
		max lendkit.Money
	}
	var cands []cand
	appRate, err := lendkit.ParseRate(app.Rate)
	if err != nil {
		return 0, err
	}
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		rows, err := q.query(ctx, `SELECT user_id, prefs FROM platform_preferences ORDER BY updated_at, user_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		cands = cands[:0]
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			var p preferences
			if err := json.Unmarshal([]byte(raw), &p); err != nil {
				return err
			}
			minRate, max, err := p.validate(s.currency)
			if err != nil || !p.Enabled {
				continue
			}
			if appRate.Percent().LessThan(minRate) || (p.MaxTermMonths > 0 && app.TermMonths > p.MaxTermMonths) {
				continue
			}
			if len(p.Companies) > 0 && !slices.Contains(p.Companies, app.Employer) {
				continue
			}
			cands = append(cands, cand{id, max})
		}
		return rows.Err()
	}); err != nil {
		return 0, err
	}
	// A lender auto-invested by an earlier attempt of this listing keeps that
	// commitment: recomputing it from today's balance would ask for another
	// amount under the same commitment id, which the campaign refuses.
	existing, err := s.wallets.Commitments(ctx, projectID)
	if err != nil {
		return 0, err
	}
	done := map[string]bool{}
	for _, cm := range existing {
		done[cm.ID] = true
	}
	committed := 0
	for _, cd := range cands {
		if done["auto/"+cd.id] {
			continue
		}
		camp, err := s.wallets.GetCampaign(ctx, projectID)
		if err != nil {
			return committed, err
		}
		left, err := camp.Target.Sub(camp.Raised)
		if err != nil {
			return committed, err
		}
		if !left.IsPositive() {
			break
		}
		w, err := s.wallets.Get(ctx, cd.id)
		if err != nil {
			continue // no wallet yet: nothing to invest
		}
		amt := cd.max
		for _, cap := range []lendkit.Money{w.Balance.Available, left} {
			if c, err := amt.Cmp(cap); err == nil && c > 0 {
				amt = cap
			}
		}
		if !amt.IsPositive() {
			continue
		}
		_, err = s.wallets.Commit(ctx, wallet.Commit{Campaign: projectID, ID: "auto/" + cd.id, Lender: cd.id, Amount: amt, Date: lendkit.Today(s.clock)})
		if errors.Is(err, wallet.ErrInsufficient) || errors.Is(err, wallet.ErrOverfunded) || errors.Is(err, wallet.ErrBlocked) {
			continue // the balance or the project moved meanwhile: skip this lender
		}
		if err != nil {
			return committed, err
		}
		committed++
		if err := s.db.InTx(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			return audit(ctx, tx, q, nil, cd.id, roleLender, "project.auto_invest", "project", projectID, map[string]string{"amount": amt.String()})
		}); err != nil {
			return committed, err
		}
	}
	return committed, nil
}
