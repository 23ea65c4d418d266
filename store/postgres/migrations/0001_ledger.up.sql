-- 0001 ledger: accounts, their running balances and chain heads, immutable
-- transactions and postings. The same tables and columns as the SQLite
-- backend's 0001, in Postgres types: money BIGINT minor units with a TEXT
-- ISO 4217 code, dates DATE, times TIMESTAMPTZ (microseconds, like
-- store.Tx.Now), hashes BYTEA, metadata JSONB.
--
-- Every identifier is COLLATE "C": the ledger sorts account ids in Go (byte
-- order) to lock them in one global order, and pages through ids with
-- "id > after ORDER BY id"; both must agree with the database's order, which
-- under a locale collation they would not.
--
-- Keys are chosen so that no table has a single hot range on distributed SQL
-- (CockroachDB, YugabyteDB) and so that SERIALIZABLE writers on Postgres do
-- not conflict through shared index pages: account ids are the caller's,
-- transaction ids are random, postings are keyed by account, and idempotency
-- keys are unique through their SHA-256 (callers often number their keys,
-- which in a plain index would send every insert to the same page: one hot
-- range, and a predicate-lock conflict between every pair of concurrent
-- writers, since Postgres's SERIALIZABLE locks index reads per page). There is
-- no global sequence and no global chain row: the hash chain is per account,
-- advanced under the balance row lock every writer takes anyway.

CREATE TABLE ledger_accounts (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
    code            TEXT        NOT NULL,
    currency        TEXT        NOT NULL CHECK (length(currency) = 3),
    normal_side     TEXT        NOT NULL CHECK (normal_side IN ('debit', 'credit')),
    constraint_kind TEXT        NOT NULL CHECK (constraint_kind IN ('non_negative', 'credit_limit', 'unconstrained')),
    credit_limit    BIGINT      NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    metadata        JSONB       NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL
);

-- One row per account, locked (SELECT … FOR UPDATE) by every writer that posts
-- to the account: the totals, the number of postings and the head of the
-- account's hash chain change together, so the chain adds no lock of its own.
-- fillfactor leaves room in each page so that these updates are HOT (no new
-- index entry): they then stay off the index pages that other writers'
-- SERIALIZABLE reads have predicate-locked.
CREATE TABLE ledger_balances (
    account_id      TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES ledger_accounts (id),
    posted_debits   BIGINT NOT NULL DEFAULT 0 CHECK (posted_debits >= 0),
    posted_credits  BIGINT NOT NULL DEFAULT 0 CHECK (posted_credits >= 0),
    pending_debits  BIGINT NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
    pending_credits BIGINT NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
    entries         BIGINT NOT NULL DEFAULT 0 CHECK (entries >= 0),
    head            BYTEA,
    CHECK ((entries = 0) = (head IS NULL))
) WITH (fillfactor = 50);

CREATE TABLE ledger_transactions (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    idempotency_key TEXT        NOT NULL CHECK (octet_length(idempotency_key) BETWEEN 1 AND 128),
    key_hash        BYTEA       NOT NULL CHECK (octet_length(key_hash) = 32),
    payload_hash    BYTEA       NOT NULL,
    kind            TEXT        NOT NULL CHECK (kind IN ('transfer', 'hold', 'post_hold', 'void_hold', 'reversal')),
    code            TEXT        NOT NULL,
    description     TEXT        NOT NULL,
    effective_date  DATE        NOT NULL,
    metadata        JSONB       NOT NULL DEFAULT '{}',
    hold_id         TEXT COLLATE "C" REFERENCES ledger_transactions (id),
    reverses_id     TEXT COLLATE "C" REFERENCES ledger_transactions (id),
    expires_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    hash            BYTEA       NOT NULL
);

-- The idempotency key is unique through its SHA-256 (key_hash =
-- sha256(idempotency_key), written by the backend; see the top comment).
CREATE UNIQUE INDEX ledger_transactions_key_hash ON ledger_transactions (key_hash);
-- A hold is resolved (posted or voided) at most once, a transaction reversed
-- at most once, even if the ledger's own check races. Partial: most rows have
-- neither, and a full index would send all their NULLs to one hot page.
CREATE UNIQUE INDEX ledger_transactions_hold ON ledger_transactions (hold_id)
    WHERE hold_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses_id)
    WHERE reverses_id IS NOT NULL;
-- The expiry sweep's scan: holds with an expiry, by expiry.
CREATE INDEX ledger_transactions_expiring ON ledger_transactions (expires_at)
    WHERE kind = 'hold' AND expires_at IS NOT NULL;

-- Postings, keyed by account and the account's own sequence number: history
-- pages and the chain walk read one key range. effective_date is the
-- transaction's (immutable, so the copy cannot drift), so that a balance as of
-- a date reads this table only.
--
-- Unlike SQLite, no FOREIGN KEY on account_id and tx_id: Postgres checks a
-- foreign key with a trigger and a query per inserted row, which would cost
-- more than the insert itself on the batch path. The backend writes a
-- transaction and its postings in one statement and checks the accounts once
-- per call, in the same statement (see InsertTransactions).
CREATE TABLE ledger_postings (
    account_id     TEXT COLLATE "C" NOT NULL,
    seq            BIGINT  NOT NULL CHECK (seq >= 1),
    tx_id          TEXT COLLATE "C" NOT NULL,
    idx            INTEGER NOT NULL CHECK (idx >= 0),
    kind           TEXT    NOT NULL CHECK (kind IN ('posted', 'pending', 'release')),
    side           TEXT    NOT NULL CHECK (side IN ('debit', 'credit')),
    amount         BIGINT  NOT NULL CHECK (amount > 0),
    currency       TEXT    NOT NULL CHECK (length(currency) = 3),
    effective_date DATE    NOT NULL,
    hash           BYTEA   NOT NULL,
    PRIMARY KEY (account_id, seq)
);

CREATE UNIQUE INDEX ledger_postings_tx ON ledger_postings (tx_id, idx);
