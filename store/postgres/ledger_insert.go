package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lendkit/lendkit/store"
)

// copyThreshold is the number of postings from which InsertTransactions uses
// COPY instead of one INSERT … SELECT FROM unnest(…) statement. Below it the
// single statement wins: it is one round trip, where COPY costs a check query
// and, per table, a describe round trip and the copy itself. Above it COPY's
// batched heap inserts win. Measured by BenchmarkInsertPath (see
// /work/notes/bench-ledger-postgres.md).
const copyThreshold = 2000

// InsertTransactions writes txs and their postings. A posting naming a missing
// account is reported as *store.AccountNotFoundError before anything is
// written: the accounts are checked once per call, not by a per-row foreign
// key trigger (see migration 0001).
func (l ledgerStore) InsertTransactions(ctx context.Context, txs []store.Transaction) error {
	if len(txs) == 0 {
		return nil
	}
	c, err := columnsOf(txs)
	if err != nil {
		return fmt.Errorf("postgres: insert transactions: %w", err)
	}
	switch {
	case len(c.pAccount) >= copyThreshold:
		err = l.insertByCopy(ctx, c)
	case l.tx.lockedAll(c.accounts):
		l.deferInsert(c)
	default:
		err = l.insertByUnnest(ctx, c)
	}
	if err != nil {
		return fmt.Errorf("postgres: insert transactions: %w", err)
	}
	return nil
}

// txColumns holds a batch column by column, as both insert paths send it.
type txColumns struct {
	accounts []string // distinct account ids, in order of first appearance

	tID, tKey, tKind, tCode, tDesc, tMeta []string
	tKeyHash, tPayload, tHash             [][]byte
	tDate                                 []pgtype.Date
	tHold, tReverses                      []pgtype.Text
	tExpires, tCreated                    []pgtype.Timestamptz

	pAccount, pTx, pKind, pSide, pCurrency []string
	pSeq, pAmount                          []int64
	pIdx                                   []int32
	pDate                                  []pgtype.Date
	pHash                                  [][]byte
}

func columnsOf(txs []store.Transaction) (*txColumns, error) {
	n, np := len(txs), 0
	for _, t := range txs {
		np += len(t.Postings)
	}
	c := &txColumns{
		tID: make([]string, n), tKey: make([]string, n), tKind: make([]string, n), tCode: make([]string, n),
		tDesc: make([]string, n), tMeta: make([]string, n), tKeyHash: make([][]byte, n), tPayload: make([][]byte, n),
		tHash: make([][]byte, n), tDate: make([]pgtype.Date, n), tHold: make([]pgtype.Text, n),
		tReverses: make([]pgtype.Text, n), tExpires: make([]pgtype.Timestamptz, n), tCreated: make([]pgtype.Timestamptz, n),

		pAccount: make([]string, 0, np), pTx: make([]string, 0, np), pKind: make([]string, 0, np),
		pSide: make([]string, 0, np), pCurrency: make([]string, 0, np), pSeq: make([]int64, 0, np),
		pAmount: make([]int64, 0, np), pIdx: make([]int32, 0, np), pDate: make([]pgtype.Date, 0, np),
		pHash: make([][]byte, 0, np),
	}
	seen := make(map[string]bool)
	for i, t := range txs {
		meta, err := encodeMetadata(t.Metadata)
		if err != nil {
			return nil, fmt.Errorf("transaction %s: %w", t.ID, err)
		}
		date := pgDate(t.EffectiveDate)
		c.tID[i], c.tKey[i], c.tKind[i], c.tCode[i], c.tDesc[i], c.tMeta[i] = t.ID, t.Key, t.Kind.String(), t.Code, t.Description, meta
		c.tKeyHash[i], c.tPayload[i], c.tHash[i], c.tDate[i] = keyHash(t.Key), t.PayloadHash, t.Hash, date
		c.tHold[i] = pgtype.Text{String: t.HoldID, Valid: t.HoldID != ""}
		c.tReverses[i] = pgtype.Text{String: t.ReversesID, Valid: t.ReversesID != ""}
		c.tExpires[i] = pgtype.Timestamptz{Time: t.ExpiresAt, Valid: !t.ExpiresAt.IsZero()}
		c.tCreated[i] = pgtype.Timestamptz{Time: t.CreatedAt, Valid: true}
		for j, p := range t.Postings {
			if !seen[p.AccountID] {
				seen[p.AccountID] = true
				c.accounts = append(c.accounts, p.AccountID)
			}
			c.pAccount = append(c.pAccount, p.AccountID)
			c.pTx = append(c.pTx, t.ID)
			c.pKind = append(c.pKind, p.Kind.String())
			c.pSide = append(c.pSide, p.Side.String())
			c.pCurrency = append(c.pCurrency, p.Amount.Currency().Code())
			c.pSeq = append(c.pSeq, p.Seq)
			c.pAmount = append(c.pAmount, p.Amount.Minor())
			c.pIdx = append(c.pIdx, int32(j))
			c.pDate = append(c.pDate, date)
			c.pHash = append(c.pHash, p.Hash)
		}
	}
	return c, nil
}

// insertTransactionsSQL and insertPostingsSQL insert a batch's rows from
// the column arrays of txColumns.args ($1 to $24), one statement each; both
// insert paths below combine them into one statement.
const (
	insertTransactionsSQL = `INSERT INTO ledger_transactions (id, idempotency_key, key_hash, payload_hash, kind, code,
			description, effective_date, metadata, hold_id, reverses_id, expires_at, created_at, hash)
		SELECT u.id, u.key, u.key_hash, u.payload, u.kind, u.code, u.description,
			u.effective_date, u.metadata::jsonb, u.hold_id, u.reverses_id, u.expires_at, u.created_at, u.hash
		FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::text[], $6::text[], $7::text[],
			$8::date[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::bytea[])
			AS u(id, key, key_hash, payload, kind, code, description,
			effective_date, metadata, hold_id, reverses_id, expires_at, created_at, hash)`
	insertPostingsSQL = `INSERT INTO ledger_postings (account_id, seq, tx_id, idx, kind, side, amount, currency,
			effective_date, hash)
		SELECT * FROM unnest($15::text[], $16::bigint[], $17::text[], $18::int[], $19::text[], $20::text[],
			$21::bigint[], $22::text[], $23::date[], $24::bytea[])`
)

// args returns the column arrays in the order of insertTransactionsSQL and
// insertPostingsSQL's parameters, then extra.
func (c *txColumns) args(extra ...any) []any {
	return append([]any{
		c.tID, c.tKey, c.tKeyHash, c.tPayload, c.tKind, c.tCode, c.tDesc, c.tDate, c.tMeta, c.tHold, c.tReverses,
		c.tExpires, c.tCreated, c.tHash,
		c.pAccount, c.pSeq, c.pTx, c.pIdx, c.pKind, c.pSide, c.pAmount, c.pCurrency, c.pDate, c.pHash,
	}, extra...)
}

// insertByUnnest writes the batch with one statement: one round trip
// whatever the size. The account check is a CTE the two INSERTs depend on, so
// when an account is missing nothing is inserted and its id is returned.
func (l ledgerStore) insertByUnnest(ctx context.Context, c *txColumns) error {
	// OFFSET 0 keeps the missing-account check a probe per id: Postgres
	// cached it as an anti-join scanning every account (seen in the table's
	// scan counters under the Post benchmark).
	const q = `WITH missing AS (
		SELECT x.id, x.n FROM unnest($25::text[]) WITH ORDINALITY AS x(id, n)
		WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = x.id OFFSET 0)
	), ins_t AS (
		` + insertTransactionsSQL + `
		WHERE NOT EXISTS (SELECT 1 FROM missing)
	), ins_p AS (
		` + insertPostingsSQL + `
		WHERE NOT EXISTS (SELECT 1 FROM missing)
	)
	SELECT id FROM missing ORDER BY n LIMIT 1`
	var missing string
	err := l.q().QueryRow(ctx, q, c.args(c.accounts)...).Scan(&missing)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil // no account missing: everything was inserted
	case err != nil:
		return interpretError(err)
	}
	return &store.AccountNotFoundError{ID: missing}
}

// deferInsert queues the batch's insert to go with the next statement or
// with COMMIT (see pgTx): one round trip less. Every account has been locked
// in this unit of work, so none is missing. What can still fail (a unique key
// taken meanwhile, a serialization failure, fewer postings written than sent,
// asserted on the server) fails the statement it goes with, or COMMIT, and
// with it the unit of work.
func (l ledgerStore) deferInsert(c *txColumns) {
	l.tx.pg.deferExec(deferredInsertSQL, c.args(int64(len(c.pAccount)))...)
}

// deferredInsertSQL inserts a batch's rows (txColumns.args) and fails on the
// server unless it inserted $25 postings.
var deferredInsertSQL = `WITH ins_t AS (` + insertTransactionsSQL + `), ins_p AS (` + insertPostingsSQL + ` RETURNING 1) ` +
	assertCount("ins_p", "$25", "postgres: insert transactions: postings inserted")

// assertCount is the tail of a deferred write (see pgTx.deferExec): a SELECT
// over the rows the write returned (the CTE named cte) that fails on the
// server, with a message naming what, unless they number the bigint
// parameter param. Casting the message to an integer is how plain SQL raises
// an error: SQLSTATE 22P02, "invalid input syntax for type integer: <what>: n
// of m".
func assertCount(cte, param, what string) string {
	return `SELECT CASE WHEN count(*) = ` + param + `::bigint THEN 0 ELSE ('` + what + `: ' || count(*) || ' of ' || ` +
		param + `::bigint)::int END FROM ` + cte
}

// insertByCopy checks the accounts, then streams both tables with COPY.
func (l ledgerStore) insertByCopy(ctx context.Context, c *txColumns) error {
	missing, err := l.missingAccounts(ctx, c.accounts)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return &store.AccountNotFoundError{ID: missing[0]}
	}
	_, err = l.q().CopyFrom(ctx, pgx.Identifier{"ledger_transactions"},
		[]string{"id", "idempotency_key", "key_hash", "payload_hash", "kind", "code", "description",
			"effective_date", "metadata", "hold_id", "reverses_id", "expires_at", "created_at", "hash"},
		pgx.CopyFromSlice(len(c.tID), func(i int) ([]any, error) {
			return []any{c.tID[i], c.tKey[i], c.tKeyHash[i], c.tPayload[i], c.tKind[i], c.tCode[i], c.tDesc[i],
				c.tDate[i], c.tMeta[i], c.tHold[i], c.tReverses[i], c.tExpires[i], c.tCreated[i], c.tHash[i]}, nil
		}))
	if err != nil {
		return interpretError(err)
	}
	_, err = l.q().CopyFrom(ctx, pgx.Identifier{"ledger_postings"},
		[]string{"account_id", "seq", "tx_id", "idx", "kind", "side", "amount", "currency", "effective_date", "hash"},
		pgx.CopyFromSlice(len(c.pAccount), func(i int) ([]any, error) {
			return []any{c.pAccount[i], c.pSeq[i], c.pTx[i], c.pIdx[i], c.pKind[i], c.pSide[i], c.pAmount[i],
				c.pCurrency[i], c.pDate[i], c.pHash[i]}, nil
		}))
	return interpretError(err)
}
