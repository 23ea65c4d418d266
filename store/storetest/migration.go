package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// ExerciseMigration checks the backend's embedded migrations: up to the
// latest, down to 0 and up again, with data in the tables; one step at a
// time; and refusal of versions that do not exist.
func ExerciseMigration(t *testing.T, open Opener) {
	t.Helper()
	t.Run("UpDownUpWithData", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		cur, latest, err := b.db.MigrationVersion(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest || latest < 1 {
			t.Fatalf("after Migrate: version %d of %d", cur, latest)
		}
		fill := func() State {
			lb := &ledgerBundle{bundle: b, l: ledger.New(b.db)}
			lb.account(t, "bank", ledger.Debit, ledger.Unconstrained, 0)
			lb.account(t, "alice", ledger.Credit, ledger.NonNegative, 0)
			lb.account(t, "bob", ledger.Credit, ledger.NonNegative, 0)
			lb.fund(t, "alice", 1000)
			if _, err := lb.l.Hold(b.ctx, lb.transfer("h", "alice", "bob", 100), Epoch.Add(24*3600e9)); err != nil {
				t.Fatal(err)
			}
			lb.verify(t)
			return lb.snapshot(t)
		}
		first := fill()
		if err := b.db.MigrateTo(b.ctx, 0); err != nil {
			t.Fatalf("down to 0 with data: %v", err)
		}
		if cur, _, err := b.db.MigrationVersion(b.ctx); err != nil || cur != 0 {
			t.Fatalf("after down: version %d, %v", cur, err)
		}
		if _, err := Snapshot(b.ctx, b.db); err == nil {
			t.Error("ledger tables still readable at version 0")
		}
		if err := b.db.Migrate(b.ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if st, err := Snapshot(b.ctx, b.db); err != nil || len(st.Accounts) != 0 {
			t.Fatalf("after up again: %d accounts, %v", len(st.Accounts), err)
		}
		b.clock.Set(Epoch) // the same times, so the same State
		second := fill()
		if diff := cmp.Diff(first, second, cmpOpts); diff != "" {
			t.Errorf("the re-created schema behaves differently (-first +second):\n%s", diff)
		}
	})
	t.Run("StepByStep", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, latest, err := b.db.MigrationVersion(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for v := latest - 1; v >= 0; v-- {
			if err := b.db.MigrateTo(b.ctx, v); err != nil {
				t.Fatalf("down to %d: %v", v, err)
			}
		}
		for v := 1; v <= latest; v++ {
			if err := b.db.MigrateTo(b.ctx, v); err != nil {
				t.Fatalf("up to %d: %v", v, err)
			}
			if cur, _, err := b.db.MigrationVersion(b.ctx); err != nil || cur != v {
				t.Fatalf("at %d: version %d, %v", v, cur, err)
			}
		}
		if err := b.db.Migrate(b.ctx); err != nil {
			t.Errorf("Migrate when up to date: %v", err)
		}
	})
	t.Run("UnknownVersion", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, latest, err := b.db.MigrationVersion(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []int{-1, latest + 1} {
			err := b.db.MigrateTo(b.ctx, v)
			var me *store.MigrationError
			if !errors.Is(err, store.ErrMigration) || !errors.As(err, &me) {
				t.Errorf("MigrateTo(%d): %v, want *store.MigrationError", v, err)
			}
		}
	})
}
