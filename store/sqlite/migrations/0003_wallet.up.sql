-- 0003 wallet: wallets (their balances are ledger accounts), virtual IBANs,
-- funding campaigns and their commitments (ledger holds), SEPA mandates,
-- imported statement lines and applied PSP notifications. Dates are TEXT
-- 'YYYY-MM-DD' ('' for none), times INTEGER unix microseconds UTC, money
-- INTEGER minor units with a TEXT ISO 4217 code.

CREATE TABLE wallet_wallets (
    id         TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    kind       TEXT    NOT NULL CHECK (length(kind) >= 1),
    owner      TEXT    NOT NULL,
    currency   TEXT    NOT NULL CHECK (length(currency) = 3),
    status     TEXT    NOT NULL CHECK (status IN ('open', 'blocked', 'closed')),
    kyc_level  INTEGER NOT NULL CHECK (kyc_level >= 0),
    account_id TEXT    NOT NULL UNIQUE REFERENCES ledger_accounts (id),
    version    INTEGER NOT NULL CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX wallet_wallets_kind ON wallet_wallets (kind, id);

CREATE TABLE wallet_virtual_ibans (
    iban       TEXT    NOT NULL PRIMARY KEY CHECK (length(iban) BETWEEN 5 AND 34),
    owner_kind TEXT    NOT NULL,
    owner_id   TEXT    NOT NULL,
    wallet_id  TEXT    NOT NULL REFERENCES wallet_wallets (id),
    created_at INTEGER NOT NULL,
    UNIQUE (owner_kind, owner_id)
) WITHOUT ROWID;

CREATE TABLE wallet_campaigns (
    id              TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    borrower_wallet TEXT    NOT NULL REFERENCES wallet_wallets (id),
    currency        TEXT    NOT NULL CHECK (length(currency) = 3),
    target          INTEGER NOT NULL CHECK (target > 0),
    minimum         INTEGER NOT NULL CHECK (minimum > 0 AND minimum <= target),
    deadline        TEXT    NOT NULL,
    overfunding     TEXT    NOT NULL CHECK (overfunding IN ('refuse', 'trim')),
    status          TEXT    NOT NULL CHECK (status IN ('open', 'funded', 'failed', 'cancelled')),
    raised          INTEGER NOT NULL CHECK (raised >= 0),
    commitments     INTEGER NOT NULL CHECK (commitments >= 0),
    version         INTEGER NOT NULL CHECK (version >= 1),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE wallet_commitments (
    campaign_id   TEXT    NOT NULL REFERENCES wallet_campaigns (id),
    id            TEXT    NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
    lender_wallet TEXT    NOT NULL REFERENCES wallet_wallets (id),
    amount        INTEGER NOT NULL CHECK (amount > 0),
    currency      TEXT    NOT NULL CHECK (length(currency) = 3),
    hold_id       TEXT    NOT NULL UNIQUE,
    status        TEXT    NOT NULL CHECK (status IN ('held', 'withdrawn', 'posted', 'voided')),
    resolution_id TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, id)
) WITHOUT ROWID;

CREATE INDEX wallet_commitments_lender ON wallet_commitments (lender_wallet);

CREATE TABLE wallet_mandates (
    reference       TEXT    NOT NULL PRIMARY KEY CHECK (length(reference) BETWEEN 1 AND 35),
    wallet_id       TEXT    NOT NULL REFERENCES wallet_wallets (id),
    creditor_id     TEXT    NOT NULL,
    debtor_name     TEXT    NOT NULL,
    debtor_iban     TEXT    NOT NULL,
    scheme          TEXT    NOT NULL CHECK (scheme IN ('CORE', 'B2B')),
    recurrent       INTEGER NOT NULL CHECK (recurrent IN (0, 1)),
    signed_on       TEXT    NOT NULL,
    last_collection TEXT    NOT NULL,
    revoked_on      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    psp_id          TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE wallet_statement_lines (
    id           TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
    statement_id TEXT    NOT NULL,
    amount       INTEGER NOT NULL,
    currency     TEXT    NOT NULL CHECK (length(currency) = 3),
    booking_date TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    group_id     TEXT    NOT NULL,
    ledger_key TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE wallet_psp_notifications (
    id          TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
    received_at INTEGER NOT NULL
) WITHOUT ROWID;
