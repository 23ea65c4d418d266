-- 0004 contract: rendered contract versions (HTML, PDF, the inputs they
-- were rendered from, their SHA-256 fingerprints), signature evidence and
-- pending one-time-code challenges. Times are INTEGER unix microseconds UTC,
-- digests 32-byte BLOBs. Versions are immutable: triggers refuse any change
-- to a version's content, a second supersession, a change of its signing
-- time, and any change or deletion of signatures or of a signed version.

CREATE TABLE contract_versions (
    contract_id   TEXT    NOT NULL CHECK (length(contract_id) BETWEEN 1 AND 200),
    version       INTEGER NOT NULL CHECK (version >= 1),
    kind          TEXT    NOT NULL CHECK (length(kind) >= 1),
    locale        TEXT    NOT NULL CHECK (length(locale) >= 2),
    fingerprint   BLOB    NOT NULL CHECK (length(fingerprint) = 32),
    pdf_digest    BLOB    CHECK (pdf_digest IS NULL OR length(pdf_digest) = 32),
    html          BLOB    NOT NULL,
    pdf           BLOB,
    inputs        BLOB,
    created_at    INTEGER NOT NULL,
    signed_at     INTEGER,
    superseded_by INTEGER CHECK (superseded_by IS NULL OR superseded_by = version + 1),
    PRIMARY KEY (contract_id, version),
    CHECK ((pdf IS NULL) = (pdf_digest IS NULL))
);

CREATE INDEX contract_versions_fingerprint ON contract_versions (fingerprint);

CREATE TRIGGER contract_versions_content_immutable
BEFORE UPDATE OF contract_id, version, kind, locale, fingerprint, pdf_digest, html, pdf, inputs, created_at
ON contract_versions
BEGIN
    SELECT RAISE(ABORT, 'contract version content is immutable');
END;

CREATE TRIGGER contract_versions_supersede_once
BEFORE UPDATE OF superseded_by ON contract_versions
WHEN OLD.superseded_by IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'contract version already superseded');
END;

CREATE TRIGGER contract_versions_signed_once
BEFORE UPDATE OF signed_at ON contract_versions
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'contract version signing time is fixed');
END;

CREATE TRIGGER contract_versions_keep_signed
BEFORE DELETE ON contract_versions
WHEN OLD.signed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signed contract versions are kept');
END;

CREATE TABLE contract_signatures (
    contract_id TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    signer_id   TEXT    NOT NULL CHECK (length(signer_id) BETWEEN 1 AND 200),
    method      TEXT    NOT NULL CHECK (length(method) >= 1),
    signed_at   INTEGER NOT NULL,
    evidence    BLOB    NOT NULL,
    digest      BLOB    NOT NULL CHECK (length(digest) = 32),
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (contract_id, version, signer_id),
    FOREIGN KEY (contract_id, version) REFERENCES contract_versions (contract_id, version)
);

CREATE TRIGGER contract_signatures_immutable
BEFORE UPDATE ON contract_signatures
BEGIN
    SELECT RAISE(ABORT, 'signature evidence is immutable');
END;

CREATE TRIGGER contract_signatures_kept
BEFORE DELETE ON contract_signatures
BEGIN
    SELECT RAISE(ABORT, 'signature evidence is kept');
END;

CREATE TABLE contract_challenges (
    id          TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    contract_id TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    signer_id   TEXT    NOT NULL CHECK (length(signer_id) >= 1),
    state       BLOB    NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL CHECK (attempts >= 0),
    confirmed   INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    updated_at  INTEGER NOT NULL,
    FOREIGN KEY (contract_id, version) REFERENCES contract_versions (contract_id, version)
);
