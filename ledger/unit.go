package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// Unit is the ledger inside a unit of work the caller controls: obtain it
// with In(tx) in db.InTx, so ledger transactions commit or roll back together
// with the caller's own writes (a project's funding with its lenders'
// schedules). When a Unit method returns an error, return an error from the
// InTx callback too: the unit of work may hold part of a write and must roll
// back (the ledger writes nothing before it has validated everything, but a
// database failure can strike mid-write).
type Unit struct {
	s   store.LedgerStore
	now time.Time
}

// In returns the ledger of unit of work tx. It is cheap: create one per tx.
func In(tx store.Tx) *Unit { return &Unit{s: tx.Ledger(), now: tx.Now()} }

// InStore returns the ledger over a LedgerStore with now as the unit of
// work's time, for callers that hold a store.LedgerStore rather than a Tx.
func InStore(s store.LedgerStore, now time.Time) *Unit {
	return &Unit{s: s, now: now.UTC().Truncate(time.Microsecond)}
}

// CreateAccount creates a, or returns the existing account when one with the
// same id and an identical definition exists. Errors: ErrInvalidAccount,
// ErrAccountExists.
func (u *Unit) CreateAccount(ctx context.Context, a Account) (Account, error) {
	if err := normaliseAccount(&a); err != nil {
		return Account{}, err
	}
	old, err := u.s.Account(ctx, a.ID)
	switch {
	case err == nil:
		if sameDefinition(old, a) {
			return old, nil
		}
		return Account{}, fmt.Errorf("%w: %q (%w)", ErrAccountExists, a.ID, store.ErrConflict)
	case !errors.Is(err, store.ErrNotFound):
		return Account{}, fmt.Errorf("ledger: create account %q: %w", a.ID, err)
	}
	a.CreatedAt = u.now
	if err := u.s.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Account{}, fmt.Errorf("%w: %q: %w", ErrAccountExists, a.ID, err)
		}
		return Account{}, fmt.Errorf("ledger: create account %q: %w", a.ID, err)
	}
	return a, nil
}

func normaliseAccount(a *Account) error {
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidAccount, a.ID, fmt.Sprintf(why, args...))
	}
	if err := checkID(a.ID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAccount, err)
	}
	if a.Code == "" || len(a.Code) > MaxTextLen || !validText(a.Code) {
		return bad("code must be 1 to %d bytes of UTF-8 without NUL", MaxTextLen)
	}
	if a.Currency.IsZero() {
		return bad("no currency")
	}
	if a.Normal != Debit && a.Normal != Credit {
		return bad("normal side must be Debit or Credit")
	}
	switch a.Constraint {
	case CreditLimit:
		if a.CreditLimit.Currency().IsZero() && a.CreditLimit.IsZero() {
			a.CreditLimit = lendkit.Zero(a.Currency)
		}
		if a.CreditLimit.Currency() != a.Currency {
			return fmt.Errorf("%w %q: credit limit in %s, account in %s: %w", ErrInvalidAccount, a.ID, a.CreditLimit.Currency(), a.Currency, lendkit.ErrCurrencyMismatch)
		}
		if a.CreditLimit.IsNegative() {
			return bad("credit limit %s is negative", a.CreditLimit)
		}
	case NonNegative, Unconstrained:
		if !a.CreditLimit.IsZero() {
			return bad("a credit limit needs Constraint CreditLimit")
		}
		a.CreditLimit = lendkit.Zero(a.Currency)
	default:
		return bad("unknown constraint %d", a.Constraint)
	}
	if err := checkMeta(a.Metadata); err != nil {
		return fmt.Errorf("%w %q: %w", ErrInvalidAccount, a.ID, err)
	}
	if len(a.Metadata) == 0 {
		a.Metadata = nil
	}
	return nil
}

func sameDefinition(a, b Account) bool {
	if a.ID != b.ID || a.Code != b.Code || a.Currency != b.Currency || a.Normal != b.Normal ||
		a.Constraint != b.Constraint || a.CreditLimit != b.CreditLimit || len(a.Metadata) != len(b.Metadata) {
		return false
	}
	for k, v := range a.Metadata {
		if w, ok := b.Metadata[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func checkID(id string) error {
	if id == "" || len(id) > MaxIDLen || !validText(id) {
		return fmt.Errorf("account id %q must be 1 to %d bytes of UTF-8 without NUL", id, MaxIDLen)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("account id %q contains a control character", id)
		}
	}
	return nil
}

func checkMeta(m map[string]string) error {
	if len(m) > MaxMetadata {
		return fmt.Errorf("%w: %d metadata entries (at most %d)", ErrTooLarge, len(m), MaxMetadata)
	}
	for k, v := range m {
		if k == "" || len(k) > MaxTextLen || len(v) > MaxTextLen {
			return fmt.Errorf("%w: metadata %q: keys 1 to %d bytes, values up to %d", ErrTooLarge, truncate(k), MaxTextLen, MaxTextLen)
		}
		if !validText(k) || !validText(v) {
			return fmt.Errorf("%w: metadata %q", ErrInvalidText, truncate(k))
		}
	}
	return nil
}

// Account returns the account with id. Errors: ErrUnknownAccount.
func (u *Unit) Account(ctx context.Context, id string) (Account, error) {
	a, err := u.s.Account(ctx, id)
	if err != nil {
		return Account{}, wrapAccountErr(id, err)
	}
	return a, nil
}

func wrapAccountErr(id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w %q: %w", ErrUnknownAccount, id, err)
	}
	return fmt.Errorf("ledger: account %q: %w", id, err)
}

// request is one transaction to write, before ids, times and hashes.
type request struct {
	kind     store.TxKind
	t        Transfer // Key, Code, Description, EffectiveDate, Metadata; Postings for transfers and holds
	expires  time.Time
	ref      string // HoldID or ReversesID
	payload  []byte
	postings []Posting // with Kind set; filled by build for resolutions and reversals
	// build, when set, checks the referenced transaction and fills postings
	// (and Code). It runs only for requests that are not replays, after the
	// idempotency check: a replayed PostHold must return the original even
	// though the hold is resolved by now. pre holds the referenced holds
	// and their resolutions, read for the whole write at once.
	build func(ctx context.Context, r *request, pre *prefetch) error
	label string // for error messages: "transfer 3 (key "k")"
}

// Post commits one transfer. Errors: see the package's sentinels.
func (u *Unit) Post(ctx context.Context, t Transfer) (Transaction, error) {
	r, err := transferRequest(store.KindTransfer, t, time.Time{}, fmt.Sprintf("transfer (key %q)", t.Key))
	if err != nil {
		return Transaction{}, err
	}
	out, err := u.write(ctx, []*request{r})
	if err != nil {
		return Transaction{}, err
	}
	return out[0], nil
}

// PostBatch commits ts in order, all or none: one lock of every account
// involved, one insert of all rows. Errors name the failing transfer's index.
func (u *Unit) PostBatch(ctx context.Context, ts []Transfer) ([]Transaction, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	if len(ts) > MaxBatch {
		return nil, fmt.Errorf("%w: batch of %d transfers (at most %d)", ErrTooLarge, len(ts), MaxBatch)
	}
	legs := 0
	reqs := make([]*request, len(ts))
	for i, t := range ts {
		if legs += len(t.Postings); legs > MaxBatchLegs {
			return nil, fmt.Errorf("%w: batch of more than %d postings", ErrTooLarge, MaxBatchLegs)
		}
		r, err := transferRequest(store.KindTransfer, t, time.Time{}, fmt.Sprintf("transfer %d (key %q)", i, t.Key))
		if err != nil {
			return nil, err
		}
		reqs[i] = r
	}
	return u.write(ctx, reqs)
}

// Hold reserves t's postings until PostHold or VoidHold; a non-zero expires
// bounds its life (see ExpireHolds) and must be after the unit of work's
// time, or the error is ErrHoldExpired.
func (u *Unit) Hold(ctx context.Context, t Transfer, expires time.Time) (Transaction, error) {
	if !expires.IsZero() {
		expires = expires.UTC().Truncate(time.Microsecond)
	}
	r, err := transferRequest(store.KindHold, t, expires, fmt.Sprintf("hold (key %q)", t.Key))
	if err != nil {
		return Transaction{}, err
	}
	// A hold that expires before it is written could never be posted. Checked
	// in build, after the idempotency lookup, so that replaying a hold after
	// its expiry still returns it.
	r.build = func(context.Context, *request, *prefetch) error {
		if !expires.IsZero() && !expires.After(u.now) {
			return fmt.Errorf("%w: expiry %s is not after now (%s)", ErrHoldExpired, expires.Format(time.RFC3339Nano), u.now.Format(time.RFC3339Nano))
		}
		return nil
	}
	out, err := u.write(ctx, []*request{r})
	if err != nil {
		return Transaction{}, err
	}
	return out[0], nil
}

// transferRequest validates a transfer or hold request on its own.
func transferRequest(kind store.TxKind, t Transfer, expires time.Time, label string) (*request, error) {
	entry := store.EntryPosted
	if kind == store.KindHold {
		entry = store.EntryPending
	}
	fail := func(err error) (*request, error) { return nil, fmt.Errorf("ledger: %s: %w", label, err) }
	if err := checkHeader(t.Key, t.EffectiveDate, t.Code, t.Description, t.Metadata); err != nil {
		return fail(err)
	}
	if err := checkPostings(t.Postings); err != nil {
		return fail(err)
	}
	ps := make([]Posting, len(t.Postings))
	for i, p := range t.Postings {
		ps[i] = Posting{AccountID: p.AccountID, Side: p.Side, Amount: p.Amount, Kind: entry}
	}
	return &request{
		kind: kind, t: t, expires: expires, postings: ps, label: label,
		payload: payloadHash(kind.String(), t, expires, ""),
	}, nil
}

func checkHeader(key string, date lendkit.Date, code, desc string, meta map[string]string) error {
	if key == "" || len(key) > MaxKeyLen || !validText(key) {
		return fmt.Errorf("%w: %q must be 1 to %d bytes of UTF-8 without NUL", ErrInvalidKey, truncate(key), MaxKeyLen)
	}
	if date.IsZero() {
		return fmt.Errorf("%w: no effective date", lendkit.ErrInvalidDate)
	}
	if len(code) > MaxTextLen || len(desc) > MaxTextLen {
		return fmt.Errorf("%w: code and description are at most %d bytes", ErrTooLarge, MaxTextLen)
	}
	if !validText(code) || !validText(desc) {
		return fmt.Errorf("%w: code %q, description %q", ErrInvalidText, truncate(code), truncate(desc))
	}
	return checkMeta(meta)
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// checkPostings checks count, accounts, sides, amounts and the balance per
// currency.
func checkPostings(ps []Posting) error {
	if len(ps) < 2 {
		return fmt.Errorf("%w: got %d", ErrTooFewPostings, len(ps))
	}
	if len(ps) > MaxPostings {
		return fmt.Errorf("%w: %d postings (at most %d)", ErrTooLarge, len(ps), MaxPostings)
	}
	for i, p := range ps {
		if err := checkID(p.AccountID); err != nil {
			return fmt.Errorf("%w %d: %w", ErrInvalidPosting, i, err)
		}
		if p.Side != Debit && p.Side != Credit {
			return fmt.Errorf("%w %d: side must be Debit or Credit", ErrInvalidPosting, i)
		}
		if p.Amount.Currency().IsZero() || !p.Amount.IsPositive() {
			return fmt.Errorf("%w: posting %d to %q: %s", ErrInvalidAmount, i, p.AccountID, p.Amount)
		}
	}
	return checkBalanced(ps)
}

// checkBalanced reports the first currency (in order of appearance) whose
// debits and credits differ. The sums are overflow-checked.
func checkBalanced(ps []Posting) error {
	type sums struct{ dr, cr lendkit.Money }
	var order []lendkit.Currency
	by := map[lendkit.Currency]*sums{}
	for _, p := range ps {
		c := p.Amount.Currency()
		s := by[c]
		if s == nil {
			s = &sums{lendkit.Zero(c), lendkit.Zero(c)}
			by[c] = s
			order = append(order, c)
		}
		var err error
		if p.Side == Debit {
			s.dr, err = s.dr.Add(p.Amount)
		} else {
			s.cr, err = s.cr.Add(p.Amount)
		}
		if err != nil {
			return fmt.Errorf("sum of %s postings: %w", c, err)
		}
	}
	for _, c := range order {
		if s := by[c]; s.dr != s.cr {
			return &UnbalancedError{Currency: c, Debits: s.dr, Credits: s.cr}
		}
	}
	return nil
}

// PostHold posts a hold in full (r.Postings nil) or in part, releasing the
// rest. Errors: ErrUnknownTransaction, ErrNotAHold, ErrHoldResolved
// (ErrHoldPosted/ErrHoldVoided), ErrHoldExpired, ErrExceedsHold, and those
// of Post.
func (u *Unit) PostHold(ctx context.Context, r HoldPost) (Transaction, error) {
	req, err := u.postRequest(r, fmt.Sprintf("post hold %s (key %q)", r.HoldID, r.Key))
	if err != nil {
		return Transaction{}, err
	}
	out, err := u.write(ctx, []*request{req})
	if err != nil {
		return Transaction{}, err
	}
	return out[0], nil
}

// postRequest validates a HoldPost on its own; the hold is checked in build.
func (u *Unit) postRequest(r HoldPost, label string) (*request, error) {
	t := Transfer{Key: r.Key, Description: r.Description, EffectiveDate: r.EffectiveDate, Metadata: r.Metadata, Postings: r.Postings}
	if err := checkHeader(r.Key, r.EffectiveDate, "", r.Description, r.Metadata); err != nil {
		return nil, fmt.Errorf("ledger: %s: %w", label, err)
	}
	if r.Postings != nil {
		if err := checkPostings(r.Postings); err != nil {
			return nil, fmt.Errorf("ledger: %s: %w", label, err)
		}
	}
	req := &request{kind: store.KindPostHold, t: t, ref: r.HoldID, label: label,
		payload: payloadHash(store.KindPostHold.String(), t, time.Time{}, r.HoldID)}
	req.build = func(ctx context.Context, req *request, pre *prefetch) error {
		hold, err := u.openHold(ctx, r.HoldID, pre)
		if err != nil {
			return err
		}
		if !hold.ExpiresAt.IsZero() && !u.now.Before(hold.ExpiresAt) {
			return fmt.Errorf("%w: hold %s expired at %s", ErrHoldExpired, hold.ID, hold.ExpiresAt.Format(time.RFC3339))
		}
		req.t.Code = hold.Code
		req.postings = releases(hold)
		posted := r.Postings
		if posted == nil {
			posted = hold.Postings
		} else if err := withinHold(hold, posted); err != nil {
			return err
		}
		for _, p := range posted {
			req.postings = append(req.postings, Posting{AccountID: p.AccountID, Side: p.Side, Amount: p.Amount, Kind: store.EntryPosted})
		}
		return nil
	}
	return req, nil
}

// VoidHold releases a hold, at most once. Voiding an expired hold is allowed.
// Errors: ErrUnknownTransaction, ErrNotAHold, ErrHoldResolved, and the
// header errors of Post.
func (u *Unit) VoidHold(ctx context.Context, r HoldVoid) (Transaction, error) {
	req, err := u.voidRequest(r, fmt.Sprintf("void hold %s (key %q)", r.HoldID, r.Key))
	if err != nil {
		return Transaction{}, err
	}
	out, err := u.write(ctx, []*request{req})
	if err != nil {
		return Transaction{}, err
	}
	return out[0], nil
}

func (u *Unit) voidRequest(r HoldVoid, label string) (*request, error) {
	t := Transfer{Key: r.Key, Description: r.Description, EffectiveDate: r.EffectiveDate, Metadata: r.Metadata}
	if err := checkHeader(r.Key, r.EffectiveDate, "", r.Description, r.Metadata); err != nil {
		return nil, fmt.Errorf("ledger: %s: %w", label, err)
	}
	req := &request{kind: store.KindVoidHold, t: t, ref: r.HoldID, label: label,
		payload: payloadHash(store.KindVoidHold.String(), t, time.Time{}, r.HoldID)}
	req.build = func(ctx context.Context, req *request, pre *prefetch) error {
		hold, err := u.openHold(ctx, r.HoldID, pre)
		if err != nil {
			return err
		}
		req.t.Code = hold.Code
		req.postings = releases(hold)
		return nil
	}
	return req, nil
}

// ResolveHolds posts (in full or in part) and voids many holds in one write:
// one idempotency lookup, one read of every hold and its resolution, one
// lock of every account involved, one insert. It is all or none, and each
// resolution is idempotent on its own key exactly as with PostHold and
// VoidHold (the same key and request replay the original, from either
// API; a different request under a key is store.ErrIdempotencyMismatch).
// The result holds the transactions of posts, then those of voids, in the
// order given. Resolving one hold twice in a call is ErrHoldResolved.
// Errors: those of PostHold and VoidHold, naming the failing resolution by
// its list and index; ErrTooLarge beyond MaxBatch resolutions or
// MaxBatchLegs postings given in posts.
func (u *Unit) ResolveHolds(ctx context.Context, posts []HoldPost, voids []HoldVoid) ([]Transaction, error) {
	n := len(posts) + len(voids)
	if n == 0 {
		return nil, nil
	}
	if n > MaxBatch {
		return nil, fmt.Errorf("%w: %d hold resolutions (at most %d)", ErrTooLarge, n, MaxBatch)
	}
	legs := 0
	reqs := make([]*request, 0, n)
	for i, r := range posts {
		if legs += len(r.Postings); legs > MaxBatchLegs {
			return nil, fmt.Errorf("%w: hold resolutions with more than %d postings", ErrTooLarge, MaxBatchLegs)
		}
		req, err := u.postRequest(r, fmt.Sprintf("post %d: hold %s (key %q)", i, r.HoldID, r.Key))
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, req)
	}
	for i, r := range voids {
		req, err := u.voidRequest(r, fmt.Sprintf("void %d: hold %s (key %q)", i, r.HoldID, r.Key))
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, req)
	}
	return u.write(ctx, reqs)
}

// openHold returns a hold, checking that it is unresolved, from pre (which
// write fills for every hold its requests resolve).
func (u *Unit) openHold(ctx context.Context, id string, pre *prefetch) (Transaction, error) {
	if pre == nil || !pre.asked[id] {
		// Not prefetched: only a build called outside write could get here.
		return Transaction{}, fmt.Errorf("ledger: hold %s was not read before its resolution was built", id)
	}
	hold, ok := pre.holds[id]
	if !ok {
		return Transaction{}, fmt.Errorf("%w: hold %s: %w", ErrUnknownTransaction, id, store.ErrNotFound)
	}
	if hold.Kind != store.KindHold {
		return Transaction{}, fmt.Errorf("%w: %s is a %s", ErrNotAHold, id, hold.Kind)
	}
	if res, ok := pre.resolutions[id]; ok {
		return Transaction{}, &HoldResolvedError{HoldID: id, ResolutionID: res.ID, Kind: res.Kind}
	}
	return hold, nil
}

// prefetch is what a write read in bulk before building its requests: the
// holds its resolutions name and the resolutions those holds already have,
// both by hold id. One TransactionsByID and one Resolutions call replace two
// queries per hold (3,000 holds: 2 statements instead of 6,000 round trips).
type prefetch struct {
	asked       map[string]bool
	holds       map[string]Transaction
	resolutions map[string]Transaction
}

// prefetchHolds reads the holds that the non-replayed resolutions among reqs
// name, with their resolutions.
func (u *Unit) prefetchHolds(ctx context.Context, reqs []*request, replayed []bool) (*prefetch, error) {
	pre := &prefetch{asked: map[string]bool{}}
	var ids []string
	for i, r := range reqs {
		if replayed[i] || (r.kind != store.KindPostHold && r.kind != store.KindVoidHold) || pre.asked[r.ref] {
			continue
		}
		pre.asked[r.ref] = true
		ids = append(ids, r.ref)
	}
	if len(ids) == 0 {
		return pre, nil
	}
	holds, err := u.s.TransactionsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("ledger: read holds: %w", err)
	}
	pre.holds = make(map[string]Transaction, len(holds))
	for _, h := range holds {
		pre.holds[h.ID] = h
	}
	res, err := u.s.Resolutions(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("ledger: read hold resolutions: %w", err)
	}
	pre.resolutions = make(map[string]Transaction, len(res))
	for _, r := range res {
		pre.resolutions[r.HoldID] = r
	}
	return pre, nil
}

// releases mirrors a hold's pending postings as release postings.
func releases(hold Transaction) []Posting {
	out := make([]Posting, 0, 2*len(hold.Postings))
	for _, p := range hold.Postings {
		out = append(out, Posting{AccountID: p.AccountID, Side: p.Side, Amount: p.Amount, Kind: store.EntryRelease})
	}
	return out
}

// withinHold checks that posted takes from each (account, side) no more than
// the hold reserved there.
func withinHold(hold Transaction, posted []Posting) error {
	type key struct {
		id   string
		side Side
	}
	room := map[key]int64{}
	for _, p := range hold.Postings {
		room[key{p.AccountID, p.Side}] += p.Amount.Minor() // a stored hold's sides sum within int64: checked when it was written
	}
	for _, p := range posted {
		k := key{p.AccountID, p.Side}
		left, ok := room[k]
		if !ok {
			return fmt.Errorf("%w: the hold does not %s %q", ErrExceedsHold, p.Side, p.AccountID)
		}
		if p.Amount.Minor() > left {
			return fmt.Errorf("%w: %s of %s on %q, the hold has %d minor units left there", ErrExceedsHold, p.Side, p.Amount, p.AccountID, left)
		}
		room[k] = left - p.Amount.Minor()
	}
	return nil
}

// Reverse reverses a transfer or a posted hold, at most once. Errors:
// ErrUnknownTransaction, ErrNotReversible, ErrAlreadyReversed,
// ErrInsufficientFunds (the money was spent meanwhile), and the header errors
// of Post.
func (u *Unit) Reverse(ctx context.Context, r Reversal) (Transaction, error) {
	label := fmt.Sprintf("reverse %s (key %q)", r.TransactionID, r.Key)
	t := Transfer{Key: r.Key, Description: r.Description, EffectiveDate: r.EffectiveDate, Metadata: r.Metadata}
	if err := checkHeader(r.Key, r.EffectiveDate, "", r.Description, r.Metadata); err != nil {
		return Transaction{}, fmt.Errorf("ledger: %s: %w", label, err)
	}
	req := &request{kind: store.KindReversal, t: t, ref: r.TransactionID, label: label,
		payload: payloadHash(store.KindReversal.String(), t, time.Time{}, r.TransactionID)}
	req.build = func(ctx context.Context, req *request, _ *prefetch) error {
		orig, err := u.s.Transaction(ctx, r.TransactionID)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: %s: %w", ErrUnknownTransaction, r.TransactionID, err)
			}
			return err
		}
		if orig.Kind != store.KindTransfer && orig.Kind != store.KindPostHold {
			return fmt.Errorf("%w: %s is a %s", ErrNotReversible, orig.ID, orig.Kind)
		}
		rev, err := u.s.Reversal(ctx, orig.ID)
		switch {
		case err == nil:
			return fmt.Errorf("%w: %s by %s", ErrAlreadyReversed, orig.ID, rev.ID)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		req.t.Code = orig.Code
		for _, p := range orig.Postings {
			if p.Kind == store.EntryPosted {
				req.postings = append(req.postings, Posting{AccountID: p.AccountID, Side: p.Side.Opposite(), Amount: p.Amount, Kind: store.EntryPosted})
			}
		}
		return nil
	}
	out, err := u.write(ctx, []*request{req})
	if err != nil {
		return Transaction{}, err
	}
	return out[0], nil
}

// ExpireHolds voids up to 1,000 open holds whose expiry is at or before the
// unit of work's time, and returns how many it voided.
func (u *Unit) ExpireHolds(ctx context.Context) (int, error) {
	holds, err := u.s.ExpiredHolds(ctx, u.now, expireBatch)
	if err != nil {
		return 0, fmt.Errorf("ledger: expire holds: %w", err)
	}
	reqs := make([]*request, 0, len(holds))
	for _, h := range holds {
		key := "lendkit.expire:" + h.ID
		r, err := u.voidRequest(HoldVoid{
			Key: key, HoldID: h.ID, EffectiveDate: lendkit.DateOf(u.now),
			Description: "hold expired", Metadata: map[string]string{"lendkit.void": "expired"},
		}, fmt.Sprintf("void hold %s (key %q)", h.ID, key))
		if err != nil {
			return 0, err
		}
		reqs = append(reqs, r)
	}
	if len(reqs) == 0 {
		return 0, nil
	}
	if _, err := u.write(ctx, reqs); err != nil {
		return 0, err
	}
	return len(reqs), nil
}

// write is the one path every transaction takes: idempotency, then the
// checks that need the database, then the account locks in a fixed order,
// then the arithmetic and hashes in memory, then the inserts. Nothing is
// written before everything has been checked.
func (u *Unit) write(ctx context.Context, reqs []*request) ([]Transaction, error) {
	keys := make([]string, len(reqs))
	seen := make(map[string]int, len(reqs))
	for i, r := range reqs {
		if j, dup := seen[r.t.Key]; dup {
			return nil, fmt.Errorf("ledger: %s: %w with transfer %d", r.label, ErrDuplicateKey, j)
		}
		seen[r.t.Key] = i
		keys[i] = r.t.Key
	}
	// When every account is known before the lookup (transfers and holds),
	// a store that can looks up the keys and locks the accounts in one step
	// (kl stays nil otherwise, and the accounts are locked below).
	var (
		kl        store.KeyLocker
		existing  []store.Transaction
		prelocked []store.AccountState // what kl locked
		err       error
	)
	if k, ok := u.s.(store.KeyLocker); ok && knownAccounts(reqs) {
		kl = k
		var all []string
		for _, r := range reqs {
			for _, p := range r.postings {
				all = append(all, p.AccountID)
			}
		}
		slices.Sort(all)
		existing, prelocked, err = kl.TransactionsByKeyLocking(ctx, keys, slices.Compact(all))
	} else {
		existing, err = u.s.TransactionsByKey(ctx, keys)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: idempotency lookup: %w", err)
	}
	out := make([]Transaction, len(reqs))
	replayed := make([]bool, len(reqs))
	for _, t := range existing {
		i, ok := seen[t.Key]
		if !ok {
			continue
		}
		if string(t.PayloadHash) != string(reqs[i].payload) {
			return nil, fmt.Errorf("ledger: %s: %w (first used by transaction %s)", reqs[i].label, store.ErrIdempotencyMismatch, t.ID)
		}
		out[i], replayed[i] = t, true
	}

	// Build resolutions and reversals, and gather the accounts to lock.
	pre, err := u.prefetchHolds(ctx, reqs, replayed)
	if err != nil {
		return nil, err
	}
	var ids []string
	resolving := map[string]string{} // hold id → label of the request resolving it here
	for i, r := range reqs {
		if replayed[i] {
			continue
		}
		if r.kind == store.KindPostHold || r.kind == store.KindVoidHold {
			// Two resolutions of one hold in one write would both see it
			// open; the second must fail like it would one write later.
			if other, dup := resolving[r.ref]; dup {
				return nil, fmt.Errorf("ledger: %s: %w: hold %s is resolved by %s in the same batch", r.label, ErrHoldResolved, r.ref, other)
			}
			resolving[r.ref] = r.label
		}
		if r.build != nil {
			if err := r.build(ctx, r, pre); err != nil {
				return nil, fmt.Errorf("ledger: %s: %w", r.label, err)
			}
		}
		for _, p := range r.postings {
			ids = append(ids, p.AccountID)
		}
	}
	if len(ids) == 0 {
		return out, nil // every request was a replay
	}
	// One order for every writer (byte order of ids) means no two writers
	// ever wait for each other in a cycle.
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var states []store.AccountState
	if kl != nil {
		states, err = store.StatesInOrder(ids, prelocked)
	} else {
		states, err = u.s.LockAccounts(ctx, ids)
	}
	if err != nil {
		var nf *store.AccountNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("%w %q: %w", ErrUnknownAccount, nf.ID, err)
		}
		return nil, fmt.Errorf("ledger: lock accounts: %w", err)
	}
	accts := make(map[string]*store.AccountState, len(states))
	for i := range states {
		accts[states[i].Account.ID] = &states[i]
	}

	fresh := make([]store.Transaction, 0, len(reqs))
	freshIdx := make([]int, 0, len(reqs))
	for i, r := range reqs {
		if replayed[i] {
			continue
		}
		t, err := u.apply(r, accts)
		if err != nil {
			return nil, fmt.Errorf("ledger: %s: %w", r.label, err)
		}
		fresh = append(fresh, t)
		freshIdx = append(freshIdx, i)
	}
	if err := u.s.InsertTransactions(ctx, fresh); err != nil {
		return nil, fmt.Errorf("ledger: write transactions: %w", err)
	}
	bs := make([]store.AccountBalance, len(states))
	for i := range states {
		bs[i] = states[i].Balance
	}
	if err := u.s.UpdateBalances(ctx, bs); err != nil {
		return nil, fmt.Errorf("ledger: write balances: %w", err)
	}
	for j, i := range freshIdx {
		out[i] = fresh[j]
	}
	return out, nil
}

// apply turns a request into a transaction: it moves the in-memory balances,
// checks currencies, overflow and constraints, numbers the postings in their
// accounts and chains their hashes. On error the caller discards accts.
func (u *Unit) apply(r *request, accts map[string]*store.AccountState) (store.Transaction, error) {
	t := store.Transaction{
		ID: newID(), Key: r.t.Key, PayloadHash: r.payload, Kind: r.kind, Code: r.t.Code,
		Description: r.t.Description, EffectiveDate: r.t.EffectiveDate, Metadata: r.t.Metadata,
		ExpiresAt: r.expires, CreatedAt: u.now, Postings: make([]store.Posting, len(r.postings)),
	}
	if len(t.Metadata) == 0 {
		t.Metadata = nil
	}
	switch r.kind {
	case store.KindPostHold, store.KindVoidHold:
		t.HoldID = r.ref
	case store.KindReversal:
		t.ReversesID = r.ref
	}
	// The available balance of each account before this transaction, so the
	// constraint is judged on the transaction as a whole (a transaction may
	// debit and credit one account) and only a decrease can be refused.
	before := make(map[string]int64, len(r.postings))
	var touched []string
	for i, p := range r.postings {
		a := accts[p.AccountID]
		if _, ok := before[p.AccountID]; !ok {
			_, avail, err := available(a)
			if err != nil {
				return t, err
			}
			before[p.AccountID] = avail
			touched = append(touched, p.AccountID)
		}
		if p.Amount.Currency() != a.Account.Currency {
			return t, fmt.Errorf("posting %d of %s to %q (a %s account): %w", i, p.Amount, p.AccountID, a.Account.Currency, lendkit.ErrCurrencyMismatch)
		}
		if err := move(&a.Balance, p); err != nil {
			return t, fmt.Errorf("posting %d to %q: %w", i, p.AccountID, err)
		}
		a.Balance.Entries++
		p.Seq = a.Balance.Entries
		t.Postings[i] = p
	}
	for _, id := range touched {
		a := accts[id]
		_, avail, err := available(a)
		if err != nil {
			return t, fmt.Errorf("balance of %q: %w", id, err)
		}
		floor, limited := floorOf(a.Account)
		if limited && avail < floor && avail < before[id] {
			cur := a.Account.Currency
			return t, &InsufficientFundsError{AccountID: id, Available: lendkit.New(before[id], cur),
				Change: lendkit.New(avail-before[id], cur), Floor: lendkit.New(floor, cur)}
		}
	}
	t.Hash = txHash(&t)
	for i := range t.Postings {
		p := &t.Postings[i]
		b := &accts[p.AccountID].Balance
		p.Hash = postingHash(b.Head, p.AccountID, p.Seq, t.ID, t.Hash, i, p)
		b.Head = p.Hash
	}
	return t, nil
}

// move adds a posting to an account's totals, refusing int64 overflow.
func move(b *store.AccountBalance, p Posting) error {
	amt := p.Amount.Minor()
	var total *int64
	switch {
	case p.Kind == store.EntryPosted && p.Side == Debit:
		total = &b.PostedDebits
	case p.Kind == store.EntryPosted:
		total = &b.PostedCredits
	case p.Side == Debit:
		total = &b.PendingDebits
	default:
		total = &b.PendingCredits
	}
	if p.Kind == store.EntryRelease {
		if *total < amt {
			// A release mirrors a pending posting of an unresolved hold, so
			// this cannot happen unless the stored totals are wrong.
			return fmt.Errorf("ledger: release of %d exceeds the pending total %d: stored balance inconsistent (run Verify)", amt, *total)
		}
		*total -= amt
		return nil
	}
	if *total > (1<<63-1)-amt {
		return fmt.Errorf("%w: %s total %d + %d", lendkit.ErrOverflow, p.Side, *total, amt)
	}
	*total += amt
	return nil
}

// available returns the posted and available balances on the normal side.
// Both totals are non-negative, so posted cannot overflow; available can.
func available(a *store.AccountState) (posted, avail int64, err error) {
	b := a.Balance
	out := b.PendingCredits
	posted = b.PostedDebits - b.PostedCredits
	if a.Account.Normal == Credit {
		posted = b.PostedCredits - b.PostedDebits
		out = b.PendingDebits
	}
	avail = posted - out
	if (posted < 0) && (avail > posted) { // posted − out wrapped around
		return 0, 0, fmt.Errorf("%w: available balance of %q", lendkit.ErrOverflow, a.Account.ID)
	}
	return posted, avail, nil
}

// floorOf returns the lowest allowed available balance and whether there is one.
func floorOf(a Account) (int64, bool) {
	switch a.Constraint {
	case NonNegative:
		return 0, true
	case CreditLimit:
		return -a.CreditLimit.Minor(), true
	}
	return 0, false
}

// knownAccounts reports whether every request's accounts are known before
// the idempotency lookup: true for transfers and holds, whose postings are
// given; false when a resolution or reversal must first read what it
// refers to.
func knownAccounts(reqs []*request) bool {
	for _, r := range reqs {
		if len(r.postings) == 0 {
			return false
		}
	}
	return true
}

// newID returns 128 random bits in hex: no global sequence, so no hot range
// on distributed SQL, and no coordination between writers.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// Transaction returns the transaction with id. Errors: ErrUnknownTransaction.
func (u *Unit) Transaction(ctx context.Context, id string) (Transaction, error) {
	t, err := u.s.Transaction(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Transaction{}, fmt.Errorf("%w: %s: %w", ErrUnknownTransaction, id, err)
		}
		return Transaction{}, fmt.Errorf("ledger: transaction %s: %w", id, err)
	}
	return t, nil
}

// Balance returns an account's balance. Errors: ErrUnknownAccount,
// lendkit.ErrOverflow if the available balance does not fit in int64.
func (u *Unit) Balance(ctx context.Context, id string) (Balance, error) {
	st, err := u.s.State(ctx, id)
	if err != nil {
		return Balance{}, wrapAccountErr(id, err)
	}
	return balanceOf(&st)
}

func balanceOf(st *store.AccountState) (Balance, error) {
	posted, avail, err := available(st)
	if err != nil {
		return Balance{}, err
	}
	c := st.Account.Currency
	b := st.Balance
	out, in := b.PendingDebits, b.PendingCredits
	if st.Account.Normal == Debit {
		out, in = in, out
	}
	return Balance{
		AccountID: st.Account.ID, Posted: lendkit.New(posted, c), Pending: lendkit.New(out, c), PendingIn: lendkit.New(in, c),
		Available: lendkit.New(avail, c), PostedDebits: lendkit.New(b.PostedDebits, c), PostedCredits: lendkit.New(b.PostedCredits, c),
		PendingDebits: lendkit.New(b.PendingDebits, c), PendingCredits: lendkit.New(b.PendingCredits, c), Entries: b.Entries,
	}, nil
}

// BalanceAsOf returns the posted balance on the normal side counting only
// transactions effective on or before date (pending holds do not count: a
// hold has no effect on the posted history until it is posted). Errors:
// ErrUnknownAccount, lendkit.ErrInvalidDate for a zero date.
func (u *Unit) BalanceAsOf(ctx context.Context, id string, date lendkit.Date) (lendkit.Money, error) {
	if date.IsZero() {
		return lendkit.Money{}, fmt.Errorf("ledger: balance of %q as of: %w: zero date", id, lendkit.ErrInvalidDate)
	}
	a, err := u.Account(ctx, id)
	if err != nil {
		return lendkit.Money{}, err
	}
	dr, cr, err := u.s.PostedTotals(ctx, id, date)
	if err != nil {
		return lendkit.Money{}, fmt.Errorf("ledger: balance of %q as of %s: %w", id, date, err)
	}
	if a.Normal == Credit {
		return lendkit.New(cr-dr, a.Currency), nil // both in [0, MaxInt64]: no overflow
	}
	return lendkit.New(dr-cr, a.Currency), nil
}

// History returns a page of an account's postings, oldest first. Errors:
// ErrUnknownAccount.
func (u *Unit) History(ctx context.Context, id string, q HistoryQuery) (HistoryPage, error) {
	limit := q.Limit
	if limit == 0 {
		limit = defaultPage
	}
	if limit < 0 || limit > maxHistory {
		return HistoryPage{}, fmt.Errorf("%w: history page of %d (1 to %d)", ErrTooLarge, q.Limit, maxHistory)
	}
	es, err := u.s.Entries(ctx, id, q.AfterSeq, limit+1)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("ledger: history of %q: %w", id, err)
	}
	if len(es) == 0 {
		if _, err := u.Account(ctx, id); err != nil {
			return HistoryPage{}, err
		}
		return HistoryPage{}, nil
	}
	page := HistoryPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.Next = es[limit-1].Seq
	}
	return page, nil
}

// validText reports whether s is UTF-8 without NUL bytes. Postgres refuses NUL
// in text and JSONB where SQLite stores it, so the ledger refuses it for both:
// the same input must get the same answer on every backend.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
