package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

// The backend defers the ledger's writes to locked rows and sends them with
// the next statement or COMMIT (pgTx). These tests pin down that nothing
// observable changes: every later statement sees them, a savepoint rolled
// back takes them with it, and their failure fails the unit of work.
func TestDeferredWrites(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx store.Tx) error { return tx.Ledger().CreateAccount(ctx, account("a")) }); err != nil {
		t.Fatal(err)
	}
	credits := func(t *testing.T) (n int64) {
		t.Helper()
		err := db.View(ctx, func(tx store.Tx) error {
			return mustPgx(t, tx).QueryRow(ctx, `SELECT posted_credits FROM ledger_balances WHERE account_id = 'a'`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// lockAndAdd locks a and writes its balance plus n: a deferred write.
	lockAndAdd := func(ctx context.Context, s store.LedgerStore, n int64) error {
		st, err := s.LockAccounts(ctx, []string{"a"})
		if err != nil {
			return err
		}
		b := st[0].Balance
		b.PostedCredits += n
		return s.UpdateBalances(ctx, []store.AccountBalance{b})
	}

	t.Run("seen by later statements", func(t *testing.T) {
		before := credits(t)
		err := db.InTx(ctx, func(tx store.Tx) error {
			if err := lockAndAdd(ctx, tx.Ledger(), 5); err != nil {
				return err
			}
			var got int64
			if err := mustPgx(t, tx).QueryRow(ctx, `SELECT posted_credits FROM ledger_balances WHERE account_id = 'a'`).Scan(&got); err != nil {
				return err
			}
			if got != before+5 {
				t.Errorf("PgxTx after a deferred update: %d, want %d", got, before+5)
			}
			st, err := tx.Ledger().State(ctx, "a")
			if err != nil {
				return err
			}
			if st.Balance.PostedCredits != before+5 {
				t.Errorf("State after a deferred update: %d, want %d", st.Balance.PostedCredits, before+5)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := credits(t); got != before+5 {
			t.Errorf("committed %d, want %d", got, before+5)
		}
	})

	t.Run("rolled back with a savepoint", func(t *testing.T) {
		before := credits(t)
		err := db.InTx(ctx, func(tx store.Tx) error {
			sp, err := mustPgx(t, tx).Begin(ctx)
			if err != nil {
				return err
			}
			if err := lockAndAdd(ctx, tx.Ledger(), 7); err != nil {
				return err
			}
			return sp.Rollback(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := credits(t); got != before {
			t.Errorf("after rolling back to the savepoint: %d, want %d", got, before)
		}
	})

	t.Run("failure fails the unit of work", func(t *testing.T) {
		before := credits(t)
		err := db.InTx(ctx, func(tx store.Tx) error {
			// A negative total breaks a CHECK constraint, at COMMIT.
			return lockAndAdd(ctx, tx.Ledger(), -before-1)
		})
		if !errors.Is(err, store.ErrConstraint) {
			t.Errorf("deferred update breaking a CHECK: err = %v, want ErrConstraint", err)
		}
		err = db.InTx(ctx, func(tx store.Tx) error {
			if err := lockAndAdd(ctx, tx.Ledger(), -before-1); err != nil {
				return err
			}
			_, err := tx.Ledger().State(ctx, "a") // the update goes with this read
			return err
		})
		if !errors.Is(err, store.ErrConstraint) {
			t.Errorf("deferred update breaking a CHECK, then a read: err = %v, want ErrConstraint", err)
		}
		if got := credits(t); got != before {
			t.Errorf("after failed units of work: %d, want %d", got, before)
		}
	})

	// A deferred write travels with COMMIT: if it writes fewer rows than it
	// should, the server must fail it before the COMMIT behind it runs.
	t.Run("a short write fails the commit it travels with", func(t *testing.T) {
		before := credits(t)
		err := db.InTx(ctx, func(tx store.Tx) error {
			st, err := tx.Ledger().LockAccounts(ctx, []string{"a"})
			if err != nil {
				return err
			}
			postgres.MarkLocked(tx, "ghost") // never locked: it does not exist
			a := st[0].Balance
			a.PostedCredits += 11
			return tx.Ledger().UpdateBalances(ctx, []store.AccountBalance{a, {AccountID: "ghost"}})
		})
		if err == nil || !strings.Contains(err.Error(), "rows updated for the locked balances: 1 of 2") {
			t.Errorf("short deferred update: err = %v, want the server's assertion", err)
		}
		if got := credits(t); got != before {
			t.Errorf("after a short deferred update: %d committed, want %d", got, before)
		}
	})

	t.Run("several statements without arguments first", func(t *testing.T) {
		err := db.InTx(ctx, func(tx store.Tx) error {
			_, err := mustPgx(t, tx).Exec(ctx, `SELECT 1; SELECT 2`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("no statement", func(t *testing.T) {
		if err := db.InTx(ctx, func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := db.View(ctx, func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
}
