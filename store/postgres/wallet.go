package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// walletStore is the Postgres store.WalletStore of one unit of work.
type walletStore struct {
	tx *tx
}

// walletStore satisfies store.WalletStore.
var _ store.WalletStore = walletStore{}

// Wallets returns the wallet domain's persistence within this unit of work.
func (t *tx) Wallets() store.WalletStore { return walletStore{tx: t} }

func (s walletStore) q() pgx.Tx { return s.tx.pg }

// walletDate encodes a possibly zero date for a nullable DATE column.
func walletDate(d lendkit.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.Time()
}

// walletScanDate decodes a nullable DATE.
func walletScanDate(t *time.Time) lendkit.Date {
	if t == nil {
		return lendkit.Date{}
	}
	return lendkit.DateOf(t.UTC())
}

// walletRow maps "no row" to ErrNotFound with context.
func walletRow(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w", what, interpretError(err))
}

// walletVersioned interprets an optimistic update (see the SQLite twin).
func walletVersioned(n int64, what string, v int64, exists func() error) (int64, error) {
	if n == 1 {
		return v + 1, nil
	}
	if err := exists(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("postgres: %s: version %d is stale: %w", what, v, store.ErrConflict)
}

const walletCols = `id, kind, owner, currency, status, kyc_level, account_id, version, created_at, updated_at`

func scanWallet(r pgx.Row) (store.Wallet, error) {
	var w store.Wallet
	var cur string
	if err := r.Scan(&w.ID, &w.Kind, &w.Owner, &cur, &w.Status, &w.KYCLevel, &w.AccountID, &w.Version, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	var err error
	w.Currency, err = lendkit.ParseCurrency(cur)
	return w, err
}

// CreateWallet inserts a wallet at version 1.
func (s walletStore) CreateWallet(ctx context.Context, w store.Wallet) error {
	_, err := s.q().Exec(ctx, `INSERT INTO wallet_wallets (`+walletCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`,
		w.ID, w.Kind, w.Owner, w.Currency.Code(), w.Status, w.KYCLevel, w.AccountID, s.tx.now)
	if err != nil {
		return fmt.Errorf("postgres: create wallet %q: %w", w.ID, interpretError(err))
	}
	return nil
}

// Wallet returns a wallet.
func (s walletStore) Wallet(ctx context.Context, id string) (store.Wallet, error) {
	w, err := scanWallet(s.q().QueryRow(ctx, `SELECT `+walletCols+` FROM wallet_wallets WHERE id = $1`, id))
	return w, walletRow(fmt.Sprintf("wallet %q", id), err)
}

// UpdateWallet stores status and KYC level under the version check.
func (s walletStore) UpdateWallet(ctx context.Context, w store.Wallet) (int64, error) {
	tag, err := s.q().Exec(ctx, `UPDATE wallet_wallets SET status = $1, kyc_level = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5`,
		w.Status, w.KYCLevel, s.tx.now, w.ID, w.Version)
	if err != nil {
		return 0, fmt.Errorf("postgres: update wallet %q: %w", w.ID, interpretError(err))
	}
	return walletVersioned(tag.RowsAffected(), fmt.Sprintf("update wallet %q", w.ID), w.Version, func() error { _, err := s.Wallet(ctx, w.ID); return err })
}

// WalletsByID returns the existing wallets among ids, in id order.
func (s walletStore) WalletsByID(ctx context.Context, ids []string) ([]store.Wallet, error) {
	rows, err := s.q().Query(ctx, `SELECT `+walletCols+` FROM wallet_wallets WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: wallets by id: %w", interpretError(err))
	}
	ws, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Wallet, error) { return scanWallet(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: wallets by id: %w", interpretError(err))
	}
	return ws, nil
}

// Wallets lists wallets in id order.
func (s walletStore) Wallets(ctx context.Context, kind, afterID string, limit int) ([]store.Wallet, error) {
	if limit < 1 || limit > store.MaxListLimit {
		return nil, fmt.Errorf("postgres: list limit %d outside 1..%d", limit, store.MaxListLimit)
	}
	rows, err := s.q().Query(ctx, `SELECT `+walletCols+` FROM wallet_wallets WHERE ($1 = '' OR kind = $1) AND id > $2 ORDER BY id LIMIT $3`, kind, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: wallets: %w", interpretError(err))
	}
	ws, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Wallet, error) { return scanWallet(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: wallets: %w", interpretError(err))
	}
	return ws, nil
}

func scanVirtualIBAN(r pgx.Row) (store.VirtualIBAN, error) {
	var v store.VirtualIBAN
	err := r.Scan(&v.IBAN, &v.OwnerKind, &v.OwnerID, &v.WalletID, &v.CreatedAt)
	v.CreatedAt = v.CreatedAt.UTC()
	return v, err
}

// AddVirtualIBAN records an issued virtual IBAN.
func (s walletStore) AddVirtualIBAN(ctx context.Context, v store.VirtualIBAN) error {
	_, err := s.q().Exec(ctx, `INSERT INTO wallet_virtual_ibans (iban, owner_kind, owner_id, wallet_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		v.IBAN, v.OwnerKind, v.OwnerID, v.WalletID, s.tx.now)
	if err != nil {
		return fmt.Errorf("postgres: add virtual IBAN %s for %s %q: %w", v.IBAN, v.OwnerKind, v.OwnerID, interpretError(err))
	}
	return nil
}

// VirtualIBAN looks an IBAN up.
func (s walletStore) VirtualIBAN(ctx context.Context, iban string) (store.VirtualIBAN, error) {
	v, err := scanVirtualIBAN(s.q().QueryRow(ctx, `SELECT iban, owner_kind, owner_id, wallet_id, created_at FROM wallet_virtual_ibans WHERE iban = $1`, iban))
	return v, walletRow("virtual IBAN "+iban, err)
}

// VirtualIBANOf returns an owner's virtual IBAN.
func (s walletStore) VirtualIBANOf(ctx context.Context, ownerKind, ownerID string) (store.VirtualIBAN, error) {
	v, err := scanVirtualIBAN(s.q().QueryRow(ctx, `SELECT iban, owner_kind, owner_id, wallet_id, created_at FROM wallet_virtual_ibans WHERE owner_kind = $1 AND owner_id = $2`, ownerKind, ownerID))
	return v, walletRow(fmt.Sprintf("virtual IBAN of %s %q", ownerKind, ownerID), err)
}

const campaignCols = `id, borrower_wallet, currency, target, minimum, deadline, overfunding, status, raised, commitments, version, created_at, updated_at`

func scanCampaign(r pgx.Row) (store.Campaign, error) {
	var c store.Campaign
	var cur string
	var deadline time.Time
	var target, minimum, raised int64
	if err := r.Scan(&c.ID, &c.BorrowerWallet, &cur, &target, &minimum, &deadline, &c.Overfunding, &c.Status, &raised, &c.Commitments, &c.Version, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	var err error
	if c.Currency, err = lendkit.ParseCurrency(cur); err != nil {
		return c, err
	}
	c.Deadline = walletScanDate(&deadline)
	c.Target, c.Minimum, c.Raised = lendkit.New(target, c.Currency), lendkit.New(minimum, c.Currency), lendkit.New(raised, c.Currency)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// CreateCampaign inserts a campaign at version 1.
func (s walletStore) CreateCampaign(ctx context.Context, c store.Campaign) error {
	_, err := s.q().Exec(ctx, `INSERT INTO wallet_campaigns (`+campaignCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)`,
		c.ID, c.BorrowerWallet, c.Currency.Code(), c.Target.Minor(), c.Minimum.Minor(), walletDate(c.Deadline), c.Overfunding, c.Status,
		c.Raised.Minor(), c.Commitments, s.tx.now)
	if err != nil {
		return fmt.Errorf("postgres: create campaign %q: %w", c.ID, interpretError(err))
	}
	return nil
}

// Campaign returns a campaign.
func (s walletStore) Campaign(ctx context.Context, id string) (store.Campaign, error) {
	c, err := scanCampaign(s.q().QueryRow(ctx, `SELECT `+campaignCols+` FROM wallet_campaigns WHERE id = $1`, id))
	return c, walletRow(fmt.Sprintf("campaign %q", id), err)
}

// UpdateCampaign stores status and totals under the version check.
func (s walletStore) UpdateCampaign(ctx context.Context, c store.Campaign) (int64, error) {
	tag, err := s.q().Exec(ctx, `UPDATE wallet_campaigns SET status = $1, raised = $2, commitments = $3, version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6`,
		c.Status, c.Raised.Minor(), c.Commitments, s.tx.now, c.ID, c.Version)
	if err != nil {
		return 0, fmt.Errorf("postgres: update campaign %q: %w", c.ID, interpretError(err))
	}
	return walletVersioned(tag.RowsAffected(), fmt.Sprintf("update campaign %q", c.ID), c.Version, func() error { _, err := s.Campaign(ctx, c.ID); return err })
}

const commitmentCols = `campaign_id, id, lender_wallet, amount, currency, hold_id, status, resolution_id, created_at, updated_at`

func scanCommitment(r pgx.Row) (store.Commitment, error) {
	var c store.Commitment
	var amount int64
	var cur string
	if err := r.Scan(&c.CampaignID, &c.ID, &c.LenderWallet, &amount, &cur, &c.HoldID, &c.Status, &c.ResolutionID, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	cc, err := lendkit.ParseCurrency(cur)
	c.Amount, c.CreatedAt, c.UpdatedAt = lendkit.New(amount, cc), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// InsertCommitment records a commitment.
func (s walletStore) InsertCommitment(ctx context.Context, c store.Commitment) error {
	_, err := s.q().Exec(ctx, `INSERT INTO wallet_commitments (`+commitmentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		c.CampaignID, c.ID, c.LenderWallet, c.Amount.Minor(), c.Amount.Currency().Code(), c.HoldID, c.Status, c.ResolutionID, s.tx.now)
	if err != nil {
		return fmt.Errorf("postgres: insert commitment %q of campaign %q: %w", c.ID, c.CampaignID, interpretError(err))
	}
	return nil
}

// Commitment returns one commitment.
func (s walletStore) Commitment(ctx context.Context, campaignID, id string) (store.Commitment, error) {
	c, err := scanCommitment(s.q().QueryRow(ctx, `SELECT `+commitmentCols+` FROM wallet_commitments WHERE campaign_id = $1 AND id = $2`, campaignID, id))
	return c, walletRow(fmt.Sprintf("commitment %q of campaign %q", id, campaignID), err)
}

// Commitments returns a campaign's commitments, oldest first.
func (s walletStore) Commitments(ctx context.Context, campaignID, status string) ([]store.Commitment, error) {
	rows, err := s.q().Query(ctx, `SELECT `+commitmentCols+` FROM wallet_commitments WHERE campaign_id = $1 AND ($2 = '' OR status = $2) ORDER BY created_at, id`, campaignID, status)
	if err != nil {
		return nil, fmt.Errorf("postgres: commitments of %q: %w", campaignID, interpretError(err))
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Commitment, error) { return scanCommitment(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: commitments of %q: %w", campaignID, interpretError(err))
	}
	return cs, nil
}

// UpdateCommitments updates every row in one statement over unnest'ed
// arrays: one round trip for the 3,000 commitments of a closing campaign.
func (s walletStore) UpdateCommitments(ctx context.Context, cs []store.Commitment) error {
	if len(cs) == 0 {
		return nil
	}
	campaign := cs[0].CampaignID
	ids := make([]string, len(cs))
	statuses := make([]string, len(cs))
	res := make([]string, len(cs))
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		if c.CampaignID != campaign {
			return fmt.Errorf("postgres: update commitments: campaigns %q and %q in one call: %w", campaign, c.CampaignID, store.ErrConstraint)
		}
		if seen[c.ID] {
			return fmt.Errorf("postgres: update commitments: %q twice: %w", c.ID, store.ErrConflict)
		}
		seen[c.ID] = true
		ids[i], statuses[i], res[i] = c.ID, c.Status, c.ResolutionID
	}
	tag, err := s.q().Exec(ctx, `UPDATE wallet_commitments AS c SET status = u.status, resolution_id = u.res, updated_at = $1
		FROM unnest($2::text[], $3::text[], $4::text[]) AS u(id, status, res)
		WHERE c.campaign_id = $5 AND c.id = u.id`, s.tx.now, ids, statuses, res, campaign)
	if err != nil {
		return fmt.Errorf("postgres: update commitments of %q: %w", campaign, interpretError(err))
	}
	if n := tag.RowsAffected(); n != int64(len(cs)) {
		return fmt.Errorf("postgres: update commitments of %q: %d of %d found: %w", campaign, n, len(cs), store.ErrNotFound)
	}
	return nil
}

const mandateCols = `reference, wallet_id, creditor_id, debtor_name, debtor_iban, scheme, recurrent, signed_on, last_collection, revoked_on, status, psp_id, version, updated_at`

// SaveMandate inserts or updates a mandate.
func (s walletStore) SaveMandate(ctx context.Context, m store.Mandate) (int64, error) {
	if m.Version == 0 {
		_, err := s.q().Exec(ctx, `INSERT INTO wallet_mandates (`+mandateCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13)`,
			m.Reference, m.WalletID, m.CreditorID, m.DebtorName, m.DebtorIBAN, m.Scheme, m.Recurrent,
			walletDate(m.SignedOn), walletDate(m.LastCollection), walletDate(m.RevokedOn), m.Status, m.PSPID, s.tx.now)
		if err != nil {
			return 0, fmt.Errorf("postgres: save mandate %q: %w", m.Reference, interpretError(err))
		}
		return 1, nil
	}
	tag, err := s.q().Exec(ctx, `UPDATE wallet_mandates SET debtor_name = $1, debtor_iban = $2, signed_on = $3, last_collection = $4, revoked_on = $5,
		status = $6, psp_id = $7, version = version + 1, updated_at = $8 WHERE reference = $9 AND version = $10`,
		m.DebtorName, m.DebtorIBAN, walletDate(m.SignedOn), walletDate(m.LastCollection), walletDate(m.RevokedOn), m.Status, m.PSPID, s.tx.now, m.Reference, m.Version)
	if err != nil {
		return 0, fmt.Errorf("postgres: save mandate %q: %w", m.Reference, interpretError(err))
	}
	return walletVersioned(tag.RowsAffected(), fmt.Sprintf("save mandate %q", m.Reference), m.Version, func() error { _, err := s.Mandate(ctx, m.Reference); return err })
}

// Mandate returns a mandate by reference.
func (s walletStore) Mandate(ctx context.Context, reference string) (store.Mandate, error) {
	var m store.Mandate
	var signed, last, revoked *time.Time
	err := s.q().QueryRow(ctx, `SELECT `+mandateCols+` FROM wallet_mandates WHERE reference = $1`, reference).Scan(
		&m.Reference, &m.WalletID, &m.CreditorID, &m.DebtorName, &m.DebtorIBAN, &m.Scheme, &m.Recurrent,
		&signed, &last, &revoked, &m.Status, &m.PSPID, &m.Version, &m.UpdatedAt)
	if err != nil {
		return store.Mandate{}, walletRow(fmt.Sprintf("mandate %q", reference), err)
	}
	m.SignedOn, m.LastCollection, m.RevokedOn = walletScanDate(signed), walletScanDate(last), walletScanDate(revoked)
	m.UpdatedAt = m.UpdatedAt.UTC()
	return m, nil
}

const lineCols = `id, statement_id, amount, currency, booking_date, outcome, rule, group_id, ledger_key, created_at`

// InsertStatementLines inserts every line in one statement over unnest'ed
// arrays; RETURNING names the rows actually inserted.
func (s walletStore) InsertStatementLines(ctx context.Context, ls []store.StatementLine) ([]bool, error) {
	if len(ls) == 0 {
		return nil, nil
	}
	n := len(ls)
	ids, stmts, curs, outcomes, rules, groups, keys := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	amounts := make([]int64, n)
	dates := make([]*time.Time, n)
	first := make(map[string]int, n) // a repeated id: only its first occurrence can be new
	for i, l := range ls {
		ids[i], stmts[i], curs[i], outcomes[i], rules[i], groups[i], keys[i] = l.ID, l.StatementID, l.Amount.Currency().Code(), l.Outcome, l.Rule, l.GroupID, l.LedgerKey
		amounts[i] = l.Amount.Minor()
		if !l.BookingDate.IsZero() {
			d := l.BookingDate.Time()
			dates[i] = &d
		}
		if _, ok := first[l.ID]; !ok {
			first[l.ID] = i
		}
	}
	rows, err := s.q().Query(ctx, `INSERT INTO wallet_statement_lines (`+lineCols+`)
		SELECT DISTINCT ON (u.id) u.id, u.stmt, u.amount, u.cur, u.booked, u.outcome, u.rule, u.grp, u.lkey, $10
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::text[])
			WITH ORDINALITY AS u(id, stmt, amount, cur, booked, outcome, rule, grp, lkey, ord)
		ORDER BY u.id, u.ord
		ON CONFLICT (id) DO NOTHING RETURNING id`,
		ids, stmts, amounts, curs, dates, outcomes, rules, groups, keys, s.tx.now)
	if err != nil {
		return nil, fmt.Errorf("postgres: insert statement lines: %w", interpretError(err))
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: insert statement lines: %w", interpretError(err))
	}
	out := make([]bool, n)
	for _, id := range inserted {
		out[first[id]] = true
	}
	return out, nil
}

// StatementLine returns a line.
func (s walletStore) StatementLine(ctx context.Context, id string) (store.StatementLine, error) {
	var l store.StatementLine
	var amount int64
	var cur string
	var booked *time.Time
	err := s.q().QueryRow(ctx, `SELECT `+lineCols+` FROM wallet_statement_lines WHERE id = $1`, id).Scan(
		&l.ID, &l.StatementID, &amount, &cur, &booked, &l.Outcome, &l.Rule, &l.GroupID, &l.LedgerKey, &l.CreatedAt)
	if err != nil {
		return store.StatementLine{}, walletRow(fmt.Sprintf("statement line %q", id), err)
	}
	c, err := lendkit.ParseCurrency(cur)
	if err != nil {
		return store.StatementLine{}, fmt.Errorf("postgres: statement line %q: %w", id, err)
	}
	l.Amount, l.BookingDate, l.CreatedAt = lendkit.New(amount, c), walletScanDate(booked), l.CreatedAt.UTC()
	return l, nil
}

// MarkNotification records a notification id unless it exists.
func (s walletStore) MarkNotification(ctx context.Context, id string) (bool, error) {
	tag, err := s.q().Exec(ctx, `INSERT INTO wallet_psp_notifications (id, received_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, s.tx.now)
	if err != nil {
		return false, fmt.Errorf("postgres: mark notification %q: %w", id, interpretError(err))
	}
	return tag.RowsAffected() == 1, nil
}
