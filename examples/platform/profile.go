package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/store"
)

// profile is the identity a contract prints for a natural person (a lender's
// agreement needs the birth place too).
type profile struct {
	FirstName  string      `json:"first_name"`
	LastName   string      `json:"last_name"`
	BirthDate  string      `json:"birth_date"`
	BirthPlace string      `json:"birth_place"`
	Address    addressJSON `json:"address"`
}

// person converts the profile for package contract; missing fields stay
// empty and contract's validation names them.
func (p profile) person(email string) contract.Person {
	bd, _ := lendkit.ParseDate(p.BirthDate) // validated when set
	return contract.Person{FirstName: p.FirstName, LastName: p.LastName, BirthDate: bd, BirthPlace: p.BirthPlace, Email: email,
		Address: contract.Address{Street: p.Address.Street, PostalCode: p.Address.PostalCode, City: p.Address.City, Country: p.Address.Country}}
}

// setProfile serves PUT /v1/profile (borrowers and lenders).
func (s *server) setProfile(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var p profile
	if err := c.decode(&p); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(p.FirstName) == "" || strings.TrimSpace(p.LastName) == "" {
		return 0, nil, badRequest("invalid_profile", "first_name and last_name are required")
	}
	if _, err := lendkit.ParseDate(p.BirthDate); err != nil {
		return 0, nil, badRequest("invalid_profile", "birth_date: %q is not a date YYYY-MM-DD", p.BirthDate)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return 0, nil, err
	}
	if _, err := q.exec(ctx, `UPDATE platform_users SET profile = $1 WHERE id = $2`, string(b), c.who.UserID); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "profile.set", "user", c.who.UserID, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

// loadProfile reads a user's profile and email.
func loadProfile(ctx context.Context, q sqlq, id string) (profile, string, error) {
	var raw, email string
	if err := queryRow(ctx, q, `SELECT profile, email FROM platform_users WHERE id = $1`, []any{id}, &raw, &email); err != nil {
		return profile{}, "", err
	}
	var p profile
	err := json.Unmarshal([]byte(raw), &p)
	return p, email, err
}
