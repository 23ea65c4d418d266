package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
	"github.com/lendkit/lendkit/wallet/sepa"
)

// Booking says what a notification did to the ledger.
type Booking string

// Bookings.
const (
	BookedNothing  Booking = "nothing"  // a state that moves no money here (created, pending, failed pay-in, mandate, transfer)
	BookedCredit   Booking = "credit"   // a pay-in or collection succeeded: the wallet is credited
	BookedDebit    Booking = "debit"    // a return, chargeback or refund: the wallet is debited
	BookedRestored Booking = "restored" // a payout failed: what Payout debited comes back
)

// Applied is the outcome of ApplyNotification.
type Applied struct {
	Booking Booking
	Key     string // the ledger transaction's key, "" when nothing was booked
}

// ApplyNotification books a PSP notification in one unit of work with the
// record of its id, so a notification is applied at most once: a redelivery
// returns an error wrapping psp.ErrDuplicateNotification and changes
// nothing. The ledger keys derive from the PSP operation id, so even a
// notification id the PSP changed on redelivery books nothing twice.
//
//   - pay-in (card, transfer) or direct debit succeeded: credit the wallet;
//   - refunded, charged back, returned: debit the wallet (ErrInsufficient when
//     it no longer holds the amount: the caller decides where the loss goes);
//   - payout failed: credit back what Payout debited;
//   - everything else (created, pending, failed pay-ins, transfers the
//     platform booked itself, mandate events) is recorded and books nothing.
//
// n.Wallet names the wallet: the platform opens PSP wallets under its own
// wallet ids.
//
// A notification id seen before is psp.ErrDuplicateNotification. The same
// operation's state delivered again under another id (or on another day)
// books nothing and answers BookedNothing; with another amount it is
// store.ErrIdempotencyMismatch, and nothing is marked.
func (s *Service) ApplyNotification(ctx context.Context, n psp.Notification, date lendkit.Date) (Applied, error) {
	if n.ID == "" || date.IsZero() {
		return Applied{}, fmt.Errorf("%w: notification needs an id and a booking date", ErrInvalid)
	}
	var out Applied
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		out = Applied{Booking: BookedNothing}
		fresh, err := tx.Wallets().MarkNotification(ctx, n.ID)
		if err != nil {
			return err
		}
		if !fresh {
			return fmt.Errorf("notification %s: %w", n.ID, psp.ErrDuplicateNotification)
		}
		var booking Booking
		var key string
		switch {
		case n.OperationID == "":
			return nil // a mandate event
		case n.State == psp.StateSucceeded && (n.Kind == psp.PayInCard || n.Kind == psp.PayInTransfer || n.Kind == psp.DirectDebit):
			booking, key = BookedCredit, "psp:"+n.OperationID+":in"
		case n.State == psp.StateReturned || n.State == psp.StateChargedBack:
			booking, key = BookedDebit, "psp:"+n.OperationID+":reversal"
		case n.State == psp.StateSucceeded && n.Kind == psp.Refund:
			booking, key = BookedDebit, "psp:"+n.OperationID+":refund"
		case n.State == psp.StateFailed && n.Kind == psp.Payout:
			booking, key = BookedRestored, "psp:"+n.OperationID+":payout-failed"
		default:
			return nil
		}
		if err := s.checkAmount(n.Amount); err != nil {
			return fmt.Errorf("notification %s: %w", n.ID, err)
		}
		w, err := tx.Wallets().Wallet(ctx, n.Wallet)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: notification %s names wallet %q", ErrNotFound, n.ID, n.Wallet)
		}
		if err != nil {
			return err
		}
		// The same operation's state may be delivered again under another
		// notification id, or on another day: it was booked once, by key.
		// The booking's payload carries the first notification's id and
		// date, so it is found by key here rather than replayed (which
		// would be an idempotency mismatch and fail every redelivery).
		prev, err := tx.Ledger().TransactionsByKey(ctx, []string{key})
		if err != nil {
			return err
		}
		if len(prev) > 0 {
			if len(prev[0].Postings) == 0 || prev[0].Postings[0].Amount != n.Amount {
				return fmt.Errorf("notification %s: %w: operation %s was booked for another amount", n.ID, store.ErrIdempotencyMismatch, n.OperationID)
			}
			out = Applied{Booking: BookedNothing, Key: key}
			return nil
		}
		meta := map[string]string{"psp_operation": n.OperationID, "psp_notification": n.ID}
		if n.ReasonCode != "" {
			meta["reason"] = n.ReasonCode
		}
		if booking == BookedDebit {
			if _, err := s.debit(ctx, tx, w, key, string(n.State), date, n.Amount, meta); err != nil {
				return err
			}
		} else {
			if _, err := ledger.In(tx).Post(ctx, ledger.Transfer{Key: key, Code: string(n.Kind) + "_" + string(n.State), EffectiveDate: date, Metadata: meta,
				Postings: []ledger.Posting{ledger.Dr(s.ExternalAccount(), n.Amount), ledger.Cr(w.AccountID, n.Amount)}}); err != nil {
				return err
			}
		}
		out = Applied{Booking: booking, Key: key}
		return nil
	})
	return out, err
}

// RegisterMandate records a SEPA mandate for a wallet (its debtor's
// account). Registering the same mandate again is a no-op; the same
// reference with other data is ErrExists.
func (s *Service) RegisterMandate(ctx context.Context, walletID string, m sepa.Mandate, pspID string) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		if _, err := s.active(ctx, tx, walletID); err != nil {
			return err
		}
		rec := mandateRecord(walletID, m, pspID)
		if old, err := ws.Mandate(ctx, m.Reference); err == nil {
			old.Version, old.UpdatedAt = 0, rec.UpdatedAt
			if old != rec {
				return fmt.Errorf("%w: mandate %s", ErrExists, m.Reference)
			}
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		_, err := ws.SaveMandate(ctx, rec)
		return err
	})
}

func mandateRecord(walletID string, m sepa.Mandate, pspID string) store.Mandate {
	return store.Mandate{Reference: m.Reference, WalletID: walletID, CreditorID: m.Creditor.String(), DebtorName: m.DebtorName,
		DebtorIBAN: m.DebtorIBAN.String(), Scheme: string(m.Scheme), Recurrent: m.Recurrent, SignedOn: m.SignedOn,
		LastCollection: m.LastCollection, RevokedOn: m.RevokedOn, Status: string(m.Status), PSPID: pspID}
}

// Mandate returns a registered mandate and the wallet it collects into.
func (s *Service) Mandate(ctx context.Context, reference string) (sepa.Mandate, string, error) {
	var m sepa.Mandate
	var walletID string
	err := s.db.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Wallets().Mandate(ctx, reference)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: mandate %q", ErrNotFound, reference)
		}
		if err != nil {
			return err
		}
		m, err = mandateOf(rec)
		walletID = rec.WalletID
		return err
	})
	return m, walletID, err
}

func mandateOf(rec store.Mandate) (sepa.Mandate, error) {
	cid, err := sepa.ParseCreditorID(rec.CreditorID)
	if err != nil {
		return sepa.Mandate{}, err
	}
	debtor, err := iban.Parse(rec.DebtorIBAN)
	if err != nil {
		return sepa.Mandate{}, err
	}
	return sepa.Mandate{Reference: rec.Reference, Creditor: cid, DebtorName: rec.DebtorName, DebtorIBAN: debtor, Scheme: sepa.Scheme(rec.Scheme),
		Recurrent: rec.Recurrent, SignedOn: rec.SignedOn, Status: sepa.MandateStatus(rec.Status), LastCollection: rec.LastCollection, RevokedOn: rec.RevokedOn}, nil
}

// CollectionPresented records that a collection due on due was presented
// under the mandate (the 36-month expiry runs from it). It fails with
// sepa.ErrMandateUnusable on a revoked, expired or used mandate.
func (s *Service) CollectionPresented(ctx context.Context, reference string, due lendkit.Date) (sepa.Mandate, error) {
	return s.changeMandate(ctx, reference, func(m sepa.Mandate) (sepa.Mandate, error) { return m.Collected(due) })
}

// CollectionReturned applies an R-transaction to the collection's mandate
// and returns what to do with the instalment (sepa.Decide): the mandate is
// revoked on the reason codes that end it (AC04, MD01, MD07, …). The money
// side — debiting the wallet — arrives as the PSP's notification
// (ApplyNotification). An unknown reason code is treated conservatively and
// its sepa.ErrUnknownReason is returned with the decision.
func (s *Service) CollectionReturned(ctx context.Context, reference, code string, attempt int, on lendkit.Date, policy sepa.RetryPolicy) (sepa.Decision, error) {
	decision, reasonErr := sepa.Decide(code, attempt, on, policy)
	if decision.Mandate == sepa.RevokeMandate {
		if _, err := s.changeMandate(ctx, reference, func(m sepa.Mandate) (sepa.Mandate, error) { return m.Revoke(on), nil }); err != nil {
			return decision, err
		}
	}
	return decision, reasonErr
}

func (s *Service) changeMandate(ctx context.Context, reference string, fn func(sepa.Mandate) (sepa.Mandate, error)) (sepa.Mandate, error) {
	var out sepa.Mandate
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		rec, err := ws.Mandate(ctx, reference)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: mandate %q", ErrNotFound, reference)
		}
		if err != nil {
			return err
		}
		m, err := mandateOf(rec)
		if err != nil {
			return err
		}
		if out, err = fn(m); err != nil {
			return err
		}
		next := mandateRecord(rec.WalletID, out, rec.PSPID)
		next.Version = rec.Version
		_, err = ws.SaveMandate(ctx, next)
		return err
	})
	return out, err
}
