package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// ExerciseLedger runs the ledger's conformance tests: every rule of the
// ledger, through package ledger, on the backend open returns.
func ExerciseLedger(t *testing.T, open Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Accounts", testAccounts},
		{"PostAndRead", testPostAndRead},
		{"Idempotency", testIdempotency},
		{"BadInput", testBadInput},
		{"Constraints", testConstraints},
		{"MultiCurrency", testMultiCurrency},
		{"Holds", testHolds},
		{"HoldExpiry", testHoldExpiry},
		{"Reversal", testReversal},
		{"BalanceAsOf", testBalanceAsOf},
		{"History", testHistory},
		{"Batch", testBatch},
		{"UnitOfWork", testUnitOfWork},
		{"VerifyDetectsForgery", testVerifyForgery},
		{"Paging", testPaging},
		{"ConcurrentOverdraft", testConcurrentOverdraft},
		{"ConcurrentHotAccounts", testConcurrentHot},
		{"ConcurrentReplays", testConcurrentReplays},
		{"StoreContract", testStoreContract},
		{"ResolveHolds", testResolveHolds},
		{"StoreBatchReads", testStoreBatchReads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

var day = lendkit.MustParseDate("2027-01-15")

func eur(minor int64) lendkit.Money { return lendkit.New(minor, lendkit.EUR) }

// ledgerBundle is a migrated database with a ledger and the usual accounts:
// "bank" (debit-normal, unconstrained: where money enters), wallets
// "alice", "bob", "carol" (credit-normal, non-negative), "escrow".
type ledgerBundle struct {
	*bundle
	l *ledger.Ledger
}

func setupLedger(t *testing.T, open Opener) *ledgerBundle {
	t.Helper()
	b := &ledgerBundle{bundle: setup(t, open)}
	b.l = ledger.New(b.db)
	b.account(t, "bank", ledger.Debit, ledger.Unconstrained, 0)
	for _, id := range []string{"alice", "bob", "carol", "escrow"} {
		b.account(t, id, ledger.Credit, ledger.NonNegative, 0)
	}
	return b
}

func (b *ledgerBundle) account(t *testing.T, id string, normal ledger.Side, c ledger.Constraint, limit int64) ledger.Account {
	t.Helper()
	a, err := b.l.CreateAccount(b.ctx, ledger.Account{ID: id, Code: "test", Currency: lendkit.EUR, Normal: normal, Constraint: c, CreditLimit: eur(limit)})
	if err != nil {
		t.Fatalf("create account %s: %v", id, err)
	}
	return a
}

// fund credits wallet with amount from the bank.
func (b *ledgerBundle) fund(t *testing.T, wallet string, minor int64) ledger.Transaction {
	t.Helper()
	tx, err := b.l.Post(b.ctx, ledger.Transfer{
		Key: "fund-" + wallet + fmt.Sprint(minor, "-", b.clock.Now().UnixNano()), Code: "funding", EffectiveDate: day,
		Postings: []ledger.Posting{ledger.Dr("bank", eur(minor)), ledger.Cr(wallet, eur(minor))},
	})
	if err != nil {
		t.Fatalf("fund %s: %v", wallet, err)
	}
	b.clock.Advance(time.Microsecond) // distinct keys for repeated fundings
	return tx
}

func (b *ledgerBundle) transfer(key, from, to string, minor int64) ledger.Transfer {
	return ledger.Transfer{Key: key, Code: "transfer", EffectiveDate: day,
		Postings: []ledger.Posting{ledger.Dr(from, eur(minor)), ledger.Cr(to, eur(minor))}}
}

func (b *ledgerBundle) balance(t *testing.T, id string) ledger.Balance {
	t.Helper()
	bal, err := b.l.Balance(b.ctx, id)
	if err != nil {
		t.Fatalf("balance %s: %v", id, err)
	}
	return bal
}

// posted returns the posted balances of ids, in minor units.
func (b *ledgerBundle) posted(t *testing.T, ids ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, id := range ids {
		out[id] = b.balance(t, id).Posted.Minor()
	}
	return out
}

// verify runs Verify and fails t on a discrepancy.
func (b *ledgerBundle) verify(t *testing.T) ledger.Report {
	t.Helper()
	rep, err := b.l.Verify(b.ctx)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func (b *ledgerBundle) snapshot(t *testing.T) State {
	t.Helper()
	st, err := Snapshot(b.ctx, b.db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testAccounts(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	want := ledger.Account{ID: "lender:42:wallet", Code: "lender_wallet", Currency: lendkit.EUR, Normal: ledger.Credit,
		Constraint: ledger.CreditLimit, CreditLimit: eur(5000), Metadata: map[string]string{"lender": "42"}}
	got, err := b.l.CreateAccount(b.ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	want.CreatedAt = Epoch
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("created account (-want +got):\n%s", diff)
	}
	read, err := b.l.Account(b.ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, read, cmpOpts); diff != "" {
		t.Errorf("read account (-want +got):\n%s", diff)
	}
	// Declaring the same account again is a no-op that returns it.
	b.clock.Advance(time.Hour)
	again, err := b.l.CreateAccount(b.ctx, ledger.Account{ID: want.ID, Code: want.Code, Currency: lendkit.EUR, Normal: ledger.Credit,
		Constraint: ledger.CreditLimit, CreditLimit: eur(5000), Metadata: map[string]string{"lender": "42"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again, cmpOpts); diff != "" {
		t.Errorf("re-declared account (-want +got):\n%s", diff)
	}
	_, err = b.l.CreateAccount(b.ctx, ledger.Account{ID: want.ID, Code: "other", Currency: lendkit.EUR, Normal: ledger.Credit})
	if !errors.Is(err, ledger.ErrAccountExists) || !errors.Is(err, store.ErrConflict) {
		t.Errorf("different definition: got %v, want ErrAccountExists and store.ErrConflict", err)
	}
	bad := []ledger.Account{
		{ID: "", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit},
		{ID: strings.Repeat("a", ledger.MaxIDLen+1), Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit},
		{ID: "tab\there", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit},
		{ID: "nocode", Currency: lendkit.EUR, Normal: ledger.Credit},
		{ID: "nocurrency", Code: "x", Normal: ledger.Credit},
		{ID: "noside", Code: "x", Currency: lendkit.EUR},
		{ID: "badconstraint", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit, Constraint: 9},
		{ID: "limitwithout", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit, CreditLimit: eur(1)},
		{ID: "negativelimit", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit, Constraint: ledger.CreditLimit, CreditLimit: eur(-1)},
		{ID: "limitcurrency", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit, Constraint: ledger.CreditLimit, CreditLimit: lendkit.New(1, lendkit.USD)},
	}
	for _, a := range bad {
		if _, err := b.l.CreateAccount(b.ctx, a); !errors.Is(err, ledger.ErrInvalidAccount) {
			t.Errorf("CreateAccount(%+v): got %v, want ErrInvalidAccount", a, err)
		}
	}
	if _, err := b.l.Account(b.ctx, "nobody"); !errors.Is(err, ledger.ErrUnknownAccount) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Account(nobody): got %v, want ErrUnknownAccount and store.ErrNotFound", err)
	}
	if _, err := b.l.Balance(b.ctx, "nobody"); !errors.Is(err, ledger.ErrUnknownAccount) {
		t.Errorf("Balance(nobody): got %v, want ErrUnknownAccount", err)
	}
}

func testPostAndRead(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	in := ledger.Transfer{
		Key: "pay-1", Code: "funding", Description: "Alice funds her wallet", EffectiveDate: day,
		Metadata: map[string]string{"psp_ref": "abc"},
		Postings: []ledger.Posting{ledger.Dr("bank", eur(10000)), ledger.Cr("alice", eur(10000))},
	}
	tx, err := b.l.Post(b.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.ID) != 32 || tx.Kind != store.KindTransfer || !tx.CreatedAt.Equal(Epoch) || len(tx.Hash) != 32 || len(tx.PayloadHash) != 32 {
		t.Errorf("transaction header: %+v", tx)
	}
	wantPostings := []ledger.Posting{
		{AccountID: "bank", Side: ledger.Debit, Amount: eur(10000), Kind: store.EntryPosted, Seq: 1},
		{AccountID: "alice", Side: ledger.Credit, Amount: eur(10000), Kind: store.EntryPosted, Seq: 1},
	}
	if diff := cmp.Diff(wantPostings, tx.Postings, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Hash" }, cmp.Ignore()), cmpOpts); diff != "" {
		t.Errorf("postings (-want +got):\n%s", diff)
	}
	read, err := b.l.Transaction(b.ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tx, read, cmpOpts); diff != "" {
		t.Errorf("read back (-returned +read):\n%s", diff)
	}
	wantBal := ledger.Balance{AccountID: "alice", Posted: eur(10000), Pending: eur(0), PendingIn: eur(0), Available: eur(10000),
		PostedDebits: eur(0), PostedCredits: eur(10000), PendingDebits: eur(0), PendingCredits: eur(0), Entries: 1}
	if diff := cmp.Diff(wantBal, b.balance(t, "alice"), cmpOpts); diff != "" {
		t.Errorf("alice (-want +got):\n%s", diff)
	}
	if got := b.balance(t, "bank").Posted; got != eur(10000) {
		t.Errorf("bank posted %s, want 100.00 EUR (debit-normal)", got)
	}
	if _, err := b.l.Transaction(b.ctx, "0123456789abcdef0123456789abcdef"); !errors.Is(err, ledger.ErrUnknownTransaction) {
		t.Errorf("unknown transaction: got %v", err)
	}
	rep := b.verify(t)
	if rep.Transactions != 1 || rep.Postings != 2 || rep.Accounts != 5 || len(rep.Root) != 64 {
		t.Errorf("report %+v", rep)
	}
}

func testIdempotency(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 5000)
	first, err := b.l.Post(b.ctx, b.transfer("k1", "alice", "bob", 1000))
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Hour)
	again, err := b.l.Post(b.ctx, b.transfer("k1", "alice", "bob", 1000))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if diff := cmp.Diff(first, again, cmpOpts); diff != "" {
		t.Errorf("replay must return the original (-first +replay):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int64{"alice": 4000, "bob": 1000}, b.posted(t, "alice", "bob"), cmpOpts); diff != "" {
		t.Errorf("a replay moved money (-want +got):\n%s", diff)
	}
	before := b.snapshot(t)
	for name, tr := range map[string]ledger.Transfer{
		"amount":      b.transfer("k1", "alice", "bob", 1001),
		"account":     b.transfer("k1", "alice", "carol", 1000),
		"description": func() ledger.Transfer { x := b.transfer("k1", "alice", "bob", 1000); x.Description = "other"; return x }(),
		"date": func() ledger.Transfer {
			x := b.transfer("k1", "alice", "bob", 1000)
			x.EffectiveDate = day.AddDays(1)
			return x
		}(),
	} {
		if _, err := b.l.Post(b.ctx, tr); !errors.Is(err, store.ErrIdempotencyMismatch) {
			t.Errorf("same key, different %s: got %v, want store.ErrIdempotencyMismatch", name, err)
		}
	}
	// The same key used for a hold is a different payload, too.
	if _, err := b.l.Hold(b.ctx, b.transfer("k1", "alice", "bob", 1000), time.Time{}); !errors.Is(err, store.ErrIdempotencyMismatch) {
		t.Errorf("same key as a hold: got %v, want store.ErrIdempotencyMismatch", err)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("mismatches wrote something (-before +after):\n%s", diff)
	}
	// A batch mixing a replay and a new transfer replays one and writes the other.
	out, err := b.l.PostBatch(b.ctx, []ledger.Transfer{b.transfer("k1", "alice", "bob", 1000), b.transfer("k2", "alice", "carol", 500)})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].ID != first.ID || out[1].Key != "k2" {
		t.Errorf("mixed batch: %s %s", out[0].ID, out[1].Key)
	}
	if diff := cmp.Diff(map[string]int64{"alice": 3500, "bob": 1000, "carol": 500}, b.posted(t, "alice", "bob", "carol"), cmpOpts); diff != "" {
		t.Errorf("mixed batch (-want +got):\n%s", diff)
	}
	b.verify(t)
}

func testBadInput(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 5000)
	b.account(t, "usd", ledger.Credit, ledger.Unconstrained, 0)
	max := lendkit.New(1<<63-1, lendkit.EUR)
	// Bring "huge" (unconstrained) close to the int64 bound so one more cent overflows it.
	b.account(t, "huge", ledger.Credit, ledger.Unconstrained, 0)
	b.account(t, "sink", ledger.Debit, ledger.Unconstrained, 0)
	if _, err := b.l.Post(b.ctx, ledger.Transfer{Key: "huge", EffectiveDate: day, Postings: []ledger.Posting{ledger.Dr("sink", max), ledger.Cr("huge", max)}}); err != nil {
		t.Fatal(err)
	}
	tr := func(ps ...ledger.Posting) ledger.Transfer {
		return ledger.Transfer{Key: "bad", EffectiveDate: day, Postings: ps}
	}
	tests := []struct {
		name string
		in   ledger.Transfer
		want error
	}{
		{"unbalanced", tr(ledger.Dr("alice", eur(100)), ledger.Cr("bob", eur(99))), ledger.ErrUnbalanced},
		{"single posting", tr(ledger.Dr("alice", eur(100))), ledger.ErrTooFewPostings},
		{"no postings", tr(), ledger.ErrTooFewPostings},
		{"zero amount", tr(ledger.Dr("alice", eur(0)), ledger.Cr("bob", eur(0))), ledger.ErrInvalidAmount},
		{"negative amount", tr(ledger.Dr("alice", eur(-100)), ledger.Cr("bob", eur(-100))), ledger.ErrInvalidAmount},
		{"no currency", tr(ledger.Dr("alice", lendkit.Money{}), ledger.Cr("bob", lendkit.Money{})), ledger.ErrInvalidAmount},
		{"unknown account", tr(ledger.Dr("alice", eur(100)), ledger.Cr("nobody", eur(100))), ledger.ErrUnknownAccount},
		{"empty account id", tr(ledger.Dr("alice", eur(100)), ledger.Cr("", eur(100))), ledger.ErrInvalidPosting},
		{"no side", tr(ledger.Dr("alice", eur(100)), ledger.Posting{AccountID: "bob", Amount: eur(100)}), ledger.ErrInvalidPosting},
		{"currency mismatch", tr(ledger.Dr("bank", lendkit.New(100, lendkit.USD)), ledger.Cr("usd", lendkit.New(100, lendkit.USD))), lendkit.ErrCurrencyMismatch},
		{"balance overflow", tr(ledger.Dr("sink", eur(1)), ledger.Cr("huge", eur(1))), lendkit.ErrOverflow},
		{"postings sum overflow", tr(ledger.Dr("sink", max), ledger.Dr("sink", max), ledger.Cr("huge", max), ledger.Cr("huge", max)), lendkit.ErrOverflow},
		{"insufficient funds", tr(ledger.Dr("alice", eur(5001)), ledger.Cr("bob", eur(5001))), ledger.ErrInsufficientFunds},
		{"empty key", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.Key = ""
			return x
		}(), ledger.ErrInvalidKey},
		{"oversized key", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.Key = strings.Repeat("k", ledger.MaxKeyLen+1)
			return x
		}(), ledger.ErrInvalidKey},
		{"no effective date", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.EffectiveDate = lendkit.Date{}
			return x
		}(), lendkit.ErrInvalidDate},
		{"NUL in key", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.Key = "k\x00"
			return x
		}(), ledger.ErrInvalidKey},
		{"NUL in description", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.Description = "paid\x00"
			return x
		}(), ledger.ErrInvalidText},
		{"invalid UTF-8 in metadata", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.Metadata = map[string]string{"note": "\xff"}
			return x
		}(), ledger.ErrInvalidText},
		{"oversized description", func() ledger.Transfer {
			x := tr(ledger.Dr("alice", eur(1)), ledger.Cr("bob", eur(1)))
			x.Description = strings.Repeat("d", ledger.MaxTextLen+1)
			return x
		}(), ledger.ErrTooLarge},
	}
	before := b.snapshot(t)
	for _, tc := range tests {
		if _, err := b.l.Post(b.ctx, tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		// The same transfer, last in a batch after a valid one: the batch
		// fails whole.
		if _, err := b.l.PostBatch(b.ctx, []ledger.Transfer{b.transfer("ok-"+tc.name, "alice", "carol", 1), tc.in}); !errors.Is(err, tc.want) {
			t.Errorf("%s in a batch: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := b.l.PostBatch(b.ctx, []ledger.Transfer{b.transfer("dup", "alice", "bob", 1), b.transfer("dup", "alice", "bob", 1)}); !errors.Is(err, ledger.ErrDuplicateKey) {
		t.Errorf("duplicate key in batch: got %v", err)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("bad input wrote something (-before +after):\n%s", diff)
	}
	var ue *ledger.UnbalancedError
	if _, err := b.l.Post(b.ctx, tests[0].in); !errors.As(err, &ue) || ue.Debits != eur(100) || ue.Credits != eur(99) {
		t.Errorf("UnbalancedError: %v", err)
	}
	b.verify(t)
}

func testConstraints(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.account(t, "overdraft", ledger.Credit, ledger.CreditLimit, 1000)
	b.account(t, "free", ledger.Credit, ledger.Unconstrained, 0)
	b.fund(t, "alice", 500)
	tests := []struct {
		key, from string
		minor     int64
		want      error
	}{
		{"a1", "alice", 500, nil},                                 // down to exactly zero (to bob)
		{"a2", "alice", 1, ledger.ErrInsufficientFunds},           // one cent below
		{"o1", "overdraft", 1000, nil},                            // down to exactly the credit limit
		{"o2", "overdraft", 1, ledger.ErrInsufficientFunds},       // one cent past it
		{"f1", "free", 1 << 40, nil},                              // unconstrained goes anywhere
		{"n1", "escrow", 1, ledger.ErrInsufficientFunds},          // an empty non-negative account
		{"a3", "bob", 500, nil},                                   // bob passes alice's 500 to carol
		{"a4", "bob", 1, ledger.ErrInsufficientFunds},             // and has nothing left
		{"a5", "carol", 1, nil},                                   // carol can spend what she received
		{"f2", "free", 1, nil},                                    // still unconstrained
		{"o3", "overdraft", 1 << 20, ledger.ErrInsufficientFunds}, // a large refusal changes nothing
	}
	to := map[string]string{"a1": "bob", "a3": "carol"}
	for _, tc := range tests {
		dst := "bank"
		if d, ok := to[tc.key]; ok {
			dst = d
		}
		_, err := b.l.Post(b.ctx, ledger.Transfer{Key: tc.key, EffectiveDate: day, Postings: []ledger.Posting{ledger.Dr(tc.from, eur(tc.minor)), ledger.Cr(dst, eur(tc.minor))}})
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %s pays %d: got %v, want %v", tc.key, tc.from, tc.minor, err, tc.want)
		}
	}
	want := map[string]int64{"alice": 0, "bob": 0, "carol": 499, "overdraft": -1000, "free": -(1 << 40) - 1}
	if diff := cmp.Diff(want, b.posted(t, "alice", "bob", "carol", "overdraft", "free"), cmpOpts); diff != "" {
		t.Errorf("balances (-want +got):\n%s", diff)
	}
	var ie *ledger.InsufficientFundsError
	_, err := b.l.Post(b.ctx, ledger.Transfer{Key: "x", EffectiveDate: day, Postings: []ledger.Posting{ledger.Dr("carol", eur(600)), ledger.Cr("bank", eur(600))}})
	if !errors.As(err, &ie) || ie.AccountID != "carol" || ie.Available != eur(499) || ie.Change != eur(-600) || ie.Floor != eur(0) {
		t.Errorf("InsufficientFundsError: %v %+v", err, ie)
	}
	// A transaction that debits and credits one account is judged as a whole:
	// a net -100 of 499 passes although the 800 debit alone would not.
	if _, err := b.l.Post(b.ctx, ledger.Transfer{Key: "self", EffectiveDate: day, Postings: []ledger.Posting{
		ledger.Dr("carol", eur(800)), ledger.Cr("carol", eur(700)), ledger.Cr("bank", eur(100))}}); err != nil {
		t.Errorf("net -100 of 499: %v", err)
	}
	b.verify(t)
}

func testMultiCurrency(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	usd := func(m int64) lendkit.Money { return lendkit.New(m, lendkit.USD) }
	for _, a := range []ledger.Account{
		{ID: "fx:eur", Code: "fx", Currency: lendkit.EUR, Normal: ledger.Debit, Constraint: ledger.Unconstrained},
		{ID: "fx:usd", Code: "fx", Currency: lendkit.USD, Normal: ledger.Debit, Constraint: ledger.Unconstrained},
		{ID: "alice:usd", Code: "wallet", Currency: lendkit.USD, Normal: ledger.Credit},
	} {
		if _, err := b.l.CreateAccount(b.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	b.fund(t, "alice", 10000)
	// Alice converts 50.00 EUR into 54.00 USD: four legs, each currency balanced.
	_, err := b.l.Post(b.ctx, ledger.Transfer{Key: "fx1", Code: "fx", EffectiveDate: day, Postings: []ledger.Posting{
		ledger.Dr("alice", eur(5000)), ledger.Cr("fx:eur", eur(5000)),
		ledger.Dr("fx:usd", usd(5400)), ledger.Cr("alice:usd", usd(5400)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.balance(t, "alice:usd").Posted; got != usd(5400) {
		t.Errorf("alice:usd %s", got)
	}
	// Balanced in total minor units but not per currency: refused.
	_, err = b.l.Post(b.ctx, ledger.Transfer{Key: "fx2", EffectiveDate: day, Postings: []ledger.Posting{
		ledger.Dr("alice", eur(100)), ledger.Cr("alice:usd", usd(100))}})
	var ue *ledger.UnbalancedError
	if !errors.As(err, &ue) || ue.Currency != lendkit.EUR {
		t.Errorf("cross-currency: got %v", err)
	}
	if diff := cmp.Diff(map[string]int64{"EUR": 0, "USD": 0}, b.snapshot(t).TrialBalance(), cmpOpts); diff != "" {
		t.Errorf("trial balance (-want +got):\n%s", diff)
	}
	b.verify(t)
}

func testHolds(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 10000)
	hold := func(key string, minor int64) (ledger.Transaction, error) {
		return b.l.Hold(b.ctx, b.transfer(key, "alice", "escrow", minor), time.Time{})
	}
	h1, err := hold("h1", 6000)
	if err != nil {
		t.Fatal(err)
	}
	bal := b.balance(t, "alice")
	if bal.Posted != eur(10000) || bal.Pending != eur(6000) || bal.Available != eur(4000) {
		t.Errorf("after hold: %+v", bal)
	}
	if e := b.balance(t, "escrow"); e.Posted != eur(0) || e.PendingIn != eur(6000) || e.Available != eur(0) {
		t.Errorf("escrow after hold: %+v", e)
	}
	// The hold counts against available: 4,001 more cannot be held or spent.
	if _, err := hold("h2", 4001); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Errorf("hold beyond available: %v", err)
	}
	if _, err := b.l.Post(b.ctx, b.transfer("t1", "alice", "bob", 4001)); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Errorf("spend beyond available: %v", err)
	}
	// Post part of h1: 2,500 of 6,000; the rest is released.
	p1, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p1", HoldID: h1.ID, EffectiveDate: day,
		Postings: []ledger.Posting{ledger.Dr("alice", eur(2500)), ledger.Cr("escrow", eur(2500))}})
	if err != nil {
		t.Fatal(err)
	}
	if p1.HoldID != h1.ID || p1.Kind != store.KindPostHold || p1.Code != h1.Code {
		t.Errorf("post: %+v", p1)
	}
	bal = b.balance(t, "alice")
	if bal.Posted != eur(7500) || bal.Pending != eur(0) || bal.Available != eur(7500) {
		t.Errorf("after partial post: %+v", bal)
	}
	if got := b.balance(t, "escrow").Posted; got != eur(2500) {
		t.Errorf("escrow after post: %s", got)
	}
	// At most once: posting or voiding h1 again is refused; a replay is not.
	_, err = b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p1-again", HoldID: h1.ID, EffectiveDate: day})
	if !errors.Is(err, ledger.ErrHoldPosted) || !errors.Is(err, ledger.ErrHoldResolved) {
		t.Errorf("second post: %v", err)
	}
	if _, err := b.l.VoidHold(b.ctx, ledger.HoldVoid{Key: "v-h1", HoldID: h1.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrHoldPosted) {
		t.Errorf("void after post: %v", err)
	}
	replay, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p1", HoldID: h1.ID, EffectiveDate: day,
		Postings: []ledger.Posting{ledger.Dr("alice", eur(2500)), ledger.Cr("escrow", eur(2500))}})
	if err != nil || replay.ID != p1.ID {
		t.Errorf("replayed post: %v %s", err, replay.ID)
	}
	// Void h3, then posting it is refused as voided.
	h3, err := hold("h3", 7000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.VoidHold(b.ctx, ledger.HoldVoid{Key: "v3", HoldID: h3.ID, EffectiveDate: day}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p3", HoldID: h3.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrHoldVoided) {
		t.Errorf("post of a voided hold: %v", err)
	}
	if bal := b.balance(t, "alice"); bal.Available != eur(7500) || bal.Pending != eur(0) {
		t.Errorf("after void: %+v", bal)
	}
	// Full post of h4.
	h4, err := hold("h4", 7500)
	if err != nil {
		t.Fatal(err)
	}
	// Partial posts that exceed the hold, or touch other accounts, are refused.
	for name, ps := range map[string][]ledger.Posting{
		"more than held": {ledger.Dr("alice", eur(7501)), ledger.Cr("escrow", eur(7501))},
		"other account":  {ledger.Dr("alice", eur(100)), ledger.Cr("bob", eur(100))},
		"swapped sides":  {ledger.Cr("alice", eur(100)), ledger.Dr("escrow", eur(100))},
		"unbalanced":     {ledger.Dr("alice", eur(100)), ledger.Cr("escrow", eur(90))},
	} {
		if _, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "bad-" + name, HoldID: h4.ID, EffectiveDate: day, Postings: ps}); err == nil {
			t.Errorf("partial post %s accepted", name)
		} else if name != "unbalanced" && !errors.Is(err, ledger.ErrExceedsHold) {
			t.Errorf("partial post %s: %v, want ErrExceedsHold", name, err)
		}
	}
	if _, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p4", HoldID: h4.ID, EffectiveDate: day}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"alice": 0, "escrow": 10000}, b.posted(t, "alice", "escrow"), cmpOpts); diff != "" {
		t.Errorf("after full post (-want +got):\n%s", diff)
	}
	// Not a hold, unknown hold.
	if _, err := b.l.VoidHold(b.ctx, ledger.HoldVoid{Key: "v5", HoldID: p1.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrNotAHold) {
		t.Errorf("void of a non-hold: %v", err)
	}
	if _, err := b.l.VoidHold(b.ctx, ledger.HoldVoid{Key: "v6", HoldID: "ffffffffffffffffffffffffffffffff", EffectiveDate: day}); !errors.Is(err, ledger.ErrUnknownTransaction) {
		t.Errorf("void of an unknown hold: %v", err)
	}
	b.verify(t)
}

func testHoldExpiry(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 1000)
	h, err := b.l.Hold(b.ctx, b.transfer("h", "alice", "escrow", 800), Epoch.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !h.ExpiresAt.Equal(Epoch.Add(time.Hour)) {
		t.Errorf("expires %s", h.ExpiresAt)
	}
	if n, err := b.l.ExpireHolds(b.ctx); err != nil || n != 0 {
		t.Errorf("before expiry: %d %v", n, err)
	}
	if _, err := b.l.Hold(b.ctx, b.transfer("h-past", "alice", "escrow", 1), Epoch); !errors.Is(err, ledger.ErrHoldExpired) {
		t.Errorf("hold expiring now: %v", err)
	}
	b.clock.Set(Epoch.Add(time.Hour))
	// A replay after the expiry returns the hold, as any replay does.
	if again, err := b.l.Hold(b.ctx, b.transfer("h", "alice", "escrow", 800), Epoch.Add(time.Hour)); err != nil || again.ID != h.ID {
		t.Errorf("replayed hold after its expiry: %v", err)
	}
	if _, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p", HoldID: h.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrHoldExpired) {
		t.Errorf("post after expiry: %v", err)
	}
	if n, err := b.l.ExpireHolds(b.ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if n, err := b.l.ExpireHolds(b.ctx); err != nil || n != 0 {
		t.Errorf("expire twice: %d %v", n, err)
	}
	if bal := b.balance(t, "alice"); bal.Available != eur(1000) || bal.Pending != eur(0) {
		t.Errorf("after expiry: %+v", bal)
	}
	if _, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p", HoldID: h.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrHoldVoided) {
		t.Errorf("post after expiry sweep: %v", err)
	}
	b.verify(t)
}

func testReversal(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 1000)
	tx, err := b.l.Post(b.ctx, b.transfer("t", "alice", "bob", 600))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r", TransactionID: tx.ID, EffectiveDate: day.AddDays(1), Description: "refund"})
	if err != nil {
		t.Fatal(err)
	}
	if rev.ReversesID != tx.ID || rev.Kind != store.KindReversal || rev.Code != tx.Code {
		t.Errorf("reversal: %+v", rev)
	}
	want := []ledger.Posting{
		{AccountID: "alice", Side: ledger.Credit, Amount: eur(600), Kind: store.EntryPosted, Seq: 3},
		{AccountID: "bob", Side: ledger.Debit, Amount: eur(600), Kind: store.EntryPosted, Seq: 2},
	}
	if diff := cmp.Diff(want, rev.Postings, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Hash" }, cmp.Ignore()), cmpOpts); diff != "" {
		t.Errorf("reversal postings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int64{"alice": 1000, "bob": 0}, b.posted(t, "alice", "bob"), cmpOpts); diff != "" {
		t.Errorf("after reversal (-want +got):\n%s", diff)
	}
	if again, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r", TransactionID: tx.ID, EffectiveDate: day.AddDays(1), Description: "refund"}); err != nil || again.ID != rev.ID {
		t.Errorf("replayed reversal: %v", err)
	}
	if _, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r2", TransactionID: tx.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrAlreadyReversed) {
		t.Errorf("second reversal: %v", err)
	}
	if _, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r3", TransactionID: rev.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrNotReversible) {
		t.Errorf("reversal of a reversal: %v", err)
	}
	h, err := b.l.Hold(b.ctx, b.transfer("h", "alice", "escrow", 100), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r4", TransactionID: h.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrNotReversible) {
		t.Errorf("reversal of a hold: %v", err)
	}
	// A posted hold reverses its posted part only; the hold stays resolved.
	p, err := b.l.PostHold(b.ctx, ledger.HoldPost{Key: "p", HoldID: h.ID, EffectiveDate: day})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r5", TransactionID: p.ID, EffectiveDate: day}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"alice": 1000, "escrow": 0}, b.posted(t, "alice", "escrow"), cmpOpts); diff != "" {
		t.Errorf("after reversing a posted hold (-want +got):\n%s", diff)
	}
	// Reversing money that was spent meanwhile breaks the constraint: refused.
	t2, err := b.l.Post(b.ctx, b.transfer("t2", "alice", "carol", 1000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.Post(b.ctx, b.transfer("t3", "carol", "bank", 1000)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.Reverse(b.ctx, ledger.Reversal{Key: "r6", TransactionID: t2.ID, EffectiveDate: day}); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Errorf("reversal of spent money: %v", err)
	}
	b.verify(t)
}

func testBalanceAsOf(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	d := lendkit.MustParseDate("2027-03-01")
	for i, minor := range []int64{1000, 2000, 4000} {
		if _, err := b.l.Post(b.ctx, ledger.Transfer{Key: fmt.Sprint("f", i), EffectiveDate: d.AddMonths(i),
			Postings: []ledger.Posting{ledger.Dr("bank", eur(minor)), ledger.Cr("alice", eur(minor))}}); err != nil {
			t.Fatal(err)
		}
	}
	// A backdated transaction counts from its effective date, not its commit.
	if _, err := b.l.Post(b.ctx, ledger.Transfer{Key: "back", EffectiveDate: d.AddDays(-10),
		Postings: []ledger.Posting{ledger.Dr("alice", eur(100)), ledger.Cr("bank", eur(100))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.l.Hold(b.ctx, ledger.Transfer{Key: "hold", EffectiveDate: d,
		Postings: []ledger.Posting{ledger.Dr("alice", eur(50)), ledger.Cr("bob", eur(50))}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		date lendkit.Date
		want int64
	}{
		{d.AddDays(-11), 0},
		{d.AddDays(-10), -100},
		{d.AddDays(-1), -100},
		{d, 900},
		{d.AddMonths(1).AddDays(-1), 900},
		{d.AddMonths(1), 2900},
		{d.AddMonths(2), 6900},
		{d.AddYears(10), 6900},
	}
	for _, tc := range tests {
		got, err := b.l.BalanceAsOf(b.ctx, "alice", tc.date)
		if err != nil {
			t.Fatal(err)
		}
		if got != eur(tc.want) {
			t.Errorf("alice as of %s: %s, want %s", tc.date, got, eur(tc.want))
		}
	}
	if got, err := b.l.BalanceAsOf(b.ctx, "bank", d); err != nil || got != eur(900) { // debit-normal: 1,000 in, 100 back
		t.Errorf("bank as of %s: %s %v", d, got, err)
	}
	if _, err := b.l.BalanceAsOf(b.ctx, "nobody", d); !errors.Is(err, ledger.ErrUnknownAccount) {
		t.Errorf("unknown: %v", err)
	}
}

func testHistory(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	var want []int64
	for i := 1; i <= 25; i++ {
		if _, err := b.l.Post(b.ctx, ledger.Transfer{Key: fmt.Sprint("f", i), EffectiveDate: day,
			Postings: []ledger.Posting{ledger.Dr("bank", eur(int64(i))), ledger.Cr("alice", eur(int64(i)))}}); err != nil {
			t.Fatal(err)
		}
		want = append(want, int64(i))
	}
	var got []int64
	var pages []int
	q := ledger.HistoryQuery{Limit: 10}
	for n := 0; n < 10; n++ {
		page, err := b.l.History(b.ctx, "alice", q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(page.Entries))
		for _, e := range page.Entries {
			got = append(got, e.Amount.Minor())
			if e.AccountID != "alice" || e.Side != ledger.Credit || e.EffectiveDate != day || len(e.TransactionID) != 32 || !e.CreatedAt.Equal(Epoch) {
				t.Errorf("entry %+v", e)
			}
		}
		if page.Next == 0 {
			break
		}
		q.AfterSeq = page.Next
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("history amounts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{10, 10, 5}, pages, cmpOpts); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if page, err := b.l.History(b.ctx, "bob", ledger.HistoryQuery{}); err != nil || len(page.Entries) != 0 || page.Next != 0 {
		t.Errorf("empty history: %+v %v", page, err)
	}
	if _, err := b.l.History(b.ctx, "nobody", ledger.HistoryQuery{}); !errors.Is(err, ledger.ErrUnknownAccount) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := b.l.History(b.ctx, "alice", ledger.HistoryQuery{Limit: 1001}); !errors.Is(err, ledger.ErrTooLarge) {
		t.Errorf("page too large: %v", err)
	}
}

func testBatch(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	const lenders = 300
	// A project's funding: every lender's wallet is funded, then every
	// lender's commitment moves to the escrow, then the escrow pays the
	// borrower: one batch, applied in order.
	var batch []ledger.Transfer
	for i := 0; i < lenders; i++ {
		id := fmt.Sprintf("lender:%03d", i)
		b.account(t, id, ledger.Credit, ledger.NonNegative, 0)
		batch = append(batch, ledger.Transfer{Key: "in-" + id, EffectiveDate: day, Postings: []ledger.Posting{ledger.Dr("bank", eur(10000)), ledger.Cr(id, eur(10000))}})
	}
	for i := 0; i < lenders; i++ {
		id := fmt.Sprintf("lender:%03d", i)
		batch = append(batch, b.transfer("commit-"+id, id, "escrow", int64(1000+i)))
	}
	total := int64(0)
	for i := 0; i < lenders; i++ {
		total += int64(1000 + i)
	}
	batch = append(batch, b.transfer("disburse", "escrow", "carol", total))
	out, err := b.l.PostBatch(b.ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(batch) {
		t.Fatalf("%d results for %d transfers", len(out), len(batch))
	}
	for i, tx := range out {
		if tx.Key != batch[i].Key {
			t.Errorf("result %d is %s, want %s", i, tx.Key, batch[i].Key)
		}
	}
	if diff := cmp.Diff(map[string]int64{"escrow": 0, "carol": total, "lender:007": 10000 - 1007, "bank": lenders * 10000},
		b.posted(t, "escrow", "carol", "lender:007", "bank"), cmpOpts); diff != "" {
		t.Errorf("after batch (-want +got):\n%s", diff)
	}
	// A batch whose last transfer overdraws fails whole.
	before := b.snapshot(t)
	bad := []ledger.Transfer{b.transfer("b1", "carol", "alice", 100), b.transfer("b2", "alice", "bob", 101)}
	if _, err := b.l.PostBatch(b.ctx, bad); !errors.Is(err, ledger.ErrInsufficientFunds) || !strings.Contains(err.Error(), "transfer 1") {
		t.Errorf("overdrawing batch: %v", err)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("failed batch wrote something (-before +after):\n%s", diff)
	}
	if _, err := b.l.PostBatch(b.ctx, make([]ledger.Transfer, ledger.MaxBatch+1)); !errors.Is(err, ledger.ErrTooLarge) {
		t.Errorf("oversized batch: %v", err)
	}
	if out, err := b.l.PostBatch(b.ctx, nil); err != nil || out != nil {
		t.Errorf("empty batch: %v %v", out, err)
	}
	rep := b.verify(t)
	if rep.Transactions != 2*lenders+1 {
		t.Errorf("verify saw %d transactions", rep.Transactions)
	}
}

func testUnitOfWork(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 1000)
	before := b.snapshot(t)
	boom := errors.New("dispatch failed")
	err := b.db.InTx(b.ctx, func(tx store.Tx) error {
		u := ledger.In(tx)
		if _, err := u.Post(b.ctx, b.transfer("uow", "alice", "bob", 400)); err != nil {
			return err
		}
		// The posting is visible inside the unit of work…
		bal, err := u.Balance(b.ctx, "alice")
		if err != nil {
			return err
		}
		if bal.Posted != eur(600) {
			t.Errorf("inside the unit of work: %s", bal.Posted)
		}
		return boom // …and rolled back with the caller's failure.
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v", err)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("rolled-back unit of work left (-before +after):\n%s", diff)
	}
	// Two ledger writes and the caller's reads commit together.
	err = b.db.InTx(b.ctx, func(tx store.Tx) error {
		u := ledger.InStore(tx.Ledger(), tx.Now())
		if _, err := u.Post(b.ctx, b.transfer("uow1", "alice", "bob", 400)); err != nil {
			return err
		}
		_, err := u.Post(b.ctx, b.transfer("uow2", "bob", "carol", 400))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"alice": 600, "bob": 0, "carol": 400}, b.posted(t, "alice", "bob", "carol"), cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// View cannot write.
	err = b.db.View(b.ctx, func(tx store.Tx) error {
		_, err := ledger.In(tx).Post(b.ctx, b.transfer("ro", "alice", "bob", 1))
		return err
	})
	if err == nil {
		t.Error("a write inside View succeeded")
	}
	if err := b.db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.db.InTx(b.ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("InTx after Close: %v", err)
	}
	if err := b.db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// testVerifyForgery writes rows that bypass the ledger's rules through the
// LedgerStore, as an intruder with database access would, and checks that
// Verify names the first discrepancy.
func testVerifyForgery(t *testing.T, open Opener) {
	tests := []struct {
		name  string
		forge func(t *testing.T, b *ledgerBundle, s store.LedgerStore, now time.Time)
		check string
	}{
		{"balance changed", func(t *testing.T, b *ledgerBundle, s store.LedgerStore, now time.Time) {
			st, err := s.LockAccounts(b.ctx, []string{"alice"})
			if err != nil {
				t.Fatal(err)
			}
			st[0].Balance.PostedCredits += 100
			if err := s.UpdateBalances(b.ctx, []store.AccountBalance{st[0].Balance}); err != nil {
				t.Fatal(err)
			}
		}, "balance"},
		{"transaction forged", func(t *testing.T, b *ledgerBundle, s store.LedgerStore, now time.Time) {
			// A transaction inserted with a made-up hash and the balances
			// adjusted to match: the transaction hash gives it away.
			sts, err := s.LockAccounts(b.ctx, []string{"alice", "bank"})
			if err != nil {
				t.Fatal(err)
			}
			forged := store.Transaction{ID: "00000000000000000000000000000000", Key: "forged", PayloadHash: make([]byte, 32), Kind: store.KindTransfer,
				EffectiveDate: day, CreatedAt: now, Hash: make([]byte, 32), Postings: []store.Posting{
					{AccountID: "alice", Side: store.Credit, Amount: eur(999), Kind: store.EntryPosted, Seq: sts[0].Balance.Entries + 1, Hash: make([]byte, 32)},
					{AccountID: "bank", Side: store.Debit, Amount: eur(999), Kind: store.EntryPosted, Seq: sts[1].Balance.Entries + 1, Hash: make([]byte, 32)},
				}}
			if err := s.InsertTransactions(b.ctx, []store.Transaction{forged}); err != nil {
				t.Fatal(err)
			}
		}, "transaction hash"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupLedger(t, open)
			b.fund(t, "alice", 1000)
			if _, err := b.l.Post(b.ctx, b.transfer("t", "alice", "bob", 300)); err != nil {
				t.Fatal(err)
			}
			b.verify(t)
			if err := b.db.InTx(b.ctx, func(tx store.Tx) error { tc.forge(t, b, tx.Ledger(), tx.Now()); return nil }); err != nil {
				t.Fatal(err)
			}
			_, err := b.l.Verify(b.ctx)
			var d *ledger.Discrepancy
			if !errors.As(err, &d) || !errors.Is(err, ledger.ErrDiscrepancy) {
				t.Fatalf("Verify after forgery: %v", err)
			}
			if d.Check != tc.check {
				t.Errorf("Verify reported %q (%v), want %q", d.Check, d, tc.check)
			}
		})
	}
}

// testConcurrentOverdraft runs writers that all spend from one account with
// room for exactly 100 transfers: exactly 100 succeed, the balance ends at 0.
func testConcurrentOverdraft(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	const writers, each = 8, 25
	b.fund(t, "alice", 100*100)
	var mu sync.Mutex
	ok, refused, gaveUp := 0, 0, 0
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				dst := []string{"bob", "carol", "escrow"}[(w+i)%3]
				_, err := b.l.Post(b.ctx, b.transfer(fmt.Sprintf("w%d-%d", w, i), "alice", dst, 100))
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ledger.ErrInsufficientFunds):
					refused++
				case errors.Is(err, store.ErrSerialization):
					gaveUp++
				default:
					t.Errorf("writer %d: %v", w, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok+refused+gaveUp != writers*each {
		t.Fatalf("%d + %d + %d outcomes for %d attempts", ok, refused, gaveUp, writers*each)
	}
	if gaveUp > 0 {
		t.Logf("%d units of work exhausted their serialization retries", gaveUp)
	}
	if ok > 100 || (gaveUp == 0 && ok != 100) {
		t.Errorf("%d transfers of 1.00 succeeded from 100.00 (%d gave up)", ok, gaveUp)
	}
	bal := b.posted(t, "alice", "bob", "carol", "escrow")
	if bal["alice"] != 10000-int64(ok)*100 || bal["alice"] < 0 {
		t.Errorf("alice ends at %d after %d transfers: lost update or overdraft", bal["alice"], ok)
	}
	if bal["bob"]+bal["carol"]+bal["escrow"] != int64(ok)*100 {
		t.Errorf("receivers hold %d, want %d", bal["bob"]+bal["carol"]+bal["escrow"], ok*100)
	}
	b.verify(t)
}

// testConcurrentHot runs writers moving money between 10 unconstrained hot
// accounts in random directions; every committed transfer is accounted for.
func testConcurrentHot(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	const writers, each, hot = 8, 25, 10
	for i := 0; i < hot; i++ {
		b.account(t, fmt.Sprint("hot", i), ledger.Credit, ledger.Unconstrained, 0)
	}
	want := make([]map[string]int64, writers)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		want[w] = map[string]int64{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				from, to := fmt.Sprint("hot", (w*7+i*3)%hot), fmt.Sprint("hot", (w*3+i*7+1)%hot)
				if from == to {
					to = fmt.Sprint("hot", (w*3+i*7+2)%hot)
				}
				amt := int64(1 + (w*31+i*17)%500)
				// Three legs, so writers lock overlapping sets in different
				// request orders: the fixed lock order must prevent deadlock.
				third := fmt.Sprint("hot", (w+i)%hot)
				_, err := b.l.Post(b.ctx, ledger.Transfer{Key: fmt.Sprintf("h%d-%d", w, i), EffectiveDate: day, Postings: []ledger.Posting{
					ledger.Dr(from, eur(amt)), ledger.Cr(to, eur(amt)), ledger.Dr(third, eur(1)), ledger.Cr(from, eur(1))}})
				if err != nil {
					if !errors.Is(err, store.ErrSerialization) {
						t.Errorf("writer %d: %v", w, err)
					}
					continue
				}
				want[w][from] += -amt + 1
				want[w][to] += amt
				want[w][third]--
			}
		}()
	}
	wg.Wait()
	total := map[string]int64{}
	ids := make([]string, hot)
	for i := range ids {
		ids[i] = fmt.Sprint("hot", i)
		total[ids[i]] = 0
	}
	for _, m := range want {
		for k, v := range m {
			total[k] += v
		}
	}
	if diff := cmp.Diff(total, b.posted(t, ids...), cmpOpts); diff != "" {
		t.Errorf("hot balances differ from committed transfers (-want +got):\n%s", diff)
	}
	b.verify(t)
}

// testConcurrentReplays posts the same transfer from 8 writers at once: one
// writes it, the others get it back, money moves once.
func testConcurrentReplays(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 1000)
	const writers = 8
	ids := make([]string, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := b.l.Post(b.ctx, b.transfer("same", "alice", "bob", 700))
			ids[w], errs[w] = tx.ID, err
		}()
	}
	wg.Wait()
	for w := 0; w < writers; w++ {
		if errs[w] != nil {
			t.Errorf("writer %d: %v", w, errs[w])
		} else if ids[w] != ids[0] {
			t.Errorf("writer %d got %s, writer 0 %s", w, ids[w], ids[0])
		}
	}
	if diff := cmp.Diff(map[string]int64{"alice": 300, "bob": 700}, b.posted(t, "alice", "bob"), cmpOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	b.verify(t)
}

// testStoreContract checks LedgerStore behaviour the ledger relies on but
// does not exercise on every path: errors of the raw methods and the limits.
func testStoreContract(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 1000)
	// Each expected failure runs in a unit of work of its own: on Postgres a
	// failed statement aborts the transaction it is in.
	check := func(name string, fn func(ctx context.Context, s store.LedgerStore, now time.Time) error, want error) {
		t.Helper()
		err := b.db.InTx(b.ctx, func(tx store.Tx) error { return fn(b.ctx, tx.Ledger(), tx.Now()) })
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	check("LockAccounts with a missing id", func(ctx context.Context, s store.LedgerStore, _ time.Time) error {
		_, err := s.LockAccounts(ctx, []string{"alice", "nobody"})
		var nf *store.AccountNotFoundError
		if !errors.As(err, &nf) || nf.ID != "nobody" {
			t.Errorf("LockAccounts: want *AccountNotFoundError{nobody}, got %v", err)
		}
		return err
	}, store.ErrNotFound)
	check("CreateAccount duplicate", func(ctx context.Context, s store.LedgerStore, now time.Time) error {
		return s.CreateAccount(ctx, store.Account{ID: "alice", Code: "x", Currency: lendkit.EUR, Normal: store.Credit, CreditLimit: eur(0), CreatedAt: now})
	}, store.ErrConflict)
	check("Transaction(nope)", func(ctx context.Context, s store.LedgerStore, _ time.Time) error {
		_, err := s.Transaction(ctx, "nope")
		return err
	}, store.ErrNotFound)
	check("Resolution(nope)", func(ctx context.Context, s store.LedgerStore, _ time.Time) error {
		_, err := s.Resolution(ctx, "nope")
		return err
	}, store.ErrNotFound)
	check("Reversal(nope)", func(ctx context.Context, s store.LedgerStore, _ time.Time) error {
		_, err := s.Reversal(ctx, "nope")
		return err
	}, store.ErrNotFound)
	check("UpdateBalances(nobody)", func(ctx context.Context, s store.LedgerStore, _ time.Time) error {
		return s.UpdateBalances(ctx, []store.AccountBalance{{AccountID: "nobody"}})
	}, store.ErrNotFound)
	err := b.db.InTx(b.ctx, func(tx store.Tx) error {
		s := tx.Ledger()
		if txs, err := s.TransactionsByKey(b.ctx, []string{"nope"}); err != nil || len(txs) != 0 {
			t.Errorf("TransactionsByKey(nope): %v %v", txs, err)
		}
		sts, err := s.LockAccounts(b.ctx, []string{"alice", "bank", "bob"})
		if err != nil {
			return err
		}
		if got := []string{sts[0].Account.ID, sts[1].Account.ID, sts[2].Account.ID}; !cmp.Equal(got, []string{"alice", "bank", "bob"}, cmpOpts) {
			t.Errorf("LockAccounts order %v", got)
		}
		if sts[2].Balance.Head != nil || sts[2].Balance.Entries != 0 || len(sts[0].Balance.Head) != 32 {
			t.Errorf("balance heads: %+v", sts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Unique keys are enforced by the schema too, not only by the ledger.
	tx := b.fund(t, "bob", 10)
	// A backend that looks keys up and locks accounts in one step answers as
	// the two calls would, leaving missing accounts out instead of failing.
	err = b.db.InTx(b.ctx, func(stx store.Tx) error {
		kl, ok := stx.Ledger().(store.KeyLocker)
		if !ok {
			return nil
		}
		txs, sts, err := kl.TransactionsByKeyLocking(b.ctx, []string{tx.Key, "nope"}, []string{"alice", "bob", "nobody"})
		if err != nil {
			return err
		}
		if len(txs) != 1 || txs[0].ID != tx.ID || len(txs[0].Postings) != len(tx.Postings) {
			t.Errorf("TransactionsByKeyLocking transactions: %+v, want the one of key %q", txs, tx.Key)
		}
		want, err := stx.Ledger().LockAccounts(b.ctx, []string{"alice", "bob"})
		if err != nil {
			return err
		}
		if diff := cmp.Diff(want, sts, cmpOpts); diff != "" {
			t.Errorf("TransactionsByKeyLocking states (-LockAccounts +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = b.db.InTx(b.ctx, func(stx store.Tx) error {
		dup := tx
		dup.ID = "11111111111111111111111111111111"
		dup.Postings = nil
		return stx.Ledger().InsertTransactions(b.ctx, []store.Transaction{dup})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate idempotency key: %v", err)
	}
	err = b.db.InTx(b.ctx, func(stx store.Tx) error {
		bad := tx
		bad.ID, bad.Key = "22222222222222222222222222222222", "other"
		bad.Postings = []store.Posting{{AccountID: "bob", Side: store.Credit, Amount: eur(1), Kind: store.EntryPosted, Seq: 1, Hash: make([]byte, 32)}}
		return stx.Ledger().InsertTransactions(b.ctx, []store.Transaction{bad})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate (account, seq): %v", err)
	}
	err = b.db.InTx(b.ctx, func(stx store.Tx) error {
		bad := tx
		bad.ID, bad.Key = "33333333333333333333333333333333", "neg"
		bad.Postings = []store.Posting{{AccountID: "bob", Side: store.Credit, Amount: eur(-1), Kind: store.EntryPosted, Seq: 99, Hash: make([]byte, 32)}}
		return stx.Ledger().InsertTransactions(b.ctx, []store.Transaction{bad})
	})
	if !errors.Is(err, store.ErrConstraint) {
		t.Errorf("negative amount through the store: %v", err)
	}
	b.verify(t)
}

// testPaging writes more rows than one page of every paged read (Verify's
// 1,000, History's 1,000, the store's lists) and checks nothing is skipped
// or read twice at the page boundaries.
func testPaging(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	const n = 2345
	batch := make([]ledger.Transfer, n)
	for i := range batch {
		batch[i] = ledger.Transfer{Key: fmt.Sprintf("p%05d", i), EffectiveDate: day,
			Postings: []ledger.Posting{ledger.Dr("bank", eur(int64(i+1))), ledger.Cr("alice", eur(int64(i+1)))}}
	}
	if _, err := b.l.PostBatch(b.ctx, batch); err != nil {
		t.Fatal(err)
	}
	rep := b.verify(t)
	if rep.Transactions != n || rep.Postings != 2*n || rep.Accounts != 5 {
		t.Errorf("Verify counted %+v, want %d transactions and %d postings", rep, n, 2*n)
	}
	var seqs []int64
	sum := int64(0)
	q := ledger.HistoryQuery{Limit: 1000}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("history does not end")
		}
		page, err := b.l.History(b.ctx, "alice", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			seqs = append(seqs, e.Seq)
			sum += e.Amount.Minor()
		}
		if page.Next == 0 {
			break
		}
		q.AfterSeq = page.Next
	}
	if len(seqs) != n || seqs[0] != 1 || seqs[n-1] != n {
		t.Errorf("history returned %d entries from %d to %d", len(seqs), seqs[0], seqs[len(seqs)-1])
	}
	if want := int64(n) * (n + 1) / 2; sum != want || b.balance(t, "alice").Posted != eur(want) {
		t.Errorf("history sums to %d, balance %s, want %d", sum, b.balance(t, "alice").Posted, want)
	}
	st := b.snapshot(t)
	if len(st.Transactions) != n {
		t.Errorf("snapshot has %d transactions", len(st.Transactions))
	}
}
