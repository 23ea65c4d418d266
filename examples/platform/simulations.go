package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
)

// termsRequest is a loan offer as API clients send it: amounts and the rate
// as strings (never JSON numbers, which readers may turn into floats), the
// rate in percent.
type termsRequest struct {
	Principal string `json:"principal"`
	Currency  string `json:"currency"`
	Rate      string `json:"rate"` // annual nominal, percent: "5" or "4.75"
	Periods   int    `json:"periods"`
	Start     string `json:"start"` // disbursement date, YYYY-MM-DD
	Method    string `json:"method,omitempty"`
	Frequency string `json:"frequency,omitempty"`
	Fee       string `json:"fee,omitempty"` // upfront fee
	APRBasis  string `json:"apr_basis,omitempty"`
}

// terms validates r into amortization.Terms; errors are 400s naming the
// JSON field at fault.
func (r termsRequest) terms() (amortization.Terms, amortization.TimeBasis, error) {
	var t amortization.Terms
	cur, err := lendkit.ParseCurrency(r.Currency)
	if err != nil {
		return t, 0, badRequest("invalid_terms", "currency: %q is not an ISO 4217 code", r.Currency)
	}
	if t.Principal, err = lendkit.ParseMoney(strings.TrimSpace(r.Principal), cur); err != nil {
		return t, 0, badRequest("invalid_terms", "principal: %q is not an amount in %s", r.Principal, cur)
	}
	pct := strings.TrimSuffix(strings.TrimSpace(r.Rate), "%")
	d, err := decimal.NewFromString(pct)
	if err != nil || strings.ContainsAny(pct, "eE") {
		return t, 0, badRequest("invalid_terms", "rate: %q is not a percentage such as 4.75", r.Rate)
	}
	t.Rate = lendkit.RateFromPercent(d)
	t.Periods = r.Periods
	if t.Start, err = lendkit.ParseDate(r.Start); err != nil {
		return t, 0, badRequest("invalid_terms", "start: %q is not a date YYYY-MM-DD", r.Start)
	}
	if r.Method != "" {
		if t.Method, err = amortization.ParseMethod(r.Method); err != nil {
			return t, 0, badRequest("invalid_terms", "method: unknown %q", r.Method)
		}
	}
	if r.Frequency != "" {
		if t.Frequency, err = amortization.ParseFrequency(r.Frequency); err != nil {
			return t, 0, badRequest("invalid_terms", "frequency: unknown %q", r.Frequency)
		}
	}
	if r.Fee != "" {
		if t.UpfrontFee, err = lendkit.ParseMoney(r.Fee, cur); err != nil {
			return t, 0, badRequest("invalid_terms", "fee: %q is not an amount in %s", r.Fee, cur)
		}
	}
	basis := amortization.TimeBasis(0)
	if r.APRBasis != "" {
		if basis, err = amortization.ParseTimeBasis(r.APRBasis); err != nil {
			return t, 0, badRequest("invalid_terms", "apr_basis: unknown %q (months or days)", r.APRBasis)
		}
	}
	return t, basis, nil
}

// generate runs amortization.Generate and turns a TermsError into a 400.
func generate(t amortization.Terms) (*amortization.Schedule, error) {
	s, err := amortization.Generate(t)
	var te *amortization.TermsError
	if errors.As(err, &te) {
		return nil, badRequest("invalid_terms", "%s %s", te.Field, te.Reason)
	}
	return s, err
}

// simulate serves POST /v1/simulations: the schedule and APR of an offer, in
// the same JSON as `platform simulate -format json`. It is public (a loan
// calculator on a website) and touches no database.
func (s *server) simulate(ctx context.Context, c *call) (int, any, error) {
	var req termsRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	t, basis, err := req.terms()
	if err != nil {
		return 0, nil, err
	}
	sch, err := generate(t)
	if err != nil {
		return 0, nil, err
	}
	apr, err := sch.APR(basis)
	if err != nil {
		return 0, nil, fmt.Errorf("simulation APR: %w", err)
	}
	totals, err := sch.Totals()
	if err != nil {
		return 0, nil, err
	}
	basisName := req.APRBasis
	if basisName == "" {
		basisName = "months"
	}
	var buf bytes.Buffer
	if err := (simulation{schedule: sch, apr: apr, basis: basisName, totals: totals}).writeJSON(&buf); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rawJSON(bytes.TrimSpace(buf.Bytes())), nil
}
