package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// dispatchStore is the SQLite store.DispatchStore of one unit of work.
type dispatchStore struct {
	tx *tx
}

var _ store.DispatchStore = (*dispatchStore)(nil)

// Dispatch returns the dispatch domain's persistence within this unit of work.
func (t *tx) Dispatch() store.DispatchStore { return &dispatchStore{tx: t} }

// bulkChunk is the rows of one multi-row INSERT of projections or shares: 256
// rows × 10 columns = 2,560 parameters, well under SQLite's 32,766. A
// remainder is written in power-of-two groups, so at most nine statement
// texts exist per table and each is prepared once for the life of the DB.
const bulkChunk = 256

func (s *dispatchStore) SaveLoan(ctx context.Context, l store.DispatchLoan) (int64, error) {
	now := s.tx.now.UnixMicro()
	if l.Version == 0 {
		if _, err := s.tx.fexec(ctx, `INSERT INTO dispatch_loans (id, borrower, currency, status, version, state, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			l.ID, l.Borrower, l.Currency.Code(), l.Status, l.State, now); err != nil {
			return 0, fmt.Errorf("sqlite: save loan %q: %w", l.ID, err)
		}
		return 1, nil
	}
	n, err := s.tx.fexec(ctx, `UPDATE dispatch_loans SET status = ?, version = version + 1, state = ?, updated_at = ? WHERE id = ? AND version = ?`,
		l.Status, l.State, now, l.ID, l.Version)
	if err != nil {
		return 0, fmt.Errorf("sqlite: save loan %q: %w", l.ID, err)
	}
	if n == 1 {
		return l.Version + 1, nil
	}
	if _, err := s.Loan(ctx, l.ID); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("sqlite: save loan %q: version %d is stale: %w", l.ID, l.Version, store.ErrConflict)
}

func (s *dispatchStore) Loan(ctx context.Context, id string) (store.DispatchLoan, error) {
	rows, err := s.tx.query(ctx, `SELECT id, borrower, currency, status, version, state, updated_at FROM dispatch_loans WHERE id = ?`, id)
	if err != nil {
		return store.DispatchLoan{}, fmt.Errorf("sqlite: loan %q: %w", id, err)
	}
	ls, err := scanAll(rows, func(r *sql.Rows) (store.DispatchLoan, error) {
		var l store.DispatchLoan
		var cur string
		var updated int64
		if err := r.Scan(&l.ID, &l.Borrower, &cur, &l.Status, &l.Version, &l.State, &updated); err != nil {
			return l, err
		}
		l.UpdatedAt = time.UnixMicro(updated).UTC()
		var err error
		l.Currency, err = lendkit.ParseCurrency(cur)
		return l, err
	})
	if err != nil {
		return store.DispatchLoan{}, fmt.Errorf("sqlite: loan %q: %w", id, err)
	}
	if len(ls) == 0 {
		return store.DispatchLoan{}, fmt.Errorf("sqlite: loan %q: %w", id, store.ErrNotFound)
	}
	return ls[0], nil
}

// loanExists checks the loan once for a bulk write (no per-row foreign key).
func (s *dispatchStore) loanExists(ctx context.Context, id string) error {
	rows, err := s.tx.query(ctx, `SELECT 1 FROM dispatch_loans WHERE id = ?`, id)
	if err != nil {
		return err
	}
	found, err := scanAll(rows, func(r *sql.Rows) (int, error) { var one int; return one, r.Scan(&one) })
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return fmt.Errorf("loan %q: %w", id, store.ErrNotFound)
	}
	return nil
}

func (s *dispatchStore) SaveHoldings(ctx context.Context, hs []store.DispatchHolding) error {
	err := s.bulk(ctx, `INSERT INTO dispatch_holdings (loan_id, line, holder, kind, principal, currency, opened, closed, origin) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?, ?)`, ` ON CONFLICT (loan_id, line) DO UPDATE SET closed = excluded.closed`, 9, len(hs),
		func(i int, args []any) ([]any, error) {
			h := &hs[i]
			var closed any
			if !h.Closed.IsZero() {
				closed = h.Closed.String()
			}
			return append(args, h.LoanID, h.Line, h.Holder, h.Kind, h.Principal.Minor(), h.Principal.Currency().Code(),
				h.Opened.String(), closed, h.Origin), nil
		})
	if err != nil {
		return fmt.Errorf("sqlite: save holdings: %w", err)
	}
	return nil
}

func (s *dispatchStore) Holdings(ctx context.Context, loanID string) ([]store.DispatchHolding, error) {
	rows, err := s.tx.query(ctx, `SELECT loan_id, line, holder, kind, principal, currency, opened, closed, origin FROM dispatch_holdings WHERE loan_id = ? ORDER BY line`, loanID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: holdings of %q: %w", loanID, err)
	}
	hs, err := scanAll(rows, func(r *sql.Rows) (store.DispatchHolding, error) {
		var h store.DispatchHolding
		var amount int64
		var cur, opened string
		var closed sql.NullString
		if err := r.Scan(&h.LoanID, &h.Line, &h.Holder, &h.Kind, &amount, &cur, &opened, &closed, &h.Origin); err != nil {
			return h, err
		}
		c, err := lendkit.ParseCurrency(cur)
		if err != nil {
			return h, err
		}
		h.Principal = lendkit.New(amount, c)
		if h.Opened, err = lendkit.ParseDate(opened); err != nil {
			return h, err
		}
		if closed.Valid {
			if h.Closed, err = lendkit.ParseDate(closed.String); err != nil {
				return h, err
			}
		}
		return h, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: holdings of %q: %w", loanID, err)
	}
	return hs, nil
}

// bulk writes n rows with row(i, args) appending row i's values, in chunks
// of bulkChunk rows and a power-of-two tail.
func (s *dispatchStore) bulk(ctx context.Context, head, row, tail string, cols, n int, add func(i int, args []any) ([]any, error)) error {
	args := make([]any, 0, bulkChunk*cols)
	for i := 0; i < n; {
		size := bulkChunk
		for size > n-i {
			size /= 2
		}
		args = args[:0]
		for j := i; j < i+size; j++ {
			var err error
			if args, err = add(j, args); err != nil {
				return err
			}
		}
		if _, err := s.tx.fexec(ctx, head+rowsOf(row, size)+tail, args...); err != nil {
			return err
		}
		i += size
	}
	return nil
}

func (s *dispatchStore) InsertProjections(ctx context.Context, ps []store.DispatchProjection) error {
	if len(ps) == 0 {
		return nil
	}
	loans := map[string]bool{}
	for _, p := range ps {
		if !loans[p.LoanID] {
			if err := s.loanExists(ctx, p.LoanID); err != nil {
				return fmt.Errorf("sqlite: insert projections: %w", err)
			}
			loans[p.LoanID] = true
		}
	}
	err := s.bulk(ctx, `INSERT INTO dispatch_projections (loan_id, holder, n, due, capital, interest, tax, net, currency, taxes) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "", 10, len(ps), func(i int, args []any) ([]any, error) {
			p := &ps[i]
			taxes, err := store.EncodeTaxes(p.Taxes)
			if err != nil {
				return nil, err
			}
			return append(args, p.LoanID, p.Holder, p.N, p.Due.String(), p.Capital.Minor(), p.Interest.Minor(),
				p.Tax.Minor(), p.Net.Minor(), p.Capital.Currency().Code(), taxes), nil
		})
	if err != nil {
		return fmt.Errorf("sqlite: insert projections: %w", err)
	}
	return nil
}

func (s *dispatchStore) DeleteProjections(ctx context.Context, loanID string, fromN int) (int64, error) {
	n, err := s.tx.fexec(ctx, `DELETE FROM dispatch_projections WHERE loan_id = ? AND n >= ?`, loanID, fromN)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete projections of %q: %w", loanID, err)
	}
	return n, nil
}

func (s *dispatchStore) Projections(ctx context.Context, loanID, holder string) ([]store.DispatchProjection, error) {
	q := `SELECT loan_id, holder, n, due, capital, interest, tax, net, currency, taxes FROM dispatch_projections WHERE loan_id = ?`
	args := []any{loanID}
	if holder != "" {
		q += ` AND holder = ?`
		args = append(args, holder)
	}
	rows, err := s.tx.query(ctx, q+` ORDER BY n, holder`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: projections of %q: %w", loanID, err)
	}
	ps, err := scanAll(rows, func(r *sql.Rows) (store.DispatchProjection, error) {
		var p store.DispatchProjection
		var capital, interest, tax, net int64
		var due, cur, taxes string
		if err := r.Scan(&p.LoanID, &p.Holder, &p.N, &due, &capital, &interest, &tax, &net, &cur, &taxes); err != nil {
			return p, err
		}
		c, err := lendkit.ParseCurrency(cur)
		if err != nil {
			return p, err
		}
		if p.Due, err = lendkit.ParseDate(due); err != nil {
			return p, err
		}
		p.Capital, p.Interest, p.Tax, p.Net = lendkit.New(capital, c), lendkit.New(interest, c), lendkit.New(tax, c), lendkit.New(net, c)
		p.Taxes, err = store.DecodeTaxes(taxes, c)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: projections of %q: %w", loanID, err)
	}
	return ps, nil
}

func (s *dispatchStore) InsertDispersal(ctx context.Context, d store.DispatchDispersal) error {
	if _, err := s.tx.fexec(ctx, `INSERT INTO dispatch_dispersals (loan_id, key, kind, date, currency, cash, credit_before, credit_after,
		penalty, fee, insurance, interest, principal, prepaid, platform_fee, ledger_tx_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.LoanID, d.Key, d.Kind, d.Date.String(), d.Cash.Currency().Code(), d.Cash.Minor(), d.CreditBefore.Minor(), d.CreditAfter.Minor(),
		d.Penalty.Minor(), d.Fee.Minor(), d.Insurance.Minor(), d.Interest.Minor(), d.Principal.Minor(), d.Prepaid.Minor(),
		d.PlatformFee.Minor(), nullString(d.LedgerTxID), s.tx.now.UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: insert dispersal %s/%s: %w", d.LoanID, d.Key, err)
	}
	err := s.bulk(ctx, `INSERT INTO dispatch_shares (loan_id, key, holder, kind, principal, interest, penalty, tax, net, taxes) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "", 10, len(d.Shares), func(i int, args []any) ([]any, error) {
			sh := &d.Shares[i]
			taxes, err := store.EncodeTaxes(sh.Taxes)
			if err != nil {
				return nil, err
			}
			return append(args, d.LoanID, d.Key, sh.Holder, sh.Kind, sh.Principal.Minor(), sh.Interest.Minor(),
				sh.Penalty.Minor(), sh.Tax.Minor(), sh.Net.Minor(), taxes), nil
		})
	if err != nil {
		return fmt.Errorf("sqlite: insert shares of %s/%s: %w", d.LoanID, d.Key, err)
	}
	return nil
}

func (s *dispatchStore) Dispersal(ctx context.Context, loanID, key string) (store.DispatchDispersal, error) {
	rows, err := s.tx.query(ctx, `SELECT kind, date, currency, cash, credit_before, credit_after, penalty, fee, insurance, interest,
		principal, prepaid, platform_fee, ledger_tx_id, created_at FROM dispatch_dispersals WHERE loan_id = ? AND key = ?`, loanID, key)
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("sqlite: dispersal %s/%s: %w", loanID, key, err)
	}
	var c lendkit.Currency
	ds, err := scanAll(rows, func(r *sql.Rows) (store.DispatchDispersal, error) {
		d := store.DispatchDispersal{LoanID: loanID, Key: key}
		var date, cur string
		var v [10]int64
		var txID sql.NullString
		var created int64
		if err := r.Scan(&d.Kind, &date, &cur, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &txID, &created); err != nil {
			return d, err
		}
		var err error
		if c, err = lendkit.ParseCurrency(cur); err != nil {
			return d, err
		}
		if d.Date, err = lendkit.ParseDate(date); err != nil {
			return d, err
		}
		m := func(i int) lendkit.Money { return lendkit.New(v[i], c) }
		d.Cash, d.CreditBefore, d.CreditAfter, d.Penalty, d.Fee = m(0), m(1), m(2), m(3), m(4)
		d.Insurance, d.Interest, d.Principal, d.Prepaid, d.PlatformFee = m(5), m(6), m(7), m(8), m(9)
		d.LedgerTxID, d.CreatedAt = txID.String, time.UnixMicro(created).UTC()
		return d, nil
	})
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("sqlite: dispersal %s/%s: %w", loanID, key, err)
	}
	if len(ds) == 0 {
		return store.DispatchDispersal{}, fmt.Errorf("sqlite: dispersal %s/%s: %w", loanID, key, store.ErrNotFound)
	}
	d := ds[0]
	rows, err = s.tx.query(ctx, `SELECT holder, kind, principal, interest, penalty, tax, net, taxes FROM dispatch_shares WHERE loan_id = ? AND key = ? ORDER BY holder`, loanID, key)
	if err != nil {
		return store.DispatchDispersal{}, fmt.Errorf("sqlite: shares of %s/%s: %w", loanID, key, err)
	}
	d.Shares, err = scanAll(rows, func(r *sql.Rows) (store.DispatchShare, error) {
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
		return store.DispatchDispersal{}, fmt.Errorf("sqlite: shares of %s/%s: %w", loanID, key, err)
	}
	return d, nil
}
