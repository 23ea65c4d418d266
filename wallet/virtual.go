package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/iban"
)

// IssueVirtualIBAN gives a loan or a borrower (ownerKind "loan" or
// "borrower") its virtual IBAN, whose credits land in walletID. The IBAN is
// derived from the owner's id by the issuer (deterministic, valid check
// digits and RIB key); on the rare collision with another owner's IBAN the
// next attempt is used, inside the same unit of work. Issuing again for the
// same owner returns the IBAN it already has.
func (s *Service) IssueVirtualIBAN(ctx context.Context, is *iban.Issuer, ownerKind, ownerID, walletID string) (iban.IBAN, error) {
	if ownerKind != "loan" && ownerKind != "borrower" {
		return iban.IBAN{}, fmt.Errorf("%w: virtual IBAN owner kind %q (loan or borrower)", ErrInvalid, ownerKind)
	}
	if ownerID == "" {
		return iban.IBAN{}, fmt.Errorf("%w: virtual IBAN for an empty owner id", ErrInvalid)
	}
	var out iban.IBAN
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		if v, err := ws.VirtualIBANOf(ctx, ownerKind, ownerID); err == nil {
			if v.WalletID != walletID {
				return fmt.Errorf("%w: %s %s already has %s for wallet %s", ErrExists, ownerKind, ownerID, v.IBAN, v.WalletID)
			}
			out, err = iban.Parse(v.IBAN)
			return err
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := s.active(ctx, tx, walletID); err != nil {
			return err
		}
		for attempt := range iban.MaxAttempts {
			v, err := is.Issue(ownerKind+":"+ownerID, attempt)
			if err != nil {
				return err
			}
			// Look before inserting: a failed INSERT would abort the whole
			// unit of work on Postgres.
			if _, err := ws.VirtualIBAN(ctx, v.String()); err == nil {
				continue // taken by another owner
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := ws.AddVirtualIBAN(ctx, store.VirtualIBAN{IBAN: v.String(), OwnerKind: ownerKind, OwnerID: ownerID, WalletID: walletID}); err != nil {
				return err
			}
			out = v
			return nil
		}
		return fmt.Errorf("%w: no free virtual IBAN after %d attempts (capacity %d)", ErrInvalid, iban.MaxAttempts, is.Capacity())
	})
	return out, err
}

// WalletOfIBAN returns the wallet an IBAN's credits land in, and what the
// IBAN identifies. Errors: ErrNotFound for an IBAN that is not a virtual one.
func (s *Service) WalletOfIBAN(ctx context.Context, i iban.IBAN) (walletID, ownerKind, ownerID string, err error) {
	err = s.db.View(ctx, func(tx store.Tx) error {
		v, err := tx.Wallets().VirtualIBAN(ctx, i.String())
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: virtual IBAN %s", ErrNotFound, i)
		}
		walletID, ownerKind, ownerID = v.WalletID, v.OwnerKind, v.OwnerID
		return err
	})
	return walletID, ownerKind, ownerID, err
}
