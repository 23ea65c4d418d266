package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/lendkit/lendkit/store"
)

// contractStore is the SQLite store.ContractStore of one unit of work.
type contractStore struct {
	tx *tx
}

var _ store.ContractStore = (*contractStore)(nil)

// Contracts returns the contract domain's persistence within this unit of work.
func (t *tx) Contracts() store.ContractStore { return &contractStore{tx: t} }

// contractMicros decodes a nullable microsecond time (NULL is the zero time).
func contractMicros(us sql.NullInt64) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return walletMicros(us.Int64)
}

// InsertVersions stores versions in version order, superseding predecessors.
func (s *contractStore) InsertVersions(ctx context.Context, vs []store.ContractVersion) error {
	vs = slices.Clone(vs)
	slices.SortStableFunc(vs, func(a, b store.ContractVersion) int { return a.Version - b.Version })
	now := s.tx.now.UnixMicro()
	for _, v := range vs {
		if v.Version > 1 {
			r, err := s.tx.exec(ctx, `UPDATE contract_versions SET superseded_by = ?
				WHERE contract_id = ? AND version = ? AND superseded_by IS NULL`, v.Version, v.ContractID, v.Version-1)
			if err != nil {
				return fmt.Errorf("sqlite: supersede contract %s v%d: %w", v.ContractID, v.Version-1, err)
			}
			if n, err := r.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: supersede contract %s v%d: %w", v.ContractID, v.Version-1, interpretError(err))
			} else if n == 0 {
				if _, err := s.Version(ctx, v.ContractID, v.Version-1); err != nil {
					return fmt.Errorf("sqlite: contract %s v%d supersedes a missing version: %w", v.ContractID, v.Version, err)
				}
				return fmt.Errorf("sqlite: contract %s v%d is already superseded: %w", v.ContractID, v.Version-1, store.ErrConflict)
			}
		}
		var pdfDigest []byte
		if v.PDF != nil {
			pdfDigest = v.PDFDigest[:]
		}
		_, err := s.tx.exec(ctx, `INSERT INTO contract_versions
			(contract_id, version, kind, locale, fingerprint, pdf_digest, html, pdf, inputs, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.ContractID, v.Version, v.Kind, v.Locale, v.Fingerprint[:], pdfDigest, v.HTML, v.PDF, v.Inputs, now)
		if err != nil {
			return fmt.Errorf("sqlite: insert contract %s v%d: %w", v.ContractID, v.Version, err)
		}
	}
	return nil
}

const contractCols = `contract_id, version, kind, locale, fingerprint, pdf_digest, created_at, signed_at, superseded_by`

// scanVersion reads contractCols, then html, pdf, inputs when full.
func scanVersion(full bool) func(*sql.Rows) (store.ContractVersion, error) {
	return func(r *sql.Rows) (store.ContractVersion, error) {
		var v store.ContractVersion
		var fp, pdfDigest []byte
		var created int64
		var signed, superseded sql.NullInt64
		dest := []any{&v.ContractID, &v.Version, &v.Kind, &v.Locale, &fp, &pdfDigest, &created, &signed, &superseded}
		if full {
			dest = append(dest, &v.HTML, &v.PDF, &v.Inputs)
		}
		if err := r.Scan(dest...); err != nil {
			return v, err
		}
		if len(fp) != 32 || (pdfDigest != nil && len(pdfDigest) != 32) {
			return v, fmt.Errorf("sqlite: contract %s v%d: corrupt digest", v.ContractID, v.Version)
		}
		copy(v.Fingerprint[:], fp)
		copy(v.PDFDigest[:], pdfDigest)
		v.CreatedAt = walletMicros(created)
		v.SignedAt = contractMicros(signed)
		v.SupersededBy = int(superseded.Int64)
		return v, nil
	}
}

// Version returns one version with its documents.
func (s *contractStore) Version(ctx context.Context, id string, version int) (store.ContractVersion, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("contract %s v%d", id, version), scanVersion(true),
		`SELECT `+contractCols+`, html, pdf, inputs FROM contract_versions WHERE contract_id = ? AND version = ?`, id, version)
}

// Latest returns the newest version of a contract.
func (s *contractStore) Latest(ctx context.Context, id string) (store.ContractVersion, error) {
	return walletOne(ctx, s.tx, fmt.Sprintf("contract %s", id), scanVersion(true),
		`SELECT `+contractCols+`, html, pdf, inputs FROM contract_versions WHERE contract_id = ? ORDER BY version DESC LIMIT 1`, id)
}

// Versions lists a contract's versions, oldest first, without documents.
func (s *contractStore) Versions(ctx context.Context, id string) ([]store.ContractVersion, error) {
	rows, err := s.tx.query(ctx, `SELECT `+contractCols+` FROM contract_versions WHERE contract_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: versions of contract %s: %w", id, err)
	}
	vs, err := scanAll(rows, scanVersion(false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: versions of contract %s: %w", id, err)
	}
	return vs, nil
}

// ByFingerprint finds versions by the fingerprint of their HTML.
func (s *contractStore) ByFingerprint(ctx context.Context, f [32]byte) ([]store.ContractVersion, error) {
	rows, err := s.tx.query(ctx, `SELECT `+contractCols+` FROM contract_versions WHERE fingerprint = ? ORDER BY contract_id, version`, f[:])
	if err != nil {
		return nil, fmt.Errorf("sqlite: contracts by fingerprint: %w", err)
	}
	vs, err := scanAll(rows, scanVersion(false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: contracts by fingerprint: %w", err)
	}
	return vs, nil
}

// RecordSignature stores evidence and marks the version signed.
func (s *contractStore) RecordSignature(ctx context.Context, sg store.ContractSignature) error {
	what := fmt.Sprintf("signature of contract %s v%d by %s", sg.ContractID, sg.Version, sg.SignerID)
	v, err := walletOne(ctx, s.tx, what, scanVersion(false),
		`SELECT `+contractCols+` FROM contract_versions WHERE contract_id = ? AND version = ?`, sg.ContractID, sg.Version)
	if err != nil {
		return err
	}
	if v.SupersededBy != 0 {
		return fmt.Errorf("sqlite: %s: version superseded by v%d: %w", what, v.SupersededBy, store.ErrConflict)
	}
	recorded := s.tx.now.UnixMicro()
	if _, err := s.tx.exec(ctx, `INSERT INTO contract_signatures
		(contract_id, version, signer_id, method, signed_at, evidence, digest, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sg.ContractID, sg.Version, sg.SignerID, sg.Method, sg.SignedAt.UTC().UnixMicro(), sg.Evidence, sg.Digest[:], recorded); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if _, err := s.tx.exec(ctx, `UPDATE contract_versions SET signed_at = ?
		WHERE contract_id = ? AND version = ? AND signed_at IS NULL`, recorded, sg.ContractID, sg.Version); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

func scanSignature(r *sql.Rows) (store.ContractSignature, error) {
	var s store.ContractSignature
	var signed, recorded int64
	var digest []byte
	if err := r.Scan(&s.ContractID, &s.Version, &s.SignerID, &s.Method, &signed, &s.Evidence, &digest, &recorded); err != nil {
		return s, err
	}
	if len(digest) != 32 {
		return s, fmt.Errorf("sqlite: signature of %s v%d: corrupt digest", s.ContractID, s.Version)
	}
	copy(s.Digest[:], digest)
	s.SignedAt, s.RecordedAt = walletMicros(signed), walletMicros(recorded)
	return s, nil
}

// Signatures lists a version's signatures by time, then signer.
func (s *contractStore) Signatures(ctx context.Context, id string, version int) ([]store.ContractSignature, error) {
	rows, err := s.tx.query(ctx, `SELECT contract_id, version, signer_id, method, signed_at, evidence, digest, recorded_at
		FROM contract_signatures WHERE contract_id = ? AND version = ? ORDER BY signed_at, signer_id`, id, version)
	if err != nil {
		return nil, fmt.Errorf("sqlite: signatures of contract %s v%d: %w", id, version, err)
	}
	out, err := scanAll(rows, scanSignature)
	if err != nil {
		return nil, fmt.Errorf("sqlite: signatures of contract %s v%d: %w", id, version, err)
	}
	return out, nil
}

// SaveChallenge inserts a challenge or updates its mutable fields.
func (s *contractStore) SaveChallenge(ctx context.Context, c store.ContractChallenge) error {
	what := fmt.Sprintf("signing challenge %s", c.ID)
	confirmed := 0
	if c.Confirmed {
		confirmed = 1
	}
	r, err := s.tx.exec(ctx, `UPDATE contract_challenges SET state = ?, attempts = ?, confirmed = ?, updated_at = ?
		WHERE id = ? AND contract_id = ? AND version = ? AND signer_id = ?`,
		c.State, c.Attempts, confirmed, s.tx.now.UnixMicro(), c.ID, c.ContractID, c.Version, c.SignerID)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, interpretError(err))
	} else if n == 1 {
		return nil
	}
	// Not there for this contract: insert; an ID used for another contract
	// or signer is a primary-key conflict.
	if _, err := s.tx.exec(ctx, `INSERT INTO contract_challenges
		(id, contract_id, version, signer_id, state, expires_at, attempts, confirmed, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ContractID, c.Version, c.SignerID, c.State, c.ExpiresAt.UTC().UnixMicro(), c.Attempts, confirmed, s.tx.now.UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// Challenge returns a challenge by ID.
func (s *contractStore) Challenge(ctx context.Context, id string) (store.ContractChallenge, error) {
	return walletOne(ctx, s.tx, "signing challenge "+id, func(r *sql.Rows) (store.ContractChallenge, error) {
		var c store.ContractChallenge
		var expires, updated int64
		var confirmed int
		if err := r.Scan(&c.ID, &c.ContractID, &c.Version, &c.SignerID, &c.State, &expires, &c.Attempts, &confirmed, &updated); err != nil {
			return c, err
		}
		c.ExpiresAt, c.UpdatedAt, c.Confirmed = walletMicros(expires), walletMicros(updated), confirmed == 1
		return c, nil
	}, `SELECT id, contract_id, version, signer_id, state, expires_at, attempts, confirmed, updated_at
		FROM contract_challenges WHERE id = ?`, id)
}
