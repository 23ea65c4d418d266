package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// dispatchStore is the Postgres store.DispatchStore of one unit of work.
type dispatchStore struct {
	tx *tx
}

// dispatchStore satisfies store.DispatchStore.
var _ store.DispatchStore = dispatchStore{}

// Dispatch returns the dispatch domain's persistence within this unit of work.
func (t *tx) Dispatch() store.DispatchStore { return dispatchStore{tx: t} }

func (s dispatchStore) q() pgx.Tx { return s.tx.pg }

// SaveLoan inserts (Version 0) or updates under the version check.
func (s dispatchStore) SaveLoan(ctx context.Context, l store.DispatchLoan) (int64, error) {
	if l.Version == 0 {
		_, err := s.q().Exec(ctx, `INSERT INTO dispatch_loans (id, borrower, currency, status, version, state, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6)`,
			l.ID, l.Borrower, l.Currency.Code(), l.Status, l.State, s.tx.now)
		if err != nil {
			return 0, fmt.Errorf("postgres: save loan %q: %w", l.ID, interpretError(err))
		}
		return 1, nil
	}
	tag, err := s.q().Exec(ctx, `UPDATE dispatch_loans SET status = $1, version = version + 1, state = $2, updated_at = $3 WHERE id = $4 AND version = $5`,
		l.Status, l.State, s.tx.now, l.ID, l.Version)
	if err != nil {
		return 0, fmt.Errorf("postgres: save loan %q: %w", l.ID, interpretError(err))
	}
	if tag.RowsAffected() == 1 {
		return l.Version + 1, nil
	}
	if _, err := s.Loan(ctx, l.ID); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("postgres: save loan %q: version %d is stale: %w", l.ID, l.Version, store.ErrConflict)
}

// Loan returns a loan's servicing state.
func (s dispatchStore) Loan(ctx context.Context, id string) (store.DispatchLoan, error) {
	var l store.DispatchLoan
	var cur string
	err := s.q().QueryRow(ctx, `SELECT id, borrower, currency, status, version, state, updated_at FROM dispatch_loans WHERE id = $1`, id).
		Scan(&l.ID, &l.Borrower, &cur, &l.Status, &l.Version, &l.State, &l.UpdatedAt)
	if err != nil {
		return store.DispatchLoan{}, fmt.Errorf("postgres: loan %q: %w", id, interpretError(err))
	}
	l.UpdatedAt = l.UpdatedAt.UTC()
	if l.Currency, err = lendkit.ParseCurrency(cur); err != nil {
		return store.DispatchLoan{}, fmt.Errorf("postgres: loan %q: %w", id, err)
	}
	return l, nil
}

// loanExists checks the loan once for a bulk write (no per-row foreign key).
func (s dispatchStore) loanExists(ctx context.Context, id string) error {
	var one int
	err := s.q().QueryRow(ctx, `SELECT 1 FROM dispatch_loans WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("loan %q: %w", id, store.ErrNotFound)
	}
	return interpretError(err)
}

func nullDate(d lendkit.Date) pgtype.Date {
	if d.IsZero() {
		return pgtype.Date{}
	}
	return pgDate(d)
}

// SaveHoldings upserts register lines in one statement.
func (s dispatchStore) SaveHoldings(ctx context.Context, hs []store.DispatchHolding) error {
	if len(hs) == 0 {
		return nil
	}
	n := len(hs)
	loan, holder, kind, cur, origin := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	line, principal := make([]int32, n), make([]int64, n)
	opened, closed := make([]pgtype.Date, n), make([]pgtype.Date, n)
	for i, h := range hs {
		loan[i], line[i], holder[i], kind[i] = h.LoanID, int32(h.Line), h.Holder, h.Kind
		principal[i], cur[i], opened[i], closed[i], origin[i] = h.Principal.Minor(), h.Principal.Currency().Code(), pgDate(h.Opened), nullDate(h.Closed), h.Origin
	}
	_, err := s.q().Exec(ctx, `INSERT INTO dispatch_holdings (loan_id, line, holder, kind, principal, currency, opened, closed, origin)
		SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::date[], $8::date[], $9::text[])
		ON CONFLICT (loan_id, line) DO UPDATE SET closed = excluded.closed`,
		loan, line, holder, kind, principal, cur, opened, closed, origin)
	if err != nil {
		return fmt.Errorf("postgres: save holdings: %w", interpretError(err))
	}
	return nil
}

// Holdings returns a loan's register lines by line number.
func (s dispatchStore) Holdings(ctx context.Context, loanID string) ([]store.DispatchHolding, error) {
	rows, err := s.q().Query(ctx, `SELECT loan_id, line, holder, kind, principal, currency, opened, closed, origin FROM dispatch_holdings WHERE loan_id = $1 ORDER BY line`, loanID)
	if err != nil {
		return nil, fmt.Errorf("postgres: holdings of %q: %w", loanID, interpretError(err))
	}
	hs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DispatchHolding, error) {
		var h store.DispatchHolding
		var amount int64
		var cur string
		var opened, closed pgtype.Date
		if err := r.Scan(&h.LoanID, &h.Line, &h.Holder, &h.Kind, &amount, &cur, &opened, &closed, &h.Origin); err != nil {
			return h, err
		}
		c, err := lendkit.ParseCurrency(cur)
		if err != nil {
			return h, err
		}
		h.Principal, h.Opened = lendkit.New(amount, c), lendkit.DateOf(opened.Time)
		if closed.Valid {
			h.Closed = lendkit.DateOf(closed.Time)
		}
		return h, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: holdings of %q: %w", loanID, interpretError(err))
	}
	return hs, nil
}

// InsertProjections streams the rows with COPY: one round trip per batch of
// rows, which is what 180,000 rows of a funding need.
func (s dispatchStore) InsertProjections(ctx context.Context, ps []store.DispatchProjection) error {
	if len(ps) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if !seen[p.LoanID] {
			if err := s.loanExists(ctx, p.LoanID); err != nil {
				return fmt.Errorf("postgres: insert projections: %w", err)
			}
			seen[p.LoanID] = true
		}
	}
	_, err := s.q().CopyFrom(ctx, pgx.Identifier{"dispatch_projections"},
		[]string{"loan_id", "holder", "n", "due", "capital", "interest", "tax", "net", "currency", "taxes"},
		pgx.CopyFromSlice(len(ps), func(i int) ([]any, error) {
			p := &ps[i]
			taxes, err := store.EncodeTaxes(p.Taxes)
			if err != nil {
				return nil, err
			}
			return []any{p.LoanID, p.Holder, int32(p.N), pgDate(p.Due), p.Capital.Minor(), p.Interest.Minor(),
				p.Tax.Minor(), p.Net.Minor(), p.Capital.Currency().Code(), taxes}, nil
		}))
	if err != nil {
		return fmt.Errorf("postgres: insert projections: %w", interpretError(err))
	}
	return nil
}

// DeleteProjections removes rows of instalments fromN and later.
func (s dispatchStore) DeleteProjections(ctx context.Context, loanID string, fromN int) (int64, error) {
	tag, err := s.q().Exec(ctx, `DELETE FROM dispatch_projections WHERE loan_id = $1 AND n >= $2`, loanID, fromN)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete projections of %q: %w", loanID, interpretError(err))
	}
	return tag.RowsAffected(), nil
}

// Projections returns a loan's rows by instalment then holder.
func (s dispatchStore) Projections(ctx context.Context, loanID, holder string) ([]store.DispatchProjection, error) {
	q := `SELECT loan_id, holder, n, due, capital, interest, tax, net, currency, taxes FROM dispatch_projections WHERE loan_id = $1`
	args := []any{loanID}
	if holder != "" {
		q += ` AND holder = $2`
		args = append(args, holder)
	}
	rows, err := s.q().Query(ctx, q+` ORDER BY n, holder`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: projections of %q: %w", loanID, interpretError(err))
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DispatchProjection, error) {
		var p store.DispatchProjection
		var capital, interest, tax, net int64
		var n int32
		var due pgtype.Date
		var cur, taxes string
		if err := r.Scan(&p.LoanID, &p.Holder, &n, &due, &capital, &interest, &tax, &net, &cur, &taxes); err != nil {
			return p, err
		}
		c, err := lendkit.ParseCurrency(cur)
		if err != nil {
			return p, err
		}
		p.N, p.Due = int(n), lendkit.DateOf(due.Time)
		p.Capital, p.Interest, p.Tax, p.Net = lendkit.New(capital, c), lendkit.New(interest, c), lendkit.New(tax, c), lendkit.New(net, c)
		p.Taxes, err = store.DecodeTaxes(taxes, c)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: projections of %q: %w", loanID, interpretError(err))
	}
	return ps, nil
}

// InsertDispersal writes the header, then the shares with COPY.
func (s dispatchStore) InsertDispersal(ctx context.Context, d store.DispatchDispersal) error {
	var txID pgtype.Text
	if d.LedgerTxID != "" {
		txID = pgtype.Text{String: d.LedgerTxID, Valid: true}
	}
	_, err := s.q().Exec(ctx, `INSERT INTO dispatch_dispersals (loan_id, key, kind, date, currency, cash, credit_before, credit_after,
		penalty, fee, insurance, interest, principal, prepaid, platform_fee, ledger_tx_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		d.LoanID, d.Key, d.Kind, pgDate(d.Date), d.Cash.Currency().Code(), d.Cash.Minor(), d.CreditBefore.Minor(), d.CreditAfter.Minor(),
		d.Penalty.Minor(), d.Fee.Minor(), d.Insurance.Minor(), d.Interest.Minor(), d.Principal.Minor(), d.Prepaid.Minor(),
		d.PlatformFee.Minor(), txID, s.tx.now)
	if err != nil {
		return fmt.Errorf("postgres: insert dispersal %s/%s: %w", d.LoanID, d.Key, interpretError(err))
	}
	if len(d.Shares) == 0 {
		return nil
	}
	_, err = s.q().CopyFrom(ctx, pgx.Identifier{"dispatch_shares"},
		[]string{"loan_id", "key", "holder", "kind", "principal", "interest", "penalty", "tax", "net", "taxes"},
		pgx.CopyFromSlice(len(d.Shares), func(i int) ([]any, error) {
			sh := &d.Shares[i]
			taxes, err := store.EncodeTaxes(sh.Taxes)
			if err != nil {
				return nil, err
			}
			return []any{d.LoanID, d.Key, sh.Holder, sh.Kind, sh.Principal.Minor(), sh.Interest.Minor(),
				sh.Penalty.Minor(), sh.Tax.Minor(), sh.Net.Minor(), taxes}, nil
		}))
	if err != nil {
		return fmt.Errorf("postgres: insert shares of %s/%s: %w", d.LoanID, d.Key, interpretError(err))
	}
	return nil
}

// Dispersal returns a dispersal and its shares in holder order.
func (s dispatchStore) Dispersal(ctx context.Context, loanID, key string) (store.DispatchDispersal, error) {
	d := store.DispatchDispersal{LoanID: loanID, Key: key}
	var date pgtype.Date
	var cur string
	var v [10]int64
	var txID pgtype.Text
	var created time.Time
	err := s.q().QueryRow(ctx, `SELECT kind, date, currency, cash, credit_before, credit_after, penalty, fee, insurance, interest,
		principal, prepaid, platform_fee, ledger_tx_id, created_at FROM dispatch_dispersals WHERE loan_id = $1 AND key = $2`, loanID, key).
		Scan(&d.Kind, &date, &cur, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &txID, &created)
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("postgres: dispersal %s/%s: %w", loanID, key, interpretError(err))
	}
	c, err := lendkit.ParseCurrency(cur)
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("postgres: dispersal %s/%s: %w", loanID, key, err)
	}
	m := func(i int) lendkit.Money { return lendkit.New(v[i], c) }
	d.Date = lendkit.DateOf(date.Time)
	d.Cash, d.CreditBefore, d.CreditAfter, d.Penalty, d.Fee = m(0), m(1), m(2), m(3), m(4)
	d.Insurance, d.Interest, d.Principal, d.Prepaid, d.PlatformFee = m(5), m(6), m(7), m(8), m(9)
	d.LedgerTxID, d.CreatedAt = txID.String, created.UTC()
	rows, err := s.q().Query(ctx, `SELECT holder, kind, principal, interest, penalty, tax, net, taxes FROM dispatch_shares WHERE loan_id = $1 AND key = $2 ORDER BY holder`, loanID, key)
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("postgres: shares of %s/%s: %w", loanID, key, interpretError(err))
	}
	d.Shares, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DispatchShare, error) {
		var sh store.DispatchShare
		var v [5]int64
		var taxes string
		if err := r.Scan(&sh.Holder, &sh.Kind, &v[0], &v[1], &v[2], &v[3], &v[4], &taxes); err != nil {
			return sh, err
		}
		sh.Principal, sh.Interest, sh.Penalty, sh.Tax, sh.Net = lendkit.New(v[0], c), lendkit.New(v[1], c), lendkit.New(v[2], c), lendkit.New(v[3], c), lendkit.New(v[4], c)
		var err error
		sh.Taxes, err = store.DecodeTaxes(taxes, c)
		return sh, err
	})
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("postgres: shares of %s/%s: %w", loanID, key, interpretError(err))
	}
	return d, nil
}
