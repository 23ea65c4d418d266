package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit/store"
)

// contractStore is the Postgres store.ContractStore of one unit of work.
type contractStore struct {
	tx *tx
}

var _ store.ContractStore = contractStore{}

// Contracts returns the contract domain's persistence within this unit of work.
func (t *tx) Contracts() store.ContractStore { return contractStore{tx: t} }

func (s contractStore) q() pgx.Tx { return s.tx.pg }

// contractRow maps "no row" to ErrNotFound with context.
func contractRow(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w", what, interpretError(err))
}

// InsertVersions stores first versions with one COPY (a project's 3,000
// lender contracts are one round trip) and later versions one by one, each
// superseding its predecessor.
func (s contractStore) InsertVersions(ctx context.Context, vs []store.ContractVersion) error {
	vs = slices.Clone(vs)
	slices.SortStableFunc(vs, func(a, b store.ContractVersion) int { return a.Version - b.Version })
	firsts := 0
	for firsts < len(vs) && vs[firsts].Version <= 1 {
		firsts++
	}
	row := func(v store.ContractVersion) []any {
		var pdfDigest []byte
		if v.PDF != nil {
			pdfDigest = v.PDFDigest[:]
		}
		return []any{v.ContractID, v.Version, v.Kind, v.Locale, v.Fingerprint[:], pdfDigest, v.HTML, v.PDF, v.Inputs, s.tx.now}
	}
	cols := []string{"contract_id", "version", "kind", "locale", "fingerprint", "pdf_digest", "html", "pdf", "inputs", "created_at"}
	if firsts > 0 {
		_, err := s.q().CopyFrom(ctx, pgx.Identifier{"contract_versions"}, cols,
			pgx.CopyFromSlice(firsts, func(i int) ([]any, error) { return row(vs[i]), nil }))
		if err != nil {
			return fmt.Errorf("postgres: insert %d contract versions: %w", firsts, interpretError(err))
		}
	}
	for _, v := range vs[firsts:] {
		tag, err := s.q().Exec(ctx, `UPDATE contract_versions SET superseded_by = $1
			WHERE contract_id = $2 AND version = $3 AND superseded_by IS NULL`, v.Version, v.ContractID, v.Version-1)
		if err != nil {
			return fmt.Errorf("postgres: supersede contract %s v%d: %w", v.ContractID, v.Version-1, interpretError(err))
		}
		if tag.RowsAffected() == 0 {
			if _, err := s.head(ctx, v.ContractID, v.Version-1); err != nil {
				return fmt.Errorf("postgres: contract %s v%d supersedes a missing version: %w", v.ContractID, v.Version, err)
			}
			return fmt.Errorf("postgres: contract %s v%d is already superseded: %w", v.ContractID, v.Version-1, store.ErrConflict)
		}
		if _, err := s.q().Exec(ctx, `INSERT INTO contract_versions (contract_id, version, kind, locale, fingerprint,
			pdf_digest, html, pdf, inputs, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, row(v)...); err != nil {
			return fmt.Errorf("postgres: insert contract %s v%d: %w", v.ContractID, v.Version, interpretError(err))
		}
	}
	return nil
}

const contractCols = `contract_id, version, kind, locale, fingerprint, pdf_digest, created_at, signed_at, superseded_by`

func scanVersion(r pgx.Row, full bool) (store.ContractVersion, error) {
	var v store.ContractVersion
	var fp, pdfDigest []byte
	var signed *time.Time
	var superseded *int
	dest := []any{&v.ContractID, &v.Version, &v.Kind, &v.Locale, &fp, &pdfDigest, &v.CreatedAt, &signed, &superseded}
	if full {
		dest = append(dest, &v.HTML, &v.PDF, &v.Inputs)
	}
	if err := r.Scan(dest...); err != nil {
		return v, err
	}
	if len(fp) != 32 || (pdfDigest != nil && len(pdfDigest) != 32) {
		return v, fmt.Errorf("postgres: contract %s v%d: corrupt digest", v.ContractID, v.Version)
	}
	copy(v.Fingerprint[:], fp)
	copy(v.PDFDigest[:], pdfDigest)
	v.CreatedAt = v.CreatedAt.UTC()
	if signed != nil {
		v.SignedAt = signed.UTC()
	}
	if superseded != nil {
		v.SupersededBy = *superseded
	}
	return v, nil
}

// head reads a version without its documents.
func (s contractStore) head(ctx context.Context, id string, version int) (store.ContractVersion, error) {
	v, err := scanVersion(s.q().QueryRow(ctx, `SELECT `+contractCols+` FROM contract_versions
		WHERE contract_id = $1 AND version = $2`, id, version), false)
	return v, contractRow(fmt.Sprintf("contract %s v%d", id, version), err)
}

// Version returns one version with its documents.
func (s contractStore) Version(ctx context.Context, id string, version int) (store.ContractVersion, error) {
	v, err := scanVersion(s.q().QueryRow(ctx, `SELECT `+contractCols+`, html, pdf, inputs FROM contract_versions
		WHERE contract_id = $1 AND version = $2`, id, version), true)
	return v, contractRow(fmt.Sprintf("contract %s v%d", id, version), err)
}

// Latest returns the newest version of a contract.
func (s contractStore) Latest(ctx context.Context, id string) (store.ContractVersion, error) {
	v, err := scanVersion(s.q().QueryRow(ctx, `SELECT `+contractCols+`, html, pdf, inputs FROM contract_versions
		WHERE contract_id = $1 ORDER BY version DESC LIMIT 1`, id), true)
	return v, contractRow(fmt.Sprintf("contract %s", id), err)
}

func (s contractStore) list(ctx context.Context, what, query string, args ...any) ([]store.ContractVersion, error) {
	rows, err := s.q().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ContractVersion, error) { return scanVersion(r, false) })
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	return vs, nil
}

// Versions lists a contract's versions, oldest first, without documents.
func (s contractStore) Versions(ctx context.Context, id string) ([]store.ContractVersion, error) {
	return s.list(ctx, "versions of contract "+id, `SELECT `+contractCols+` FROM contract_versions
		WHERE contract_id = $1 ORDER BY version`, id)
}

// ByFingerprint finds versions by the fingerprint of their HTML.
func (s contractStore) ByFingerprint(ctx context.Context, f [32]byte) ([]store.ContractVersion, error) {
	return s.list(ctx, "contracts by fingerprint", `SELECT `+contractCols+` FROM contract_versions
		WHERE fingerprint = $1 ORDER BY contract_id, version`, f[:])
}

// RecordSignature stores evidence and marks the version signed.
func (s contractStore) RecordSignature(ctx context.Context, sg store.ContractSignature) error {
	what := fmt.Sprintf("signature of contract %s v%d by %s", sg.ContractID, sg.Version, sg.SignerID)
	v, err := s.head(ctx, sg.ContractID, sg.Version)
	if err != nil {
		return err
	}
	if v.SupersededBy != 0 {
		return fmt.Errorf("postgres: %s: version superseded by v%d: %w", what, v.SupersededBy, store.ErrConflict)
	}
	if _, err := s.q().Exec(ctx, `INSERT INTO contract_signatures (contract_id, version, signer_id, method, signed_at,
		evidence, digest, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sg.ContractID, sg.Version, sg.SignerID, sg.Method, sg.SignedAt.UTC(), sg.Evidence, sg.Digest[:], s.tx.now); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	if _, err := s.q().Exec(ctx, `UPDATE contract_versions SET signed_at = $1
		WHERE contract_id = $2 AND version = $3 AND signed_at IS NULL`, s.tx.now, sg.ContractID, sg.Version); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	return nil
}

// Signatures lists a version's signatures by time, then signer.
func (s contractStore) Signatures(ctx context.Context, id string, version int) ([]store.ContractSignature, error) {
	what := fmt.Sprintf("signatures of contract %s v%d", id, version)
	rows, err := s.q().Query(ctx, `SELECT contract_id, version, signer_id, method, signed_at, evidence, digest, recorded_at
		FROM contract_signatures WHERE contract_id = $1 AND version = $2 ORDER BY signed_at, signer_id`, id, version)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ContractSignature, error) {
		var sg store.ContractSignature
		var digest []byte
		if err := r.Scan(&sg.ContractID, &sg.Version, &sg.SignerID, &sg.Method, &sg.SignedAt, &sg.Evidence, &digest, &sg.RecordedAt); err != nil {
			return sg, err
		}
		if len(digest) != 32 {
			return sg, fmt.Errorf("postgres: %s: corrupt digest", what)
		}
		copy(sg.Digest[:], digest)
		sg.SignedAt, sg.RecordedAt = sg.SignedAt.UTC(), sg.RecordedAt.UTC()
		return sg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	return out, nil
}

// SaveChallenge inserts a challenge or updates its mutable fields.
func (s contractStore) SaveChallenge(ctx context.Context, c store.ContractChallenge) error {
	what := "signing challenge " + c.ID
	tag, err := s.q().Exec(ctx, `UPDATE contract_challenges SET state = $1, attempts = $2, confirmed = $3, updated_at = $4
		WHERE id = $5 AND contract_id = $6 AND version = $7 AND signer_id = $8`,
		c.State, c.Attempts, c.Confirmed, s.tx.now, c.ID, c.ContractID, c.Version, c.SignerID)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := s.q().Exec(ctx, `INSERT INTO contract_challenges (id, contract_id, version, signer_id, state, expires_at,
		attempts, confirmed, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.ContractID, c.Version, c.SignerID, c.State, c.ExpiresAt.UTC(), c.Attempts, c.Confirmed, s.tx.now); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, interpretError(err))
	}
	return nil
}

// Challenge returns a challenge by ID.
func (s contractStore) Challenge(ctx context.Context, id string) (store.ContractChallenge, error) {
	var c store.ContractChallenge
	err := s.q().QueryRow(ctx, `SELECT id, contract_id, version, signer_id, state, expires_at, attempts, confirmed, updated_at
		FROM contract_challenges WHERE id = $1`, id).Scan(&c.ID, &c.ContractID, &c.Version, &c.SignerID, &c.State,
		&c.ExpiresAt, &c.Attempts, &c.Confirmed, &c.UpdatedAt)
	c.ExpiresAt, c.UpdatedAt = c.ExpiresAt.UTC(), c.UpdatedAt.UTC()
	return c, contractRow("signing challenge "+id, err)
}
