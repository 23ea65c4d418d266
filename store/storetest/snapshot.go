package storetest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/lendkit/lendkit/store"
)

// State is a backend-independent picture of a ledger: everything stored
// except random transaction ids and the hashes that cover them, with
// references between transactions expressed by idempotency key. Two backends
// fed the same operations must end in equal States.
type State struct {
	Accounts     []AccountState
	Transactions []TxState
}

// AccountState is an account with its stored balance.
type AccountState struct {
	ID, Code, Currency, Normal, Constraint string
	CreditLimit                            int64
	Metadata                               map[string]string
	PostedDebits, PostedCredits            int64
	PendingDebits, PendingCredits          int64
	Entries                                int64
}

// TxState is a transaction without its id and hashes.
type TxState struct {
	Key, Kind, Code, Description, EffectiveDate string
	Metadata                                    map[string]string
	HoldKey, ReversesKey                        string
	ExpiresAt                                   time.Time
	Postings                                    []PostingState
}

// PostingState is a posting without its hash.
type PostingState struct {
	Account, Side, Kind string
	Amount              int64
	Currency            string
	Seq                 int64
}

// Snapshot reads db's whole ledger in one View.
func Snapshot(ctx context.Context, db store.DB) (State, error) {
	var st State
	err := db.View(ctx, func(tx store.Tx) error {
		st = State{}
		s := tx.Ledger()
		after := ""
		for {
			as, err := s.Accounts(ctx, after, 1000)
			if err != nil {
				return err
			}
			for _, a := range as {
				full, err := s.State(ctx, a.ID)
				if err != nil {
					return err
				}
				b := full.Balance
				st.Accounts = append(st.Accounts, AccountState{
					ID: a.ID, Code: a.Code, Currency: a.Currency.Code(), Normal: a.Normal.String(), Constraint: a.Constraint.String(),
					CreditLimit: a.CreditLimit.Minor(), Metadata: a.Metadata,
					PostedDebits: b.PostedDebits, PostedCredits: b.PostedCredits, PendingDebits: b.PendingDebits,
					PendingCredits: b.PendingCredits, Entries: b.Entries,
				})
			}
			if len(as) < 1000 {
				break
			}
			after = as[len(as)-1].ID
		}
		keyOf := map[string]string{}
		var txs []store.Transaction
		after = ""
		for {
			page, err := s.Transactions(ctx, after, 1000)
			if err != nil {
				return err
			}
			for _, t := range page {
				keyOf[t.ID] = t.Key
			}
			txs = append(txs, page...)
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].ID
		}
		for _, t := range txs {
			ts := TxState{
				Key: t.Key, Kind: t.Kind.String(), Code: t.Code, Description: t.Description, EffectiveDate: t.EffectiveDate.String(),
				Metadata: t.Metadata, ExpiresAt: t.ExpiresAt,
			}
			if t.HoldID != "" {
				ts.HoldKey = keyOf[t.HoldID]
			}
			if t.ReversesID != "" {
				ts.ReversesKey = keyOf[t.ReversesID]
			}
			for _, p := range t.Postings {
				ts.Postings = append(ts.Postings, PostingState{
					Account: p.AccountID, Side: p.Side.String(), Kind: p.Kind.String(), Amount: p.Amount.Minor(),
					Currency: p.Amount.Currency().Code(), Seq: p.Seq,
				})
			}
			st.Transactions = append(st.Transactions, ts)
		}
		sort.Slice(st.Transactions, func(i, j int) bool { return st.Transactions[i].Key < st.Transactions[j].Key })
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("storetest: snapshot: %w", err)
	}
	return st, nil
}

// TrialBalance returns, per currency, posted debits minus posted credits over
// every account of st; a sound ledger has 0 for each.
func (st State) TrialBalance() map[string]int64 {
	out := map[string]int64{}
	for _, a := range st.Accounts {
		// Totals are below 2^63 each and the test ledgers are small: no overflow.
		out[a.Currency] += a.PostedDebits - a.PostedCredits
	}
	return out
}
