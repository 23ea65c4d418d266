package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// seedDemo gives a fresh platform something to look at: applications from
// the seeded borrower and two more (individuals in Turin and Lyon), decided
// by the real decider — approved ones, a declined one, and referred ones
// waiting in the agents' queue — and one loan taken through the whole flow
// (contract, one-time-code signature, disbursement from the platform's
// capital). Everything goes through the API's own handlers, in their own
// units of work, so the seed cannot create a state the API could not.
func (s *server) seedDemo(ctx context.Context, agentID string) error {
	type person struct{ email, name, city, postal, country, street string }
	extra := []person{
		{"giulia@lendkit.example", "Giulia Bianchi", "Torino", "10121", "Italy", "3 via Roma"},
		{"marc@lendkit.example", "Marc Leroy", "Lyon", "69002", "France", "12 rue Victor Hugo"},
	}
	ids := map[string]string{}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		var bid string
		if err := queryRow(ctx, q, `SELECT id FROM platform_users WHERE email = 'borrower@lendkit.example'`, nil, &bid); err != nil {
			return err
		}
		ids["borrower@lendkit.example"] = bid
		for _, p := range extra {
			// No password anyone knows: these accounts exist to be looked
			// at (a random argon2id hash of a random secret).
			h, err := hashPassword(randomToken())
			if err != nil {
				return err
			}
			id := newID("usr")
			if _, err := q.exec(ctx, `INSERT INTO platform_users (id, email, name, role, kind, password_hash, created_at) VALUES ($1, $2, $3, 'borrower', 'individual', $4, $5)`,
				id, p.email, p.name, h, tx.Now().UnixMicro()); err != nil {
				return err
			}
			ids[p.email] = id
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.openUserWallet(ctx, id, wallet.Borrower, wallet.KYCLight); err != nil {
			return err
		}
	}
	form := func(amount string, term int, loanType string, overdrawn float64, p person) map[string]any {
		f := map[string]any{"amount": amount, "currency": "EUR", "term_months": term, "loan_type": loanType,
			"birth_date": "1986-05-14", "contract": "permanent", "seniority_months": 52, "monthly_income": "3400.00",
			"days_overdrawn_90d": overdrawn, "housing": "tenant", "first_name": strings.Fields(p.name)[0], "last_name": strings.Fields(p.name)[len(strings.Fields(p.name))-1],
			"birth_place": p.city, "address": map[string]string{"street": p.street, "postal_code": p.postal, "city": p.city, "country": p.country}}
		if loanType == "business" {
			f["company"] = map[string]any{"name": p.name, "legal_form": "SARL", "registration_id": "RCS Nantes 812 345 678", "representative": "Paul Dupont, gérant",
				"address": map[string]string{"street": p.street, "postal_code": p.postal, "city": p.city, "country": p.country}}
		}
		return f
	}
	bakery := person{"borrower@lendkit.example", "Bakery Dupont SARL", "Nantes", "44000", "France", "4 rue de la Fosse"}
	apps := []struct {
		who  person
		form map[string]any
	}{
		{extra[0], form("8000.00", 24, "consumer", 0, extra[0])},   // approved, taken to disbursement below
		{bakery, form("15000.00", 36, "business", 0, bakery)},      // approved
		{extra[1], form("6000.00", 24, "consumer", 4, extra[1])},   // referred
		{bakery, form("9000.00", 48, "business", 3, bakery)},       // referred
		{extra[1], form("12000.00", 36, "consumer", 30, extra[1])}, // declined
	}
	var first applicationView
	for i, a := range apps {
		body, err := json.Marshal(a.form)
		if err != nil {
			return err
		}
		c := s.seedCall(ids[a.who.email], roleBorrower, body, "")
		_, v, err := s.inTx(s.createApplication)(ctx, c)
		if err != nil {
			return fmt.Errorf("demo application %d: %w", i, err)
		}
		if i == 0 {
			first = v.(applicationView)
		}
	}
	if first.Status != "approved" {
		return fmt.Errorf("demo application: decided %s, want approved", first.Status)
	}
	return s.seedDisburse(ctx, first, agentID)
}

// seedCall is a request as the handlers see it, from the seed acting as
// who (from the loopback address: the seed runs on the server itself);
// pathID fills {id}.
func (s *server) seedCall(who string, r role, body []byte, pathID string) *call {
	req, _ := http.NewRequest(http.MethodPost, "/seed", nil) // constant method and URL: cannot fail
	req.Header.Set("User-Agent", "platform seed")
	if pathID != "" {
		req.SetPathValue("id", pathID)
	}
	return &call{r: req, who: &principal{UserID: who, Role: r, MFA: true, Via: "seed"}, body: body, reqID: newID("req"), remote: "127.0.0.1"}
}

// codeCatcher keeps the one-time code the seed's borrower "receives".
type codeCatcher struct {
	mu   sync.Mutex
	code string
}

func (c *codeCatcher) SendCode(ctx context.Context, m contract.CodeMessage) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.code = m.Code
	return nil
}

// seedDisburse takes an approved application through contract, signature
// and disbursement. It runs before the server serves, so swapping the
// signer's code sender for the seed's catcher races with nobody.
func (s *server) seedDisburse(ctx context.Context, app applicationView, agentID string) error {
	_, cv, err := s.inTx(s.createContract)(ctx, s.seedCall(app.BorrowerID, roleBorrower, nil, app.ID))
	if err != nil {
		return fmt.Errorf("demo contract: %w", err)
	}
	ctr := cv.(contractView)
	catcher := &codeCatcher{}
	prev := s.signer.Sender
	s.signer.Sender = catcher
	defer func() { s.signer.Sender = prev }()
	if _, _, err := s.inTx(s.startSigning)(ctx, s.seedCall(app.BorrowerID, roleBorrower, nil, ctr.ID)); err != nil {
		return fmt.Errorf("demo signature: %w", err)
	}
	catcher.mu.Lock()
	code := catcher.code
	catcher.mu.Unlock()
	body, err := json.Marshal(map[string]string{"code": code})
	if err != nil {
		return err
	}
	if _, _, err := s.confirmSigning(ctx, s.seedCall(app.BorrowerID, roleBorrower, body, ctr.ID)); err != nil {
		return fmt.Errorf("demo signature: %w", err)
	}
	if _, _, err := s.inTx(s.disburse)(ctx, s.seedCall(agentID, roleAgent, nil, app.ID)); err != nil {
		return fmt.Errorf("demo disbursement: %w", err)
	}
	return nil
}
