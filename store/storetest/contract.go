package storetest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit/store"
)

// ExerciseContract runs the ContractStore conformance tests.
func ExerciseContract(t *testing.T, open Opener) {
	t.Helper()
	t.Run("VersionRoundTrip", func(t *testing.T) { t.Parallel(); testContractRoundTrip(t, open) })
	t.Run("Supersede", func(t *testing.T) { t.Parallel(); testContractSupersede(t, open) })
	t.Run("Signatures", func(t *testing.T) { t.Parallel(); testContractSignatures(t, open) })
	t.Run("Challenges", func(t *testing.T) { t.Parallel(); testContractChallenges(t, open) })
	t.Run("BulkAndRollback", func(t *testing.T) { t.Parallel(); testContractBulk(t, open) })
	t.Run("MigrationDownUpWithData", func(t *testing.T) { t.Parallel(); testContractMigration(t, open) })
}

// testContractMigration takes migration 0004 down with signed contracts in
// its tables (the immutability triggers must not block dropping them) and
// up again.
func testContractMigration(t *testing.T, open Opener) {
	b := setup(t, open)
	fill := func() {
		b.mustContracts(t, func(s store.ContractStore) error {
			if err := s.InsertVersions(b.ctx, []store.ContractVersion{contractVersion("C", 1, true), contractVersion("C", 2, true)}); err != nil {
				return err
			}
			if err := s.SaveChallenge(b.ctx, store.ContractChallenge{ID: "ch", ContractID: "C", Version: 2, SignerID: "u", State: []byte("{}"), ExpiresAt: Epoch}); err != nil {
				return err
			}
			return s.RecordSignature(b.ctx, signature("C", 2, "u", Epoch))
		})
	}
	fill()
	_, latest, err := b.db.MigrationVersion(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.db.MigrateTo(b.ctx, 3); err != nil {
		t.Fatalf("down to 0003 with signed contracts: %v", err)
	}
	if err := b.contracts(t, func(s store.ContractStore) error { _, err := s.Latest(b.ctx, "C"); return err }); err == nil {
		t.Error("contract tables still readable at version 3")
	}
	if err := b.db.MigrateTo(b.ctx, latest); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := b.contracts(t, func(s store.ContractStore) error { _, err := s.Latest(b.ctx, "C"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after up again: %v", err)
	}
	fill()
}

func (b *bundle) contracts(t *testing.T, fn func(s store.ContractStore) error) error {
	t.Helper()
	return b.db.InTx(b.ctx, func(tx store.Tx) error { return fn(tx.Contracts()) })
}

func (b *bundle) mustContracts(t *testing.T, fn func(s store.ContractStore) error) {
	t.Helper()
	if err := b.contracts(t, fn); err != nil {
		t.Fatal(err)
	}
}

// contractVersion is a version whose documents and digests derive from id
// and version, with or without a PDF.
func contractVersion(id string, version int, pdf bool) store.ContractVersion {
	html := []byte(fmt.Sprintf("<html><body><p>%s v%d — 1\u202f234,56\u00a0€</p></body></html>", id, version))
	v := store.ContractVersion{ContractID: id, Version: version, Kind: "lender-agreement", Locale: "fr",
		Fingerprint: sha256.Sum256(html), HTML: html, Inputs: []byte(`{"Reference":"` + id + `"}`)}
	if pdf {
		v.PDF = []byte("%PDF-1.3\n\x00\xff binary " + id)
		v.PDFDigest = sha256.Sum256(v.PDF)
	}
	return v
}

// stored is what a version reads back as: CreatedAt is the unit of work's
// time; listings carry no documents.
func stored(v store.ContractVersion, at time.Time, docs bool) store.ContractVersion {
	v.CreatedAt = at.UTC().Truncate(time.Microsecond)
	if !docs {
		v.HTML, v.PDF, v.Inputs = nil, nil, nil
	}
	return v
}

func testContractRoundTrip(t *testing.T, open Opener) {
	b := setup(t, open)
	a, c := contractVersion("C-A", 1, true), contractVersion("C-B", 1, false)
	c.Inputs = nil
	b.mustContracts(t, func(s store.ContractStore) error { return s.InsertVersions(b.ctx, []store.ContractVersion{a, c}) })
	b.mustContracts(t, func(s store.ContractStore) error {
		got, err := s.Version(b.ctx, "C-A", 1)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(stored(a, Epoch, true), got); diff != "" {
			t.Errorf("Version (-want +got):\n%s", diff)
		}
		got, err = s.Latest(b.ctx, "C-B")
		if err != nil {
			return err
		}
		if diff := cmp.Diff(stored(c, Epoch, true), got); diff != "" {
			t.Errorf("Latest without PDF and inputs (-want +got):\n%s", diff)
		}
		list, err := s.Versions(b.ctx, "C-A")
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]store.ContractVersion{stored(a, Epoch, false)}, list); diff != "" {
			t.Errorf("Versions (-want +got):\n%s", diff)
		}
		found, err := s.ByFingerprint(b.ctx, c.Fingerprint)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]store.ContractVersion{stored(c, Epoch, false)}, found); diff != "" {
			t.Errorf("ByFingerprint (-want +got):\n%s", diff)
		}
		if none, err := s.ByFingerprint(b.ctx, [32]byte{1}); err != nil || len(none) != 0 {
			t.Errorf("ByFingerprint(unknown) = %v, %v", none, err)
		}
		for _, f := range []func() error{
			func() error { _, err := s.Version(b.ctx, "C-A", 2); return err },
			func() error { _, err := s.Latest(b.ctx, "nope"); return err },
		} {
			if err := f(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("missing version: %v", err)
			}
		}
		return nil
	})
	err := b.contracts(t, func(s store.ContractStore) error { return s.InsertVersions(b.ctx, []store.ContractVersion{a}) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate version 1: %v", err)
	}
	bad := contractVersion("", 1, false)
	if err := b.contracts(t, func(s store.ContractStore) error { return s.InsertVersions(b.ctx, []store.ContractVersion{bad}) }); !errors.Is(err, store.ErrConstraint) {
		t.Errorf("empty contract id: %v", err)
	}
}

func testContractSupersede(t *testing.T, open Opener) {
	b := setup(t, open)
	b.mustContracts(t, func(s store.ContractStore) error {
		return s.InsertVersions(b.ctx, []store.ContractVersion{contractVersion("C", 1, true)})
	})
	b.clock.Advance(time.Hour)
	at2 := b.clock.Now()
	v2 := contractVersion("C", 2, true)
	b.mustContracts(t, func(s store.ContractStore) error { return s.InsertVersions(b.ctx, []store.ContractVersion{v2}) })
	b.mustContracts(t, func(s store.ContractStore) error {
		list, err := s.Versions(b.ctx, "C")
		if err != nil {
			return err
		}
		v1 := stored(contractVersion("C", 1, true), Epoch, false)
		v1.SupersededBy = 2
		if diff := cmp.Diff([]store.ContractVersion{v1, stored(v2, at2, false)}, list); diff != "" {
			t.Errorf("Versions after superseding (-want +got):\n%s", diff)
		}
		latest, err := s.Latest(b.ctx, "C")
		if err != nil {
			return err
		}
		if latest.Version != 2 || latest.SupersededBy != 0 {
			t.Errorf("Latest is v%d superseded by %d", latest.Version, latest.SupersededBy)
		}
		return nil
	})
	tests := []struct {
		name string
		vs   []store.ContractVersion
		want error
	}{
		{"second v2", []store.ContractVersion{contractVersion("C", 2, false)}, store.ErrConflict},
		{"gap", []store.ContractVersion{contractVersion("C", 4, false)}, store.ErrNotFound},
		{"no v1", []store.ContractVersion{contractVersion("D", 2, false)}, store.ErrNotFound},
	}
	for _, tt := range tests {
		err := b.contracts(t, func(s store.ContractStore) error { return s.InsertVersions(b.ctx, tt.vs) })
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// Several versions of one contract in one batch, in any order.
	b.mustContracts(t, func(s store.ContractStore) error {
		return s.InsertVersions(b.ctx, []store.ContractVersion{contractVersion("E", 3, false), contractVersion("E", 1, false), contractVersion("E", 2, false)})
	})
	b.mustContracts(t, func(s store.ContractStore) error {
		list, err := s.Versions(b.ctx, "E")
		if err != nil {
			return err
		}
		got := make([]int, len(list))
		for i, v := range list {
			got[i] = v.SupersededBy
		}
		if diff := cmp.Diff([]int{2, 3, 0}, got); diff != "" {
			t.Errorf("superseded_by of E's versions (-want +got):\n%s", diff)
		}
		return nil
	})
}

func signature(id string, version int, signer string, at time.Time) store.ContractSignature {
	ev := []byte(fmt.Sprintf(`{"Method":"simple-otp","Reference":%q,"Version":%d,"Signer":{"ID":%q}}`, id, version, signer))
	return store.ContractSignature{ContractID: id, Version: version, SignerID: signer, Method: "simple-otp",
		SignedAt: at, Evidence: ev, Digest: sha256.Sum256(ev)}
}

func testContractSignatures(t *testing.T, open Opener) {
	b := setup(t, open)
	b.mustContracts(t, func(s store.ContractStore) error {
		return s.InsertVersions(b.ctx, []store.ContractVersion{contractVersion("C", 1, true), contractVersion("C", 2, true)})
	})
	b.clock.Advance(time.Minute)
	first := b.clock.Now()
	borrower := signature("C", 2, "borrower-1", first.Add(-30*time.Second))
	b.mustContracts(t, func(s store.ContractStore) error { return s.RecordSignature(b.ctx, borrower) })
	b.clock.Advance(time.Hour)
	second := b.clock.Now()
	lender := signature("C", 2, "lender-1", second.Add(-time.Second))
	b.mustContracts(t, func(s store.ContractStore) error { return s.RecordSignature(b.ctx, lender) })

	b.mustContracts(t, func(s store.ContractStore) error {
		v, err := s.Version(b.ctx, "C", 2)
		if err != nil {
			return err
		}
		if !v.SignedAt.Equal(first) {
			t.Errorf("SignedAt = %v, want the first signature's recording time %v", v.SignedAt, first)
		}
		got, err := s.Signatures(b.ctx, "C", 2)
		if err != nil {
			return err
		}
		borrower.RecordedAt, lender.RecordedAt = first, second
		if diff := cmp.Diff([]store.ContractSignature{borrower, lender}, got); diff != "" {
			t.Errorf("Signatures (-want +got):\n%s", diff)
		}
		return nil
	})
	tests := []struct {
		name string
		sig  store.ContractSignature
		want error
	}{
		{"same signer again", signature("C", 2, "borrower-1", second), store.ErrConflict},
		{"superseded version", signature("C", 1, "borrower-1", second), store.ErrConflict},
		{"missing version", signature("C", 3, "borrower-1", second), store.ErrNotFound},
	}
	for _, tt := range tests {
		if err := b.contracts(t, func(s store.ContractStore) error { return s.RecordSignature(b.ctx, tt.sig) }); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// A signed version can still be superseded by a new version; its
	// signatures stay.
	b.mustContracts(t, func(s store.ContractStore) error {
		return s.InsertVersions(b.ctx, []store.ContractVersion{contractVersion("C", 3, true)})
	})
	b.mustContracts(t, func(s store.ContractStore) error {
		v, err := s.Version(b.ctx, "C", 2)
		if err != nil {
			return err
		}
		sigs, err := s.Signatures(b.ctx, "C", 2)
		if v.SupersededBy != 3 || !v.SignedAt.Equal(first) || len(sigs) != 2 || err != nil {
			t.Errorf("signed v2 after v3: superseded by %d, signed at %v, %d signatures, %v", v.SupersededBy, v.SignedAt, len(sigs), err)
		}
		return nil
	})
}

func testContractChallenges(t *testing.T, open Opener) {
	b := setup(t, open)
	b.mustContracts(t, func(s store.ContractStore) error {
		return s.InsertVersions(b.ctx, []store.ContractVersion{contractVersion("C", 1, false)})
	})
	c := store.ContractChallenge{ID: "ch-1", ContractID: "C", Version: 1, SignerID: "u-1", State: []byte(`{"Attempts":0}`),
		ExpiresAt: Epoch.Add(10 * time.Minute)}
	b.mustContracts(t, func(s store.ContractStore) error { return s.SaveChallenge(b.ctx, c) })
	b.clock.Advance(time.Minute)
	c.Attempts, c.Confirmed, c.State = 1, true, []byte(`{"Attempts":1}`)
	b.mustContracts(t, func(s store.ContractStore) error { return s.SaveChallenge(b.ctx, c) })
	b.mustContracts(t, func(s store.ContractStore) error {
		got, err := s.Challenge(b.ctx, "ch-1")
		if err != nil {
			return err
		}
		want := c
		want.UpdatedAt = b.clock.Now()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Challenge (-want +got):\n%s", diff)
		}
		return nil
	})
	other := c
	other.SignerID = "u-2"
	if err := b.contracts(t, func(s store.ContractStore) error { return s.SaveChallenge(b.ctx, other) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("challenge id reused for another signer: %v", err)
	}
	orphan := c
	orphan.ID, orphan.Version = "ch-2", 9
	if err := b.contracts(t, func(s store.ContractStore) error { return s.SaveChallenge(b.ctx, orphan) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("challenge for a missing version: %v", err)
	}
	if err := b.contracts(t, func(s store.ContractStore) error { _, err := s.Challenge(b.ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing challenge: %v", err)
	}
}

// testContractBulk stores a project's lender contracts in one unit of work
// (as the funding close does) and checks that a failing unit of work leaves
// nothing behind.
func testContractBulk(t *testing.T, open Opener) {
	b := setup(t, open)
	const n = 600
	vs := make([]store.ContractVersion, n)
	for i := range vs {
		vs[i] = contractVersion(fmt.Sprintf("P42-L%05d", i), 1, true)
	}
	boom := errors.New("funding close failed")
	err := b.contracts(t, func(s store.ContractStore) error {
		if err := s.InsertVersions(b.ctx, vs); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	b.mustContracts(t, func(s store.ContractStore) error {
		if _, err := s.Latest(b.ctx, vs[0].ContractID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back version is there: %v", err)
		}
		return s.InsertVersions(b.ctx, vs)
	})
	b.mustContracts(t, func(s store.ContractStore) error {
		for _, i := range []int{0, n / 2, n - 1} {
			got, err := s.Version(b.ctx, vs[i].ContractID, 1)
			if err != nil {
				return err
			}
			if diff := cmp.Diff(stored(vs[i], Epoch, true), got); diff != "" {
				t.Errorf("version %d (-want +got):\n%s", i, diff)
			}
		}
		return nil
	})
}
