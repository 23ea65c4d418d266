package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

// genText draws a UTF-8 string of 1 to max bytes without NUL (which Postgres
// text cannot hold; see TestNULIsAConstraintError). It mixes ASCII, accents,
// quotes, backslashes and astral characters so that every encoding layer
// (binary parameters, arrays, COPY, JSONB) is exercised.
func genText(max int) *rapid.Generator[string] {
	alphabet := []rune("aZ09 _-:/.'\"\\{}[],é€𝄞\t\n")
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		n := rapid.IntRange(1, 12).Draw(t, "len")
		for i := 0; i < n; i++ {
			r := rapid.SampledFrom(alphabet).Draw(t, "rune")
			if b.Len()+len(string(r)) > max {
				break
			}
			b.WriteRune(r)
		}
		if b.Len() == 0 {
			b.WriteByte('x')
		}
		return b.String()
	})
}

func genMeta(t *rapid.T, label string) map[string]string {
	n := rapid.IntRange(0, 3).Draw(t, label+" entries")
	if n == 0 {
		return nil
	}
	m := map[string]string{}
	for i := 0; i < n; i++ {
		m[genText(40).Draw(t, label+" key")] = rapid.OneOf(rapid.Just(""), genText(40)).Draw(t, label+" value")
	}
	return m
}

func genTime(t *rapid.T, label string) time.Time {
	// Microseconds, UTC: what store.Tx.Now produces and timestamptz keeps.
	us := rapid.Int64Range(0, 7_000_000_000_000_000).Draw(t, label)
	return time.UnixMicro(us).UTC()
}

func genHash(t *rapid.T, label string) []byte {
	return rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, label)
}

var propSeq atomic.Int64

// TestLedgerRecordsRoundTrip is a property of the backend's encoding: random
// accounts and transactions (any currency exponent, amounts up to MaxInt64,
// dates from year 1 to 9999, unicode text with quotes and backslashes,
// metadata, holds with expiries) written through either insert path read
// back identical through every read method.
func TestLedgerRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx := context.Background()
	currencies := []lendkit.Currency{lendkit.MustCurrency("EUR"), lendkit.MustCurrency("JPY"), lendkit.MustCurrency("KWD")}
	rapid.Check(t, func(rt *rapid.T) {
		run := propSeq.Add(1)
		// Accounts: ids unique per check through a prefix the generator
		// cannot produce (it has no '#').
		var accounts []store.Account
		for i, n := 0, rapid.IntRange(2, 4).Draw(rt, "accounts"); i < n; i++ {
			cur := rapid.SampledFrom(currencies).Draw(rt, "currency")
			a := store.Account{
				ID: fmt.Sprintf("#%d.%d.", run, i) + genText(100).Draw(rt, "id"), Code: genText(50).Draw(rt, "code"),
				Currency: cur, Normal: rapid.SampledFrom([]store.Side{store.Debit, store.Credit}).Draw(rt, "normal"),
				Constraint:  rapid.SampledFrom([]store.Constraint{store.NonNegative, store.CreditLimit, store.Unconstrained}).Draw(rt, "constraint"),
				CreditLimit: lendkit.New(rapid.Int64Range(0, math.MaxInt64).Draw(rt, "limit"), cur),
				Metadata:    genMeta(rt, "account metadata"), CreatedAt: genTime(rt, "created"),
			}
			accounts = append(accounts, a)
		}
		seq := map[string]int64{}
		var txs []store.Transaction
		for i, n := 0, rapid.IntRange(1, 5).Draw(rt, "transactions"); i < n; i++ {
			id := fmt.Sprintf("%016x%016x", run, i)
			tr := store.Transaction{
				ID: id, Key: fmt.Sprintf("#%d.%d.", run, i) + genText(100).Draw(rt, "key"), PayloadHash: genHash(rt, "payload"),
				Kind: store.KindTransfer, Code: genText(50).Draw(rt, "tx code"),
				Description:   rapid.OneOf(rapid.Just(""), genText(200)).Draw(rt, "description"),
				EffectiveDate: lendkit.MustDate(1, 1, 1).AddDays(rapid.IntRange(0, 3652058).Draw(rt, "date")),
				Metadata:      genMeta(rt, "tx metadata"), CreatedAt: genTime(rt, "tx created"), Hash: genHash(rt, "hash"),
			}
			if rapid.Bool().Draw(rt, "hold") {
				tr.Kind = store.KindHold
				if rapid.Bool().Draw(rt, "expires") {
					tr.ExpiresAt = genTime(rt, "expiry")
				}
			}
			for j, m := 0, rapid.IntRange(1, 4).Draw(rt, "postings"); j < m; j++ {
				a := rapid.SampledFrom(accounts).Draw(rt, "account")
				seq[a.ID]++
				kind := store.EntryPosted
				if tr.Kind == store.KindHold {
					kind = store.EntryPending
				}
				tr.Postings = append(tr.Postings, store.Posting{
					AccountID: a.ID, Side: rapid.SampledFrom([]store.Side{store.Debit, store.Credit}).Draw(rt, "side"),
					Amount: lendkit.New(rapid.Int64Range(1, math.MaxInt64).Draw(rt, "amount"), a.Currency),
					Kind:   kind, Seq: seq[a.ID], Hash: genHash(rt, "posting hash"),
				})
			}
			txs = append(txs, tr)
		}
		viaCopy := rapid.Bool().Draw(rt, "copy")

		err := db.InTx(ctx, func(tx store.Tx) error {
			for _, a := range accounts {
				if err := tx.Ledger().CreateAccount(ctx, a); err != nil {
					return err
				}
			}
			unnest, copy := postgres.InsertPaths(tx)
			if viaCopy {
				return copy(ctx, txs)
			}
			return unnest(ctx, txs)
		})
		if err != nil {
			rt.Fatal(err)
		}

		err = db.View(ctx, func(tx store.Tx) error {
			l := tx.Ledger()
			for _, a := range accounts {
				got, err := l.Account(ctx, a.ID)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(a, got, cmpLedger); diff != "" {
					rt.Errorf("account read back (-written +read):\n%s", diff)
				}
				entries, err := l.Entries(ctx, a.ID, 0, store.MaxListLimit)
				if err != nil {
					return err
				}
				if int64(len(entries)) != seq[a.ID] {
					rt.Errorf("account %q: %d entries, wrote %d", a.ID, len(entries), seq[a.ID])
				}
				for k, e := range entries {
					if e.Seq != int64(k+1) || e.AccountID != a.ID {
						rt.Errorf("entry %d of %q: seq %d account %q", k, a.ID, e.Seq, e.AccountID)
					}
				}
			}
			keys := make([]string, len(txs))
			for i, want := range txs {
				keys[i] = want.Key
				got, err := l.Transaction(ctx, want.ID)
				if err != nil {
					return err
				}
				if diff := cmp.Diff(want, got, cmpLedger); diff != "" {
					rt.Errorf("transaction read back (-written +read):\n%s", diff)
				}
			}
			byKey, err := l.TransactionsByKey(ctx, keys)
			if err != nil {
				return err
			}
			sort.Slice(byKey, func(i, j int) bool { return byKey[i].ID < byKey[j].ID })
			if diff := cmp.Diff(txs, byKey, cmpLedger); diff != "" {
				rt.Errorf("TransactionsByKey (-written +read):\n%s", diff)
			}
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
	})
}

// TestNULIsAConstraintError: Postgres text and JSONB cannot hold a NUL
// character, which SQLite stores; the backend reports it as
// store.ErrConstraint (bad data that reached the schema) rather than as a raw
// driver error.
func TestNULIsAConstraintError(t *testing.T) {
	t.Parallel()
	db := pgtest.Open(t)
	ctx := context.Background()
	for name, a := range map[string]store.Account{
		"id":       {ID: "nul\x00id", Code: "c", Currency: eur, Normal: store.Debit, CreatedAt: epoch},
		"code":     {ID: "a", Code: "c\x00", Currency: eur, Normal: store.Debit, CreatedAt: epoch},
		"metadata": {ID: "b", Code: "c", Currency: eur, Normal: store.Debit, Metadata: map[string]string{"k": "v\x00"}, CreatedAt: epoch},
	} {
		err := db.InTx(ctx, func(tx store.Tx) error { return tx.Ledger().CreateAccount(ctx, a) })
		if !errors.Is(err, store.ErrConstraint) {
			t.Errorf("NUL in %s: err = %v, want store.ErrConstraint", name, err)
		}
	}
}
