package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// ledgerStore is the Postgres store.LedgerStore of one unit of work.
type ledgerStore struct {
	tx *tx
}

// ledgerStore satisfies store.LedgerStore.
var (
	_ store.LedgerStore = ledgerStore{}
	_ store.KeyLocker   = ledgerStore{}
)

// Ledger returns the ledger's persistence within this unit of work.
func (t *tx) Ledger() store.LedgerStore { return ledgerStore{tx: t} }

func (l ledgerStore) q() pgx.Tx { return l.tx.pg }

// CreateAccount inserts a with a zero balance row, in one round trip.
func (l ledgerStore) CreateAccount(ctx context.Context, a store.Account) error {
	meta, err := encodeMetadata(a.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: create account %q: %w", a.ID, err)
	}
	const q = `WITH acc AS (
		INSERT INTO ledger_accounts (id, code, currency, normal_side, constraint_kind, credit_limit, metadata, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING id
	)
	INSERT INTO ledger_balances (account_id) SELECT id FROM acc`
	_, err = l.q().Exec(ctx, q, a.ID, a.Code, a.Currency.Code(), a.Normal.String(), a.Constraint.String(),
		a.CreditLimit.Minor(), meta, a.CreatedAt)
	if err != nil {
		return fmt.Errorf("postgres: create account %q: %w", a.ID, interpretError(err))
	}
	return nil
}

const accountColumns = `a.id, a.code, a.currency, a.normal_side, a.constraint_kind, a.credit_limit, a.metadata, a.created_at`

// Account returns the account with id.
func (l ledgerStore) Account(ctx context.Context, id string) (store.Account, error) {
	row := l.q().QueryRow(ctx, `SELECT `+accountColumns+` FROM ledger_accounts a WHERE a.id = $1`, id)
	a, err := scanAccount(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Account{}, &store.AccountNotFoundError{ID: id}
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("postgres: account %q: %w", id, interpretError(err))
	}
	return a, nil
}

// Accounts returns up to limit accounts with id > afterID, by id (byte order).
func (l ledgerStore) Accounts(ctx context.Context, afterID string, limit int) ([]store.Account, error) {
	if err := checkLimit(limit); err != nil {
		return nil, fmt.Errorf("postgres: accounts: %w", err)
	}
	rows, err := l.q().Query(ctx, `SELECT `+accountColumns+` FROM ledger_accounts a WHERE a.id > $1 ORDER BY a.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts: %w", interpretError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Account, error) { return scanAccount(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts: %w", interpretError(err))
	}
	return out, nil
}

const stateColumns = accountColumns + `, b.posted_debits, b.posted_credits, b.pending_debits, b.pending_credits, b.entries, b.head`

// LockAccounts locks the balance rows of ids, in id order, and returns them in
// the order of ids. The rows are locked by one statement whose ORDER BY runs
// below the row locking, so they are locked in byte order of id (the columns
// are COLLATE "C"), the order the ledger sorted them in.
func (l ledgerStore) LockAccounts(ctx context.Context, ids []string) ([]store.AccountState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// The lateral subquery (OFFSET 0 keeps the planner from flattening it)
	// makes every cached plan fetch each account by its key: the plain join
	// was cached as a scan of every account, 0.7 ms instead of 0.2 ms a Post,
	// and a scan's relation-wide SIREAD lock conflicts with every writer.
	rows, err := l.q().Query(ctx, lockAccountsSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock accounts: %w", interpretError(err))
	}
	states, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AccountState, error) { return scanState(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: lock accounts: %w", interpretError(err))
	}
	out, err := store.StatesInOrder(ids, states)
	if err != nil {
		return nil, err
	}
	l.markLocked(out)
	return out, nil
}

// lockAccountsSQL locks and reads the balance rows of $1 (see LockAccounts).
const lockAccountsSQL = `SELECT ` + stateColumns + `
		FROM ledger_balances b
		CROSS JOIN LATERAL (SELECT * FROM ledger_accounts a WHERE a.id = b.account_id OFFSET 0) a
		WHERE b.account_id = ANY($1)
		ORDER BY b.account_id
		FOR UPDATE OF b`

// updateBalancesSQL writes the balance rows of $1 from the column arrays
// $2 to $7. b.account_id = ANY($1) makes every plan fetch the rows by key:
// the join alone was planned generically as a hash join over a scan of every
// balance, whose relation-wide SIREAD lock conflicts with every writer.
const updateBalancesSQL = `UPDATE ledger_balances b SET
			posted_debits = u.pd, posted_credits = u.pc, pending_debits = u.nd, pending_credits = u.nc,
			entries = u.en, head = u.head
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bytea[])
			AS u(id, pd, pc, nd, nc, en, head)
		WHERE b.account_id = ANY($1) AND b.account_id = u.id`

// deferredUpdateBalancesSQL is updateBalancesSQL for pgTx.deferExec: it
// fails on the server unless it updated $8 rows.
var deferredUpdateBalancesSQL = `WITH upd AS (` + updateBalancesSQL + ` RETURNING 1) ` +
	assertCount("upd", "$8", "postgres: update balances: rows updated for the locked balances")

// markLocked records the accounts of states as locked in this unit of work.
func (l ledgerStore) markLocked(states []store.AccountState) {
	if l.tx.locked == nil {
		l.tx.locked = make(map[string]bool, len(states))
	}
	for _, st := range states {
		l.tx.locked[st.Account.ID] = true
	}
}

// State returns an account and its balance without locking.
func (l ledgerStore) State(ctx context.Context, id string) (store.AccountState, error) {
	row := l.q().QueryRow(ctx, `SELECT `+stateColumns+`
		FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
		WHERE b.account_id = $1`, id)
	s, err := scanState(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.AccountState{}, &store.AccountNotFoundError{ID: id}
	}
	if err != nil {
		return store.AccountState{}, fmt.Errorf("postgres: account state %q: %w", id, interpretError(err))
	}
	return s, nil
}

// UpdateBalances overwrites the balance rows of bs in one statement.
func (l ledgerStore) UpdateBalances(ctx context.Context, bs []store.AccountBalance) error {
	if len(bs) == 0 {
		return nil
	}
	n := len(bs)
	ids := make([]string, n)
	pd, pc, nd, nc, en := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	heads := make([][]byte, n)
	for i, b := range bs {
		ids[i], pd[i], pc[i], nd[i], nc[i], en[i], heads[i] = b.AccountID, b.PostedDebits, b.PostedCredits,
			b.PendingDebits, b.PendingCredits, b.Entries, b.Head
	}
	if l.tx.lockedAll(ids) {
		// Every row exists and is ours until COMMIT: send the update with
		// the next statement or with COMMIT (see pgTx), one round trip less.
		// The count is asserted on the server, ahead of any COMMIT.
		l.tx.pg.deferExec(deferredUpdateBalancesSQL, ids, pd, pc, nd, nc, en, heads, int64(n))
		return nil
	}
	ct, err := l.q().Exec(ctx, updateBalancesSQL, ids, pd, pc, nd, nc, en, heads)
	if err != nil {
		return fmt.Errorf("postgres: update balances: %w", interpretError(err))
	}
	if ct.RowsAffected() != int64(n) {
		// Name the first missing one; the rows present are updated but the
		// caller rolls the unit of work back on this error.
		missing, err := l.missingAccounts(ctx, ids)
		if err != nil {
			return fmt.Errorf("postgres: update balances: %w", err)
		}
		if len(missing) > 0 {
			return fmt.Errorf("postgres: update balances: %w", &store.AccountNotFoundError{ID: missing[0]})
		}
		return fmt.Errorf("postgres: update balances: %d rows updated for %d balances (repeated account id?): %w",
			ct.RowsAffected(), n, store.ErrConflict)
	}
	return nil
}

// missingAccounts returns the ids (in the given order) that have no account.
func (l ledgerStore) missingAccounts(ctx context.Context, ids []string) ([]string, error) {
	rows, err := l.q().Query(ctx, `SELECT x.id FROM unnest($1::text[]) WITH ORDINALITY AS x(id, n)
		WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = x.id) ORDER BY x.n`, ids)
	if err != nil {
		return nil, interpretError(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, interpretError(err)
}

// Transaction returns the transaction with id and its postings.
func (l ledgerStore) Transaction(ctx context.Context, id string) (store.Transaction, error) {
	txs, err := l.readTransactions(ctx, `t.id = $1`, `$2::int`, id, 1)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("postgres: transaction %s: %w", id, err)
	}
	if len(txs) == 0 {
		return store.Transaction{}, fmt.Errorf("postgres: transaction %s: %w", id, store.ErrNotFound)
	}
	return txs[0], nil
}

// TransactionsByKey returns the transactions whose idempotency key is in keys.
// It looks them up by the keys' SHA-256, the unique index (see migration
// 0001), and compares the keys themselves too.
func (l ledgerStore) TransactionsByKey(ctx context.Context, keys []string) ([]store.Transaction, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	hashes := keyHashes(keys)
	// Most keys are new: probe for them alone first (one index lookup, no
	// postings query), and read the replayed transactions only when there are
	// some. Both reads are in the unit of work's one snapshot.
	// The lateral subquery (OFFSET 0 keeps it a subquery) probes the unique
	// index once per key under any plan: the generic plan of the plain
	// "key_hash = ANY($1)" (see preferGenericPlans) scanned the whole table
	// while it was small, and kept doing so as it grew, with a relation-wide
	// SIREAD lock that every concurrent insert conflicted with (retries per
	// Post rose from 0.08 to 0.13).
	var found bool
	if err := l.q().QueryRow(ctx, probeKeysSQL, hashes, keys).Scan(&found); err != nil {
		return nil, fmt.Errorf("postgres: transactions by key: %w", interpretError(err))
	}
	return l.replayed(ctx, found, hashes, keys)
}

// probeKeysSQL tells whether any of the keys $2 (hashed in $1) is taken.
const probeKeysSQL = `SELECT EXISTS (SELECT 1 FROM unnest($1::bytea[]) AS k(h)
		CROSS JOIN LATERAL (SELECT 1 FROM ledger_transactions t
			WHERE t.key_hash = k.h AND t.idempotency_key = ANY($2) OFFSET 0) x)`

// replayed reads the transactions of keys when the probe found any.
func (l ledgerStore) replayed(ctx context.Context, found bool, hashes [][]byte, keys []string) ([]store.Transaction, error) {
	if !found {
		return nil, nil
	}
	txs, err := l.readTransactions(ctx, `t.key_hash = ANY($1) AND t.idempotency_key = ANY($3)`, `$2::int`,
		hashes, len(keys), keys)
	if err != nil {
		return nil, fmt.Errorf("postgres: transactions by key: %w", err)
	}
	return txs, nil
}

// TransactionsByKeyLocking probes the keys and locks the accounts in one
// pipelined batch (one round trip, with BEGIN when it is the unit of work's
// first statement); replays, rare, cost one more to read.
func (l ledgerStore) TransactionsByKeyLocking(ctx context.Context, keys, ids []string) ([]store.Transaction, []store.AccountState, error) {
	hashes := keyHashes(keys)
	b := &pgx.Batch{}
	b.Queue(probeKeysSQL, hashes, keys)
	b.Queue(lockAccountsSQL, ids)
	br := l.q().SendBatch(ctx, b)
	var found bool
	err := br.QueryRow().Scan(&found)
	var states []store.AccountState
	if err == nil {
		var rows pgx.Rows
		if rows, err = br.Query(); err == nil {
			states, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AccountState, error) { return scanState(r) })
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: transactions by key and lock accounts: %w", interpretError(err))
	}
	l.markLocked(states)
	txs, err := l.replayed(ctx, found, hashes, keys)
	if err != nil {
		return nil, nil, err
	}
	return txs, states, nil
}

// Resolution returns the transaction that posted or voided holdID.
func (l ledgerStore) Resolution(ctx context.Context, holdID string) (store.Transaction, error) {
	txs, err := l.readTransactions(ctx, `t.hold_id = $1`, `$2::int`, holdID, 1)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("postgres: resolution of hold %s: %w", holdID, err)
	}
	if len(txs) == 0 {
		return store.Transaction{}, fmt.Errorf("postgres: resolution of hold %s: %w", holdID, store.ErrNotFound)
	}
	return txs[0], nil
}

// Reversal returns the transaction that reversed id.
func (l ledgerStore) Reversal(ctx context.Context, id string) (store.Transaction, error) {
	txs, err := l.readTransactions(ctx, `t.reverses_id = $1`, `$2::int`, id, 1)
	if err != nil {
		return store.Transaction{}, fmt.Errorf("postgres: reversal of %s: %w", id, err)
	}
	if len(txs) == 0 {
		return store.Transaction{}, fmt.Errorf("postgres: reversal of %s: %w", id, store.ErrNotFound)
	}
	return txs[0], nil
}

// Transactions returns up to limit transactions with ID > afterID, by ID.
func (l ledgerStore) Transactions(ctx context.Context, afterID string, limit int) ([]store.Transaction, error) {
	if err := checkLimit(limit); err != nil {
		return nil, fmt.Errorf("postgres: transactions: %w", err)
	}
	txs, err := l.readTransactions(ctx, `t.id > $1`, `$2::int`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: transactions: %w", err)
	}
	return txs, nil
}

// ExpiredHolds returns up to limit unresolved holds expired at at, by ID.
func (l ledgerStore) ExpiredHolds(ctx context.Context, at time.Time, limit int) ([]store.Transaction, error) {
	if err := checkLimit(limit); err != nil {
		return nil, fmt.Errorf("postgres: expired holds: %w", err)
	}
	txs, err := l.readTransactions(ctx, `t.kind = 'hold' AND t.expires_at IS NOT NULL AND t.expires_at <= $1
		AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.hold_id = t.id)`, `$2::int`, at, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: expired holds: %w", err)
	}
	return txs, nil
}

const transactionColumns = `t.id, t.idempotency_key, t.payload_hash, t.kind, t.code, t.description, t.effective_date,
	t.metadata, t.hold_id, t.reverses_id, t.expires_at, t.created_at, t.hash`

// readTransactions reads the transactions matching where (ORDER BY id, LIMIT
// limitExpr) and their postings in one round trip: both queries go in one
// pipelined batch, and the postings' query selects its transactions with the
// same condition, inside the same snapshot.
func (l ledgerStore) readTransactions(ctx context.Context, where, limitExpr string, args ...any) ([]store.Transaction, error) {
	sel := `SELECT t.id FROM ledger_transactions t WHERE ` + where + ` ORDER BY t.id LIMIT ` + limitExpr
	b := &pgx.Batch{}
	b.Queue(`SELECT `+transactionColumns+` FROM ledger_transactions t WHERE `+where+` ORDER BY t.id LIMIT `+limitExpr, args...)
	b.Queue(`SELECT p.tx_id, p.account_id, p.side, p.amount, p.currency, p.kind, p.seq, p.hash
		FROM ledger_postings p WHERE p.tx_id IN (`+sel+`) ORDER BY p.tx_id, p.idx`, args...)
	br := l.q().SendBatch(ctx, b)
	defer br.Close()

	rows, err := br.Query()
	if err != nil {
		return nil, interpretError(err)
	}
	txs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Transaction, error) { return scanTransaction(r) })
	if err != nil {
		return nil, interpretError(err)
	}
	index := make(map[string]int, len(txs))
	for i := range txs {
		index[txs[i].ID] = i
	}
	rows, err = br.Query()
	if err != nil {
		return nil, interpretError(err)
	}
	var (
		txID, accountID, side, currency, kind string
		amount, seq                           int64
		hash                                  []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&txID, &accountID, &side, &amount, &currency, &kind, &seq, &hash}, func() error {
		i, ok := index[txID]
		if !ok {
			// Impossible within one snapshot; refuse rather than drop it.
			return fmt.Errorf("posting of transaction %s outside the page read", txID)
		}
		p, err := makePosting(accountID, side, amount, currency, kind, seq, hash)
		if err != nil {
			return fmt.Errorf("transaction %s: %w", txID, err)
		}
		txs[i].Postings = append(txs[i].Postings, p)
		return nil
	})
	if err != nil {
		return nil, interpretError(err)
	}
	if err := br.Close(); err != nil {
		return nil, interpretError(err)
	}
	return txs, nil
}

// Entries returns up to limit postings of accountID after afterSeq, by Seq.
func (l ledgerStore) Entries(ctx context.Context, accountID string, afterSeq int64, limit int) ([]store.Entry, error) {
	if err := checkLimit(limit); err != nil {
		return nil, fmt.Errorf("postgres: entries of %q: %w", accountID, err)
	}
	rows, err := l.q().Query(ctx, `SELECT p.account_id, p.side, p.amount, p.currency, p.kind, p.seq, p.hash,
			p.tx_id, t.hash, p.idx, p.effective_date, t.created_at
		FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.tx_id
		WHERE p.account_id = $1 AND p.seq > $2
		ORDER BY p.seq
		LIMIT $3`, accountID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: entries of %q: %w", accountID, interpretError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Entry, error) {
		var (
			e                               store.Entry
			accountID, side, currency, kind string
			amount, seq                     int64
			hash                            []byte
			date                            pgtype.Date
			createdAt                       time.Time
		)
		if err := r.Scan(&accountID, &side, &amount, &currency, &kind, &seq, &hash,
			&e.TransactionID, &e.TransactionHash, &e.Index, &date, &createdAt); err != nil {
			return e, err
		}
		p, err := makePosting(accountID, side, amount, currency, kind, seq, hash)
		if err != nil {
			return e, err
		}
		e.Posting = p
		e.EffectiveDate = lendkit.DateOf(date.Time)
		e.CreatedAt = createdAt.UTC()
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: entries of %q: %w", accountID, interpretError(err))
	}
	return out, nil
}

// PostedTotals sums the posted debits and credits of accountID through a date.
func (l ledgerStore) PostedTotals(ctx context.Context, accountID string, through lendkit.Date) (debits, credits int64, err error) {
	err = l.q().QueryRow(ctx, `SELECT
			COALESCE(SUM(amount) FILTER (WHERE side = 'debit'), 0)::bigint,
			COALESCE(SUM(amount) FILTER (WHERE side = 'credit'), 0)::bigint
		FROM ledger_postings
		WHERE account_id = $1 AND kind = 'posted' AND effective_date <= $2`,
		accountID, pgDate(through)).Scan(&debits, &credits)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: posted totals of %q: %w", accountID, interpretError(err))
	}
	return debits, credits, nil
}

// checkLimit refuses list sizes outside 1..store.MaxListLimit.
func checkLimit(limit int) error {
	if limit < 1 || limit > store.MaxListLimit {
		return fmt.Errorf("limit %d outside 1..%d", limit, store.MaxListLimit)
	}
	return nil
}

// keyHash is what the unique index on idempotency keys holds.
func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// keyHashes returns keyHash of each key.
func keyHashes(keys []string) [][]byte {
	hs := make([][]byte, len(keys))
	for i, k := range keys {
		hs[i] = keyHash(k)
	}
	return hs
}

// pgDate converts a civil date to the DATE parameter pgx sends.
func pgDate(d lendkit.Date) pgtype.Date {
	return pgtype.Date{Time: d.Time(), Valid: true}
}

// encodeMetadata writes metadata as a JSON object; nil and empty both become
// {} (encoding/json sorts the keys, so equal maps give equal text).
func encodeMetadata(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("metadata: %w", err)
	}
	return string(b), nil
}

// decodeMetadata reads what encodeMetadata wrote; {} becomes a nil map.
func decodeMetadata(b []byte) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// scanAccount reads accountColumns.
func scanAccount(r pgx.Row) (store.Account, error) {
	var (
		a                      store.Account
		currency, side, constr string
		limit                  int64
		meta                   []byte
	)
	if err := r.Scan(&a.ID, &a.Code, &currency, &side, &constr, &limit, &meta, &a.CreatedAt); err != nil {
		return store.Account{}, err
	}
	return finishAccount(a, currency, side, constr, limit, meta)
}

func finishAccount(a store.Account, currency, side, constr string, limit int64, meta []byte) (store.Account, error) {
	var err error
	if a.Currency, err = lendkit.ParseCurrency(currency); err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", a.ID, err)
	}
	if a.Normal, err = store.ParseSide(side); err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", a.ID, err)
	}
	if a.Constraint, err = store.ParseConstraint(constr); err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", a.ID, err)
	}
	if a.Metadata, err = decodeMetadata(meta); err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", a.ID, err)
	}
	a.CreditLimit = lendkit.New(limit, a.Currency)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// scanState reads stateColumns.
func scanState(r pgx.Row) (store.AccountState, error) {
	var (
		s                      store.AccountState
		currency, side, constr string
		limit                  int64
		meta                   []byte
	)
	a := &s.Account
	b := &s.Balance
	if err := r.Scan(&a.ID, &a.Code, &currency, &side, &constr, &limit, &meta, &a.CreatedAt,
		&b.PostedDebits, &b.PostedCredits, &b.PendingDebits, &b.PendingCredits, &b.Entries, &b.Head); err != nil {
		return store.AccountState{}, err
	}
	acc, err := finishAccount(*a, currency, side, constr, limit, meta)
	if err != nil {
		return store.AccountState{}, err
	}
	s.Account = acc
	b.AccountID = acc.ID
	return s, nil
}

// scanTransaction reads transactionColumns (without postings).
func scanTransaction(r pgx.Row) (store.Transaction, error) {
	var (
		t                  store.Transaction
		kind               string
		date               pgtype.Date
		meta               []byte
		holdID, reversesID pgtype.Text
		expiresAt          pgtype.Timestamptz
	)
	if err := r.Scan(&t.ID, &t.Key, &t.PayloadHash, &kind, &t.Code, &t.Description, &date,
		&meta, &holdID, &reversesID, &expiresAt, &t.CreatedAt, &t.Hash); err != nil {
		return store.Transaction{}, err
	}
	var err error
	if t.Kind, err = store.ParseTxKind(kind); err != nil {
		return store.Transaction{}, fmt.Errorf("transaction %s: %w", t.ID, err)
	}
	if t.Metadata, err = decodeMetadata(meta); err != nil {
		return store.Transaction{}, fmt.Errorf("transaction %s: %w", t.ID, err)
	}
	t.EffectiveDate = lendkit.DateOf(date.Time)
	t.HoldID = holdID.String
	t.ReversesID = reversesID.String
	if expiresAt.Valid {
		t.ExpiresAt = expiresAt.Time.UTC()
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

// makePosting rebuilds a posting from its stored columns.
func makePosting(accountID, side string, amount int64, currency, kind string, seq int64, hash []byte) (store.Posting, error) {
	c, err := lendkit.ParseCurrency(currency)
	if err != nil {
		return store.Posting{}, fmt.Errorf("posting %s#%d: %w", accountID, seq, err)
	}
	s, err := store.ParseSide(side)
	if err != nil {
		return store.Posting{}, fmt.Errorf("posting %s#%d: %w", accountID, seq, err)
	}
	k, err := store.ParseEntryKind(kind)
	if err != nil {
		return store.Posting{}, fmt.Errorf("posting %s#%d: %w", accountID, seq, err)
	}
	return store.Posting{AccountID: accountID, Side: s, Amount: lendkit.New(amount, c), Kind: k, Seq: seq, Hash: hash}, nil
}
