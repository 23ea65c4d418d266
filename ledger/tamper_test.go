package ledger_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store/sqlite"
)

// tamperBundle is a small ledger on SQLite plus a raw connection to the same
// file, through which the tests play an intruder editing rows.
type tamperBundle struct {
	l   *ledger.Ledger
	raw *sql.DB
	ids map[string]string // transaction id by key
}

func setupTamper(t *testing.T) *tamperBundle {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := &tamperBundle{l: ledger.New(db), ids: map[string]string{}}
	for _, a := range []ledger.Account{
		{ID: "bank", Code: "bank", Currency: lendkit.EUR, Normal: ledger.Debit, Constraint: ledger.Unconstrained},
		{ID: "alice", Code: "wallet", Currency: lendkit.EUR, Normal: ledger.Credit},
		{ID: "bob", Code: "wallet", Currency: lendkit.EUR, Normal: ledger.Credit},
	} {
		if _, err := b.l.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	eur := func(m int64) lendkit.Money { return lendkit.New(m, lendkit.EUR) }
	for _, tr := range []ledger.Transfer{
		{Key: "fund", Description: "pay-in", EffectiveDate: today, Postings: []ledger.Posting{ledger.Dr("bank", eur(1000)), ledger.Cr("alice", eur(1000))}},
		{Key: "pay", Description: "to bob", EffectiveDate: today, Postings: []ledger.Posting{ledger.Dr("alice", eur(300)), ledger.Cr("bob", eur(300))}},
		{Key: "pay2", Description: "to bob again", EffectiveDate: today, Postings: []ledger.Posting{ledger.Dr("alice", eur(200)), ledger.Cr("bob", eur(200))}},
	} {
		tx, err := b.l.Post(ctx, tr)
		if err != nil {
			t.Fatal(err)
		}
		b.ids[tr.Key] = tx.ID
	}
	if _, err := b.l.Verify(ctx); err != nil {
		t.Fatalf("clean ledger: %v", err)
	}
	b.raw, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.raw.Close() })
	return b
}

// TestVerifyDetectsTampering edits stored rows behind the ledger's back, as
// someone with write access to the database file could, and checks that
// Verify reports the first discrepancy and where it is.
func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sql     func(b *tamperBundle) (string, []any)
		check   string
		account string // the account the discrepancy names, if any
		tx      string // the key of the transaction it names, if any
	}{
		{"posting amount changed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_postings SET amount = 250 WHERE tx_id = ? AND account_id = 'alice'`, []any{b.ids["pay"]}
		}, "transaction hash", "", "pay"},
		{"posting amount and both sides changed, balances fixed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_postings SET amount = 250 WHERE tx_id = ?; UPDATE ledger_balances SET posted_debits = posted_debits - 50 WHERE account_id = 'alice'; UPDATE ledger_balances SET posted_credits = posted_credits - 50 WHERE account_id = 'bob'`, []any{b.ids["pay"]}
		}, "transaction hash", "", "pay"},
		{"description changed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_transactions SET description = 'to carol' WHERE id = ?`, []any{b.ids["pay"]}
		}, "transaction hash", "", "pay"},
		{"effective date changed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_transactions SET effective_date = '2026-12-31' WHERE id = ?`, []any{b.ids["fund"]}
		}, "transaction hash", "", "fund"},
		{"stored balance changed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_balances SET posted_credits = posted_credits + 1 WHERE account_id = 'bob'`, nil
		}, "balance", "bob", ""},
		{"chain head changed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_balances SET head = zeroblob(32) WHERE account_id = 'alice'`, nil
		}, "balance", "alice", ""},
		{"posting hash changed", func(b *tamperBundle) (string, []any) {
			return `UPDATE ledger_postings SET hash = zeroblob(32) WHERE account_id = 'bob' AND seq = 1`, nil
		}, "chain", "bob", ""},
		{"whole transaction deleted, balances fixed", func(b *tamperBundle) (string, []any) {
			return `DELETE FROM ledger_postings WHERE tx_id = ?1; DELETE FROM ledger_transactions WHERE id = ?1;
				UPDATE ledger_balances SET posted_debits = posted_debits - 200, entries = entries - 1 WHERE account_id = 'alice';
				UPDATE ledger_balances SET posted_credits = posted_credits - 200, entries = entries - 1 WHERE account_id = 'bob'`, []any{b.ids["pay2"]}
		}, "balance", "alice", ""}, // the heads no longer match the shortened chains
		{"first posting deleted from a chain", func(b *tamperBundle) (string, []any) {
			return `DELETE FROM ledger_postings WHERE account_id = 'bob' AND seq = 1`, nil
		}, "transaction hash", "", "pay"}, // the transaction's hash covers its postings
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupTamper(t)
			q, args := tc.sql(b)
			if _, err := b.raw.Exec(q, args...); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			_, err := b.l.Verify(context.Background())
			var d *ledger.Discrepancy
			if !errors.As(err, &d) || !errors.Is(err, ledger.ErrDiscrepancy) {
				t.Fatalf("Verify after tampering: %v", err)
			}
			if d.Check != tc.check || d.AccountID != tc.account || (tc.tx != "" && d.TransactionID != b.ids[tc.tx]) {
				t.Errorf("Verify reported %v; want check %q account %q transaction %s", d, tc.check, tc.account, tc.tx)
			}
		})
	}
}
