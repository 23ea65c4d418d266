-- 0001 ledger: accounts, their running balances and chain heads, immutable
-- transactions and postings. Times are INTEGER unix microseconds UTC, dates
-- TEXT 'YYYY-MM-DD' (which sorts like the date), money INTEGER minor units
-- with a TEXT ISO 4217 code, hashes 32-byte BLOBs.

CREATE TABLE ledger_accounts (
    id              TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    code            TEXT    NOT NULL,
    currency        TEXT    NOT NULL CHECK (length(currency) = 3),
    normal_side     TEXT    NOT NULL CHECK (normal_side IN ('debit', 'credit')),
    constraint_kind TEXT    NOT NULL CHECK (constraint_kind IN ('non_negative', 'credit_limit', 'unconstrained')),
    credit_limit    INTEGER NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    metadata        TEXT    NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per account, locked by every writer that posts to the account: the
-- totals, the number of postings and the head of the account's hash chain
-- change together, so the chain adds no lock of its own.
CREATE TABLE ledger_balances (
    account_id      TEXT    NOT NULL PRIMARY KEY REFERENCES ledger_accounts (id),
    posted_debits   INTEGER NOT NULL DEFAULT 0 CHECK (posted_debits >= 0),
    posted_credits  INTEGER NOT NULL DEFAULT 0 CHECK (posted_credits >= 0),
    pending_debits  INTEGER NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
    pending_credits INTEGER NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
    entries         INTEGER NOT NULL DEFAULT 0 CHECK (entries >= 0),
    head            BLOB
) WITHOUT ROWID;

CREATE TABLE ledger_transactions (
    id              TEXT    NOT NULL PRIMARY KEY,
    idempotency_key TEXT    NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    payload_hash    BLOB    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('transfer', 'hold', 'post_hold', 'void_hold', 'reversal')),
    code            TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    effective_date  TEXT    NOT NULL,
    metadata        TEXT    NOT NULL DEFAULT '{}',
    hold_id         TEXT    REFERENCES ledger_transactions (id),
    reverses_id     TEXT    REFERENCES ledger_transactions (id),
    expires_at      INTEGER,
    created_at      INTEGER NOT NULL,
    hash            BLOB    NOT NULL,
    -- The transaction's postings: ledger_postings.posting_no from
    -- first_posting, posting_count of them, in order.
    first_posting   INTEGER NOT NULL CHECK (first_posting >= 1),
    posting_count   INTEGER NOT NULL CHECK (posting_count >= 0)
);

-- A hold is resolved (posted or voided) at most once, a transaction reversed
-- at most once, even if the ledger's own check were to race. Partial, so the
-- great majority of rows (plain transfers, NULL here) cost no index entry.
CREATE UNIQUE INDEX ledger_transactions_hold ON ledger_transactions (hold_id) WHERE hold_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses_id) WHERE reverses_id IS NOT NULL;

-- The expiry sweep's scan: holds with an expiry, by expiry.
CREATE INDEX ledger_transactions_expiring ON ledger_transactions (expires_at)
    WHERE kind = 'hold' AND expires_at IS NOT NULL;

-- Postings. posting_no (the rowid, stable across VACUUM because it is declared)
-- numbers them in insertion order, which the single writer assigns: a
-- transaction's postings are the contiguous range first_posting ..
-- first_posting + posting_count - 1, so no index by transaction is needed and
-- each posting costs one append and one index entry. (account_id, seq) is the
-- account's own numbering: history pages and the chain walk read one key
-- range, and no global sequence is shared with Postgres.
CREATE TABLE ledger_postings (
    posting_no     INTEGER NOT NULL PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES ledger_accounts (id),
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    tx_id          TEXT    NOT NULL REFERENCES ledger_transactions (id),
    idx            INTEGER NOT NULL CHECK (idx >= 0),
    kind           TEXT    NOT NULL CHECK (kind IN ('posted', 'pending', 'release')),
    side           TEXT    NOT NULL CHECK (side IN ('debit', 'credit')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    currency       TEXT    NOT NULL CHECK (length(currency) = 3),
    effective_date TEXT    NOT NULL,
    hash           BLOB    NOT NULL,
    UNIQUE (account_id, seq)
);
