package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
)

// The batch forms — OpenMany, PayInMany, CommitMany — apply many operations
// in one unit of work, all or none, with the rules of the single forms (which
// are batches of one: Open, PayIn and Commit call them). A platform onboarding
// thousands of lenders, crediting their pay-ins and holding their commitments
// pays for three units of work instead of thousands, and the lookups are
// batched: one query for every wallet, one for every idempotency key, one
// ledger PostBatch for every pay-in. (The ledger has no batch Hold, so
// CommitMany places its holds one by one, inside its single unit of work.)

// BatchError says which item of a batch failed; nothing of the batch was
// written. It wraps the item's error, so errors.Is(err, ErrKYC) and the like
// work through it. A batch of one (the single forms) returns the item's
// error as is.
type BatchError struct {
	Index int    // the failing item's index in the request slice
	ID    string // the item's wallet id, pay-in key or commitment id
	Err   error
}

// Error names the item and says why it failed.
func (e *BatchError) Error() string {
	return fmt.Sprintf("wallet: batch item %d (%q): %v", e.Index, e.ID, e.Err)
}

// Unwrap returns the item's error.
func (e *BatchError) Unwrap() error { return e.Err }

// itemErr names item i of a batch of n in err; a batch of one keeps the
// single form's error unchanged.
func itemErr(i, n int, id string, err error) error {
	if err == nil || n == 1 {
		return err
	}
	var be *BatchError
	if errors.As(err, &be) {
		return err
	}
	return &BatchError{Index: i, ID: id, Err: err}
}

// keyChunk bounds the keys and ids looked up, and the transfers posted, per
// statement: the ledger's own batch bound.
const keyChunk = ledger.MaxBatch

// chunks calls fn on consecutive slices of at most keyChunk items.
func chunks[T any](xs []T, fn func([]T) error) error {
	for len(xs) > 0 {
		n := min(len(xs), keyChunk)
		if err := fn(xs[:n]); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}

// walletsByID loads the wallets with the given ids that exist.
func walletsByID(ctx context.Context, tx store.Tx, ids []string) (map[string]store.Wallet, error) {
	out := make(map[string]store.Wallet, len(ids))
	err := chunks(ids, func(ids []string) error {
		ws, err := tx.Wallets().WalletsByID(ctx, ids)
		for _, w := range ws {
			out[w.ID] = w
		}
		return err
	})
	return out, err
}

// knownKeys returns the keys among keys the ledger already holds.
func knownKeys(ctx context.Context, tx store.Tx, keys []string) (map[string]bool, error) {
	out := make(map[string]bool)
	err := chunks(keys, func(keys []string) error {
		ts, err := tx.Ledger().TransactionsByKey(ctx, keys)
		for _, t := range ts {
			out[t.Key] = true
		}
		return err
	})
	return out, err
}

// checkOpen validates an open request on its own.
func checkOpen(r OpenRequest) error {
	if r.ID == "" || len(r.ID) > 100 {
		return fmt.Errorf("%w: wallet id %q must have 1 to 100 bytes", ErrInvalid, r.ID)
	}
	if !r.Kind.valid() {
		return fmt.Errorf("%w: %q", ErrUnknownKind, r.Kind)
	}
	if r.KYC < 0 {
		return fmt.Errorf("%w: KYC level %d", ErrInvalid, r.KYC)
	}
	return nil
}

// OpenMany opens wallets and their ledger accounts in one unit of work, all
// or none, by Open's rules: a wallet that exists with the same kind and owner
// is returned as it is, one with a different definition is ErrExists (in a
// *BatchError naming it). The same id twice in rs opens it once.
func (s *Service) OpenMany(ctx context.Context, rs []OpenRequest) ([]Wallet, error) {
	for i, r := range rs {
		if err := checkOpen(r); err != nil {
			return nil, itemErr(i, len(rs), r.ID, err)
		}
	}
	if len(rs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	var out []Wallet
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		out = make([]Wallet, len(rs))
		known, err := walletsByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		opened := make(map[string]int, len(rs)) // wallets opened by this batch → their first index
		u := ledger.In(tx)
		for i, r := range rs {
			if old, ok := known[r.ID]; ok {
				if Kind(old.Kind) != r.Kind || old.Owner != r.Owner || old.Currency != s.cur {
					return itemErr(i, len(rs), r.ID, fmt.Errorf("%w: %s is a %s wallet of %q", ErrExists, r.ID, old.Kind, old.Owner))
				}
				if j, ok := opened[r.ID]; ok {
					out[i] = out[j]
					continue
				}
				if out[i], err = s.load(ctx, tx, r.ID); err != nil {
					return itemErr(i, len(rs), r.ID, err)
				}
				continue
			}
			// Every wallet is non-negative: money a participant owes is a
			// receivable elsewhere, never a negative wallet.
			acct := s.AccountOf(r.ID)
			if _, err := u.CreateAccount(ctx, ledger.Account{ID: acct, Code: string(r.Kind) + "_wallet", Currency: s.cur,
				Normal: ledger.Credit, Constraint: ledger.NonNegative, Metadata: map[string]string{"wallet": r.ID}}); err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			rec := store.Wallet{ID: r.ID, Kind: string(r.Kind), Owner: r.Owner, Currency: s.cur,
				Status: string(Open), KYCLevel: int(r.KYC), AccountID: acct}
			if err := tx.Wallets().CreateWallet(ctx, rec); err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			known[r.ID], opened[r.ID] = rec, i
			// A new wallet is at version 1 with a new, empty account: what
			// load would read back, without reading it.
			out[i] = Wallet{ID: r.ID, Kind: r.Kind, Owner: r.Owner, Status: Open, KYC: r.KYC, AccountID: acct,
				Balance: s.emptyBalance(acct), Version: 1}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// emptyBalance is the balance of an account without postings, as the ledger
// reports it.
func (s *Service) emptyBalance(acct string) ledger.Balance {
	z := lendkit.New(0, s.cur)
	return ledger.Balance{AccountID: acct, Posted: z, Pending: z, PendingIn: z, Available: z,
		PostedDebits: z, PostedCredits: z, PendingDebits: z, PendingCredits: z}
}

// checkActive says whether a wallet may move money: neither blocked nor
// closed.
func checkActive(w store.Wallet) error {
	switch Status(w.Status) {
	case Blocked:
		return fmt.Errorf("%w: %s", ErrBlocked, w.ID)
	case Closed:
		return fmt.Errorf("%w: %s", ErrClosed, w.ID)
	}
	return nil
}

// admitPayIn checks a pay-in of amount into w against w's KYC limits. posted
// is the wallet's posted balance before the pay-in (pay-ins earlier in the
// same batch included); it is asked for only when the limits bound the
// balance.
func (s *Service) admitPayIn(w store.Wallet, amount lendkit.Money, posted func() (lendkit.Money, error)) error {
	lim, ok := s.policy[KYCLevel(w.KYCLevel)]
	if !ok {
		return fmt.Errorf("%w: KYC level %d may not receive pay-ins", ErrKYC, w.KYCLevel)
	}
	if !lim.MaxPayIn.IsZero() {
		if c, err := amount.Cmp(lim.MaxPayIn); err != nil || c > 0 {
			return fmt.Errorf("%w: pay-in %s above %s at KYC level %d", ErrKYC, amount, lim.MaxPayIn, w.KYCLevel)
		}
	}
	if !lim.MaxBalance.IsZero() {
		before, err := posted()
		if err != nil {
			return err
		}
		after, err := before.Add(amount)
		if err != nil {
			return err
		}
		if c, _ := after.Cmp(lim.MaxBalance); c > 0 {
			return fmt.Errorf("%w: balance %s would exceed %s at KYC level %d", ErrKYC, after, lim.MaxBalance, w.KYCLevel)
		}
	}
	return nil
}

func payInCode(method string) string {
	if method == "" {
		return "payin"
	}
	return "payin_" + method
}

// PayInMany credits many wallets in one unit of work, all or none, with one
// ledger batch, by PayIn's rules: each wallet must be open and each pay-in
// within its KYC limits — the balance limit counting the batch's earlier
// pay-ins into the same wallet. A pay-in whose key the ledger already holds
// is a replay: it skips the checks and returns the original transaction (or
// store.ErrIdempotencyMismatch). The same key twice in ps is ErrInvalid.
func (s *Service) PayInMany(ctx context.Context, ps []PayIn) ([]Movement, error) {
	seen := make(map[string]int, len(ps))
	keys := make([]string, 0, len(ps))
	for i, p := range ps {
		if err := s.checkAmount(p.Amount); err != nil {
			return nil, itemErr(i, len(ps), p.Key, err)
		}
		if p.Key == "" {
			continue // the ledger reports the missing key
		}
		if j, dup := seen[p.Key]; dup {
			return nil, itemErr(i, len(ps), p.Key, fmt.Errorf("%w: pay-in key %q also used by item %d", ErrInvalid, p.Key, j))
		}
		seen[p.Key] = i
		keys = append(keys, p.Key)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	var out []Movement
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		again, err := knownKeys(ctx, tx, keys)
		if err != nil {
			return err
		}
		var ids []string
		for _, p := range ps {
			if !again[p.Key] {
				ids = append(ids, p.Wallet)
			}
		}
		ws, err := walletsByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		u := ledger.In(tx)
		posted := make(map[string]lendkit.Money) // balance after the batch's pay-ins so far, for wallets whose limits need it
		transfers := make([]ledger.Transfer, len(ps))
		for i, p := range ps {
			account := s.AccountOf(p.Wallet)
			if !again[p.Key] {
				w, ok := ws[p.Wallet]
				if !ok {
					return itemErr(i, len(ps), p.Key, fmt.Errorf("%w: wallet %q", ErrNotFound, p.Wallet))
				}
				if err := checkActive(w); err != nil {
					return itemErr(i, len(ps), p.Key, err)
				}
				before := func() (lendkit.Money, error) {
					if b, ok := posted[w.ID]; ok {
						return b, nil
					}
					bal, err := u.Balance(ctx, w.AccountID)
					if err != nil {
						return lendkit.Money{}, err
					}
					posted[w.ID] = bal.Posted
					return bal.Posted, nil
				}
				if err := s.admitPayIn(w, p.Amount, before); err != nil {
					return itemErr(i, len(ps), p.Key, err)
				}
				if b, ok := posted[w.ID]; ok {
					posted[w.ID], _ = b.Add(p.Amount) // admitPayIn added the same without overflow
				}
				account = w.AccountID
			}
			transfers[i] = ledger.Transfer{Key: p.Key, Code: payInCode(p.Method), EffectiveDate: p.Date,
				Postings: []ledger.Posting{ledger.Dr(s.ExternalAccount(), p.Amount), ledger.Cr(account, p.Amount)}}
		}
		out = make([]Movement, len(ps))
		done := 0
		return chunks(transfers, func(ts []ledger.Transfer) error {
			txs, err := u.PostBatch(ctx, ts)
			if err != nil {
				return err
			}
			for j, t := range txs {
				out[done+j] = movement(t, ps[done+j].Amount)
			}
			done += len(ts)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkCommit validates a commitment request on its own.
func (s *Service) checkCommit(r Commit) error {
	if err := s.checkAmount(r.Amount); err != nil {
		return err
	}
	if r.ID == "" || r.Date.IsZero() {
		return fmt.Errorf("%w: commitment needs an id and a date", ErrInvalid)
	}
	return nil
}

// replayCommit answers a commitment request whose id c already has: the
// first commitment when the request is the same — same lender, and the same
// amount or, under Trim, a larger one that was cut — and ErrExists otherwise.
func replayCommit(c store.Campaign, old store.Commitment, r Commit) (Commitment, error) {
	cmp, _ := old.Amount.Cmp(r.Amount)
	if old.LenderWallet != r.Lender || (cmp != 0 && !(cmp < 0 && Overfunding(c.Overfunding) == Trim)) {
		return Commitment{}, fmt.Errorf("%w: commitment %s/%s is %s from %s", ErrExists, r.Campaign, r.ID, old.Amount, old.LenderWallet)
	}
	return commitmentOf(old), nil
}

// acceptsOn says whether campaign c takes commitments dated date.
func acceptsOn(c store.Campaign, date lendkit.Date) error {
	if CampaignStatus(c.Status) != CampaignOpen {
		return fmt.Errorf("%w: %s is %s", ErrCampaignClosed, c.ID, c.Status)
	}
	if date.After(c.Deadline) {
		return fmt.Errorf("%w: %s closed for commitments on %s", ErrPastDeadline, c.ID, c.Deadline)
	}
	return nil
}

// commitAmount is what a commitment of offered may hold given what c has
// raised: all of it, or under Trim what is left; ErrOverfunded when the
// campaign refuses it or nothing is left.
func commitAmount(c store.Campaign, offered lendkit.Money) (lendkit.Money, error) {
	left, err := c.Target.Sub(c.Raised)
	if err != nil {
		return lendkit.Money{}, err
	}
	if cmp, _ := offered.Cmp(left); cmp > 0 {
		if Overfunding(c.Overfunding) == Refuse || !left.IsPositive() {
			return lendkit.Money{}, fmt.Errorf("%w: %s has %s left, %s offered", ErrOverfunded, c.ID, left, offered)
		}
		return left, nil
	}
	return offered, nil
}

// commitLookupAll is the batch size from which CommitMany reads all of the
// campaign's commitments in one query rather than looking each id up.
const commitLookupAll = 32

// CommitMany places many commitments on one campaign in one unit of work, all
// or none, by Commit's rules, in order: each is refused after the deadline,
// on a campaign that is not open, when its lender's available balance
// (after the batch's earlier commitments) is short, and — with Refuse — when
// it would take the campaign past its target; with Trim the commitment that
// reaches the target is cut to what is left, and one after it fails the
// whole batch with ErrOverfunded. A commitment id the campaign already has is
// a replay: it returns the first commitment (ErrExists if it differs). Every
// request must name the same campaign, and an id appears at most once.
func (s *Service) CommitMany(ctx context.Context, rs []Commit) ([]Commitment, error) {
	seen := make(map[string]int, len(rs))
	for i, r := range rs {
		if err := s.checkCommit(r); err != nil {
			return nil, itemErr(i, len(rs), r.ID, err)
		}
		if r.Campaign != rs[0].Campaign {
			return nil, itemErr(i, len(rs), r.ID, fmt.Errorf("%w: campaign %q in a batch for %q", ErrInvalid, r.Campaign, rs[0].Campaign))
		}
		if j, dup := seen[r.ID]; dup {
			return nil, itemErr(i, len(rs), r.ID, fmt.Errorf("%w: commitment id %q also used by item %d", ErrInvalid, r.ID, j))
		}
		seen[r.ID] = i
	}
	if len(rs) == 0 {
		return nil, nil
	}
	id := rs[0].Campaign
	var out []Commitment
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		ws := tx.Wallets()
		c, err := s.campaign(ctx, tx, id)
		if err != nil {
			return err
		}
		existing, err := s.existingCommitments(ctx, tx, id, rs)
		if err != nil {
			return err
		}
		var lenderIDs []string
		for _, r := range rs {
			if _, ok := existing[r.ID]; !ok {
				lenderIDs = append(lenderIDs, r.Lender)
			}
		}
		lenders, err := walletsByID(ctx, tx, lenderIDs)
		if err != nil {
			return err
		}
		out = make([]Commitment, len(rs))
		var borrower store.Wallet
		u := ledger.In(tx)
		fresh := 0
		for i, r := range rs {
			if old, ok := existing[r.ID]; ok {
				if out[i], err = replayCommit(c, old, r); err != nil {
					return itemErr(i, len(rs), r.ID, err)
				}
				continue
			}
			if err := acceptsOn(c, r.Date); err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			lender, ok := lenders[r.Lender]
			if !ok {
				return itemErr(i, len(rs), r.ID, fmt.Errorf("%w: wallet %q", ErrNotFound, r.Lender))
			}
			if err := checkActive(lender); err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			if lender.ID == c.BorrowerWallet {
				return itemErr(i, len(rs), r.ID, fmt.Errorf("%w: the borrower cannot fund its own campaign", ErrInvalid))
			}
			if fresh == 0 {
				if borrower, err = ws.Wallet(ctx, c.BorrowerWallet); err != nil {
					return err
				}
			}
			amount, err := commitAmount(c, r.Amount)
			if err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			// A lender's wallet is a non-negative account: the ledger refuses
			// a hold above its available balance (which counts this batch's
			// earlier holds) before writing anything, and says what was
			// available — no balance read of our own per commitment.
			hold, err := u.Hold(ctx, ledger.Transfer{Key: holdKey(c.ID, r.ID), Code: "commitment", EffectiveDate: r.Date,
				Metadata: map[string]string{"campaign": c.ID, "commitment": r.ID},
				Postings: []ledger.Posting{ledger.Dr(lender.AccountID, amount), ledger.Cr(borrower.AccountID, amount)}}, zeroTime)
			var short *ledger.InsufficientFundsError
			if errors.As(err, &short) && short.AccountID == lender.AccountID {
				err = fmt.Errorf("%w: %s has %s available, %s committed", ErrInsufficient, lender.ID, short.Available, amount)
			}
			if err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			rec := store.Commitment{CampaignID: c.ID, ID: r.ID, LenderWallet: lender.ID, Amount: amount, HoldID: hold.ID, Status: string(Held)}
			if err := ws.InsertCommitment(ctx, rec); err != nil {
				return itemErr(i, len(rs), r.ID, err)
			}
			if c.Raised, err = c.Raised.Add(amount); err != nil {
				return err
			}
			c.Commitments++
			fresh++
			out[i] = commitmentOf(rec)
		}
		if fresh == 0 {
			return nil
		}
		_, err = ws.UpdateCampaign(ctx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// existingCommitments returns the commitments of campaign id whose ids rs
// name: for a small batch one lookup each, for a large one every commitment
// of the campaign in one query.
func (s *Service) existingCommitments(ctx context.Context, tx store.Tx, id string, rs []Commit) (map[string]store.Commitment, error) {
	out := make(map[string]store.Commitment)
	ws := tx.Wallets()
	if len(rs) >= commitLookupAll {
		all, err := ws.Commitments(ctx, id, "")
		for _, cm := range all {
			out[cm.ID] = cm
		}
		return out, err
	}
	for _, r := range rs {
		cm, err := ws.Commitment(ctx, id, r.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[r.ID] = cm
	}
	return out, nil
}
