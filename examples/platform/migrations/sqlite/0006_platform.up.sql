-- 0006 platform (SQLite): the reference platform's own tables. Times are
-- INTEGER unix microseconds UTC, money INTEGER minor units with a TEXT ISO
-- 4217 code, ids random TEXT (no global sequence: see DESIGN.md).

CREATE TABLE platform_users (
    id            TEXT    NOT NULL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role          TEXT    NOT NULL CHECK (role IN ('borrower', 'lender', 'agent', 'admin')),
    kind          TEXT    NOT NULL CHECK (kind IN ('individual', 'business')),
    password_hash TEXT    NOT NULL,
    totp_secret   TEXT    NOT NULL DEFAULT '',
    totp_enabled  INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1)),
    -- identity for contracts (JSON: first/last name, birth date and place, address)
    profile       TEXT    NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Bearer sessions: only the SHA-256 of the token is kept, so a copy of the
-- database does not let anyone log in.
CREATE TABLE platform_sessions (
    token_hash  TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES platform_users (id),
    mfa_ok      INTEGER NOT NULL CHECK (mfa_ok IN (0, 1)),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE platform_api_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES platform_users (id),
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX platform_api_keys_user ON platform_api_keys (user_id);

-- One row per money-moving request: the key is scoped to the caller, the
-- payload hash detects a replay with a different body, the stored response is
-- what a replay returns.
CREATE TABLE platform_idempotency (
    user_id       TEXT    NOT NULL,
    key           TEXT    NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    payload_hash  TEXT    NOT NULL,
    status        INTEGER NOT NULL,
    response      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE platform_audit (
    id          TEXT    NOT NULL PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    TEXT    NOT NULL,
    actor_role  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    remote_addr TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX platform_audit_at ON platform_audit (at, id);

-- Append-only, enforced by the database itself and not only by the API.
CREATE TRIGGER platform_audit_no_update BEFORE UPDATE ON platform_audit
BEGIN SELECT RAISE(ABORT, 'platform_audit is append-only'); END;
CREATE TRIGGER platform_audit_no_delete BEFORE DELETE ON platform_audit
BEGIN SELECT RAISE(ABORT, 'platform_audit is append-only'); END;

CREATE TABLE platform_applications (
    id           TEXT    NOT NULL PRIMARY KEY,
    borrower_id  TEXT    NOT NULL REFERENCES platform_users (id),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    currency     TEXT    NOT NULL CHECK (length(currency) = 3),
    term_months  INTEGER NOT NULL CHECK (term_months BETWEEN 1 AND 1200),
    rate         TEXT    NOT NULL,
    loan_type    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    detail       TEXT    NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX platform_applications_borrower ON platform_applications (borrower_id);
CREATE INDEX platform_applications_status ON platform_applications (status);

-- A loan as the platform services it: its terms and funding (JSON, as the
-- API received them) and the ordered events applied since; the servicing
-- book (dispatch.Book) is rebuilt by replaying them, so the platform never
-- keeps a second copy of figures dispatch computes.
CREATE TABLE platform_loans (
    id             TEXT    NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL DEFAULT '',
    borrower_id    TEXT    NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    currency       TEXT    NOT NULL CHECK (length(currency) = 3),
    status         TEXT    NOT NULL,
    start_date     TEXT    NOT NULL,
    terms          TEXT    NOT NULL,
    advisor_id     TEXT    NOT NULL DEFAULT '', -- the agent following the loan in arrears
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX platform_loans_borrower ON platform_loans (borrower_id);
CREATE INDEX platform_loans_application ON platform_loans (application_id);

-- Events in servicing order; seq is per loan, so no global sequence.
CREATE TABLE platform_loan_events (
    loan_id    TEXT    NOT NULL REFERENCES platform_loans (id),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    kind       TEXT    NOT NULL CHECK (kind IN ('payment', 'transfer', 'reschedule')),
    event_date TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (loan_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX platform_loan_events_key ON platform_loan_events (loan_id, key);

-- Which loans a holder holds part of (for a lender's portfolio and the
-- "a lender never sees another's" check without scanning every loan).
CREATE TABLE platform_holdings (
    holder_id  TEXT    NOT NULL,
    loan_id    TEXT    NOT NULL REFERENCES platform_loans (id),
    PRIMARY KEY (holder_id, loan_id)
) WITHOUT ROWID;

-- Which contract version belongs to which application. The documents, the
-- signing challenges and the signature evidence live in lendkit's contract
-- store (migration 0004, package contract's Save/SaveChallenge/
-- RecordSignature); this table only links them to the platform's records.
CREATE TABLE platform_contracts (
    id             TEXT    NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL REFERENCES platform_applications (id),
    reference      TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    kind           TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('draft', 'signing', 'signed')),
    challenge_id   TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    signed_at      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (reference, version)
) WITHOUT ROWID;
CREATE INDEX platform_contracts_application ON platform_contracts (application_id);

-- Marketplace projects: an approved, signed application listed for lenders;
-- its commitments are a wallet campaign with the same id.
CREATE TABLE platform_projects (
    id             TEXT    NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL UNIQUE REFERENCES platform_applications (id),
    name           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('open', 'funded', 'failed')),
    loan_id        TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- Lenders' auto-invest preferences: when a project is listed, matching
-- lenders commit automatically (as JSON: min rate, max term, max per project).
CREATE TABLE platform_preferences (
    user_id    TEXT    NOT NULL PRIMARY KEY REFERENCES platform_users (id),
    prefs      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
