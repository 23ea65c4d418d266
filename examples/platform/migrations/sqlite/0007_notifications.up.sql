-- 0007 notifications (SQLite): the outbox of notifications, each user's
-- notification settings, webhook subscriptions and their deliveries with
-- every attempt. Times are INTEGER unix microseconds UTC, as in 0006.

-- One row per message to send. It is inserted in the unit of work of the
-- event that causes it, so the message exists exactly when the event does;
-- the sender claims rows (status 'claimed', claimed_by, lease_until), sends,
-- then marks them 'sent'. A sender that dies between claim and mark leaves a
-- claim whose lease expires, and the row is sent again: delivery is at least
-- once, and receivers deduplicate on the row's id (carried in every message),
-- which makes it exactly once as they see it. dedup_key makes the enqueue
-- itself idempotent (a reminder scanned twice is one row).
CREATE TABLE platform_outbox (
    id           TEXT    NOT NULL PRIMARY KEY,
    dedup_key    TEXT    NOT NULL UNIQUE CHECK (length(dedup_key) BETWEEN 1 AND 300),
    kind         TEXT    NOT NULL,
    channel      TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_id TEXT    NOT NULL,
    address      TEXT    NOT NULL CHECK (length(address) BETWEEN 1 AND 254),
    locale       TEXT    NOT NULL CHECK (locale IN ('en', 'fr', 'it')),
    payload      TEXT    NOT NULL DEFAULT '{}',
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'claimed', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    claimed_by   TEXT    NOT NULL DEFAULT '',
    lease_until  INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX platform_outbox_due ON platform_outbox (status, next_at);
CREATE INDEX platform_outbox_recipient ON platform_outbox (recipient_id, created_at);

-- A user's notification settings: language, phone for SMS, and how many
-- days before each due date the reminder goes (-1: the platform's default).
CREATE TABLE platform_notifications (
    user_id       TEXT    NOT NULL PRIMARY KEY REFERENCES platform_users (id),
    locale        TEXT    NOT NULL CHECK (locale IN ('en', 'fr', 'it')),
    phone         TEXT    NOT NULL DEFAULT '',
    sms           INTEGER NOT NULL DEFAULT 0 CHECK (sms IN (0, 1)),
    reminder_days INTEGER NOT NULL DEFAULT -1 CHECK (reminder_days BETWEEN -1 AND 30),
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Webhook subscriptions: a URL, the event kinds it wants (JSON array), the
-- HMAC secret its deliveries are signed with, and for the balance kinds the
-- wallet and threshold watched (below_state remembers which side of the
-- threshold the balance was last seen on, so a crossing fires once).
CREATE TABLE platform_webhooks (
    id          TEXT    NOT NULL PRIMARY KEY,
    owner_id    TEXT    NOT NULL REFERENCES platform_users (id),
    url         TEXT    NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    kinds       TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    wallet_id   TEXT    NOT NULL DEFAULT '',
    threshold   INTEGER NOT NULL DEFAULT 0,
    currency    TEXT    NOT NULL DEFAULT '',
    below_state INTEGER NOT NULL DEFAULT -1 CHECK (below_state IN (-1, 0, 1)),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX platform_webhooks_owner ON platform_webhooks (owner_id);

-- One delivery per (subscription, event): the body is fixed when the event
-- happens (same unit of work) and re-sent as is on every attempt.
CREATE TABLE platform_webhook_deliveries (
    id           TEXT    NOT NULL PRIMARY KEY,
    webhook_id   TEXT    NOT NULL REFERENCES platform_webhooks (id),
    event_id     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_at      INTEGER NOT NULL,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (webhook_id, event_id)
) WITHOUT ROWID;
CREATE INDEX platform_webhook_deliveries_due ON platform_webhook_deliveries (status, next_at);

CREATE TABLE platform_webhook_attempts (
    delivery_id TEXT    NOT NULL REFERENCES platform_webhook_deliveries (id),
    n           INTEGER NOT NULL CHECK (n >= 1),
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;
