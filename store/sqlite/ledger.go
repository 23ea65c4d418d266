package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// ledgerStore is the SQLite store.LedgerStore of one unit of work.
type ledgerStore struct {
	tx *tx
}

var _ store.LedgerStore = (*ledgerStore)(nil)

// chunk bounds the rows of one multi-row INSERT or the values of one IN list:
// 64 rows × 13 columns stays far below SQLite's 32,766 bound on parameters,
// and amortises most of the per-statement cost.
const chunk = 64

const accountCols = `a.id, a.code, a.currency, a.normal_side, a.constraint_kind, a.credit_limit, a.metadata, a.created_at`
const balanceCols = `b.posted_debits, b.posted_credits, b.pending_debits, b.pending_credits, b.entries, b.head`

func (s *ledgerStore) CreateAccount(ctx context.Context, a store.Account) error {
	meta, err := encodeMeta(a.Metadata)
	if err != nil {
		return err
	}
	if _, err := s.tx.fexec(ctx, `INSERT INTO ledger_accounts (id, code, currency, normal_side, constraint_kind, credit_limit, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Code, a.Currency.Code(), a.Normal.String(), a.Constraint.String(), a.CreditLimit.Minor(), meta, a.CreatedAt.UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: create account %q: %w", a.ID, err)
	}
	if _, err := s.tx.fexec(ctx, `INSERT INTO ledger_balances (account_id) VALUES (?)`, a.ID); err != nil {
		return fmt.Errorf("sqlite: create balance of %q: %w", a.ID, err)
	}
	return nil
}

func (s *ledgerStore) Account(ctx context.Context, id string) (store.Account, error) {
	rs, err := s.tx.fquery(ctx, `SELECT `+accountCols+` FROM ledger_accounts a WHERE a.id = ?`, id)
	if err != nil {
		return store.Account{}, fmt.Errorf("sqlite: account %q: %w", id, err)
	}
	as, err := scanRows(rs, scanAccount)
	if err != nil {
		return store.Account{}, fmt.Errorf("sqlite: account %q: %w", id, err)
	}
	if len(as) == 0 {
		return store.Account{}, &store.AccountNotFoundError{ID: id}
	}
	return as[0], nil
}

func (s *ledgerStore) Accounts(ctx context.Context, afterID string, limit int) ([]store.Account, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rs, err := s.tx.fquery(ctx, `SELECT `+accountCols+` FROM ledger_accounts a WHERE a.id > ? ORDER BY a.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: accounts: %w", err)
	}
	as, err := scanRows(rs, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("sqlite: accounts: %w", err)
	}
	return as, nil
}

// LockAccounts reads the accounts' states. SQLite needs no row lock: the unit
// of work began with BEGIN IMMEDIATE on the only write connection, so no other
// writer can run until it ends.
func (s *ledgerStore) LockAccounts(ctx context.Context, ids []string) ([]store.AccountState, error) {
	return s.states(ctx, ids)
}

func (s *ledgerStore) State(ctx context.Context, id string) (store.AccountState, error) {
	st, err := s.states(ctx, []string{id})
	if err != nil {
		return store.AccountState{}, err
	}
	return st[0], nil
}

func (s *ledgerStore) states(ctx context.Context, ids []string) ([]store.AccountState, error) {
	all := make([]store.AccountState, 0, len(ids))
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rs, err := s.tx.fquery(ctx, `SELECT `+accountCols+`, `+balanceCols+` FROM ledger_accounts a JOIN ledger_balances b ON b.account_id = a.id WHERE a.id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lock accounts: %w", err)
		}
		sts, err := scanRows(rs, scanState)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lock accounts: %w", err)
		}
		all = append(all, sts...)
	}
	return store.StatesInOrder(ids, all)
}

func (s *ledgerStore) UpdateBalances(ctx context.Context, bs []store.AccountBalance) error {
	const row = `(?, ?, ?, ?, ?, ?, ?)`
	for start := 0; start < len(bs); start += chunk {
		part := bs[start:min(start+chunk, len(bs))]
		args := make([]any, 0, len(part)*7)
		for _, b := range part {
			args = append(args, b.AccountID, b.PostedDebits, b.PostedCredits, b.PendingDebits, b.PendingCredits, b.Entries, nullBytes(b.Head))
		}
		// One statement per chunk rather than one per account: a batch
		// touching thousands of accounts saves as many statement runs.
		n, err := s.tx.fexec(ctx, `UPDATE ledger_balances SET posted_debits = v.column2, posted_credits = v.column3, pending_debits = v.column4,
			pending_credits = v.column5, entries = v.column6, head = v.column7
			FROM (VALUES `+rowsOf(row, len(part))+`) AS v WHERE ledger_balances.account_id = v.column1`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: update balances: %w", err)
		}
		if n != int64(len(part)) {
			ids := make([]string, len(part))
			for i, b := range part {
				ids[i] = b.AccountID
			}
			if _, err := s.states(ctx, ids); err != nil {
				return err // names the missing account
			}
			return fmt.Errorf("sqlite: update balances: %d of %d rows updated", n, len(part))
		}
	}
	return nil
}

const txCols = `t.id, t.idempotency_key, t.payload_hash, t.kind, t.code, t.description, t.effective_date, t.metadata, t.hold_id, t.reverses_id, t.expires_at, t.created_at, t.hash, t.first_posting, t.posting_count`

// txRow is a transaction as read, with where its postings are.
type txRow struct {
	store.Transaction
	first, count int64
}

func (s *ledgerStore) InsertTransactions(ctx context.Context, txs []store.Transaction) error {
	// Number the postings after the last one: the unit of work holds the
	// write lock (BEGIN IMMEDIATE), so nobody else can take these numbers.
	rs, err := s.tx.fquery(ctx, `SELECT COALESCE(MAX(posting_no), 0) FROM ledger_postings`)
	if err != nil {
		return fmt.Errorf("sqlite: insert transactions: %w", err)
	}
	last, err := scanRows(rs, func(r *rows) (int64, error) { var n int64; return n, r.Scan(&n) })
	if err != nil {
		return fmt.Errorf("sqlite: insert transactions: %w", err)
	}
	first := make([]int64, len(txs))
	next := last[0] + 1
	for i, t := range txs {
		first[i] = next
		next += int64(len(t.Postings))
	}
	const txRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for start := 0; start < len(txs); start += chunk {
		part := txs[start:min(start+chunk, len(txs))]
		args := make([]any, 0, len(part)*15)
		for j, t := range part {
			meta, err := encodeMeta(t.Metadata)
			if err != nil {
				return err
			}
			var expires any
			if !t.ExpiresAt.IsZero() {
				expires = t.ExpiresAt.UnixMicro()
			}
			args = append(args, t.ID, t.Key, t.PayloadHash, t.Kind.String(), t.Code, t.Description, t.EffectiveDate.String(), meta,
				nullString(t.HoldID), nullString(t.ReversesID), expires, t.CreatedAt.UnixMicro(), t.Hash, first[start+j], len(t.Postings))
		}
		q := `INSERT INTO ledger_transactions (id, idempotency_key, payload_hash, kind, code, description, effective_date, metadata, hold_id, reverses_id, expires_at, created_at, hash, first_posting, posting_count) VALUES ` + rowsOf(txRow, len(part))
		if _, err := s.tx.fexec(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlite: insert transactions: %w", err)
		}
	}
	const pRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := make([]any, 0, chunk*11)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := `INSERT INTO ledger_postings (posting_no, account_id, seq, tx_id, idx, kind, side, amount, currency, effective_date, hash) VALUES ` + rowsOf(pRow, n)
		if _, err := s.tx.fexec(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlite: insert postings: %w", err)
		}
		args, n = args[:0], 0
		return nil
	}
	for k, t := range txs {
		date := t.EffectiveDate.String()
		for i, p := range t.Postings {
			args = append(args, first[k]+int64(i), p.AccountID, p.Seq, t.ID, i, p.Kind.String(), p.Side.String(), p.Amount.Minor(), p.Amount.Currency().Code(), date, p.Hash)
			if n++; n == chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func (s *ledgerStore) Transaction(ctx context.Context, id string) (store.Transaction, error) {
	txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t WHERE t.id = ?`, id)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("sqlite: transaction %s: %w", id, err)
	}
	if len(txs) == 0 {
		return store.Transaction{}, fmt.Errorf("sqlite: transaction %s: %w", id, store.ErrNotFound)
	}
	return txs[0], nil
}

func (s *ledgerStore) TransactionsByKey(ctx context.Context, keys []string) ([]store.Transaction, error) {
	var out []store.Transaction
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t WHERE t.idempotency_key IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: transactions by key: %w", err)
		}
		out = append(out, txs...)
	}
	return out, nil
}

func (s *ledgerStore) Resolution(ctx context.Context, holdID string) (store.Transaction, error) {
	txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t WHERE t.hold_id = ?`, holdID)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("sqlite: resolution of hold %s: %w", holdID, err)
	}
	if len(txs) == 0 {
		return store.Transaction{}, fmt.Errorf("sqlite: resolution of hold %s: %w", holdID, store.ErrNotFound)
	}
	return txs[0], nil
}

func (s *ledgerStore) Reversal(ctx context.Context, id string) (store.Transaction, error) {
	txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t WHERE t.reverses_id = ?`, id)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("sqlite: reversal of %s: %w", id, err)
	}
	if len(txs) == 0 {
		return store.Transaction{}, fmt.Errorf("sqlite: reversal of %s: %w", id, store.ErrNotFound)
	}
	return txs[0], nil
}

func (s *ledgerStore) Transactions(ctx context.Context, afterID string, limit int) ([]store.Transaction, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t WHERE t.id > ? ORDER BY t.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: transactions: %w", err)
	}
	return txs, nil
}

func (s *ledgerStore) ExpiredHolds(ctx context.Context, at time.Time, limit int) ([]store.Transaction, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t
		WHERE t.kind = 'hold' AND t.expires_at IS NOT NULL AND t.expires_at <= ?
		  AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.hold_id = t.id)
		ORDER BY t.id LIMIT ?`, at.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: expired holds: %w", err)
	}
	return txs, nil
}

// selectTxs runs a query over txCols and attaches each transaction's postings.
func (s *ledgerStore) selectTxs(ctx context.Context, q string, args ...any) ([]store.Transaction, error) {
	rs, err := s.tx.fquery(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	txs, err := scanRows(rs, scanTx)
	if err != nil {
		return nil, err
	}
	for i := range txs {
		t := &txs[i]
		if t.first == 0 || t.count == 0 {
			continue
		}
		rs, err := s.tx.fquery(ctx, `SELECT account_id, side, amount, currency, kind, seq, hash FROM ledger_postings WHERE posting_no BETWEEN ? AND ? ORDER BY posting_no`, t.first, t.first+t.count-1)
		if err != nil {
			return nil, err
		}
		ps, err := scanRows(rs, func(r *rows) (store.Posting, error) {
			var p store.Posting
			var side, cur, kind string
			var amount int64
			if err := r.Scan(&p.AccountID, &side, &amount, &cur, &kind, &p.Seq, &p.Hash); err != nil {
				return p, err
			}
			var err error
			p.Side, p.Amount, p.Kind, err = decodePosting(side, amount, cur, kind)
			return p, err
		})
		if err != nil {
			return nil, err
		}
		// Fewer rows than posting_count means rows were deleted behind the
		// ledger's back: return what exists and let ledger.Verify report the
		// transaction whose hash no longer matches.
		t.Postings = ps
	}
	out := make([]store.Transaction, len(txs))
	for i := range txs {
		out[i] = txs[i].Transaction
	}
	return out, nil
}

func (s *ledgerStore) Entries(ctx context.Context, accountID string, afterSeq int64, limit int) ([]store.Entry, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rs, err := s.tx.fquery(ctx, `SELECT p.account_id, p.side, p.amount, p.currency, p.kind, p.seq, p.hash, p.tx_id, t.hash, p.idx, p.effective_date, t.created_at
		FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.tx_id
		WHERE p.account_id = ? AND p.seq > ? ORDER BY p.seq LIMIT ?`, accountID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: entries of %q: %w", accountID, err)
	}
	es, err := scanRows(rs, func(r *rows) (store.Entry, error) {
		var e store.Entry
		var side, cur, kind, date string
		var amount, created int64
		if err := r.Scan(&e.AccountID, &side, &amount, &cur, &kind, &e.Seq, &e.Hash, &e.TransactionID, &e.TransactionHash, &e.Index, &date, &created); err != nil {
			return e, err
		}
		var err error
		if e.Side, e.Amount, e.Kind, err = decodePosting(side, amount, cur, kind); err != nil {
			return e, err
		}
		if e.EffectiveDate, err = lendkit.ParseDate(date); err != nil {
			return e, err
		}
		e.CreatedAt = time.UnixMicro(created).UTC()
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: entries of %q: %w", accountID, err)
	}
	return es, nil
}

func (s *ledgerStore) PostedTotals(ctx context.Context, accountID string, through lendkit.Date) (debits, credits int64, err error) {
	rs, err := s.tx.fquery(ctx, `SELECT COALESCE(SUM(CASE WHEN side = 'debit' THEN amount END), 0), COALESCE(SUM(CASE WHEN side = 'credit' THEN amount END), 0)
		FROM ledger_postings WHERE account_id = ? AND kind = 'posted' AND effective_date <= ?`, accountID, through.String())
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: posted totals of %q: %w", accountID, err)
	}
	type pair struct{ d, c int64 }
	ps, err := scanRows(rs, func(r *rows) (pair, error) {
		var p pair
		return p, r.Scan(&p.d, &p.c)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: posted totals of %q: %w", accountID, err)
	}
	return ps[0].d, ps[0].c, nil
}

func scanAccount(r *rows) (store.Account, error) {
	var a store.Account
	var cur, side, cons, meta string
	var limit, created int64
	if err := r.Scan(&a.ID, &a.Code, &cur, &side, &cons, &limit, &meta, &created); err != nil {
		return a, err
	}
	return a, decodeAccount(&a, cur, side, cons, limit, meta, created)
}

func scanState(r *rows) (store.AccountState, error) {
	var st store.AccountState
	a := &st.Account
	b := &st.Balance
	var cur, side, cons, meta string
	var limit, created int64
	if err := r.Scan(&a.ID, &a.Code, &cur, &side, &cons, &limit, &meta, &created,
		&b.PostedDebits, &b.PostedCredits, &b.PendingDebits, &b.PendingCredits, &b.Entries, &b.Head); err != nil {
		return st, err
	}
	b.AccountID = a.ID
	if len(b.Head) == 0 {
		b.Head = nil
	}
	return st, decodeAccount(a, cur, side, cons, limit, meta, created)
}

func decodeAccount(a *store.Account, cur, side, cons string, limit int64, meta string, created int64) error {
	c, err := lendkit.ParseCurrency(cur)
	if err != nil {
		return err
	}
	a.Currency = c
	a.CreditLimit = lendkit.New(limit, c)
	if a.Normal, err = store.ParseSide(side); err != nil {
		return err
	}
	if a.Constraint, err = store.ParseConstraint(cons); err != nil {
		return err
	}
	if a.Metadata, err = decodeMeta(meta); err != nil {
		return err
	}
	a.CreatedAt = time.UnixMicro(created).UTC()
	return nil
}

func scanTx(r *rows) (txRow, error) {
	var row txRow
	t := &row.Transaction
	var kind, date, meta string
	var hold, rev sql.NullString
	var expires sql.NullInt64
	var created int64
	if err := r.Scan(&t.ID, &t.Key, &t.PayloadHash, &kind, &t.Code, &t.Description, &date, &meta, &hold, &rev, &expires, &created, &t.Hash, &row.first, &row.count); err != nil {
		return row, err
	}
	var err error
	if t.Kind, err = store.ParseTxKind(kind); err != nil {
		return row, err
	}
	if t.EffectiveDate, err = lendkit.ParseDate(date); err != nil {
		return row, err
	}
	if t.Metadata, err = decodeMeta(meta); err != nil {
		return row, err
	}
	t.HoldID, t.ReversesID = hold.String, rev.String
	if expires.Valid {
		t.ExpiresAt = time.UnixMicro(expires.Int64).UTC()
	}
	t.CreatedAt = time.UnixMicro(created).UTC()
	return row, nil
}

func decodePosting(side string, amount int64, cur, kind string) (store.Side, lendkit.Money, store.EntryKind, error) {
	s, err := store.ParseSide(side)
	if err != nil {
		return 0, lendkit.Money{}, 0, err
	}
	c, err := lendkit.ParseCurrency(cur)
	if err != nil {
		return 0, lendkit.Money{}, 0, err
	}
	k, err := store.ParseEntryKind(kind)
	if err != nil {
		return 0, lendkit.Money{}, 0, err
	}
	return s, lendkit.New(amount, c), k, nil
}

// encodeMeta stores metadata as a JSON object; nil and empty both become
// "{}" (and read back as nil), so a round trip never invents a difference.
func encodeMeta(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m) // sorted keys: the stored text is canonical
	if err != nil {
		return "", fmt.Errorf("sqlite: encode metadata: %w", err)
	}
	return string(b), nil
}

func decodeMeta(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("sqlite: decode metadata: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func checkLimit(limit int) error {
	if limit < 1 || limit > store.MaxListLimit {
		return fmt.Errorf("sqlite: list limit %d outside 1..%d", limit, store.MaxListLimit)
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func rowsOf(row string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
