package wallet

import (
	"errors"
	"testing"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/iban"
)

func TestIssueVirtualIBAN(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db store.DB) {
		s := service(t, db)
		mustOpen(t, s, "acme", Borrower, KYCValidated)
		tiny, err := iban.NewIssuer(iban.IssuerConfig{Bank: "16958", Branch: "00001", Prefix: "LK", Namespace: "t"})
		if err != nil {
			t.Fatal(err)
		}
		// Force a collision: L1's first-attempt IBAN is already someone else's.
		first, _ := tiny.Issue("loan:L1", 0)
		second, _ := tiny.Issue("loan:L1", 1)
		if err := db.InTx(ctx, func(tx store.Tx) error {
			return tx.Wallets().AddVirtualIBAN(ctx, store.VirtualIBAN{IBAN: first.String(), OwnerKind: "borrower", OwnerID: "squatter", WalletID: "acme"})
		}); err != nil {
			t.Fatal(err)
		}
		if v, err := s.IssueVirtualIBAN(ctx, tiny, "loan", "L1", "acme"); err != nil || v != second {
			t.Fatalf("after a collision got %s %v, want the second attempt %s", v, err, second)
		}
		seen := map[iban.IBAN]bool{}
		for _, loan := range []string{"L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"} {
			v, err := s.IssueVirtualIBAN(ctx, tiny, "loan", loan, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if seen[v] || !tiny.Owns(v) || !iban.Valid(v.String()) {
				t.Fatalf("%s: %s repeated or invalid", loan, v)
			}
			seen[v] = true
			again, err := s.IssueVirtualIBAN(ctx, tiny, "loan", loan, "acme")
			if err != nil || again != v {
				t.Fatalf("re-issue %s: %s %v", loan, again, err)
			}
			w, kind, owner, err := s.WalletOfIBAN(ctx, v)
			if err != nil || w != "acme" || kind != "loan" || owner != loan {
				t.Fatalf("lookup %s: %s %s %s %v", v, w, kind, owner, err)
			}
		}
		if _, err := s.IssueVirtualIBAN(ctx, tiny, "loan", "L1", "other"); !errors.Is(err, ErrExists) {
			t.Errorf("same loan, other wallet: %v", err)
		}
		if _, err := s.IssueVirtualIBAN(ctx, tiny, "project", "P", "acme"); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad owner kind: %v", err)
		}
		if _, _, _, err := s.WalletOfIBAN(ctx, iban.MustParse("FR1420041010050500013M02606")); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown IBAN: %v", err)
		}
	})
}
