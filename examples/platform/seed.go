package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// seedCredential is one seeded account, printed once at first start.
type seedCredential struct {
	Role       role
	Email      string
	Password   string
	TOTPSecret string
}

// seed creates one account per role on a database with no users, with
// random passwords (a fork deployed as is must not ship known passwords)
// and TOTP already enabled for the staff accounts, and credits the
// platform's lending wallet with its capital (1,000,000 EUR). It returns nil when the
// database already had users.
func (s *server) seed(ctx context.Context) ([]seedCredential, error) {
	var empty bool
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		var n int64
		if err := queryRow(ctx, q, `SELECT COUNT(*) FROM platform_users`, nil, &n); err != nil {
			return err
		}
		empty = n == 0
		return nil
	}); err != nil {
		return nil, err
	}
	if !empty {
		return nil, nil
	}
	people := []struct {
		role  role
		email string
		name  string
		kind  string
	}{
		{roleAdmin, "admin@lendkit.example", "Ada Admin", "individual"},
		{roleAgent, "agent@lendkit.example", "Alan Agent", "individual"},
		{roleBorrower, "borrower@lendkit.example", "Bakery Dupont SARL", "business"},
		{roleLender, "lender@lendkit.example", "Lea Lender", "individual"},
	}
	type prepared struct {
		seedCredential
		name, kind, hash string
	}
	var ps []prepared
	for _, p := range people {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		pw := base64.RawURLEncoding.EncodeToString(b[:])
		h, err := hashPassword(pw)
		if err != nil {
			return nil, err
		}
		c := seedCredential{Role: p.role, Email: p.email, Password: pw}
		if p.role.staff() {
			if c.TOTPSecret, err = newTOTPSecret(); err != nil {
				return nil, err
			}
		}
		ps = append(ps, prepared{c, p.name, p.kind, h})
	}
	var out []seedCredential
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, p := range ps {
			id := newID("usr")
			n, err := q.exec(ctx, `INSERT INTO platform_users (id, email, name, role, kind, password_hash, totp_secret, totp_enabled, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
				id, p.Email, p.name, string(p.Role), p.kind, p.hash, p.TOTPSecret, boolInt(p.TOTPSecret != ""), tx.Now().UnixMicro())
			if err != nil {
				return err
			}
			if n == 0 {
				continue // created concurrently by another starting server
			}
			if err := audit(ctx, tx, q, nil, "system", "system", "user.seed", "user", id, map[string]string{"email": p.Email}); err != nil {
				return err
			}
			out = append(out, p.seedCredential)
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	// The platform's own lending capital, what agents disburse from: paid in
	// through the simulated PSP like any other money.
	if err := s.openUserWallet(ctx, platformHolder, wallet.Treasury, wallet.KYCValidated); err != nil {
		return nil, err
	}
	if _, err := s.payIn(ctx, platformHolder, "seed/capital", lendkit.MustParseMoney("1000000", "EUR")); err != nil {
		return nil, err
	}
	if s.seedDemoData {
		var agentID string
		if err := s.db.View(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			return queryRow(ctx, q, `SELECT id FROM platform_users WHERE email = 'agent@lendkit.example'`, nil, &agentID)
		}); err != nil {
			return nil, err
		}
		if err := s.seedDemo(ctx, agentID); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	return out, nil
}
