-- 0002 dispatch: loans' servicing state, their dated registers of holdings,
-- lenders' projected repayments and the dispersals of collected payments.
-- Dates are TEXT 'YYYY-MM-DD', times INTEGER unix microseconds UTC, money
-- INTEGER minor units with the loan's TEXT ISO 4217 code, taxes encoded by
-- store.EncodeTaxes ('FR-IR=64;FR-PS=86').
--
-- Projections and shares carry no per-row foreign key: a funding writes
-- 180,000 projection rows, so the store checks the loan once per call
-- instead of once per row (as the ledger does for postings).

CREATE TABLE dispatch_loans (
    id         TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    borrower   TEXT    NOT NULL,
    currency   TEXT    NOT NULL CHECK (length(currency) = 3),
    status     TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    state      BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE dispatch_holdings (
    loan_id   TEXT    NOT NULL REFERENCES dispatch_loans (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    holder    TEXT    NOT NULL CHECK (length(holder) >= 1),
    kind      TEXT    NOT NULL,
    principal INTEGER NOT NULL CHECK (principal >= 0),
    currency  TEXT    NOT NULL CHECK (length(currency) = 3),
    opened    TEXT    NOT NULL,
    closed    TEXT,
    origin    TEXT    NOT NULL,
    PRIMARY KEY (loan_id, line)
) WITHOUT ROWID;

CREATE INDEX dispatch_holdings_holder ON dispatch_holdings (holder, loan_id);

CREATE TABLE dispatch_projections (
    loan_id  TEXT    NOT NULL,
    holder   TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    due      TEXT    NOT NULL,
    capital  INTEGER NOT NULL CHECK (capital >= 0),
    interest INTEGER NOT NULL CHECK (interest >= 0),
    tax      INTEGER NOT NULL CHECK (tax >= 0),
    net      INTEGER NOT NULL CHECK (net >= 0),
    currency TEXT    NOT NULL CHECK (length(currency) = 3),
    taxes    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, n, holder)
) WITHOUT ROWID;

CREATE TABLE dispatch_dispersals (
    loan_id       TEXT    NOT NULL REFERENCES dispatch_loans (id),
    key           TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    kind          TEXT    NOT NULL,
    date          TEXT    NOT NULL,
    currency      TEXT    NOT NULL CHECK (length(currency) = 3),
    cash          INTEGER NOT NULL CHECK (cash >= 0),
    credit_before INTEGER NOT NULL CHECK (credit_before >= 0),
    credit_after  INTEGER NOT NULL CHECK (credit_after >= 0),
    penalty       INTEGER NOT NULL CHECK (penalty >= 0),
    fee           INTEGER NOT NULL CHECK (fee >= 0),
    insurance     INTEGER NOT NULL CHECK (insurance >= 0),
    interest      INTEGER NOT NULL CHECK (interest >= 0),
    principal     INTEGER NOT NULL CHECK (principal >= 0),
    prepaid       INTEGER NOT NULL CHECK (prepaid >= 0),
    platform_fee  INTEGER NOT NULL CHECK (platform_fee >= 0),
    ledger_tx_id  TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (loan_id, key)
) WITHOUT ROWID;

CREATE TABLE dispatch_shares (
    loan_id   TEXT    NOT NULL,
    key       TEXT    NOT NULL,
    holder    TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    principal INTEGER NOT NULL CHECK (principal >= 0),
    interest  INTEGER NOT NULL CHECK (interest >= 0),
    penalty   INTEGER NOT NULL CHECK (penalty >= 0),
    tax       INTEGER NOT NULL CHECK (tax >= 0),
    net       INTEGER NOT NULL CHECK (net >= 0),
    taxes     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, key, holder)
) WITHOUT ROWID;
