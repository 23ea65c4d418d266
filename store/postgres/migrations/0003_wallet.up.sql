-- 0003 wallet: the same tables and columns as the SQLite backend's 0003, in
-- Postgres types: money BIGINT minor units with a TEXT ISO 4217 code, dates
-- DATE (NULL for none), times TIMESTAMPTZ. Keys are callers' ids (random or
-- hashed in practice) or IBANs, never a global sequence, so writes spread
-- over ranges on distributed SQL; commitments are keyed by campaign first.

CREATE TABLE wallet_wallets (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
    kind       TEXT        NOT NULL CHECK (octet_length(kind) >= 1),
    owner      TEXT        NOT NULL,
    currency   TEXT        NOT NULL CHECK (length(currency) = 3),
    status     TEXT        NOT NULL CHECK (status IN ('open', 'blocked', 'closed')),
    kyc_level  INTEGER     NOT NULL CHECK (kyc_level >= 0),
    account_id TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES ledger_accounts (id),
    version    BIGINT      NOT NULL CHECK (version >= 1),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX wallet_wallets_kind ON wallet_wallets (kind, id);

CREATE TABLE wallet_virtual_ibans (
    iban       TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (length(iban) BETWEEN 5 AND 34),
    owner_kind TEXT        NOT NULL,
    owner_id   TEXT        NOT NULL,
    wallet_id  TEXT COLLATE "C" NOT NULL REFERENCES wallet_wallets (id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (owner_kind, owner_id)
);

CREATE TABLE wallet_campaigns (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
    borrower_wallet TEXT COLLATE "C" NOT NULL REFERENCES wallet_wallets (id),
    currency        TEXT        NOT NULL CHECK (length(currency) = 3),
    target          BIGINT      NOT NULL CHECK (target > 0),
    minimum         BIGINT      NOT NULL CHECK (minimum > 0 AND minimum <= target),
    deadline        DATE        NOT NULL,
    overfunding     TEXT        NOT NULL CHECK (overfunding IN ('refuse', 'trim')),
    status          TEXT        NOT NULL CHECK (status IN ('open', 'funded', 'failed', 'cancelled')),
    raised          BIGINT      NOT NULL CHECK (raised >= 0),
    commitments     INTEGER     NOT NULL CHECK (commitments >= 0),
    version         BIGINT      NOT NULL CHECK (version >= 1),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE wallet_commitments (
    campaign_id   TEXT COLLATE "C" NOT NULL REFERENCES wallet_campaigns (id),
    id            TEXT COLLATE "C" NOT NULL CHECK (octet_length(id) BETWEEN 1 AND 128),
    lender_wallet TEXT COLLATE "C" NOT NULL REFERENCES wallet_wallets (id),
    amount        BIGINT      NOT NULL CHECK (amount > 0),
    currency      TEXT        NOT NULL CHECK (length(currency) = 3),
    hold_id       TEXT COLLATE "C" NOT NULL UNIQUE,
    status        TEXT        NOT NULL CHECK (status IN ('held', 'withdrawn', 'posted', 'voided')),
    resolution_id TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, id)
);

CREATE INDEX wallet_commitments_lender ON wallet_commitments (lender_wallet);

CREATE TABLE wallet_mandates (
    reference       TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(reference) BETWEEN 1 AND 35),
    wallet_id       TEXT COLLATE "C" NOT NULL REFERENCES wallet_wallets (id),
    creditor_id     TEXT        NOT NULL,
    debtor_name     TEXT        NOT NULL,
    debtor_iban     TEXT        NOT NULL,
    scheme          TEXT        NOT NULL CHECK (scheme IN ('CORE', 'B2B')),
    recurrent       BOOLEAN     NOT NULL,
    signed_on       DATE,
    last_collection DATE,
    revoked_on      DATE,
    status          TEXT        NOT NULL,
    psp_id          TEXT        NOT NULL,
    version         BIGINT      NOT NULL CHECK (version >= 1),
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE wallet_statement_lines (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 256),
    statement_id TEXT        NOT NULL,
    amount       BIGINT      NOT NULL,
    currency     TEXT        NOT NULL CHECK (length(currency) = 3),
    booking_date DATE,
    outcome      TEXT        NOT NULL,
    rule         TEXT        NOT NULL,
    group_id     TEXT        NOT NULL,
    ledger_key TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE wallet_psp_notifications (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 256),
    received_at TIMESTAMPTZ NOT NULL
);
