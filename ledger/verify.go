package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// Report summarises a successful Verify.
type Report struct {
	Accounts     int // accounts checked
	Transactions int // transactions checked
	Postings     int // postings checked, through both their transaction and their account
	// Root is SHA-256 over every account's id and chain head, in id order.
	// It changes whenever any posting is added or altered: publish or store
	// it elsewhere (an audit log, a notary) to detect a rewrite of the whole
	// history, which no check inside one database can see.
	Root string
}

// VerifyIn checks the ledger that s sees, which should be one consistent
// snapshot (db.View gives one), and returns the first discrepancy as a
// *Discrepancy (ErrDiscrepancy):
//
//   - every transaction's hash equals the hash recomputed from its stored
//     fields and postings, and its postings are of the kinds its kind allows
//     and balance per currency;
//   - every account's postings are numbered 1, 2, 3… without gap, are in the
//     account's currency, and their chained hashes recompute;
//   - every stored balance (four totals, posting count, chain head) equals
//     what the account's postings sum to, and no constrained account is below
//     its floor;
//   - debits equal credits per currency over the whole ledger (trial balance).
//
// It reads every row once, in pages, with memory bounded by the number of
// currencies.
func VerifyIn(ctx context.Context, s store.LedgerStore) (Report, error) {
	var rep Report
	txPostings := 0
	after := ""
	for {
		txs, err := s.Transactions(ctx, after, verifyPage)
		if err != nil {
			return rep, fmt.Errorf("ledger: verify: %w", err)
		}
		for i := range txs {
			if err := verifyTx(&txs[i]); err != nil {
				return rep, err
			}
			txPostings += len(txs[i].Postings)
		}
		rep.Transactions += len(txs)
		if len(txs) < verifyPage {
			break
		}
		after = txs[len(txs)-1].ID
	}

	trial := map[lendkit.Currency]*big.Int{}
	root := sha256.New()
	afterAcct := ""
	for {
		accts, err := s.Accounts(ctx, afterAcct, verifyPage)
		if err != nil {
			return rep, fmt.Errorf("ledger: verify: %w", err)
		}
		for _, a := range accts {
			n, head, err := verifyAccount(ctx, s, a, trial)
			if err != nil {
				return rep, err
			}
			rep.Postings += n
			root.Write(enc(nil).str(a.ID).bytes(head))
		}
		rep.Accounts += len(accts)
		if len(accts) < verifyPage {
			break
		}
		afterAcct = accts[len(accts)-1].ID
	}
	if rep.Postings != txPostings {
		return rep, &Discrepancy{Check: "posting count", Detail: fmt.Sprintf("transactions hold %d postings, account histories %d", txPostings, rep.Postings)}
	}
	for c, net := range trial {
		if net.Sign() != 0 {
			return rep, &Discrepancy{Check: "trial balance", Detail: fmt.Sprintf("posted debits minus credits in %s is %s minor units, not 0", c, net)}
		}
	}
	rep.Root = hex.EncodeToString(root.Sum(nil))
	return rep, nil
}

// verifyTx checks one transaction on its own.
func verifyTx(t *Transaction) error {
	fail := func(check, detail string, args ...any) error {
		return &Discrepancy{Check: check, TransactionID: t.ID, Detail: fmt.Sprintf(detail, args...)}
	}
	if got := txHash(t); string(got) != string(t.Hash) {
		return fail("transaction hash", "stored %x, recomputed %x", t.Hash, got)
	}
	var posted, pending, released []Posting
	for _, p := range t.Postings {
		switch p.Kind {
		case store.EntryPosted:
			posted = append(posted, p)
		case store.EntryPending:
			pending = append(pending, p)
		case store.EntryRelease:
			released = append(released, p)
		default:
			return fail("posting kind", "unknown kind %d", p.Kind)
		}
		if !p.Amount.IsPositive() {
			return fail("posting amount", "%s on %q", p.Amount, p.AccountID)
		}
	}
	var ok bool
	switch t.Kind {
	case store.KindTransfer, store.KindReversal:
		ok = len(posted) >= 2 && len(pending) == 0 && len(released) == 0
	case store.KindHold:
		ok = len(pending) >= 2 && len(posted) == 0 && len(released) == 0
	case store.KindPostHold:
		ok = len(released) >= 2 && len(posted) >= 2 && len(pending) == 0 && t.HoldID != ""
	case store.KindVoidHold:
		ok = len(released) >= 2 && len(posted) == 0 && len(pending) == 0 && t.HoldID != ""
	}
	if !ok {
		return fail("posting kinds", "%d posted, %d pending, %d release postings do not fit a %s", len(posted), len(pending), len(released), t.Kind)
	}
	for _, group := range [][]Posting{posted, pending, released} {
		if len(group) == 0 {
			continue
		}
		if err := checkBalanced(group); err != nil {
			return fail("balance", "%v", err)
		}
	}
	return nil
}

// verifyAccount walks one account's chain and compares it with the stored
// balance. It returns the number of postings and the chain head.
func verifyAccount(ctx context.Context, s store.LedgerStore, a Account, trial map[lendkit.Currency]*big.Int) (int, []byte, error) {
	fail := func(check string, seq int64, detail string, args ...any) error {
		return &Discrepancy{Check: check, AccountID: a.ID, Seq: seq, Detail: fmt.Sprintf(detail, args...)}
	}
	var sum store.AccountBalance
	sum.AccountID = a.ID
	var head []byte
	var after int64
	for {
		es, err := s.Entries(ctx, a.ID, after, verifyPage)
		if err != nil {
			return 0, nil, fmt.Errorf("ledger: verify %q: %w", a.ID, err)
		}
		for i := range es {
			e := &es[i]
			if e.Seq != sum.Entries+1 {
				return 0, nil, fail("sequence", e.Seq, "expected posting %d", sum.Entries+1)
			}
			if e.Amount.Currency() != a.Currency {
				return 0, nil, fail("currency", e.Seq, "posting in %s on a %s account", e.Amount.Currency(), a.Currency)
			}
			if got := postingHash(head, a.ID, e.Seq, e.TransactionID, e.TransactionHash, e.Index, &e.Posting); string(got) != string(e.Hash) {
				return 0, nil, fail("chain", e.Seq, "stored %x, recomputed %x", e.Hash, got)
			}
			head = e.Hash
			if e.Kind == store.EntryRelease {
				// Undo the pending amount first so a release never counts
				// as overflow; a release below zero is itself a discrepancy.
				tot := &sum.PendingCredits
				if e.Side == Debit {
					tot = &sum.PendingDebits
				}
				if *tot < e.Amount.Minor() {
					return 0, nil, fail("pending", e.Seq, "release of %s exceeds the pending total", e.Amount)
				}
				*tot -= e.Amount.Minor()
			} else if err := move(&sum, e.Posting); err != nil {
				return 0, nil, fail("overflow", e.Seq, "%v", err)
			}
			sum.Entries++
			if e.Kind == store.EntryPosted {
				net := trial[a.Currency]
				if net == nil {
					net = new(big.Int)
					trial[a.Currency] = net
				}
				if e.Side == Debit {
					net.Add(net, big.NewInt(e.Amount.Minor()))
				} else {
					net.Sub(net, big.NewInt(e.Amount.Minor()))
				}
			}
		}
		if len(es) < verifyPage {
			break
		}
		after = es[len(es)-1].Seq
	}
	sum.Head = head
	st, err := s.State(ctx, a.ID)
	if err != nil {
		return 0, nil, fmt.Errorf("ledger: verify %q: %w", a.ID, err)
	}
	b := st.Balance
	if b.PostedDebits != sum.PostedDebits || b.PostedCredits != sum.PostedCredits || b.PendingDebits != sum.PendingDebits ||
		b.PendingCredits != sum.PendingCredits || b.Entries != sum.Entries || string(b.Head) != string(sum.Head) {
		return 0, nil, fail("balance", 0, "stored posted %d/%d pending %d/%d entries %d head %x; postings sum to posted %d/%d pending %d/%d entries %d head %x",
			b.PostedDebits, b.PostedCredits, b.PendingDebits, b.PendingCredits, b.Entries, b.Head,
			sum.PostedDebits, sum.PostedCredits, sum.PendingDebits, sum.PendingCredits, sum.Entries, sum.Head)
	}
	_, avail, err := available(&st)
	if err != nil {
		return 0, nil, fail("balance", 0, "%v", err)
	}
	if floor, limited := floorOf(a); limited && avail < floor {
		return 0, nil, fail("constraint", 0, "available %d below the floor %d", avail, floor)
	}
	return int(sum.Entries), head, nil
}
