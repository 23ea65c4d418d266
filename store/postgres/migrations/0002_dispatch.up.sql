-- 0002 dispatch: the same tables and columns as the SQLite backend's 0002, in
-- Postgres types: money BIGINT minor units with a TEXT ISO 4217 code, dates
-- DATE, times TIMESTAMPTZ, the servicing snapshot BYTEA, taxes TEXT encoded
-- by store.EncodeTaxes. Identifiers are COLLATE "C" so that "ORDER BY
-- holder" is Go's byte order, the order dispatch walks holders in.
--
-- Every table is keyed by loan first: loan ids are the caller's (random or
-- hashed in practice), so writes of different loans land in different ranges
-- on distributed SQL. Projections and shares carry no per-row foreign key: a
-- funding writes 180,000 projection rows through COPY, and the store checks
-- the loan once per call instead.

CREATE TABLE dispatch_loans (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
    borrower   TEXT        NOT NULL,
    currency   TEXT        NOT NULL CHECK (length(currency) = 3),
    status     TEXT        NOT NULL,
    version    BIGINT      NOT NULL CHECK (version >= 1),
    state      BYTEA       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE dispatch_holdings (
    loan_id   TEXT COLLATE "C" NOT NULL REFERENCES dispatch_loans (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    holder    TEXT COLLATE "C" NOT NULL CHECK (octet_length(holder) >= 1),
    kind      TEXT    NOT NULL,
    principal BIGINT  NOT NULL CHECK (principal >= 0),
    currency  TEXT    NOT NULL CHECK (length(currency) = 3),
    opened    DATE    NOT NULL,
    closed    DATE,
    origin    TEXT    NOT NULL,
    PRIMARY KEY (loan_id, line)
);

CREATE INDEX dispatch_holdings_holder ON dispatch_holdings (holder, loan_id);

CREATE TABLE dispatch_projections (
    loan_id  TEXT COLLATE "C" NOT NULL,
    holder   TEXT COLLATE "C" NOT NULL,
    n        INTEGER NOT NULL,
    due      DATE    NOT NULL,
    capital  BIGINT  NOT NULL CHECK (capital >= 0),
    interest BIGINT  NOT NULL CHECK (interest >= 0),
    tax      BIGINT  NOT NULL CHECK (tax >= 0),
    net      BIGINT  NOT NULL CHECK (net >= 0),
    currency TEXT    NOT NULL CHECK (length(currency) = 3),
    taxes    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, n, holder)
);

CREATE TABLE dispatch_dispersals (
    loan_id       TEXT COLLATE "C" NOT NULL REFERENCES dispatch_loans (id),
    key           TEXT COLLATE "C" NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 128),
    kind          TEXT   NOT NULL,
    date          DATE   NOT NULL,
    currency      TEXT   NOT NULL CHECK (length(currency) = 3),
    cash          BIGINT NOT NULL CHECK (cash >= 0),
    credit_before BIGINT NOT NULL CHECK (credit_before >= 0),
    credit_after  BIGINT NOT NULL CHECK (credit_after >= 0),
    penalty       BIGINT NOT NULL CHECK (penalty >= 0),
    fee           BIGINT NOT NULL CHECK (fee >= 0),
    insurance     BIGINT NOT NULL CHECK (insurance >= 0),
    interest      BIGINT NOT NULL CHECK (interest >= 0),
    principal     BIGINT NOT NULL CHECK (principal >= 0),
    prepaid       BIGINT NOT NULL CHECK (prepaid >= 0),
    platform_fee  BIGINT NOT NULL CHECK (platform_fee >= 0),
    ledger_tx_id  TEXT COLLATE "C",
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (loan_id, key)
);

CREATE TABLE dispatch_shares (
    loan_id   TEXT COLLATE "C" NOT NULL,
    key       TEXT COLLATE "C" NOT NULL,
    holder    TEXT COLLATE "C" NOT NULL,
    kind      TEXT   NOT NULL,
    principal BIGINT NOT NULL CHECK (principal >= 0),
    interest  BIGINT NOT NULL CHECK (interest >= 0),
    penalty   BIGINT NOT NULL CHECK (penalty >= 0),
    tax       BIGINT NOT NULL CHECK (tax >= 0),
    net       BIGINT NOT NULL CHECK (net >= 0),
    taxes     TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, key, holder)
);
