package wallet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/iban"
)

// Sentinel errors. Errors from the ledger (ledger.ErrInsufficientFunds,
// store.ErrIdempotencyMismatch, …) pass through wrapped, so errors.Is works on
// them too.
var (
	ErrInvalid         = errors.New("wallet: invalid request")
	ErrNotFound        = errors.New("wallet: not found")
	ErrExists          = errors.New("wallet: exists with a different definition")
	ErrBlocked         = errors.New("wallet: wallet is blocked")
	ErrClosed          = errors.New("wallet: wallet is closed")
	ErrNotEmpty        = errors.New("wallet: wallet has a balance or pending holds")
	ErrKYC             = errors.New("wallet: not allowed at this KYC level")
	ErrInsufficient    = errors.New("wallet: insufficient balance")
	ErrCampaignClosed  = errors.New("wallet: campaign is not open")
	ErrCampaignOpen    = errors.New("wallet: campaign cannot close yet")
	ErrOverfunded      = errors.New("wallet: commitment would over-fund the campaign")
	ErrPastDeadline    = errors.New("wallet: campaign deadline has passed")
	ErrNotCommitted    = errors.New("wallet: commitment is not held")
	ErrCurrency        = errors.New("wallet: currency mismatch")
	ErrUnknownKind     = errors.New("wallet: unknown wallet kind")
	ErrInvalidCampaign = errors.New("wallet: invalid campaign")
)

// Kind is what a wallet is for.
type Kind string

// Wallet kinds.
const (
	Lender       Kind = "lender"
	Borrower     Kind = "borrower"
	Partner      Kind = "partner" // a partner company (employer) that funds or guarantees loans
	MFI          Kind = "mfi"     // a microfinance institution
	Fund         Kind = "fund"    // a fund buying loans
	PlatformFees Kind = "platform_fees"
	TaxAuthority Kind = "tax_authority" // tax withheld, awaiting payment to the state
	Suspense     Kind = "suspense"      // unmatched, over- and under-payments
	Treasury     Kind = "treasury"      // the institution's own funds
)

func (k Kind) valid() bool {
	switch k {
	case Lender, Borrower, Partner, MFI, Fund, PlatformFees, TaxAuthority, Suspense, Treasury:
		return true
	}
	return false
}

// Status is a wallet's status.
type Status string

// Statuses.
const (
	Open    Status = "open"
	Blocked Status = "blocked"
	Closed  Status = "closed"
)

// KYCLevel is how far a wallet owner's identity is verified.
type KYCLevel int

// KYC levels.
const (
	KYCNone      KYCLevel = 0 // nothing verified
	KYCLight     KYCLevel = 1 // identity declared, documents pending
	KYCValidated KYCLevel = 2 // identity, address and bank account verified
)

// Limits bound what a wallet may do at one KYC level. A zero Money means
// "no limit".
type Limits struct {
	MaxPayIn   lendkit.Money // largest single pay-in
	MaxBalance lendkit.Money // largest balance after a credit
	Payouts    bool          // payouts to a bank account allowed
}

// Policy maps KYC levels to limits; a level absent from the map may do
// nothing but receive internal transfers.
type Policy map[KYCLevel]Limits

// DefaultPolicy is a conservative policy in the spirit of the EU AML rules
// for payment institutions: small amounts before validation, no payout
// before KYC is validated.
func DefaultPolicy(c lendkit.Currency) Policy {
	major := func(n int64) lendkit.Money {
		m := lendkit.New(n, c)
		for range c.Exponent() {
			m, _ = m.MulInt(10)
		}
		return m
	}
	return Policy{
		KYCNone:      {MaxPayIn: major(150), MaxBalance: major(150)},
		KYCLight:     {MaxPayIn: major(2_500), MaxBalance: major(10_000)},
		KYCValidated: {Payouts: true},
	}
}

// Config configures a Service.
type Config struct {
	Currency lendkit.Currency
	// Policy gates pay-ins and payouts by KYC level; nil means DefaultPolicy.
	Policy Policy
	// AccountPrefix prefixes ledger account ids ("wallet:" by default), so the
	// wallets' accounts live in their own namespace of the ledger.
	AccountPrefix string
}

// Service runs wallet operations over a store.DB. It is safe for concurrent use.
type Service struct {
	db     store.DB
	cur    lendkit.Currency
	policy Policy
	prefix string
}

// New returns a Service; call Setup once (at every start: it is idempotent)
// to create the external counterpart account.
func New(db store.DB, cfg Config) (*Service, error) {
	if cfg.Currency.IsZero() {
		return nil, fmt.Errorf("%w: no currency", ErrInvalid)
	}
	if cfg.Policy == nil {
		cfg.Policy = DefaultPolicy(cfg.Currency)
	}
	if cfg.AccountPrefix == "" {
		cfg.AccountPrefix = "wallet:"
	}
	return &Service{db: db, cur: cfg.Currency, policy: cfg.Policy, prefix: cfg.AccountPrefix}, nil
}

// ExternalAccount returns the ledger account standing for money outside the
// platform: it is debited by pay-ins and credited by payouts and returns.
func (s *Service) ExternalAccount() string { return s.prefix + "external:" + s.cur.Code() }

// AccountOf returns the ledger account id of a wallet.
func (s *Service) AccountOf(walletID string) string { return s.prefix + walletID }

// Setup creates the external counterpart account.
func (s *Service) Setup(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := ledger.In(tx).CreateAccount(ctx, ledger.Account{ID: s.ExternalAccount(), Code: "external", Currency: s.cur,
			Normal: ledger.Debit, Constraint: ledger.Unconstrained})
		return err
	})
}

// Wallet is a wallet with its balance.
type Wallet struct {
	ID        string
	Kind      Kind
	Owner     string
	Status    Status
	KYC       KYCLevel
	AccountID string
	Balance   ledger.Balance
	Version   int64
}

// OpenRequest opens a wallet.
type OpenRequest struct {
	ID    string
	Kind  Kind
	Owner string
	KYC   KYCLevel
}

// Open creates a wallet and its ledger account in one unit of work. Opening
// the same wallet again with the same kind and owner returns it; with a
// different definition it is ErrExists.
func (s *Service) Open(ctx context.Context, r OpenRequest) (Wallet, error) {
	ws, err := s.OpenMany(ctx, []OpenRequest{r})
	if err != nil {
		return Wallet{}, err
	}
	return ws[0], nil
}

// Get returns a wallet with its balance.
func (s *Service) Get(ctx context.Context, id string) (Wallet, error) {
	var out Wallet
	err := s.db.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.load(ctx, tx, id)
		return err
	})
	return out, err
}

func (s *Service) load(ctx context.Context, tx store.Tx, id string) (Wallet, error) {
	w, err := tx.Wallets().Wallet(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Wallet{}, fmt.Errorf("%w: wallet %q", ErrNotFound, id)
	}
	if err != nil {
		return Wallet{}, err
	}
	bal, err := ledger.In(tx).Balance(ctx, w.AccountID)
	if err != nil {
		return Wallet{}, err
	}
	return Wallet{ID: w.ID, Kind: Kind(w.Kind), Owner: w.Owner, Status: Status(w.Status), KYC: KYCLevel(w.KYCLevel),
		AccountID: w.AccountID, Balance: bal, Version: w.Version}, nil
}

// update applies fn to a wallet's record and stores it.
func (s *Service) update(ctx context.Context, id string, fn func(w *store.Wallet, bal ledger.Balance) error) (Wallet, error) {
	var out Wallet
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		w, err := tx.Wallets().Wallet(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: wallet %q", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		bal, err := ledger.In(tx).Balance(ctx, w.AccountID)
		if err != nil {
			return err
		}
		if err := fn(&w, bal); err != nil {
			return err
		}
		if _, err := tx.Wallets().UpdateWallet(ctx, w); err != nil {
			return err
		}
		out, err = s.load(ctx, tx, id)
		return err
	})
	return out, err
}

// SetKYC records a new KYC level.
func (s *Service) SetKYC(ctx context.Context, id string, level KYCLevel) (Wallet, error) {
	return s.update(ctx, id, func(w *store.Wallet, _ ledger.Balance) error {
		if level < 0 {
			return fmt.Errorf("%w: KYC level %d", ErrInvalid, level)
		}
		if Status(w.Status) == Closed {
			return fmt.Errorf("%w: %s", ErrClosed, id)
		}
		w.KYCLevel = int(level)
		return nil
	})
}

// Block freezes a wallet: no money moves in or out until Unblock.
func (s *Service) Block(ctx context.Context, id string) (Wallet, error) {
	return s.update(ctx, id, func(w *store.Wallet, _ ledger.Balance) error {
		if Status(w.Status) == Closed {
			return fmt.Errorf("%w: %s", ErrClosed, id)
		}
		w.Status = string(Blocked)
		return nil
	})
}

// Unblock reopens a blocked wallet.
func (s *Service) Unblock(ctx context.Context, id string) (Wallet, error) {
	return s.update(ctx, id, func(w *store.Wallet, _ ledger.Balance) error {
		if Status(w.Status) == Closed {
			return fmt.Errorf("%w: %s", ErrClosed, id)
		}
		w.Status = string(Open)
		return nil
	})
}

// Close closes a wallet whose balance is zero with nothing pending in or out.
// Closing a closed wallet is a no-op.
func (s *Service) Close(ctx context.Context, id string) (Wallet, error) {
	return s.update(ctx, id, func(w *store.Wallet, bal ledger.Balance) error {
		if !bal.Posted.IsZero() || !bal.Pending.IsZero() || !bal.PendingIn.IsZero() {
			return fmt.Errorf("%w: %s holds %s (pending out %s, in %s)", ErrNotEmpty, id, bal.Posted, bal.Pending, bal.PendingIn)
		}
		w.Status = string(Closed)
		return nil
	})
}

// active loads a wallet's record and checks that it may move money.
func (s *Service) active(ctx context.Context, tx store.Tx, id string) (store.Wallet, error) {
	w, err := tx.Wallets().Wallet(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return w, fmt.Errorf("%w: wallet %q", ErrNotFound, id)
	}
	if err != nil {
		return w, err
	}
	return w, checkActive(w)
}

func (s *Service) checkAmount(m lendkit.Money) error {
	if m.Currency() != s.cur {
		return fmt.Errorf("%w: %s in a %s service", ErrCurrency, m, s.cur.Code())
	}
	if !m.IsPositive() {
		return fmt.Errorf("%w: amount %s must be positive", ErrInvalid, m)
	}
	return nil
}

// replayed reports whether the ledger already holds a transaction with key.
// A replay skips every status, KYC and balance check — those held when the
// operation first ran — and goes straight to the ledger, which returns the
// original transaction or store.ErrIdempotencyMismatch.
func replayed(ctx context.Context, tx store.Tx, key string) (bool, error) {
	if key == "" {
		return false, nil // the ledger reports the missing key
	}
	prev, err := tx.Ledger().TransactionsByKey(ctx, []string{key})
	return len(prev) > 0, err
}

// Movement is the result of a money movement: the ledger transaction.
type Movement struct {
	Key           string
	TransactionID string
	Amount        lendkit.Money
}

func movement(t ledger.Transaction, amount lendkit.Money) Movement {
	return Movement{Key: t.Key, TransactionID: t.ID, Amount: amount}
}

// PayIn is money entering a wallet from outside (a card or transfer pay-in
// the PSP confirmed, a direct-debit collection).
type PayIn struct {
	Key    string // idempotency key, e.g. the PSP operation id
	Wallet string
	Amount lendkit.Money
	Date   lendkit.Date
	Method string // "card", "transfer", "direct_debit": recorded as the transaction code
}

// PayIn credits a wallet within its KYC limits.
func (s *Service) PayIn(ctx context.Context, p PayIn) (Movement, error) {
	ms, err := s.PayInMany(ctx, []PayIn{p})
	if err != nil {
		return Movement{}, err
	}
	return ms[0], nil
}

// Payout is money leaving a wallet to its owner's verified bank account.
type Payout struct {
	Key    string
	Wallet string
	Amount lendkit.Money
	Date   lendkit.Date
	IBAN   iban.IBAN // verified for the owner by the PSP
}

// Payout debits a wallet to a bank account. It needs a KYC level whose
// limits allow payouts, an IBAN, and an available balance covering the amount.
func (s *Service) Payout(ctx context.Context, p Payout) (Movement, error) {
	if err := s.checkAmount(p.Amount); err != nil {
		return Movement{}, err
	}
	if p.IBAN.IsZero() {
		return Movement{}, fmt.Errorf("%w: payout without an IBAN", ErrInvalid)
	}
	var out Movement
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		again, err := replayed(ctx, tx, p.Key)
		if err != nil {
			return err
		}
		w, err := tx.Wallets().Wallet(ctx, p.Wallet)
		if !again {
			w, err = s.active(ctx, tx, p.Wallet)
		}
		if err != nil {
			return err
		}
		if !again && !s.policy[KYCLevel(w.KYCLevel)].Payouts {
			return fmt.Errorf("%w: no payout at KYC level %d", ErrKYC, w.KYCLevel)
		}
		t, err := s.debit(ctx, tx, w, p.Key, "payout", p.Date, p.Amount, map[string]string{"iban": p.IBAN.String()})
		if err != nil {
			return err
		}
		out = movement(t, p.Amount)
		return nil
	})
	return out, err
}

// debit moves amount from a wallet to the external account, first checking
// the available balance so that the error names the wallet.
func (s *Service) debit(ctx context.Context, tx store.Tx, w store.Wallet, key, code string, date lendkit.Date, amount lendkit.Money, meta map[string]string) (ledger.Transaction, error) {
	u := ledger.In(tx)
	t := ledger.Transfer{Key: key, Code: code, EffectiveDate: date, Metadata: meta,
		Postings: []ledger.Posting{ledger.Dr(w.AccountID, amount), ledger.Cr(s.ExternalAccount(), amount)}}
	// A replay must return the original even if the balance has moved since,
	// so the balance is checked only for a key the ledger has not seen.
	prev, err := tx.Ledger().TransactionsByKey(ctx, []string{key})
	if err != nil {
		return ledger.Transaction{}, err
	}
	if len(prev) == 0 {
		bal, err := u.Balance(ctx, w.AccountID)
		if err != nil {
			return ledger.Transaction{}, err
		}
		if c, _ := bal.Available.Cmp(amount); c < 0 {
			return ledger.Transaction{}, fmt.Errorf("%w: %s has %s available, %s asked", ErrInsufficient, w.ID, bal.Available, amount)
		}
	}
	return u.Post(ctx, t)
}

// Transfer is an internal movement between two wallets (repayment dispersal,
// fees, tax withheld, treasury movements).
type Transfer struct {
	Key    string
	From   string
	To     string
	Amount lendkit.Money
	Date   lendkit.Date
	Code   string // what for: "repayment", "fee", "tax", "treasury"
}

// Transfer moves money between two open wallets.
func (s *Service) Transfer(ctx context.Context, t Transfer) (Movement, error) {
	if err := s.checkAmount(t.Amount); err != nil {
		return Movement{}, err
	}
	if t.From == t.To {
		return Movement{}, fmt.Errorf("%w: transfer from %s to itself", ErrInvalid, t.From)
	}
	var out Movement
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		again, err := replayed(ctx, tx, t.Key)
		if err != nil {
			return err
		}
		from, to := store.Wallet{AccountID: s.AccountOf(t.From)}, store.Wallet{AccountID: s.AccountOf(t.To)}
		if !again {
			if from, err = s.active(ctx, tx, t.From); err != nil {
				return err
			}
			if to, err = s.active(ctx, tx, t.To); err != nil {
				return err
			}
		}
		code := t.Code
		if code == "" {
			code = "transfer"
		}
		lt, err := ledger.In(tx).Post(ctx, ledger.Transfer{Key: t.Key, Code: code, EffectiveDate: t.Date,
			Postings: []ledger.Posting{ledger.Dr(from.AccountID, t.Amount), ledger.Cr(to.AccountID, t.Amount)}})
		if errors.Is(err, ledger.ErrInsufficientFunds) {
			return fmt.Errorf("%w: %w", ErrInsufficient, err)
		}
		if err != nil {
			return err
		}
		out = movement(lt, t.Amount)
		return nil
	})
	return out, err
}

// Return is a SEPA direct-debit R-transaction after settlement (or a card
// chargeback): money that came in through a pay-in goes back out.
type Return struct {
	Key    string
	Wallet string
	Amount lendkit.Money
	Date   lendkit.Date
	Reason string // AM04, MD06, …
}

// ReturnPayIn debits the wallet for a returned collection or a chargeback. A
// blocked wallet still suffers returns (the bank takes the money back
// regardless); a wallet that no longer holds the amount gets
// ErrInsufficient, and the caller books the loss against suspense or a
// receivable by policy — nothing is half-applied.
func (s *Service) ReturnPayIn(ctx context.Context, r Return) (Movement, error) {
	if err := s.checkAmount(r.Amount); err != nil {
		return Movement{}, err
	}
	var out Movement
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		w, err := tx.Wallets().Wallet(ctx, r.Wallet)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: wallet %q", ErrNotFound, r.Wallet)
		}
		if err != nil {
			return err
		}
		// A replay returns the original even if the wallet, emptied by the
		// return, has been closed since.
		again, err := replayed(ctx, tx, r.Key)
		if err != nil {
			return err
		}
		if !again && Status(w.Status) == Closed {
			return fmt.Errorf("%w: %s", ErrClosed, r.Wallet)
		}
		t, err := s.debit(ctx, tx, w, r.Key, "return", r.Date, r.Amount, map[string]string{"reason": r.Reason})
		if err != nil {
			return err
		}
		out = movement(t, r.Amount)
		return nil
	})
	return out, err
}

// zeroTime is "no expiry" for ledger holds: a commitment lives until its
// campaign closes, however long that takes.
var zeroTime time.Time
