package simpsp

import (
	"context"
	"fmt"
	"sync"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/psp"
)

// Rule injects a failure into the calls it matches. Empty match fields match
// anything; a rule with Times > 0 applies to that many matching calls, then
// stops.
type Rule struct {
	Kind      psp.Kind // "" matches every kind
	Wallet    string
	IBAN      string
	Reference string

	// Reject refuses the request synchronously (psp.RejectedError).
	Reject psp.Failure
	// Fail lets the request be created, then fails it at Settle with this
	// failure and SEPA reason code.
	Fail       psp.Failure
	ReasonCode string
	// Timeout makes the call return psp.ErrTimeout; with Applied the operation
	// was nevertheless created (the ambiguous case a retry must handle).
	Timeout bool
	Applied bool

	Times int
}

// Config configures a Sim.
type Config struct {
	Clock lendkit.Clock
	// DuplicateNotifications delivers every notification twice (same ID),
	// as at-least-once webhooks do.
	DuplicateNotifications bool
}

// Sim is the simulated PSP.
type Sim struct {
	mu      sync.Mutex
	cfg     Config
	seq     int
	ops     map[string]*psp.Operation
	order   []string          // operation ids in creation order
	byRef   map[string]string // reference → operation or mandate id
	reqKey  map[string]string // reference → canonical request, for reuse detection
	wallets map[string]*wallet
	mands   map[string]*psp.Mandate
	rules   []*Rule
	queue   []psp.Notification
	noteSeq int
	// refunded is, per original operation, the refunds not failed so far.
	refunded map[string]lendkit.Money
}

type wallet struct {
	balance  lendkit.Money
	kyc      bool
	verified map[string]bool // IBANs verified for payouts
}

// New returns an empty Sim.
func New(cfg Config) *Sim {
	if cfg.Clock == nil {
		cfg.Clock = lendkit.SystemClock{}
	}
	return &Sim{
		cfg: cfg, ops: map[string]*psp.Operation{}, byRef: map[string]string{}, reqKey: map[string]string{},
		wallets: map[string]*wallet{}, mands: map[string]*psp.Mandate{}, refunded: map[string]lendkit.Money{},
	}
}

var _ psp.Port = (*Sim)(nil)

// OpenWallet creates a wallet at the PSP in currency c; kyc says whether its
// owner's identity is validated (payouts need it).
func (s *Sim) OpenWallet(id string, c lendkit.Currency, kyc bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.wallets[id]; !ok {
		s.wallets[id] = &wallet{balance: lendkit.Zero(c), verified: map[string]bool{}}
	}
	s.wallets[id].kyc = kyc
}

// VerifyIBAN records an IBAN as verified for payouts from a wallet.
func (s *Sim) VerifyIBAN(walletID string, i iban.IBAN) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wallets[walletID]
	if !ok {
		return fmt.Errorf("%w: wallet %s", psp.ErrNotFound, walletID)
	}
	w.verified[i.String()] = true
	return nil
}

// Balance returns a wallet's balance at the PSP.
func (s *Sim) Balance(walletID string) (lendkit.Money, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wallets[walletID]
	if !ok {
		return lendkit.Money{}, fmt.Errorf("%w: wallet %s", psp.ErrNotFound, walletID)
	}
	return w.balance, nil
}

// Inject adds a failure rule; rules are tried in the order added.
func (s *Sim) Inject(r Rule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc := r
	s.rules = append(s.rules, &rc)
}

// match returns the first live rule matching the call, consuming one use.
func (s *Sim) match(kind psp.Kind, walletID, ib, ref string) *Rule {
	for _, r := range s.rules {
		if r.Times < 0 {
			continue
		}
		if (r.Kind != "" && r.Kind != kind) || (r.Wallet != "" && r.Wallet != walletID) ||
			(r.IBAN != "" && r.IBAN != ib) || (r.Reference != "" && r.Reference != ref) {
			continue
		}
		if r.Times > 0 {
			r.Times--
			if r.Times == 0 {
				r.Times = -1 // spent
			}
		}
		return r
	}
	return nil
}

func (s *Sim) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%06d", prefix, s.seq)
}

// begin handles idempotency and rules common to every creating call. It
// returns an existing operation for a replay, or the rule to apply.
func (s *Sim) begin(ref, canon string, kind psp.Kind, walletID, ib string) (existing *psp.Operation, rule *Rule, err error) {
	if ref == "" {
		return nil, nil, fmt.Errorf("%w: empty reference", psp.ErrInvalidRequest)
	}
	if prev, ok := s.reqKey[ref]; ok {
		if prev != canon {
			return nil, nil, fmt.Errorf("%w: %s", psp.ErrReferenceReused, ref)
		}
		if op, ok := s.ops[s.byRef[ref]]; ok {
			return op, nil, nil
		}
	}
	rule = s.match(kind, walletID, ib, ref)
	if rule != nil && rule.Timeout && !rule.Applied {
		return nil, nil, fmt.Errorf("%w: %s %s (not applied)", psp.ErrTimeout, kind, ref)
	}
	if rule != nil && rule.Reject != psp.NoFailure {
		return nil, nil, &psp.RejectedError{Failure: rule.Reject, Detail: fmt.Sprintf("%s %s refused by injected rule", kind, ref)}
	}
	return nil, rule, nil
}

// create records a new operation in state created (or pending), applying the
// rule's failure at Settle.
func (s *Sim) create(op psp.Operation, canon string, rule *Rule) (psp.Operation, error) {
	now := s.cfg.Clock.Now().UTC()
	op.ID = s.nextID("op")
	op.Created, op.Updated = now, now
	if op.State == "" {
		op.State = psp.StateCreated
	}
	if rule != nil && rule.Fail != psp.NoFailure {
		op.Failure, op.ReasonCode = rule.Fail, rule.ReasonCode // revealed at Settle
	}
	stored := op
	s.ops[op.ID] = &stored
	s.order = append(s.order, op.ID)
	s.byRef[op.Reference] = op.ID
	s.reqKey[op.Reference] = canon
	pub := op
	if pub.State != psp.StateFailed {
		pub.Failure, pub.ReasonCode = psp.NoFailure, ""
	}
	if rule != nil && rule.Timeout {
		return psp.Operation{}, fmt.Errorf("%w: %s %s (applied)", psp.ErrTimeout, op.Kind, op.Reference)
	}
	return pub, nil
}

func (s *Sim) wallet(id string, m lendkit.Money) (*wallet, error) {
	w, ok := s.wallets[id]
	if !ok {
		return nil, fmt.Errorf("%w: wallet %s", psp.ErrNotFound, id)
	}
	if m.Currency() != w.balance.Currency() {
		return nil, fmt.Errorf("%w: %s into a %s wallet", psp.ErrInvalidRequest, m, w.balance.Currency())
	}
	if !m.IsPositive() {
		return nil, fmt.Errorf("%w: amount %s must be positive", psp.ErrInvalidRequest, m)
	}
	return w, nil
}

// CreatePayIn implements psp.Port. A card pay-in goes to pending at once; a
// bank-transfer pay-in waits in created for the payer's wire, and its
// WireReference is the reference the payer must quote.
func (s *Sim) CreatePayIn(_ context.Context, r psp.PayInRequest) (psp.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Kind != psp.PayInCard && r.Kind != psp.PayInTransfer {
		return psp.Operation{}, fmt.Errorf("%w: pay-in kind %q", psp.ErrInvalidRequest, r.Kind)
	}
	if _, err := s.wallet(r.Wallet, r.Amount); err != nil {
		return psp.Operation{}, err
	}
	canon := fmt.Sprint(r.Kind, r.Wallet, r.Amount)
	old, rule, err := s.begin(r.Reference, canon, r.Kind, r.Wallet, "")
	if err != nil || old != nil {
		return deref(old), err
	}
	op := psp.Operation{Reference: r.Reference, Kind: r.Kind, Amount: r.Amount, Wallet: r.Wallet}
	if r.Kind == psp.PayInCard {
		op.State = psp.StatePending
	} else {
		op.WireReference = "SIM-" + r.Reference
	}
	return s.create(op, canon, rule)
}

// CreatePayout implements psp.Port. The amount leaves the wallet's balance at
// creation (a real PSP reserves it) and comes back if the payout fails.
func (s *Sim) CreatePayout(_ context.Context, r psp.PayoutRequest) (psp.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.wallet(r.Wallet, r.Amount)
	if err != nil {
		return psp.Operation{}, err
	}
	canon := fmt.Sprint(r.Wallet, r.Amount, r.IBAN)
	old, rule, err := s.begin(r.Reference, canon, psp.Payout, r.Wallet, r.IBAN.String())
	if err != nil || old != nil {
		return deref(old), err
	}
	if !w.kyc {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.KYCRequired, Detail: "wallet owner's KYC is not validated"}
	}
	if !w.verified[r.IBAN.String()] {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.InvalidAccount, Detail: "IBAN " + r.IBAN.String() + " not verified for this wallet"}
	}
	if c, _ := w.balance.Cmp(r.Amount); c < 0 {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.InsufficientFunds, Detail: fmt.Sprintf("balance %s below %s", w.balance, r.Amount)}
	}
	w.balance, _ = w.balance.Sub(r.Amount)
	return s.create(psp.Operation{Reference: r.Reference, Kind: psp.Payout, State: psp.StatePending, Amount: r.Amount, Wallet: r.Wallet, IBAN: r.IBAN}, canon, rule)
}

// Transfer implements psp.Port; it settles at once.
func (s *Sim) Transfer(_ context.Context, r psp.TransferRequest) (psp.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, err := s.wallet(r.FromWallet, r.Amount)
	if err != nil {
		return psp.Operation{}, err
	}
	to, err := s.wallet(r.ToWallet, r.Amount)
	if err != nil {
		return psp.Operation{}, err
	}
	canon := fmt.Sprint(r.FromWallet, r.ToWallet, r.Amount)
	old, rule, err := s.begin(r.Reference, canon, psp.WalletTransfer, r.FromWallet, "")
	if err != nil || old != nil {
		return deref(old), err
	}
	if c, _ := from.balance.Cmp(r.Amount); c < 0 {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.InsufficientFunds, Detail: fmt.Sprintf("balance %s below %s", from.balance, r.Amount)}
	}
	from.balance, _ = from.balance.Sub(r.Amount)
	to.balance, _ = to.balance.Add(r.Amount)
	op, err := s.create(psp.Operation{Reference: r.Reference, Kind: psp.WalletTransfer, State: psp.StateSucceeded, Amount: r.Amount, Wallet: r.FromWallet, ToWallet: r.ToWallet}, canon, rule)
	if err == nil {
		s.notify(s.ops[op.ID])
	}
	return op, err
}

// CreateMandate implements psp.Port: the mandate is active at once (the
// simulated debtor signs immediately), unless a rule rejects it.
func (s *Sim) CreateMandate(_ context.Context, r psp.MandateRequest) (psp.Mandate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.wallets[r.Wallet]; !ok {
		return psp.Mandate{}, fmt.Errorf("%w: wallet %s", psp.ErrNotFound, r.Wallet)
	}
	if r.Reference == "" || r.IBAN.IsZero() {
		return psp.Mandate{}, fmt.Errorf("%w: mandate needs a reference and an IBAN", psp.ErrInvalidRequest)
	}
	canon := fmt.Sprint("mandate", r.Wallet, r.IBAN, r.Holder, r.B2B)
	if prev, ok := s.reqKey[r.Reference]; ok {
		if prev != canon {
			return psp.Mandate{}, fmt.Errorf("%w: %s", psp.ErrReferenceReused, r.Reference)
		}
		return *s.mands[s.byRef[r.Reference]], nil
	}
	if rule := s.match("mandate", r.Wallet, r.IBAN.String(), r.Reference); rule != nil {
		if rule.Reject != psp.NoFailure {
			return psp.Mandate{}, &psp.RejectedError{Failure: rule.Reject, Detail: "mandate refused by injected rule"}
		}
		if rule.Timeout && !rule.Applied {
			return psp.Mandate{}, fmt.Errorf("%w: mandate %s (not applied)", psp.ErrTimeout, r.Reference)
		}
	}
	m := &psp.Mandate{ID: s.nextID("mdt"), Reference: r.Reference, Wallet: r.Wallet, IBAN: r.IBAN, State: psp.MandateActive}
	s.mands[m.ID] = m
	s.byRef[r.Reference] = m.ID
	s.reqKey[r.Reference] = canon
	s.enqueue(psp.Notification{MandateID: m.ID, Reference: m.Reference, Wallet: m.Wallet, Mandate: psp.MandateActive})
	return *m, nil
}

// CancelMandate implements psp.Port.
func (s *Sim) CancelMandate(_ context.Context, id string) (psp.Mandate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mands[id]
	if !ok {
		return psp.Mandate{}, fmt.Errorf("%w: mandate %s", psp.ErrNotFound, id)
	}
	if m.State != psp.MandateCancelled {
		m.State = psp.MandateCancelled
		s.enqueue(psp.Notification{MandateID: m.ID, Reference: m.Reference, Wallet: m.Wallet, Mandate: psp.MandateCancelled})
	}
	return *m, nil
}

// Collect implements psp.Port: the collection is pending until Settle.
func (s *Sim) Collect(_ context.Context, r psp.CollectionRequest) (psp.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mands[r.MandateID]
	if !ok {
		return psp.Operation{}, fmt.Errorf("%w: mandate %s", psp.ErrNotFound, r.MandateID)
	}
	if _, err := s.wallet(m.Wallet, r.Amount); err != nil {
		return psp.Operation{}, err
	}
	canon := fmt.Sprint(r.MandateID, r.Amount, r.DueDate)
	old, rule, err := s.begin(r.Reference, canon, psp.DirectDebit, m.Wallet, m.IBAN.String())
	if err != nil || old != nil {
		return deref(old), err
	}
	if m.State != psp.MandateActive {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.NoMandate, Detail: "mandate " + m.ID + " is " + string(m.State)}
	}
	return s.create(psp.Operation{Reference: r.Reference, Kind: psp.DirectDebit, State: psp.StatePending, Amount: r.Amount,
		Wallet: m.Wallet, IBAN: m.IBAN, MandateID: m.ID}, canon, rule)
}

// Refund implements psp.Port: refunds a succeeded card or transfer pay-in or
// collection, taking the amount from the wallet at once.
func (s *Sim) Refund(_ context.Context, r psp.RefundRequest) (psp.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	orig, ok := s.ops[r.OperationID]
	if !ok {
		return psp.Operation{}, fmt.Errorf("%w: operation %s", psp.ErrNotFound, r.OperationID)
	}
	w, err := s.wallet(orig.Wallet, r.Amount)
	if err != nil {
		return psp.Operation{}, err
	}
	canon := fmt.Sprint(r.OperationID, r.Amount)
	old, rule, err := s.begin(r.Reference, canon, psp.Refund, orig.Wallet, "")
	if err != nil || old != nil {
		return deref(old), err
	}
	if orig.State != psp.StateSucceeded || (orig.Kind != psp.PayInCard && orig.Kind != psp.PayInTransfer && orig.Kind != psp.DirectDebit) {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.TechnicalFailure, Detail: fmt.Sprintf("%s %s in state %s cannot be refunded", orig.Kind, orig.ID, orig.State)}
	}
	done := s.refunded[orig.ID]
	if done.Currency().IsZero() {
		done = lendkit.Zero(orig.Amount.Currency())
	}
	after, err := done.Add(r.Amount)
	if err != nil {
		return psp.Operation{}, fmt.Errorf("%w: %w", psp.ErrInvalidRequest, err)
	}
	if c, _ := after.Cmp(orig.Amount); c > 0 {
		return psp.Operation{}, fmt.Errorf("%w: refunds of %s would exceed the original %s", psp.ErrInvalidRequest, after, orig.Amount)
	}
	if c, _ := w.balance.Cmp(r.Amount); c < 0 {
		return psp.Operation{}, &psp.RejectedError{Failure: psp.InsufficientFunds, Detail: "wallet cannot fund the refund"}
	}
	w.balance, _ = w.balance.Sub(r.Amount)
	s.refunded[orig.ID] = after
	return s.create(psp.Operation{Reference: r.Reference, Kind: psp.Refund, State: psp.StatePending, Amount: r.Amount,
		Wallet: orig.Wallet, Original: orig.ID}, canon, rule)
}

// Operation implements psp.Port.
func (s *Sim) Operation(_ context.Context, id string) (psp.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.ops[id]
	if !ok {
		return psp.Operation{}, fmt.Errorf("%w: operation %s", psp.ErrNotFound, id)
	}
	return public(*op), nil
}

// OperationByReference implements psp.Port.
func (s *Sim) OperationByReference(ctx context.Context, ref string) (psp.Operation, error) {
	s.mu.Lock()
	id, ok := s.byRef[ref]
	s.mu.Unlock()
	if !ok {
		return psp.Operation{}, fmt.Errorf("%w: reference %s", psp.ErrNotFound, ref)
	}
	return s.Operation(ctx, id)
}

// ReceiveWire simulates the payer's bank transfer arriving for a transfer
// pay-in: the pay-in moves to pending, and Settle completes it.
func (s *Sim) ReceiveWire(opID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.ops[opID]
	if !ok || op.Kind != psp.PayInTransfer {
		return fmt.Errorf("%w: transfer pay-in %s", psp.ErrNotFound, opID)
	}
	if op.State == psp.StateCreated {
		op.State = psp.StatePending
		op.Updated = s.cfg.Clock.Now().UTC()
		s.notify(op)
	}
	return nil
}

// Settle completes every pending operation, in creation order: it succeeds,
// or fails with the injected failure. Balances move (a failed payout or
// refund gives its amount back) and notifications are queued. It returns how
// many operations it settled.
func (s *Sim) Settle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, id := range s.order {
		op := s.ops[id]
		if op.State != psp.StatePending {
			continue
		}
		n++
		w := s.wallets[op.Wallet]
		op.Updated = s.cfg.Clock.Now().UTC()
		if op.Failure != psp.NoFailure {
			op.State = psp.StateFailed
			if op.Kind == psp.Payout || op.Kind == psp.Refund {
				w.balance, _ = w.balance.Add(op.Amount) // reserved at creation, released
			}
			if op.Kind == psp.Refund {
				s.refunded[op.Original], _ = s.refunded[op.Original].Sub(op.Amount)
			}
		} else {
			op.State = psp.StateSucceeded
			switch op.Kind {
			case psp.PayInCard, psp.PayInTransfer, psp.DirectDebit:
				w.balance, _ = w.balance.Add(op.Amount)
			case psp.Refund:
				// The original is marked refunded only from succeeded: a
				// chargeback or return that came first keeps its state.
				if orig := s.ops[op.Original]; psp.CheckTransition(orig.State, psp.StateRefunded) == nil {
					orig.State, orig.Updated = psp.StateRefunded, op.Updated
					s.notify(orig)
				}
			}
		}
		s.notify(op)
	}
	return n
}

// Reverse turns a succeeded operation into a chargeback (card pay-in) or a
// SEPA return (direct debit, with its reason code), taking the amount back
// from the wallet — which may go negative, as at a real PSP.
func (s *Sim) Reverse(opID string, f psp.Failure, reasonCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	op, ok := s.ops[opID]
	if !ok {
		return fmt.Errorf("%w: operation %s", psp.ErrNotFound, opID)
	}
	to := psp.StateChargedBack
	if op.Kind == psp.DirectDebit {
		to = psp.StateReturned
	} else if op.Kind != psp.PayInCard {
		return fmt.Errorf("%w: %s cannot be charged back", psp.ErrInvalidRequest, op.Kind)
	}
	if err := psp.CheckTransition(op.State, to); err != nil {
		return err
	}
	w := s.wallets[op.Wallet]
	w.balance, _ = w.balance.Sub(op.Amount)
	op.State, op.Failure, op.ReasonCode, op.Updated = to, f, reasonCode, s.cfg.Clock.Now().UTC()
	s.notify(op)
	return nil
}

// Notifications removes and returns the queued notifications, oldest first
// (each twice with Config.DuplicateNotifications).
func (s *Sim) Notifications() []psp.Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

func (s *Sim) notify(op *psp.Operation) {
	n := psp.Notification{OperationID: op.ID, Reference: op.Reference, Wallet: op.Wallet, Kind: op.Kind, State: op.State, Amount: op.Amount}
	if op.State == psp.StateFailed || op.State == psp.StateReturned || op.State == psp.StateChargedBack {
		n.Failure, n.ReasonCode = op.Failure, op.ReasonCode
	}
	s.enqueue(n)
}

func (s *Sim) enqueue(n psp.Notification) {
	s.noteSeq++
	n.ID = fmt.Sprintf("ntf-%06d", s.noteSeq)
	n.At = s.cfg.Clock.Now().UTC()
	s.queue = append(s.queue, n)
	if s.cfg.DuplicateNotifications {
		s.queue = append(s.queue, n)
	}
}

// public hides an injected failure that has not happened yet.
func public(op psp.Operation) psp.Operation {
	if op.State == psp.StateCreated || op.State == psp.StatePending || op.State == psp.StateSucceeded {
		op.Failure, op.ReasonCode = psp.NoFailure, ""
	}
	return op
}

func deref(op *psp.Operation) psp.Operation {
	if op == nil {
		return psp.Operation{}
	}
	return public(*op)
}
