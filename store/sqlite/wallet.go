package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// walletStore is the SQLite store.WalletStore of one unit of work.
type walletStore struct {
	tx *tx
}

var _ store.WalletStore = (*walletStore)(nil)

// Wallets returns the wallet domain's persistence within this unit of work.
func (t *tx) Wallets() store.WalletStore { return &walletStore{tx: t} }

// dateText encodes a possibly zero date as TEXT (” for zero).
func walletDateText(d lendkit.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func walletTextDate(s string) (lendkit.Date, error) {
	if s == "" {
		return lendkit.Date{}, nil
	}
	return lendkit.ParseDate(s)
}

func walletMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// one runs a single-row query and returns ErrNotFound (wrapped with what)
// when it finds nothing.
func walletOne[T any](ctx context.Context, t *tx, what string, scan func(*sql.Rows) (T, error), query string, args ...any) (T, error) {
	var zero T
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return zero, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	vs, err := scanAll(rows, scan)
	if err != nil {
		return zero, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if len(vs) == 0 {
		return zero, fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	}
	return vs[0], nil
}

// versioned interprets an optimistic update: 1 row is success, 0 rows is a
// stale version when the row exists (exists returns nil) and not found
// otherwise.
func walletVersioned(r sql.Result, what string, v int64, exists func() error) (int64, error) {
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %s: %w", what, interpretError(err))
	}
	if n == 1 {
		return v + 1, nil
	}
	if err := exists(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("sqlite: %s: version %d is stale: %w", what, v, store.ErrConflict)
}

const walletCols = `id, kind, owner, currency, status, kyc_level, account_id, version, created_at, updated_at`

func scanWallet(r *sql.Rows) (store.Wallet, error) {
	var w store.Wallet
	var cur string
	var created, updated int64
	if err := r.Scan(&w.ID, &w.Kind, &w.Owner, &cur, &w.Status, &w.KYCLevel, &w.AccountID, &w.Version, &created, &updated); err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt = walletMicros(created), walletMicros(updated)
	var err error
	w.Currency, err = lendkit.ParseCurrency(cur)
	return w, err
}

func (s *walletStore) CreateWallet(ctx context.Context, w store.Wallet) error {
	now := s.tx.now.UnixMicro()
	if _, err := s.tx.exec(ctx, `INSERT INTO wallet_wallets (`+walletCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		w.ID, w.Kind, w.Owner, w.Currency.Code(), w.Status, w.KYCLevel, w.AccountID, now, now); err != nil {
		return fmt.Errorf("sqlite: create wallet %q: %w", w.ID, err)
	}
	return nil
}

func (s *walletStore) Wallet(ctx context.Context, id string) (store.Wallet, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("wallet %q", id), scanWallet, `SELECT `+walletCols+` FROM wallet_wallets WHERE id = ?`, id)
}

func (s *walletStore) UpdateWallet(ctx context.Context, w store.Wallet) (int64, error) {
	r, err := s.tx.exec(ctx, `UPDATE wallet_wallets SET status = ?, kyc_level = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		w.Status, w.KYCLevel, s.tx.now.UnixMicro(), w.ID, w.Version)
	if err != nil {
		return 0, fmt.Errorf("sqlite: update wallet %q: %w", w.ID, err)
	}
	return walletVersioned(r, fmt.Sprintf("update wallet %q", w.ID), w.Version, func() error { _, err := s.Wallet(ctx, w.ID); return err })
}

// walletsChunk bounds the ids of one IN (…) list.
const walletsChunk = 500

func (s *walletStore) WalletsByID(ctx context.Context, ids []string) ([]store.Wallet, error) {
	var out []store.Wallet
	for start := 0; start < len(ids); start += walletsChunk {
		part := ids[start:min(start+walletsChunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.tx.query(ctx, `SELECT `+walletCols+` FROM wallet_wallets WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: wallets by id: %w", err)
		}
		ws, err := scanAll(rows, scanWallet)
		if err != nil {
			return nil, fmt.Errorf("sqlite: wallets by id: %w", err)
		}
		out = append(out, ws...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *walletStore) Wallets(ctx context.Context, kind, afterID string, limit int) ([]store.Wallet, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.tx.query(ctx, `SELECT `+walletCols+` FROM wallet_wallets WHERE (? = '' OR kind = ?) AND id > ? ORDER BY id LIMIT ?`, kind, kind, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallets: %w", err)
	}
	ws, err := scanAll(rows, scanWallet)
	if err != nil {
		return nil, fmt.Errorf("sqlite: wallets: %w", err)
	}
	return ws, nil
}

func scanVirtualIBAN(r *sql.Rows) (store.VirtualIBAN, error) {
	var v store.VirtualIBAN
	var created int64
	err := r.Scan(&v.IBAN, &v.OwnerKind, &v.OwnerID, &v.WalletID, &created)
	v.CreatedAt = walletMicros(created)
	return v, err
}

func (s *walletStore) AddVirtualIBAN(ctx context.Context, v store.VirtualIBAN) error {
	if _, err := s.tx.exec(ctx, `INSERT INTO wallet_virtual_ibans (iban, owner_kind, owner_id, wallet_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		v.IBAN, v.OwnerKind, v.OwnerID, v.WalletID, s.tx.now.UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: add virtual IBAN %s for %s %q: %w", v.IBAN, v.OwnerKind, v.OwnerID, err)
	}
	return nil
}

func (s *walletStore) VirtualIBAN(ctx context.Context, iban string) (store.VirtualIBAN, error) {
	return walletOne(ctx, s.tx, "virtual IBAN "+iban, scanVirtualIBAN,
		`SELECT iban, owner_kind, owner_id, wallet_id, created_at FROM wallet_virtual_ibans WHERE iban = ?`, iban)
}

func (s *walletStore) VirtualIBANOf(ctx context.Context, ownerKind, ownerID string) (store.VirtualIBAN, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("virtual IBAN of %s %q", ownerKind, ownerID), scanVirtualIBAN,
		`SELECT iban, owner_kind, owner_id, wallet_id, created_at FROM wallet_virtual_ibans WHERE owner_kind = ? AND owner_id = ?`, ownerKind, ownerID)
}

const campaignCols = `id, borrower_wallet, currency, target, minimum, deadline, overfunding, status, raised, commitments, version, created_at, updated_at`

func scanCampaign(r *sql.Rows) (store.Campaign, error) {
	var c store.Campaign
	var cur, deadline string
	var target, minimum, raised, created, updated int64
	if err := r.Scan(&c.ID, &c.BorrowerWallet, &cur, &target, &minimum, &deadline, &c.Overfunding, &c.Status, &raised, &c.Commitments, &c.Version, &created, &updated); err != nil {
		return c, err
	}
	var err error
	if c.Currency, err = lendkit.ParseCurrency(cur); err != nil {
		return c, err
	}
	if c.Deadline, err = walletTextDate(deadline); err != nil {
		return c, err
	}
	c.Target, c.Minimum, c.Raised = lendkit.New(target, c.Currency), lendkit.New(minimum, c.Currency), lendkit.New(raised, c.Currency)
	c.CreatedAt, c.UpdatedAt = walletMicros(created), walletMicros(updated)
	return c, nil
}

func (s *walletStore) CreateCampaign(ctx context.Context, c store.Campaign) error {
	now := s.tx.now.UnixMicro()
	if _, err := s.tx.exec(ctx, `INSERT INTO wallet_campaigns (`+campaignCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		c.ID, c.BorrowerWallet, c.Currency.Code(), c.Target.Minor(), c.Minimum.Minor(), walletDateText(c.Deadline), c.Overfunding, c.Status,
		c.Raised.Minor(), c.Commitments, now, now); err != nil {
		return fmt.Errorf("sqlite: create campaign %q: %w", c.ID, err)
	}
	return nil
}

func (s *walletStore) Campaign(ctx context.Context, id string) (store.Campaign, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("campaign %q", id), scanCampaign, `SELECT `+campaignCols+` FROM wallet_campaigns WHERE id = ?`, id)
}

func (s *walletStore) UpdateCampaign(ctx context.Context, c store.Campaign) (int64, error) {
	r, err := s.tx.exec(ctx, `UPDATE wallet_campaigns SET status = ?, raised = ?, commitments = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		c.Status, c.Raised.Minor(), c.Commitments, s.tx.now.UnixMicro(), c.ID, c.Version)
	if err != nil {
		return 0, fmt.Errorf("sqlite: update campaign %q: %w", c.ID, err)
	}
	return walletVersioned(r, fmt.Sprintf("update campaign %q", c.ID), c.Version, func() error { _, err := s.Campaign(ctx, c.ID); return err })
}

const commitmentCols = `campaign_id, id, lender_wallet, amount, currency, hold_id, status, resolution_id, created_at, updated_at`

func scanCommitment(r *sql.Rows) (store.Commitment, error) {
	var c store.Commitment
	var amount, created, updated int64
	var cur string
	if err := r.Scan(&c.CampaignID, &c.ID, &c.LenderWallet, &amount, &cur, &c.HoldID, &c.Status, &c.ResolutionID, &created, &updated); err != nil {
		return c, err
	}
	cc, err := lendkit.ParseCurrency(cur)
	c.Amount, c.CreatedAt, c.UpdatedAt = lendkit.New(amount, cc), walletMicros(created), walletMicros(updated)
	return c, err
}

func (s *walletStore) InsertCommitment(ctx context.Context, c store.Commitment) error {
	now := s.tx.now.UnixMicro()
	if _, err := s.tx.exec(ctx, `INSERT INTO wallet_commitments (`+commitmentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.CampaignID, c.ID, c.LenderWallet, c.Amount.Minor(), c.Amount.Currency().Code(), c.HoldID, c.Status, c.ResolutionID, now, now); err != nil {
		return fmt.Errorf("sqlite: insert commitment %q of campaign %q: %w", c.ID, c.CampaignID, err)
	}
	return nil
}

func (s *walletStore) Commitment(ctx context.Context, campaignID, id string) (store.Commitment, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("commitment %q of campaign %q", id, campaignID), scanCommitment,
		`SELECT `+commitmentCols+` FROM wallet_commitments WHERE campaign_id = ? AND id = ?`, campaignID, id)
}

func (s *walletStore) Commitments(ctx context.Context, campaignID, status string) ([]store.Commitment, error) {
	rows, err := s.tx.query(ctx, `SELECT `+commitmentCols+` FROM wallet_commitments WHERE campaign_id = ? AND (? = '' OR status = ?) ORDER BY created_at, id`,
		campaignID, status, status)
	if err != nil {
		return nil, fmt.Errorf("sqlite: commitments of %q: %w", campaignID, err)
	}
	cs, err := scanAll(rows, scanCommitment)
	if err != nil {
		return nil, fmt.Errorf("sqlite: commitments of %q: %w", campaignID, err)
	}
	return cs, nil
}

// UpdateCommitments runs one prepared UPDATE per row: SQLite executes a
// prepared statement in microseconds and the unit of work holds the only
// write connection, so 3,000 rows cost a few milliseconds.
func (s *walletStore) UpdateCommitments(ctx context.Context, cs []store.Commitment) error {
	now := s.tx.now.UnixMicro()
	for _, c := range cs {
		r, err := s.tx.exec(ctx, `UPDATE wallet_commitments SET status = ?, resolution_id = ?, updated_at = ? WHERE campaign_id = ? AND id = ?`,
			c.Status, c.ResolutionID, now, c.CampaignID, c.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update commitment %q of campaign %q: %w", c.ID, c.CampaignID, err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: update commitment %q: %w", c.ID, interpretError(err))
		} else if n != 1 {
			return fmt.Errorf("sqlite: update commitment %q of campaign %q: %w", c.ID, c.CampaignID, store.ErrNotFound)
		}
	}
	return nil
}

const mandateCols = `reference, wallet_id, creditor_id, debtor_name, debtor_iban, scheme, recurrent, signed_on, last_collection, revoked_on, status, psp_id, version, updated_at`

func scanMandate(r *sql.Rows) (store.Mandate, error) {
	var m store.Mandate
	var signed, last, revoked string
	var updated int64
	if err := r.Scan(&m.Reference, &m.WalletID, &m.CreditorID, &m.DebtorName, &m.DebtorIBAN, &m.Scheme, &m.Recurrent,
		&signed, &last, &revoked, &m.Status, &m.PSPID, &m.Version, &updated); err != nil {
		return m, err
	}
	m.UpdatedAt = walletMicros(updated)
	var err error
	if m.SignedOn, err = walletTextDate(signed); err != nil {
		return m, err
	}
	if m.LastCollection, err = walletTextDate(last); err != nil {
		return m, err
	}
	m.RevokedOn, err = walletTextDate(revoked)
	return m, err
}

func (s *walletStore) SaveMandate(ctx context.Context, m store.Mandate) (int64, error) {
	now := s.tx.now.UnixMicro()
	if m.Version == 0 {
		if _, err := s.tx.exec(ctx, `INSERT INTO wallet_mandates (`+mandateCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			m.Reference, m.WalletID, m.CreditorID, m.DebtorName, m.DebtorIBAN, m.Scheme, m.Recurrent,
			walletDateText(m.SignedOn), walletDateText(m.LastCollection), walletDateText(m.RevokedOn), m.Status, m.PSPID, now); err != nil {
			return 0, fmt.Errorf("sqlite: save mandate %q: %w", m.Reference, err)
		}
		return 1, nil
	}
	r, err := s.tx.exec(ctx, `UPDATE wallet_mandates SET debtor_name = ?, debtor_iban = ?, signed_on = ?, last_collection = ?, revoked_on = ?,
		status = ?, psp_id = ?, version = version + 1, updated_at = ? WHERE reference = ? AND version = ?`,
		m.DebtorName, m.DebtorIBAN, walletDateText(m.SignedOn), walletDateText(m.LastCollection), walletDateText(m.RevokedOn), m.Status, m.PSPID, now, m.Reference, m.Version)
	if err != nil {
		return 0, fmt.Errorf("sqlite: save mandate %q: %w", m.Reference, err)
	}
	return walletVersioned(r, fmt.Sprintf("save mandate %q", m.Reference), m.Version, func() error { _, err := s.Mandate(ctx, m.Reference); return err })
}

func (s *walletStore) Mandate(ctx context.Context, reference string) (store.Mandate, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("mandate %q", reference), scanMandate, `SELECT `+mandateCols+` FROM wallet_mandates WHERE reference = ?`, reference)
}

const lineCols = `id, statement_id, amount, currency, booking_date, outcome, rule, group_id, ledger_key, created_at`

// InsertStatementLines runs one prepared INSERT … ON CONFLICT DO NOTHING per
// line: in SQLite a prepared statement costs microseconds, and RowsAffected
// tells a new line from a known one.
func (s *walletStore) InsertStatementLines(ctx context.Context, ls []store.StatementLine) ([]bool, error) {
	out := make([]bool, len(ls))
	now := s.tx.now.UnixMicro()
	for i, l := range ls {
		r, err := s.tx.exec(ctx, `INSERT INTO wallet_statement_lines (`+lineCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			l.ID, l.StatementID, l.Amount.Minor(), l.Amount.Currency().Code(), walletDateText(l.BookingDate), l.Outcome, l.Rule, l.GroupID, l.LedgerKey, now)
		if err != nil {
			return nil, fmt.Errorf("sqlite: insert statement line %q: %w", l.ID, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("sqlite: insert statement line %q: %w", l.ID, interpretError(err))
		}
		out[i] = n == 1
	}
	return out, nil
}

func (s *walletStore) StatementLine(ctx context.Context, id string) (store.StatementLine, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("statement line %q", id), func(r *sql.Rows) (store.StatementLine, error) {
		var l store.StatementLine
		var amount, created int64
		var cur, booked string
		if err := r.Scan(&l.ID, &l.StatementID, &amount, &cur, &booked, &l.Outcome, &l.Rule, &l.GroupID, &l.LedgerKey, &created); err != nil {
			return l, err
		}
		c, err := lendkit.ParseCurrency(cur)
		if err != nil {
			return l, err
		}
		l.Amount, l.CreatedAt = lendkit.New(amount, c), walletMicros(created)
		l.BookingDate, err = walletTextDate(booked)
		return l, err
	}, `SELECT `+lineCols+` FROM wallet_statement_lines WHERE id = ?`, id)
}

func (s *walletStore) MarkNotification(ctx context.Context, id string) (bool, error) {
	r, err := s.tx.exec(ctx, `INSERT INTO wallet_psp_notifications (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, id, s.tx.now.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("sqlite: mark notification %q: %w", id, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: mark notification %q: %w", id, interpretError(err))
	}
	return n == 1, nil
}
