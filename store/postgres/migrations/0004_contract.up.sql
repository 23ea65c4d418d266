-- 0004 contract: the same tables as the SQLite backend's 0004, in Postgres
-- types (BYTEA digests and documents, TIMESTAMPTZ times). Contract ids are
-- callers' references, versions follow each other; no global sequence.
-- Immutability is enforced by triggers raising check_violation (23514), so
-- it surfaces as store.ErrConstraint like every other schema refusal.

CREATE TABLE contract_versions (
    contract_id   TEXT COLLATE "C" NOT NULL CHECK (octet_length(contract_id) BETWEEN 1 AND 200),
    version       INTEGER     NOT NULL CHECK (version >= 1),
    kind          TEXT        NOT NULL CHECK (octet_length(kind) >= 1),
    locale        TEXT        NOT NULL CHECK (octet_length(locale) >= 2),
    fingerprint   BYTEA       NOT NULL CHECK (octet_length(fingerprint) = 32),
    pdf_digest    BYTEA       CHECK (pdf_digest IS NULL OR octet_length(pdf_digest) = 32),
    html          BYTEA       NOT NULL,
    pdf           BYTEA,
    inputs        BYTEA,
    created_at    TIMESTAMPTZ NOT NULL,
    signed_at     TIMESTAMPTZ,
    superseded_by INTEGER     CHECK (superseded_by IS NULL OR superseded_by = version + 1),
    PRIMARY KEY (contract_id, version),
    CHECK ((pdf IS NULL) = (pdf_digest IS NULL))
);

CREATE INDEX contract_versions_fingerprint ON contract_versions (fingerprint);

CREATE FUNCTION contract_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.signed_at IS NOT NULL THEN
            RAISE EXCEPTION 'signed contract versions are kept' USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.contract_id IS DISTINCT FROM OLD.contract_id OR NEW.version IS DISTINCT FROM OLD.version
        OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.locale IS DISTINCT FROM OLD.locale
        OR NEW.fingerprint IS DISTINCT FROM OLD.fingerprint OR NEW.pdf_digest IS DISTINCT FROM OLD.pdf_digest
        OR NEW.html IS DISTINCT FROM OLD.html OR NEW.pdf IS DISTINCT FROM OLD.pdf
        OR NEW.inputs IS DISTINCT FROM OLD.inputs OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'contract version content is immutable' USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.superseded_by IS NOT NULL AND NEW.superseded_by IS DISTINCT FROM OLD.superseded_by THEN
        RAISE EXCEPTION 'contract version already superseded' USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.signed_at IS NOT NULL AND NEW.signed_at IS DISTINCT FROM OLD.signed_at THEN
        RAISE EXCEPTION 'contract version signing time is fixed' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER contract_versions_guard BEFORE UPDATE OR DELETE ON contract_versions
    FOR EACH ROW EXECUTE FUNCTION contract_versions_guard();

CREATE TABLE contract_signatures (
    contract_id TEXT COLLATE "C" NOT NULL,
    version     INTEGER     NOT NULL,
    signer_id   TEXT        NOT NULL CHECK (octet_length(signer_id) BETWEEN 1 AND 200),
    method      TEXT        NOT NULL CHECK (octet_length(method) >= 1),
    signed_at   TIMESTAMPTZ NOT NULL,
    evidence    BYTEA       NOT NULL,
    digest      BYTEA       NOT NULL CHECK (octet_length(digest) = 32),
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (contract_id, version, signer_id),
    FOREIGN KEY (contract_id, version) REFERENCES contract_versions (contract_id, version)
);

CREATE FUNCTION contract_signatures_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'signature evidence is immutable and kept' USING ERRCODE = 'check_violation';
END;
$$;

CREATE TRIGGER contract_signatures_guard BEFORE UPDATE OR DELETE ON contract_signatures
    FOR EACH ROW EXECUTE FUNCTION contract_signatures_guard();

CREATE TABLE contract_challenges (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 128),
    contract_id TEXT COLLATE "C" NOT NULL,
    version     INTEGER     NOT NULL,
    signer_id   TEXT        NOT NULL CHECK (octet_length(signer_id) >= 1),
    state       BYTEA       NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    attempts    INTEGER     NOT NULL CHECK (attempts >= 0),
    confirmed   BOOLEAN     NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (contract_id, version) REFERENCES contract_versions (contract_id, version)
);
