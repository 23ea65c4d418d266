package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"pgregory.net/rapid"
)

// ExerciseLedgerModel runs a rapid state machine: random sequences of
// fundings, transfers, batches, holds, posts (full and partial), voids,
// reversals, replays and key reuses, against a plain in-memory model of the
// balances. After every step it checks that each account's balance equals
// the model's, that no constrained account is below its floor, that the
// trial balance is zero per currency, and (Verify) that every stored balance
// equals the sum of its postings and every hash recomputes. Each action's
// outcome (success or which error) must be the one the model predicts.
//
// Given two openers, it runs every sequence on both backends at once and
// also checks that they end in the same State.
func ExerciseLedgerModel(t *testing.T, opens ...Opener) {
	t.Helper()
	// One database per backend for the whole property: opening and migrating
	// one per check would cost more than the checks. Each check works in its
	// own namespace of accounts and keys ("m7:w0"), a closed system whose
	// trial balance is zero on its own.
	shared := &backends{}
	for _, open := range opens {
		clock := lendkit.NewManualClock(Epoch)
		db := open(t, clock)
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		shared.dbs = append(shared.dbs, db)
		shared.ls = append(shared.ls, ledger.New(db))
		shared.clocks = append(shared.clocks, clock)
	}
	rapid.Check(t, func(rt *rapid.T) {
		shared.checks++
		m := newModel(t, rt, shared, fmt.Sprintf("m%d:", shared.checks))
		rt.Repeat(map[string]func(*rapid.T){
			"":         m.check,
			"fund":     m.fund,
			"transfer": m.transfer,
			"batch":    m.batch,
			"hold":     m.hold,
			"post":     m.postHold,
			"void":     m.voidHold,
			"reverse":  m.reverse,
			"replay":   m.replay,
			"reuse":    m.reuseKey,
		})
		for i, l := range m.ls {
			if _, err := l.Verify(t.Context()); err != nil {
				rt.Fatalf("backend %d: %v", i, err)
			}
		}
	})
	if len(shared.dbs) < 2 {
		return
	}
	first, err := Snapshot(t.Context(), shared.dbs[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(shared.dbs); i++ {
		st, err := Snapshot(t.Context(), shared.dbs[i])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, st, cmpOpts); diff != "" {
			t.Fatalf("backends 0 and %d end in different states (-0 +%d):\n%s", i, i, diff)
		}
	}
}

// backends are the databases a model runs on, shared by all checks.
type backends struct {
	dbs    []store.DB
	ls     []*ledger.Ledger
	clocks []*lendkit.ManualClock
	checks int
}

// macct is the model of one account.
type macct struct {
	id, cur        string
	credit         bool // credit-normal
	cons           ledger.Constraint
	limit          int64
	pd, pc, hd, hc int64 // posted and pending debits and credits
}

func (a *macct) posted() int64 {
	if a.credit {
		return a.pc - a.pd
	}
	return a.pd - a.pc
}

func (a *macct) available() int64 {
	if a.credit {
		return a.posted() - a.hd
	}
	return a.posted() - a.hc
}

func (a *macct) floor() (int64, bool) {
	switch a.cons {
	case ledger.NonNegative:
		return 0, true
	case ledger.CreditLimit:
		return -a.limit, true
	}
	return 0, false
}

// mleg is a posting in the model: account, debit?, amount, kind.
type mleg struct {
	acct  string
	debit bool
	amt   int64
	kind  store.EntryKind
}

// mtx is a committed transaction in the model.
type mtx struct {
	key      string
	kind     store.TxKind
	ids      []string // the transaction's id on each backend
	legs     []mleg
	resolved bool // holds: posted or voided
	posted   bool // holds: resolved by a post
	reversed bool // transfers and posted holds
	redo     func() ([]ledger.Transaction, []error)
}

type model struct {
	*backends
	t      *testing.T
	prefix string
	accts  map[string]*macct
	order  []string
	txs    []*mtx
	n      int
}

func newModel(t *testing.T, rt *rapid.T, b *backends, prefix string) *model {
	m := &model{backends: b, t: t, prefix: prefix, accts: map[string]*macct{}}
	defs := []*macct{
		{id: "world", cur: "EUR", cons: ledger.Unconstrained},
		{id: "world-usd", cur: "USD", cons: ledger.Unconstrained},
		{id: "w0", cur: "EUR", credit: true},
		{id: "w1", cur: "EUR", credit: true},
		{id: "w2", cur: "EUR", credit: true},
		{id: "c0", cur: "EUR", credit: true, cons: ledger.CreditLimit, limit: rapid.Int64Range(0, 3000).Draw(rt, "limit")},
		{id: "d0", cur: "EUR", credit: false}, // a debit-normal non-negative account (an asset)
		{id: "u0", cur: "USD", credit: true},
		{id: "u1", cur: "USD", credit: true, cons: ledger.Unconstrained},
	}
	for _, a := range defs {
		a.id = prefix + a.id
		side := ledger.Debit
		if a.credit {
			side = ledger.Credit
		}
		cur := lendkit.MustCurrency(a.cur)
		def := ledger.Account{ID: a.id, Code: "model", Currency: cur, Normal: side, Constraint: a.cons, CreditLimit: lendkit.New(a.limit, cur)}
		for i, l := range m.ls {
			if _, err := l.CreateAccount(t.Context(), def); err != nil {
				rt.Fatalf("backend %d: create %s: %v", i, a.id, err)
			}
		}
		m.accts[a.id] = a
		m.order = append(m.order, a.id)
	}
	return m
}

func (m *model) key(prefix string) string {
	m.n++
	return fmt.Sprintf("%s%s-%d", m.prefix, prefix, m.n)
}

// pickPair draws two distinct accounts of one currency.
func (m *model) pickPair(rt *rapid.T) (string, string) {
	cur := rapid.SampledFrom([]string{"EUR", "EUR", "EUR", "USD"}).Draw(rt, "currency")
	var ids []string
	for _, id := range m.order {
		if m.accts[id].cur == cur {
			ids = append(ids, id)
		}
	}
	from := rapid.SampledFrom(ids).Draw(rt, "from")
	to := rapid.SampledFrom(ids).Filter(func(s string) bool { return s != from }).Draw(rt, "to")
	return from, to
}

func (m *model) money(id string, amt int64) lendkit.Money {
	return lendkit.New(amt, lendkit.MustCurrency(m.accts[id].cur))
}

func (m *model) postings(legs []mleg) []ledger.Posting {
	out := make([]ledger.Posting, len(legs))
	for i, l := range legs {
		side := ledger.Credit
		if l.debit {
			side = ledger.Debit
		}
		out[i] = ledger.Posting{AccountID: l.acct, Side: side, Amount: m.money(l.acct, l.amt)}
	}
	return out
}

// predict applies legs to copies of the model accounts and reports whether
// a constraint refuses them; accepted, it returns the new accounts.
func (m *model) predict(accts map[string]*macct, legs []mleg) (map[string]*macct, error) {
	next := map[string]*macct{}
	for k, v := range accts {
		next[k] = v
	}
	before := map[string]int64{}
	for _, l := range legs {
		if _, ok := before[l.acct]; !ok {
			before[l.acct] = next[l.acct].available()
			c := *next[l.acct]
			next[l.acct] = &c
		}
		a := next[l.acct]
		switch {
		case l.kind == store.EntryPosted && l.debit:
			a.pd += l.amt
		case l.kind == store.EntryPosted:
			a.pc += l.amt
		case l.kind == store.EntryPending && l.debit:
			a.hd += l.amt
		case l.kind == store.EntryPending:
			a.hc += l.amt
		case l.debit:
			a.hd -= l.amt
		default:
			a.hc -= l.amt
		}
	}
	for id, b := range before {
		a := next[id]
		if f, ok := a.floor(); ok && a.available() < f && a.available() < b {
			return nil, ledger.ErrInsufficientFunds
		}
	}
	return next, nil
}

// outcome checks that every backend returned the predicted outcome and the
// same transactions, and returns the ids per backend.
func (m *model) outcome(rt *rapid.T, what string, want error, txs [][]ledger.Transaction, errs []error) [][]string {
	ids := make([][]string, len(txs))
	for i, err := range errs {
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			rt.Fatalf("%s on backend %d: got %v, want %v", what, i, err, want)
		}
		for _, tx := range txs[i] {
			ids[i] = append(ids[i], tx.ID)
		}
	}
	return ids
}

// each runs fn on every backend.
func each[T any](m *model, fn func(l *ledger.Ledger) (T, error)) ([][]ledger.Transaction, []error, []T) {
	txs := make([][]ledger.Transaction, len(m.ls))
	errs := make([]error, len(m.ls))
	vals := make([]T, len(m.ls))
	for i, l := range m.ls {
		m.clocks[i].Advance(time.Second)
		vals[i], errs[i] = fn(l)
		switch v := any(vals[i]).(type) {
		case ledger.Transaction:
			if errs[i] == nil {
				txs[i] = []ledger.Transaction{v}
			}
		case []ledger.Transaction:
			txs[i] = v
		}
	}
	return txs, errs, vals
}

func (m *model) commit(rt *rapid.T, key string, kind store.TxKind, legs []mleg, next map[string]*macct, ids [][]string, k int, redo func() ([]ledger.Transaction, []error)) *mtx {
	for id, a := range next {
		m.accts[id] = a
	}
	tx := &mtx{key: key, kind: kind, legs: legs, redo: redo}
	for _, per := range ids {
		tx.ids = append(tx.ids, per[k])
	}
	m.txs = append(m.txs, tx)
	return tx
}

func (m *model) fund(rt *rapid.T) {
	to := m.prefix + rapid.SampledFrom([]string{"w0", "w1", "w2", "c0", "u0"}).Draw(rt, "wallet")
	amt := rapid.Int64Range(1, 5000).Draw(rt, "amount")
	src := m.prefix + "world"
	if m.accts[to].cur == "USD" {
		src = m.prefix + "world-usd"
	}
	m.transferLegs(rt, []mleg{{src, true, amt, store.EntryPosted}, {to, false, amt, store.EntryPosted}})
}

func (m *model) transfer(rt *rapid.T) {
	from, to := m.pickPair(rt)
	amt := rapid.Int64Range(1, 3000).Draw(rt, "amount")
	legs := []mleg{{from, true, amt, store.EntryPosted}, {to, false, amt, store.EntryPosted}}
	if rapid.Bool().Draw(rt, "three legs") {
		part := rapid.Int64Range(1, amt).Draw(rt, "part")
		_, third := m.pickPairIn(rt, m.accts[from].cur, from)
		legs = []mleg{{from, true, amt, store.EntryPosted}, {to, false, amt - part, store.EntryPosted}, {third, false, part, store.EntryPosted}}
		if amt == part {
			legs = []mleg{legs[0], legs[2]}
		}
	}
	m.transferLegs(rt, legs)
}

// pickPairIn draws an account of currency cur other than not.
func (m *model) pickPairIn(rt *rapid.T, cur, not string) (string, string) {
	var ids []string
	for _, id := range m.order {
		if m.accts[id].cur == cur && id != not {
			ids = append(ids, id)
		}
	}
	return not, rapid.SampledFrom(ids).Draw(rt, "third")
}

func (m *model) transferLegs(rt *rapid.T, legs []mleg) {
	key := m.key("t")
	tr := ledger.Transfer{Key: key, Code: "model", EffectiveDate: day, Postings: m.postings(legs)}
	next, want := m.predict(m.accts, legs)
	run := func() ([]ledger.Transaction, []error) {
		txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Post(m.t.Context(), tr) })
		return flat(txs), errs
	}
	txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Post(m.t.Context(), tr) })
	ids := m.outcome(rt, "transfer "+key, want, txs, errs)
	if want == nil {
		m.commit(rt, key, store.KindTransfer, legs, next, ids, 0, run)
	}
}

func flat(txs [][]ledger.Transaction) []ledger.Transaction {
	var out []ledger.Transaction
	for _, t := range txs {
		out = append(out, t...)
	}
	return out
}

func (m *model) batch(rt *rapid.T) {
	n := rapid.IntRange(2, 5).Draw(rt, "batch size")
	var trs []ledger.Transfer
	var legss [][]mleg
	accts := m.accts
	var want error
	for i := 0; i < n; i++ {
		from, to := m.pickPair(rt)
		amt := rapid.Int64Range(1, 2000).Draw(rt, "amount")
		legs := []mleg{{from, true, amt, store.EntryPosted}, {to, false, amt, store.EntryPosted}}
		key := m.key("b")
		trs = append(trs, ledger.Transfer{Key: key, EffectiveDate: day, Postings: m.postings(legs)})
		legss = append(legss, legs)
		if want == nil {
			var err error
			next, err := m.predict(accts, legs)
			if err != nil {
				want = err
			} else {
				accts = next
			}
		}
	}
	txs, errs, _ := each(m, func(l *ledger.Ledger) ([]ledger.Transaction, error) { return l.PostBatch(m.t.Context(), trs) })
	ids := m.outcome(rt, "batch", want, txs, errs)
	if want != nil {
		return
	}
	for i := range trs {
		i := i
		m.commit(rt, trs[i].Key, store.KindTransfer, legss[i], accts, ids, i, func() ([]ledger.Transaction, []error) {
			txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Post(m.t.Context(), trs[i]) })
			return flat(txs), errs
		})
	}
}

func (m *model) hold(rt *rapid.T) {
	from, to := m.pickPair(rt)
	amt := rapid.Int64Range(1, 3000).Draw(rt, "amount")
	legs := []mleg{{from, true, amt, store.EntryPending}, {to, false, amt, store.EntryPending}}
	key := m.key("h")
	tr := ledger.Transfer{Key: key, Code: "escrow", EffectiveDate: day, Postings: m.postings(legs)}
	next, want := m.predict(m.accts, legs)
	txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Hold(m.t.Context(), tr, time.Time{}) })
	ids := m.outcome(rt, "hold "+key, want, txs, errs)
	if want == nil {
		m.commit(rt, key, store.KindHold, legs, next, ids, 0, func() ([]ledger.Transaction, []error) {
			txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Hold(m.t.Context(), tr, time.Time{}) })
			return flat(txs), errs
		})
	}
}

func (m *model) pickTx(rt *rapid.T, ok func(*mtx) bool) *mtx {
	var c []*mtx
	for _, t := range m.txs {
		if ok(t) {
			c = append(c, t)
		}
	}
	if len(c) == 0 {
		rt.Skip("no candidate transaction")
	}
	return rapid.SampledFrom(c).Draw(rt, "transaction")
}

func releaseLegs(h *mtx) []mleg {
	out := make([]mleg, len(h.legs))
	for i, l := range h.legs {
		out[i] = mleg{l.acct, l.debit, l.amt, store.EntryRelease}
	}
	return out
}

func (m *model) postHold(rt *rapid.T) {
	h := m.pickTx(rt, func(t *mtx) bool { return t.kind == store.KindHold })
	amt := h.legs[0].amt
	part := amt
	var req []ledger.Posting
	if rapid.Bool().Draw(rt, "partial") {
		part = rapid.Int64Range(1, amt).Draw(rt, "part")
		req = m.postings([]mleg{{h.legs[0].acct, true, part, 0}, {h.legs[1].acct, false, part, 0}})
	}
	legs := append(releaseLegs(h), mleg{h.legs[0].acct, true, part, store.EntryPosted}, mleg{h.legs[1].acct, false, part, store.EntryPosted})
	key := m.key("p")
	var want error
	next := m.accts
	if h.resolved {
		want = ledger.ErrHoldResolved
	} else {
		var err error
		if next, err = m.predict(m.accts, legs); err != nil {
			rt.Fatalf("the model refuses a post of an open hold: %v", err)
		}
	}
	i := 0
	txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) {
		defer func() { i++ }()
		return l.PostHold(m.t.Context(), ledger.HoldPost{Key: key, HoldID: h.ids[i], EffectiveDate: day, Postings: req})
	})
	ids := m.outcome(rt, "post of "+h.key, want, txs, errs)
	if want == nil {
		h.resolved, h.posted = true, true
		m.commit(rt, key, store.KindPostHold, legs, next, ids, 0, nil)
	}
}

func (m *model) voidHold(rt *rapid.T) {
	h := m.pickTx(rt, func(t *mtx) bool { return t.kind == store.KindHold })
	legs := releaseLegs(h)
	key := m.key("v")
	var want error
	next := m.accts
	if h.resolved {
		want = ledger.ErrHoldResolved
	} else {
		var err error
		if next, err = m.predict(m.accts, legs); err != nil {
			rt.Fatalf("the model refuses a void: %v", err)
		}
	}
	i := 0
	txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) {
		defer func() { i++ }()
		return l.VoidHold(m.t.Context(), ledger.HoldVoid{Key: key, HoldID: h.ids[i], EffectiveDate: day})
	})
	ids := m.outcome(rt, "void of "+h.key, want, txs, errs)
	if want == nil {
		h.resolved = true
		m.commit(rt, key, store.KindVoidHold, legs, next, ids, 0, nil)
	}
}

func (m *model) reverse(rt *rapid.T) {
	o := m.pickTx(rt, func(t *mtx) bool {
		return t.kind == store.KindTransfer || t.kind == store.KindPostHold || t.kind == store.KindReversal
	})
	var legs []mleg
	for _, l := range o.legs {
		if l.kind == store.EntryPosted {
			legs = append(legs, mleg{l.acct, !l.debit, l.amt, store.EntryPosted})
		}
	}
	key := m.key("r")
	var want error
	next := m.accts
	switch {
	case o.kind == store.KindReversal:
		want = ledger.ErrNotReversible
	case o.reversed:
		want = ledger.ErrAlreadyReversed
	default:
		next, want = m.predict(m.accts, legs)
	}
	i := 0
	txs, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) {
		defer func() { i++ }()
		return l.Reverse(m.t.Context(), ledger.Reversal{Key: key, TransactionID: o.ids[i], EffectiveDate: day})
	})
	ids := m.outcome(rt, "reversal of "+o.key, want, txs, errs)
	if want == nil {
		o.reversed = true
		m.commit(rt, key, store.KindReversal, legs, next, ids, 0, nil)
	}
}

// replay resends a committed transfer or hold: the original comes back and
// nothing moves, even when the same request would now be refused.
func (m *model) replay(rt *rapid.T) {
	o := m.pickTx(rt, func(t *mtx) bool { return t.redo != nil })
	txs, errs := o.redo()
	for i, err := range errs {
		if err != nil {
			rt.Fatalf("replay of %s on backend %d: %v", o.key, i, err)
		}
		if txs[i].ID != o.ids[i] {
			rt.Fatalf("replay of %s on backend %d returned %s, want %s", o.key, i, txs[i].ID, o.ids[i])
		}
	}
}

// reuseKey sends a different transfer under a committed key.
func (m *model) reuseKey(rt *rapid.T) {
	o := m.pickTx(rt, func(t *mtx) bool { return true })
	tr := ledger.Transfer{Key: o.key, Description: "reuse", EffectiveDate: day, Postings: m.postings([]mleg{{m.prefix + "world", true, 1, 0}, {m.prefix + "w0", false, 1, 0}})}
	_, errs, _ := each(m, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Post(m.t.Context(), tr) })
	m.outcome(rt, "reuse of "+o.key, store.ErrIdempotencyMismatch, make([][]ledger.Transaction, len(errs)), errs)
}

// check compares every backend with the model: each balance, its floor,
// the trial balance of the check's accounts, and each stored balance against
// the sum of the account's postings (read back through History).
func (m *model) check(rt *rapid.T) {
	for i, l := range m.ls {
		trial := map[string]int64{}
		for _, id := range m.order {
			a := m.accts[id]
			b, err := l.Balance(m.t.Context(), id)
			if err != nil {
				rt.Fatalf("backend %d: balance %s: %v", i, id, err)
			}
			got := [4]int64{b.PostedDebits.Minor(), b.PostedCredits.Minor(), b.PendingDebits.Minor(), b.PendingCredits.Minor()}
			if want := [4]int64{a.pd, a.pc, a.hd, a.hc}; got != want {
				rt.Fatalf("backend %d: %s totals %v, model %v", i, id, got, want)
			}
			if b.Available.Minor() != a.available() {
				rt.Fatalf("backend %d: %s available %d, model %d", i, id, b.Available.Minor(), a.available())
			}
			if f, ok := a.floor(); ok && b.Available.Minor() < f {
				rt.Fatalf("backend %d: %s available %d below its floor %d", i, id, b.Available.Minor(), f)
			}
			trial[a.cur] += b.PostedDebits.Minor() - b.PostedCredits.Minor()
			var sum [4]int64
			q := ledger.HistoryQuery{Limit: 1000}
			for {
				page, err := l.History(m.t.Context(), id, q)
				if err != nil {
					rt.Fatalf("backend %d: history %s: %v", i, id, err)
				}
				for _, e := range page.Entries {
					k := 0
					if e.Side == ledger.Credit {
						k = 1
					}
					switch e.Kind {
					case store.EntryPosted:
						sum[k] += e.Amount.Minor()
					case store.EntryPending:
						sum[2+k] += e.Amount.Minor()
					case store.EntryRelease:
						sum[2+k] -= e.Amount.Minor()
					}
				}
				if page.Next == 0 {
					break
				}
				q.AfterSeq = page.Next
			}
			if sum != got {
				rt.Fatalf("backend %d: %s stored totals %v, postings sum to %v", i, id, got, sum)
			}
		}
		for cur, net := range trial {
			if net != 0 {
				rt.Fatalf("backend %d: trial balance in %s is %d", i, cur, net)
			}
		}
	}
}
