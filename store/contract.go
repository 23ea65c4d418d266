package store

import (
	"context"
	"time"
)

// ContractVersion is one rendered version of a contract document as the
// contract package produced it. Versions are never updated: a change is a
// new version (Version+1) that supersedes the previous one, and a version
// that has a recorded signature keeps it forever.
type ContractVersion struct {
	ContractID  string   // the contract's reference, unique per contract
	Version     int      // 1, 2, …
	Kind        string   // "consumer-loan", "lender-agreement", …
	Locale      string   // "en", "fr", "it"
	Fingerprint [32]byte // SHA-256 of HTML, what signatures bind to
	PDFDigest   [32]byte // SHA-256 of PDF; zero when no PDF is stored
	HTML        []byte
	PDF         []byte    // nil when not stored
	Inputs      []byte    // the contract data as JSON, to re-render and compare; may be nil
	CreatedAt   time.Time // set by InsertVersions to Tx.Now()
	// SignedAt is when the first signature was recorded; zero while unsigned.
	SignedAt time.Time
	// SupersededBy is the version that replaced this one; 0 for the latest.
	SupersededBy int
}

// ContractSignature is the evidence of one signer's signature of one
// contract version: the contract package's sealed Evidence as JSON, with
// the columns needed to find it.
type ContractSignature struct {
	ContractID string
	Version    int
	SignerID   string
	Method     string // "simple-otp", "qualified"
	SignedAt   time.Time
	Evidence   []byte    // canonical JSON of contract.Evidence
	Digest     [32]byte  // the evidence's seal
	RecordedAt time.Time // set by RecordSignature to Tx.Now()
}

// ContractChallenge is a pending one-time-code signature, kept between the
// code being sent and the signer typing it: State is the contract package's
// Challenge as JSON (it holds a salted MAC of the code, never the code).
type ContractChallenge struct {
	ID         string
	ContractID string
	Version    int
	SignerID   string
	State      []byte
	ExpiresAt  time.Time
	Attempts   int
	Confirmed  bool
	UpdatedAt  time.Time // set by SaveChallenge to Tx.Now()
}

// ContractStore persists contract versions, signatures and signing
// challenges. The rules (a version signs only its own fingerprint, only the
// latest version is signed) live in the contract package; the backend
// enforces what the schema can: versions and signatures are never updated
// or deleted once signed, version numbers follow each other, keys are
// unique.
type ContractStore interface {
	// InsertVersions stores new versions in one batch (every lender
	// contract of a project at funding close). A version 1 starts a
	// contract; version n > 1 supersedes version n-1, which must exist and
	// be the latest.
	//
	// Errors: ErrConflict (the version exists, or n-1 is already
	// superseded), ErrNotFound (version n-1 does not exist), ErrConstraint
	// (a field the schema refuses: empty id, a digest not 32 bytes).
	InsertVersions(ctx context.Context, vs []ContractVersion) error

	// Version returns one version with its documents.
	//
	// Errors: ErrNotFound.
	Version(ctx context.Context, contractID string, version int) (ContractVersion, error)

	// Latest returns the newest version of a contract.
	//
	// Errors: ErrNotFound.
	Latest(ctx context.Context, contractID string) (ContractVersion, error)

	// Versions lists every version of a contract, oldest first, without
	// HTML, PDF and Inputs (nil), for history views.
	Versions(ctx context.Context, contractID string) ([]ContractVersion, error)

	// ByFingerprint finds the versions whose HTML has fingerprint f (a
	// document handed back for verification), without documents.
	ByFingerprint(ctx context.Context, f [32]byte) ([]ContractVersion, error)

	// RecordSignature stores the evidence of a signature and marks the
	// version signed (SignedAt = the first signature's RecordedAt).
	//
	// Errors: ErrNotFound (no such version), ErrConflict (this signer has
	// already signed this version, or the version is superseded).
	RecordSignature(ctx context.Context, s ContractSignature) error

	// Signatures lists the signatures of a version, by SignedAt then
	// SignerID.
	Signatures(ctx context.Context, contractID string, version int) ([]ContractSignature, error)

	// SaveChallenge inserts a challenge, or updates Attempts, Confirmed,
	// State and UpdatedAt of an existing one with the same ID (its contract,
	// version, signer and expiry never change).
	//
	// Errors: ErrNotFound (no such version), ErrConflict (the ID exists for
	// another contract, version or signer).
	SaveChallenge(ctx context.Context, c ContractChallenge) error

	// Challenge returns a challenge by ID.
	//
	// Errors: ErrNotFound.
	Challenge(ctx context.Context, id string) (ContractChallenge, error)
}
