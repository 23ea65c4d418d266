package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// testResolveHolds checks ledger.ResolveHolds: posts (full and partial) and
// voids in one write, replays per key (also across PostHold/VoidHold),
// mismatches, all-or-none on every kind of bad resolution, one hold twice in
// a call, and a campaign-sized call with every balance checked.
func testResolveHolds(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	b.fund(t, "alice", 10000)
	b.fund(t, "bob", 5000)
	hold := func(key, from string, minor int64) ledger.Transaction {
		t.Helper()
		h, err := b.l.Hold(b.ctx, b.transfer(key, from, "escrow", minor), time.Time{})
		if err != nil {
			t.Fatalf("hold %s: %v", key, err)
		}
		return h
	}
	h1, h2, h3, h4 := hold("h1", "alice", 3000), hold("h2", "alice", 2000), hold("h3", "bob", 1000), hold("h4", "bob", 1500)

	if out, err := b.l.ResolveHolds(b.ctx, nil, nil); err != nil || out != nil {
		t.Errorf("empty call: %v %v", out, err)
	}
	posts := []ledger.HoldPost{
		{Key: "p1", HoldID: h1.ID, EffectiveDate: day, Description: "in full"},
		{Key: "p2", HoldID: h2.ID, EffectiveDate: day, Postings: []ledger.Posting{ledger.Dr("alice", eur(500)), ledger.Cr("escrow", eur(500))}},
	}
	voids := []ledger.HoldVoid{{Key: "v3", HoldID: h3.ID, EffectiveDate: day, Metadata: map[string]string{"why": "cancelled"}}}
	out, err := b.l.ResolveHolds(b.ctx, posts, voids)
	if err != nil {
		t.Fatal(err)
	}
	type head struct {
		Key, HoldID, Code string
		Kind              store.TxKind
		Postings          int
	}
	var got []head
	for _, tx := range out {
		got = append(got, head{tx.Key, tx.HoldID, tx.Code, tx.Kind, len(tx.Postings)})
	}
	want := []head{
		{"p1", h1.ID, "transfer", store.KindPostHold, 4}, // 2 releases + 2 posted
		{"p2", h2.ID, "transfer", store.KindPostHold, 4},
		{"v3", h3.ID, "transfer", store.KindVoidHold, 2}, // 2 releases
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("resolutions (-want +got):\n%s", diff)
	}
	// Each resolution reads back as written, and as the hold's resolution.
	for _, tx := range out {
		read, err := b.l.Transaction(b.ctx, tx.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tx, read, cmpOpts); diff != "" {
			t.Errorf("%s read back (-returned +read):\n%s", tx.Key, diff)
		}
	}
	wantPosted := map[string]int64{"alice": 10000 - 3000 - 500, "bob": 5000, "escrow": 3500}
	if diff := cmp.Diff(wantPosted, b.posted(t, "alice", "bob", "escrow"), cmpOpts); diff != "" {
		t.Errorf("after resolving (-want +got):\n%s", diff)
	}
	if bal := b.balance(t, "bob"); bal.Pending != eur(1500) || bal.Available != eur(3500) {
		t.Errorf("bob (h4 still held): %+v", bal)
	}
	if bal := b.balance(t, "alice"); bal.Pending != eur(0) || bal.Available != eur(6500) {
		t.Errorf("alice (h2's rest released): %+v", bal)
	}

	// Replays return the originals, whole or mixed with new resolutions,
	// through either API, and move no money.
	before := b.snapshot(t)
	b.clock.Advance(time.Hour)
	again, err := b.l.ResolveHolds(b.ctx, posts, voids)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if diff := cmp.Diff(out, again, cmpOpts); diff != "" {
		t.Errorf("replay must return the originals (-first +replay):\n%s", diff)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("a replay wrote something (-before +after):\n%s", diff)
	}
	single, err := b.l.PostHold(b.ctx, posts[0])
	if err != nil || single.ID != out[0].ID {
		t.Errorf("PostHold replay of a ResolveHolds key: %v %s, want %s", err, single.ID, out[0].ID)
	}
	single, err = b.l.VoidHold(b.ctx, voids[0])
	if err != nil || single.ID != out[2].ID {
		t.Errorf("VoidHold replay of a ResolveHolds key: %v %s, want %s", err, single.ID, out[2].ID)
	}
	mixed, err := b.l.ResolveHolds(b.ctx, posts[:1], []ledger.HoldVoid{{Key: "v4", HoldID: h4.ID, EffectiveDate: day}})
	if err != nil {
		t.Fatal(err)
	}
	if mixed[0].ID != out[0].ID || mixed[1].Key != "v4" || mixed[1].Kind != store.KindVoidHold {
		t.Errorf("mixed call: %s %s %v", mixed[0].ID, mixed[1].Key, mixed[1].Kind)
	}
	if bal := b.balance(t, "bob"); bal.Pending != eur(0) || bal.Available != eur(5000) {
		t.Errorf("bob after voiding h4: %+v", bal)
	}

	// Every failure leaves everything as it was, whatever else the call held.
	h5, h6 := hold("h5", "alice", 1000), hold("h6", "bob", 700)
	okPost := ledger.HoldPost{Key: "p5", HoldID: h5.ID, EffectiveDate: day}
	okVoid := ledger.HoldVoid{Key: "v6", HoldID: h6.ID, EffectiveDate: day}
	before = b.snapshot(t)
	for _, tc := range []struct {
		name  string
		posts []ledger.HoldPost
		voids []ledger.HoldVoid
		want  error
		label string // the failing resolution, as the error names it
	}{
		{"key reused, other description", []ledger.HoldPost{okPost, {Key: "p1", HoldID: h1.ID, EffectiveDate: day, Description: "other"}}, []ledger.HoldVoid{okVoid},
			store.ErrIdempotencyMismatch, "post 1"},
		{"key reused, void instead of post", []ledger.HoldPost{okPost}, []ledger.HoldVoid{{Key: "p1", HoldID: h1.ID, EffectiveDate: day}},
			store.ErrIdempotencyMismatch, "void 0"},
		{"unknown hold", []ledger.HoldPost{okPost}, []ledger.HoldVoid{okVoid, {Key: "v-x", HoldID: "ffffffffffffffffffffffffffffffff", EffectiveDate: day}},
			ledger.ErrUnknownTransaction, "void 1"},
		{"hold posted before", []ledger.HoldPost{okPost, {Key: "p1-again", HoldID: h1.ID, EffectiveDate: day}}, []ledger.HoldVoid{okVoid},
			ledger.ErrHoldPosted, "post 1"},
		{"hold voided before", []ledger.HoldPost{okPost, {Key: "p3", HoldID: h3.ID, EffectiveDate: day}}, []ledger.HoldVoid{okVoid},
			ledger.ErrHoldVoided, "post 1"},
		{"not a hold", []ledger.HoldPost{okPost}, []ledger.HoldVoid{okVoid, {Key: "v-p1", HoldID: out[0].ID, EffectiveDate: day}},
			ledger.ErrNotAHold, "void 1"},
		{"partial post beyond the hold", []ledger.HoldPost{okPost}, []ledger.HoldVoid{okVoid},
			nil, ""}, // replaced below: needs a HoldPost with postings
		{"one hold twice in the call", []ledger.HoldPost{okPost}, []ledger.HoldVoid{okVoid, {Key: "v5", HoldID: h5.ID, EffectiveDate: day}},
			ledger.ErrHoldResolved, "void 1"},
		{"one hold posted twice in the call", []ledger.HoldPost{okPost, {Key: "p5-bis", HoldID: h5.ID, EffectiveDate: day}}, nil,
			ledger.ErrHoldResolved, "post 1"},
		{"duplicate key in the call", []ledger.HoldPost{okPost}, []ledger.HoldVoid{{Key: "p5", HoldID: h6.ID, EffectiveDate: day}},
			ledger.ErrDuplicateKey, "void 0"},
		{"no date", []ledger.HoldPost{okPost}, []ledger.HoldVoid{{Key: "v6", HoldID: h6.ID}},
			nil, "void 0"},
	} {
		if tc.name == "partial post beyond the hold" {
			tc.posts = append(tc.posts, ledger.HoldPost{Key: "p6", HoldID: h6.ID, EffectiveDate: day,
				Postings: []ledger.Posting{ledger.Dr("bob", eur(701)), ledger.Cr("escrow", eur(701))}})
			tc.voids, tc.want, tc.label = nil, ledger.ErrExceedsHold, "post 1"
		}
		_, err := b.l.ResolveHolds(b.ctx, tc.posts, tc.voids)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		case !strings.Contains(err.Error(), tc.label):
			t.Errorf("%s: error %q does not name %q", tc.name, err, tc.label)
		}
	}
	if _, err := b.l.ResolveHolds(b.ctx, make([]ledger.HoldPost, ledger.MaxBatch), make([]ledger.HoldVoid, 1)); !errors.Is(err, ledger.ErrTooLarge) {
		t.Errorf("oversized call: %v", err)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("failed calls wrote something (-before +after):\n%s", diff)
	}
	// Inside a caller's unit of work, a rollback undoes the resolutions too.
	sentinel := errors.New("caller fails after resolving")
	err = b.db.InTx(b.ctx, func(tx store.Tx) error {
		if _, err := ledger.In(tx).ResolveHolds(b.ctx, []ledger.HoldPost{okPost}, []ledger.HoldVoid{okVoid}); err != nil {
			return err
		}
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Fatalf("unit of work: %v", err)
	}
	if diff := cmp.Diff(before, b.snapshot(t), cmpOpts); diff != "" {
		t.Errorf("rolled-back resolutions persisted (-before +after):\n%s", diff)
	}
	if _, err := b.l.ResolveHolds(b.ctx, []ledger.HoldPost{okPost}, []ledger.HoldVoid{okVoid}); err != nil {
		t.Fatalf("after the failures, the same resolutions: %v", err)
	}

	// A campaign: 240 lenders each hold towards the escrow; 180 holds are
	// posted, 60 voided, in one call (more than one 64-row chunk of every
	// statement on SQLite).
	const lenders = 240
	var funding []ledger.Transfer
	for i := range lenders {
		id := fmt.Sprintf("lender:%03d", i)
		b.account(t, id, ledger.Credit, ledger.NonNegative, 0)
		funding = append(funding, ledger.Transfer{Key: "in-" + id, EffectiveDate: day, Postings: []ledger.Posting{ledger.Dr("bank", eur(10000)), ledger.Cr(id, eur(10000))}})
	}
	if _, err := b.l.PostBatch(b.ctx, funding); err != nil {
		t.Fatal(err)
	}
	escrow0 := b.balance(t, "escrow").Posted.Minor()
	var cPosts []ledger.HoldPost
	var cVoids []ledger.HoldVoid
	wantLender := map[string]int64{}
	posted := int64(0)
	for i := range lenders {
		id := fmt.Sprintf("lender:%03d", i)
		minor := int64(100 + i)
		h := hold("commit-"+id, id, minor)
		if i%4 == 3 {
			cVoids = append(cVoids, ledger.HoldVoid{Key: "void-" + id, HoldID: h.ID, EffectiveDate: day})
			wantLender[id] = 10000
		} else {
			cPosts = append(cPosts, ledger.HoldPost{Key: "post-" + id, HoldID: h.ID, EffectiveDate: day})
			wantLender[id] = 10000 - minor
			posted += minor
		}
	}
	res, err := b.l.ResolveHolds(b.ctx, cPosts, cVoids)
	if err != nil {
		t.Fatal(err)
	}
	for i, tx := range res {
		wantKey := ""
		if i < len(cPosts) {
			wantKey = cPosts[i].Key
		} else {
			wantKey = cVoids[i-len(cPosts)].Key
		}
		if tx.Key != wantKey {
			t.Errorf("result %d is %s, want %s", i, tx.Key, wantKey)
		}
	}
	gotLender := map[string]int64{}
	for id := range wantLender {
		bal := b.balance(t, id)
		if bal.Pending != eur(0) {
			t.Errorf("%s still has %s pending", id, bal.Pending)
		}
		gotLender[id] = bal.Posted.Minor()
	}
	if diff := cmp.Diff(wantLender, gotLender, cmpOpts); diff != "" {
		t.Errorf("lenders after the campaign (-want +got):\n%s", diff)
	}
	if e := b.balance(t, "escrow"); e.Posted.Minor() != escrow0+posted || e.PendingIn != eur(0) {
		t.Errorf("escrow after the campaign: %+v, want posted %d", e, escrow0+posted)
	}
	b.verify(t)
}

// testStoreBatchReads checks the LedgerStore's bulk reads against the
// single-row ones: TransactionsByID and Resolutions return exactly what
// Transaction and Resolution return, each once, whatever the repeats and
// missing ids, across the backends' chunk boundaries.
func testStoreBatchReads(t *testing.T, open Opener) {
	b := setupLedger(t, open)
	const n = 150 // more than two 64-id chunks
	var funding []ledger.Transfer
	for i := range n {
		funding = append(funding, ledger.Transfer{Key: fmt.Sprintf("in-%03d", i), EffectiveDate: day,
			Metadata: map[string]string{"i": fmt.Sprint(i)},
			Postings: []ledger.Posting{ledger.Dr("bank", eur(int64(100+i))), ledger.Cr("alice", eur(int64(100+i)))}})
	}
	fundTxs, err := b.l.PostBatch(b.ctx, funding)
	if err != nil {
		t.Fatal(err)
	}
	var holds []ledger.Transaction
	for i := range n {
		h, err := b.l.Hold(b.ctx, b.transfer(fmt.Sprintf("h-%03d", i), "alice", "escrow", 1), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		holds = append(holds, h)
	}
	// Resolve two holds in three: posts for i%3 == 0, voids for i%3 == 1.
	var posts []ledger.HoldPost
	var voids []ledger.HoldVoid
	for i, h := range holds {
		switch i % 3 {
		case 0:
			posts = append(posts, ledger.HoldPost{Key: fmt.Sprintf("p-%03d", i), HoldID: h.ID, EffectiveDate: day})
		case 1:
			voids = append(voids, ledger.HoldVoid{Key: fmt.Sprintf("v-%03d", i), HoldID: h.ID, EffectiveDate: day})
		}
	}
	if _, err := b.l.ResolveHolds(b.ctx, posts, voids); err != nil {
		t.Fatal(err)
	}
	byID := func(txs []store.Transaction) []store.Transaction {
		out := slices.Clone(txs)
		slices.SortFunc(out, func(a, b store.Transaction) int { return strings.Compare(a.ID, b.ID) })
		return out
	}
	const missing = "ffffffffffffffffffffffffffffffff"
	err = b.db.View(b.ctx, func(tx store.Tx) error {
		s := tx.Ledger()
		ctx := context.Background()
		// Every funding transaction and every hold, plus repeats and a missing id.
		var ids []string
		var want []store.Transaction
		for _, group := range [][]ledger.Transaction{fundTxs, holds} {
			for _, x := range group {
				one, err := s.Transaction(ctx, x.ID)
				if err != nil {
					return err
				}
				ids = append(ids, x.ID)
				want = append(want, one)
			}
		}
		ids = append(ids, missing, fundTxs[0].ID, holds[n-1].ID)
		got, err := s.TransactionsByID(ctx, ids)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(byID(want), byID(got), cmpOpts); diff != "" {
			t.Errorf("TransactionsByID vs Transaction (-want +got):\n%s", diff)
		}
		// Resolutions of every hold: the open ones (i%3 == 2) have none.
		var holdIDs []string
		var wantRes []store.Transaction
		for i, h := range holds {
			holdIDs = append(holdIDs, h.ID)
			r, err := s.Resolution(ctx, h.ID)
			switch {
			case i%3 == 2 && !errors.Is(err, store.ErrNotFound):
				t.Errorf("open hold %d: Resolution = %v", i, err)
			case i%3 != 2 && err != nil:
				return err
			case i%3 != 2:
				wantRes = append(wantRes, r)
			}
		}
		holdIDs = append(holdIDs, missing, holds[0].ID, fundTxs[1].ID)
		gotRes, err := s.Resolutions(ctx, holdIDs)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(byID(wantRes), byID(gotRes), cmpOpts); diff != "" {
			t.Errorf("Resolutions vs Resolution (-want +got):\n%s", diff)
		}
		if len(gotRes) != n/3*2 {
			t.Errorf("Resolutions: %d, want %d", len(gotRes), n/3*2)
		}
		for _, empty := range [][]string{nil, {}, {missing}} {
			if got, err := s.TransactionsByID(ctx, empty); err != nil || len(got) != 0 {
				t.Errorf("TransactionsByID(%q) = %v, %v", empty, got, err)
			}
			if got, err := s.Resolutions(ctx, empty); err != nil || len(got) != 0 {
				t.Errorf("Resolutions(%q) = %v, %v", empty, got, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
