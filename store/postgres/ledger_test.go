package postgres_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

// These tests cover what is particular to the Postgres backend (its two
// insert paths, collation, key hashing, the no-partial-write account check).
// The behaviour every backend shares is the conformance suite's, run by
// storetest_test.go.

var eur = lendkit.MustCurrency("EUR")

// cmpLedger compares the root vocabulary's comparable values by ==.
var cmpLedger = cmp.Options{
	cmp.Comparer(func(a, b lendkit.Money) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b lendkit.Date) bool { return a == b }),
}

var epoch = time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC)

func sum(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

func txID(n int) string { return fmt.Sprintf("%032x", n) }

// account returns an unconstrained EUR account with id.
func account(id string) store.Account {
	return store.Account{ID: id, Code: "test", Currency: eur, Normal: store.Debit, Constraint: store.Unconstrained,
		CreditLimit: lendkit.Zero(eur), CreatedAt: epoch}
}

// transfer builds a two-posting transfer of amount from → to with the given
// chain positions; hashes are arbitrary but distinct (the backend stores them,
// the ledger computes them).
func transfer(n int, key, from, to string, amount int64, fromSeq, toSeq int64) store.Transaction {
	id := txID(n)
	return store.Transaction{
		ID: id, Key: key, PayloadHash: sum("payload", key), Kind: store.KindTransfer, Code: "t",
		Description: "transfer " + key, EffectiveDate: lendkit.MustDate(2030, 1, 1+n%28),
		Metadata: map[string]string{"n": fmt.Sprint(n)}, CreatedAt: epoch, Hash: sum("tx", id),
		Postings: []store.Posting{
			{AccountID: from, Side: store.Credit, Amount: lendkit.New(amount, eur), Kind: store.EntryPosted, Seq: fromSeq, Hash: sum(id, "0")},
			{AccountID: to, Side: store.Debit, Amount: lendkit.New(amount, eur), Kind: store.EntryPosted, Seq: toSeq, Hash: sum(id, "1")},
		},
	}
}

// seedLedger writes two accounts and one transfer through the LedgerStore and
// reads them back.
func seedLedger(t *testing.T, db *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	tr := transfer(1, "seed", "seed-a", "seed-b", 500, 1, 1)
	err := db.InTx(ctx, func(tx store.Tx) error {
		l := tx.Ledger()
		for _, id := range []string{"seed-a", "seed-b"} {
			if err := l.CreateAccount(ctx, account(id)); err != nil {
				return err
			}
		}
		if _, err := l.LockAccounts(ctx, []string{"seed-a", "seed-b"}); err != nil {
			return err
		}
		if err := l.InsertTransactions(ctx, []store.Transaction{tr}); err != nil {
			return err
		}
		return l.UpdateBalances(ctx, []store.AccountBalance{
			{AccountID: "seed-a", PostedCredits: 500, Entries: 1, Head: tr.Postings[0].Hash},
			{AccountID: "seed-b", PostedDebits: 500, Entries: 1, Head: tr.Postings[1].Hash},
		})
	})
	if err != nil {
		t.Fatalf("seed ledger: %v", err)
	}
	var got store.Transaction
	if err := db.View(ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.Ledger().Transaction(ctx, tr.ID)
		return err
	}); err != nil {
		t.Fatalf("read seed back: %v", err)
	}
	if diff := cmp.Diff(tr, got, cmpLedger); diff != "" {
		t.Fatalf("seed transaction read back (-want +got):\n%s", diff)
	}
}

// TestInsertPathsAgree writes the same kind of batch through the single
// INSERT … unnest statement and through COPY, and reads both back equal to
// what was written: the size threshold between them changes speed only.
func TestInsertPathsAgree(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx := context.Background()
	const accounts = 50
	ids := make([]string, accounts)
	err := db.InTx(ctx, func(tx store.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("acc-%03d", i)
			if err := tx.Ledger().CreateAccount(ctx, account(ids[i])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two batches of CopyThreshold/2+1 transfers each: enough postings for
	// the COPY path, and chain positions that continue from one to the next.
	seq := map[string]int64{}
	batch := func(first int) []store.Transaction {
		var txs []store.Transaction
		for n := first; n < first+postgres.CopyThreshold/2+1; n++ {
			from, to := ids[n%accounts], ids[(n*7+1)%accounts]
			if from == to {
				to = ids[(n+1)%accounts]
			}
			seq[from]++
			seq[to]++
			tr := transfer(n, fmt.Sprintf("key-%06d", n), from, to, int64(n+1), seq[from], seq[to])
			if n%3 == 0 {
				tr.Metadata = nil
			}
			txs = append(txs, tr)
		}
		return txs
	}
	byUnnest, byCopy := batch(0), batch(postgres.CopyThreshold)
	err = db.InTx(ctx, func(tx store.Tx) error {
		unnest, copy := postgres.InsertPaths(tx)
		if err := unnest(ctx, byUnnest); err != nil {
			return fmt.Errorf("unnest: %w", err)
		}
		return copy(ctx, byCopy)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]store.Transaction{}, byUnnest...), byCopy...)
	sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
	var got []store.Transaction
	err = db.View(ctx, func(tx store.Tx) error {
		after := ""
		for {
			page, err := tx.Ledger().Transactions(ctx, after, 500)
			if err != nil || len(page) == 0 {
				return err
			}
			got = append(got, page...)
			after = page[len(page)-1].ID
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpLedger); diff != "" {
		t.Errorf("transactions read back (-want +got):\n%s", diff)
	}
}

// TestIDsInByteOrder: ids sort in Go's byte order in the database too (the
// columns are COLLATE "C"), whatever the server's locale. LockAccounts relies
// on it to lock in the order the ledger sorted.
func TestIDsInByteOrder(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx := context.Background()
	ids := []string{"b", "B", "a", "A", "é", "e", "_x", "Z9", "z10", "ä"}
	var got []string
	err := db.InTx(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.Ledger().CreateAccount(ctx, account(id)); err != nil {
				return err
			}
		}
		page, err := tx.Ledger().Accounts(ctx, "", store.MaxListLimit)
		for _, a := range page {
			got = append(got, a.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{}, ids...)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Accounts order (-Go byte order +database):\n%s", diff)
	}
}

// TestInsertMissingAccountWritesNothing: on both insert paths a posting to an
// unknown account is an *AccountNotFoundError and leaves no row, even inside a
// unit of work that goes on and commits.
func TestInsertMissingAccountWritesNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx store.Tx) error {
		unnest, copy := postgres.InsertPaths(tx)
		if err := tx.Ledger().CreateAccount(ctx, account("known")); err != nil {
			return err
		}
		for name, insert := range map[string]func(context.Context, []store.Transaction) error{"unnest": unnest, "copy": copy} {
			err := insert(ctx, []store.Transaction{transfer(1, "k1", "known", "ghost", 10, 1, 1)})
			var nf *store.AccountNotFoundError
			if !errors.As(err, &nf) || nf.ID != "ghost" || !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: err = %v, want AccountNotFoundError{ghost}", name, err)
			}
		}
		txs, err := tx.Ledger().Transactions(ctx, "", 10)
		if err != nil {
			return err
		}
		entries, err := tx.Ledger().Entries(ctx, "known", 0, 10)
		if len(txs) != 0 || len(entries) != 0 {
			t.Errorf("after refused inserts: %d transactions, %d entries; want none", len(txs), len(entries))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIdempotencyKeyByHash: keys are found through their SHA-256 index, a
// duplicate key is a conflict, and near-identical keys stay distinct.
func TestIdempotencyKeyByHash(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx store.Tx) error {
		l := tx.Ledger()
		for _, id := range []string{"a", "b"} {
			if err := l.CreateAccount(ctx, account(id)); err != nil {
				return err
			}
		}
		if err := l.InsertTransactions(ctx, []store.Transaction{
			transfer(1, "k", "a", "b", 1, 1, 1), transfer(2, "K", "a", "b", 1, 2, 2), transfer(3, "k ", "a", "b", 1, 3, 3),
		}); err != nil {
			return err
		}
		got, err := l.TransactionsByKey(ctx, []string{"K", "missing", "k "})
		if err != nil {
			return err
		}
		var keys []string
		for _, g := range got {
			keys = append(keys, g.Key)
		}
		sort.Strings(keys)
		if diff := cmp.Diff([]string{"K", "k "}, keys); diff != "" {
			t.Errorf("TransactionsByKey keys (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx store.Tx) error {
		return tx.Ledger().InsertTransactions(ctx, []store.Transaction{transfer(4, "K", "a", "b", 1, 4, 4)})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate key: err = %v, want store.ErrConflict", err)
	}
}
