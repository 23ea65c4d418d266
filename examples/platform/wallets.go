package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
)

// Wallets over the API. Every user gets a wallet at sign-up (wallet id = user
// id). Money enters through the PSP (the simulated one, wallet/psp/simpsp,
// in this reference platform) into the platform's pooled client-money
// account there (pspPool), and package wallet credits the user's wallet once
// the PSP reports success; it leaves through wallet's Payout, which needs validated
// KYC and a verified IBAN. These routes are idempotent through the keys the
// libraries keep themselves (the PSP reference and the wallet movement key
// are derived from the caller's Idempotency-Key), since wallet runs its own
// units of work.

// walletKind is the wallet kind of a role.
func walletKind(r role) wallet.Kind {
	if r == roleLender {
		return wallet.Lender
	}
	return wallet.Borrower
}

// openUserWallet opens (idempotently) a wallet at the platform and at the PSP.
func (s *server) openUserWallet(ctx context.Context, id string, kind wallet.Kind, kyc wallet.KYCLevel) error {
	if _, err := s.wallets.Open(ctx, wallet.OpenRequest{ID: id, Kind: kind, Owner: id, KYC: kyc}); err != nil && !errors.Is(err, wallet.ErrExists) {
		return err
	}
	return nil
}

// payIn runs a card pay-in through the PSP and credits the wallet once it
// succeeded. ref is the idempotency reference at the PSP and, prefixed, the
// wallet credit's key: the credit is keyed by the platform's own reference,
// not by the PSP's operation id, so that a replay after a restart that the
// PSP does not remember (the simulated one keeps its state in memory) credits
// nothing twice. A replay with another amount is refused.
func (s *server) payIn(ctx context.Context, walletID, ref string, amt lendkit.Money) (wallet.Movement, error) {
	op, err := s.psp.CreatePayIn(ctx, psp.PayInRequest{Reference: ref, Kind: psp.PayInCard, Wallet: pspPool, Amount: amt})
	if err != nil {
		return wallet.Movement{}, err
	}
	if op.Amount != amt {
		return wallet.Movement{}, fmt.Errorf("pay-in %s: %w", ref, store.ErrIdempotencyMismatch)
	}
	s.psp.Settle()
	if op, err = s.psp.Operation(ctx, op.ID); err != nil {
		return wallet.Movement{}, err
	}
	if op.State != psp.StateSucceeded {
		return wallet.Movement{}, &apiError{http.StatusPaymentRequired, "payin_failed", fmt.Sprintf("the PSP reports the pay-in %s (%s)", op.State, op.Failure)}
	}
	return s.wallets.PayIn(ctx, wallet.PayIn{Key: cardCreditKey(ref), Wallet: walletID, Amount: amt, Date: lendkit.Today(s.clock), Method: "card"})
}

// cardCreditKey derives the wallet credit's key from the platform's pay-in
// reference. It hashes the reference because a client's Idempotency-Key may
// be 128 bytes on its own, and the ledger's keys are at most 128 bytes.
func cardCreditKey(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return "card/" + hex.EncodeToString(sum[:16])
}

// walletKey scopes the caller's Idempotency-Key to them.
func walletKey(c *call, what string) string {
	return what + "/" + c.who.UserID + "/" + c.r.Header.Get(idempotencyHeader)
}

// createPayIn serves POST /v1/wallet/payins {"amount": "…"}: money into the
// caller's wallet by card.
func (s *server) createPayIn(ctx context.Context, c *call) (int, any, error) {
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
	if err := s.openUserWallet(ctx, c.who.UserID, walletKind(c.who.Role), wallet.KYCLight); err != nil {
		return 0, nil, err
	}
	m, err := s.payIn(ctx, c.who.UserID, walletKey(c, "payin"), amt)
	if err != nil {
		return 0, nil, err
	}
	if err := s.auditAfter(ctx, c, "wallet.payin", "wallet", c.who.UserID, map[string]string{"amount": amt.String(), "ledger_tx": m.TransactionID}); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, m, nil
}

// createPayout serves POST /v1/wallet/payouts {"amount", "iban"}: money
// out of the caller's wallet to their bank, once KYC allows it.
func (s *server) createPayout(ctx context.Context, c *call) (int, any, error) {
	var req struct {
		Amount string `json:"amount"`
		IBAN   string `json:"iban"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	amt, err := requestAmount(req.Amount, s.currency)
	if err != nil {
		return 0, nil, err
	}
	acct, err := iban.Parse(req.IBAN)
	if err != nil {
		return 0, nil, badRequest("invalid_iban", "%v", err)
	}
	key := walletKey(c, "payout")
	// The simulated PSP verifies the IBAN, as a real PSP does when the
	// owner registers the bank account; wallet checks the owner's KYC.
	if err := s.psp.VerifyIBAN(pspPool, acct); err != nil {
		return 0, nil, badRequest("invalid_iban", "%v", err)
	}
	m, err := s.wallets.Payout(ctx, wallet.Payout{Key: key, Wallet: c.who.UserID, Amount: amt, Date: lendkit.Today(s.clock), IBAN: acct})
	if err != nil {
		return 0, nil, err
	}
	// A payout the PSP refused earlier had its debit reversed: a replay must
	// not ask the PSP again, or an acceptance now would pay out money the
	// wallet was given back.
	refusedKey := m.Key + ":refused"
	var refused []store.Transaction
	if err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		refused, err = tx.Ledger().TransactionsByKey(ctx, []string{refusedKey})
		return err
	}); err != nil {
		return 0, nil, err
	}
	if len(refused) > 0 {
		return 0, nil, &apiError{http.StatusConflict, "payout_refused", "the PSP refused this payout earlier and the wallet was credited back: send a new request with a new Idempotency-Key"}
	}
	if _, err := s.psp.CreatePayout(ctx, psp.PayoutRequest{Reference: key, Wallet: pspPool, Amount: amt, IBAN: acct, Label: "lendkit payout"}); err != nil {
		// The PSP refused: the money never left, so the wallet's debit is
		// reversed (keyed, and a transaction is reversed at most once)
		// before the error goes back to the caller.
		if _, rerr := ledger.New(s.db).Reverse(ctx, ledger.Reversal{Key: refusedKey, TransactionID: m.TransactionID,
			EffectiveDate: lendkit.Today(s.clock), Description: "payout refused by the PSP"}); rerr != nil && !errors.Is(rerr, ledger.ErrAlreadyReversed) {
			return 0, nil, fmt.Errorf("payout %s refused by the PSP (%w), and its debit could not be reversed: %w", key, err, rerr)
		}
		return 0, nil, err
	}
	s.psp.Settle()
	if err := s.auditAfter(ctx, c, "wallet.payout", "wallet", c.who.UserID, map[string]string{"amount": amt.String(), "ledger_tx": m.TransactionID}); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, m, nil
}

// walletView is a wallet as its owner sees it.
type walletView struct {
	ID        string        `json:"id"`
	Kind      string        `json:"kind"`
	Status    string        `json:"status"`
	KYC       int           `json:"kyc_level"`
	Balance   lendkit.Money `json:"balance"`
	Available lendkit.Money `json:"available"`
}

// getWallet serves GET /v1/wallet: the caller's wallet.
func (s *server) getWallet(ctx context.Context, c *call) (int, any, error) {
	w, err := s.wallets.Get(ctx, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, walletView{ID: w.ID, Kind: string(w.Kind), Status: string(w.Status), KYC: int(w.KYC),
		Balance: w.Balance.Posted, Available: w.Balance.Available}, nil
}

// setKYC serves POST /v1/users/{id}/kyc {"level": 0|1|2} (staff): the
// agent records the outcome of the identity checks.
func (s *server) setKYC(ctx context.Context, c *call) (int, any, error) {
	var req struct {
		Level int `json:"level"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Level < int(wallet.KYCNone) || req.Level > int(wallet.KYCValidated) {
		return 0, nil, badRequest("invalid_kyc", "level must be 0 (none), 1 (light) or 2 (validated)")
	}
	id := c.r.PathValue("id")
	var u user
	if err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		u, err = loadUser(ctx, q, id)
		return err
	}); err != nil {
		return 0, nil, err
	}
	if err := s.openUserWallet(ctx, id, walletKind(u.Role), wallet.KYCLevel(req.Level)); err != nil {
		return 0, nil, err
	}
	w, err := s.wallets.SetKYC(ctx, id, wallet.KYCLevel(req.Level))
	if err != nil {
		return 0, nil, err
	}
	if err := s.auditAfter(ctx, c, "wallet.kyc", "user", id, map[string]int{"level": req.Level}); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, walletView{ID: w.ID, Kind: string(w.Kind), Status: string(w.Status), KYC: int(w.KYC), Balance: w.Balance.Posted, Available: w.Balance.Available}, nil
}
