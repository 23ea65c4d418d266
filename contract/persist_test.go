package contract

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
)

func openStore(t testing.TB, clock lendkit.Clock) store.DB {
	t.Helper()
	return sqlitetest.Open(t, sqlite.WithClock(clock))
}

// TestPersistSignSupersede walks a contract's life through a real SQLite
// store: the project's lender contracts saved in one unit of work, one of
// them signed with a one-time code across two units of work, then a new
// version superseding it.
func TestPersistSignSupersede(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := lendkit.NewManualClock(time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC))
	db := openStore(t, clock)
	r := NewRenderer(defaults(t))
	project, shares := projectShares(12, 12)
	docs, err := r.Bulk(ctx, project, shares, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx store.Tx) error { return Save(ctx, tx, docs) }); err != nil {
		t.Fatal(err)
	}
	doc := docs[3]
	err = db.View(ctx, func(tx store.Tx) error {
		got, err := Load(ctx, tx, doc.Reference, 1)
		if err != nil {
			return err
		}
		if got.Fingerprint != doc.Fingerprint || got.PDFDigest != doc.PDFDigest || got.Data.Lender.Person.FirstName != shares[3].Lender.FirstName {
			t.Errorf("loaded %s differs", doc.Reference)
		}
		return VerifyStored(ctx, tx, r, doc.Reference, 1)
	})
	if err != nil {
		t.Fatal(err)
	}

	// Sign: the code is sent in one request, confirmed in another.
	out := &outbox{}
	signer := &SimpleSigner{Clock: clock, Sender: out}
	who := Signer{ID: "lender-4", Name: shares[3].Lender.Name(), Email: "l4@example.org"}
	var chID string
	err = db.InTx(ctx, func(tx store.Tx) error {
		d, err := Load(ctx, tx, doc.Reference, 1)
		if err != nil {
			return err
		}
		ch, err := signer.Start(ctx, &d, who, Email, "J’accepte le contrat.")
		if err != nil {
			return err
		}
		chID = ch.ID
		return SaveChallenge(ctx, tx, ch)
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	confirm := func(code string) (Evidence, error) {
		var ev Evidence
		var confirmErr error
		err := db.InTx(ctx, func(tx store.Tx) error {
			ch, err := LoadChallenge(ctx, tx, chID)
			if err != nil {
				return err
			}
			ev, confirmErr = signer.Confirm(&ch, code, browser)
			if err := SaveChallenge(ctx, tx, ch); err != nil {
				return err
			}
			if confirmErr != nil {
				return nil // the attempt is recorded; the error is the signer's
			}
			return RecordSignature(ctx, tx, ev)
		})
		if err != nil {
			return ev, err
		}
		return ev, confirmErr
	}
	if _, err := confirm("not-it"); !errors.Is(err, ErrCodeMismatch) {
		t.Fatalf("wrong code: %v", err)
	}
	ev, err := confirm(out.sent[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Attempts != 2 {
		t.Errorf("attempts across requests = %d, want 2", ev.Attempts)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		evs, err := Signatures(ctx, tx, doc.Reference, 1)
		if err != nil {
			return err
		}
		if len(evs) != 1 || evs[0].Digest != ev.Digest || !evs[0].SignedAt.Equal(ev.SignedAt) {
			t.Errorf("stored evidence %+v", evs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Evidence for another document, or altered, is refused.
	forged := ev
	forged.Reference, forged.Fingerprint = docs[4].Reference, doc.Fingerprint
	_ = forged.Seal()
	if err := db.InTx(ctx, func(tx store.Tx) error { return RecordSignature(ctx, tx, forged) }); !errors.Is(err, ErrTampered) {
		t.Errorf("evidence for another document: %v", err)
	}

	// A change is a new version; the signed one stays, superseded.
	d := *doc.Data
	d.Version = 2
	d.Place = "Lyon"
	v2, err := r.Render(&d)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx store.Tx) error { return Save(ctx, tx, []Document{v2}) }); err != nil {
		t.Fatal(err)
	}
	late := ev
	late.Signer.ID = "someone-else"
	_ = late.Seal()
	if err := db.InTx(ctx, func(tx store.Tx) error { return RecordSignature(ctx, tx, late) }); !errors.Is(err, ErrSuperseded) {
		t.Errorf("signing a superseded version: %v", err)
	}
	if err := db.InTx(ctx, func(tx store.Tx) error { return Save(ctx, tx, []Document{v2}) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("saving v2 twice: %v", err)
	}
	tampered := v2
	tampered.HTML = append([]byte("<!-- -->"), v2.HTML...)
	tampered.Version = 3
	if err := db.InTx(ctx, func(tx store.Tx) error { return Save(ctx, tx, []Document{tampered}) }); !errors.Is(err, ErrTampered) {
		t.Errorf("saving a document that does not match its fingerprint: %v", err)
	}
}
