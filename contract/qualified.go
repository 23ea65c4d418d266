package contract

import (
	"context"
	"fmt"
	"time"
)

// QualifiedProvider is the port to an external signature provider that
// issues advanced or qualified electronic signatures (Yousign, DocuSign,
// …). The shapes follow what those APIs have in common, so an adapter is a
// thin translation: Request maps to Yousign's "create signature request,
// upload document, add signers, activate" or DocuSign's "create envelope
// (status sent)"; Status to "get signature request / envelope" plus
// "download signed document". Webhooks stay in the adapter, which then
// calls Status.
type QualifiedProvider interface {
	// Name identifies the provider in evidence ("yousign").
	Name() string
	// Request opens a signature request for the PDF. The provider must
	// treat IdempotencyKey as such: a retried Request returns the same
	// session.
	Request(ctx context.Context, req QualifiedRequest) (QualifiedSession, error)
	// Status returns where the request stands; once Completed it carries the
	// signed PDF and one QualifiedSignature per signer.
	Status(ctx context.Context, providerRef string) (QualifiedStatus, error)
}

// Level is the eIDAS level a provider is asked for.
type Level string

// eIDAS signature levels.
const (
	Advanced  Level = "advanced"  // AdES
	Qualified Level = "qualified" // QES
)

// QualifiedRequest is what a provider needs to collect signatures.
type QualifiedRequest struct {
	IdempotencyKey string // "<reference>/v<version>" unless the caller has better
	Reference      string
	Version        int
	Fingerprint    Fingerprint // of the HTML; also printed in the PDF's footer
	FileName       string
	PDF            []byte
	Signers        []Signer
	Level          Level
	Locale         string
}

// QualifiedSession is the provider's answer to Request.
type QualifiedSession struct {
	ProviderRef string            // the provider's id for the request
	SignURLs    map[string]string // Signer.ID → where that signer signs
}

// QualifiedState is where a provider's request stands.
type QualifiedState string

// Provider request states.
const (
	Pending   QualifiedState = "pending"
	Completed QualifiedState = "completed"
	Declined  QualifiedState = "declined"
	Expired   QualifiedState = "expired"
)

// QualifiedSignature is one signer's signature as the provider reports it.
type QualifiedSignature struct {
	SignerID    string
	SignedAt    time.Time
	IP          string
	Certificate []byte // DER, when the provider discloses it
}

// QualifiedStatus is the provider's answer to Status.
type QualifiedStatus struct {
	State      QualifiedState
	SignedPDF  []byte
	Signatures []QualifiedSignature
}

// NewQualifiedRequest prepares the request for doc, which must have been
// rendered with its PDF.
func NewQualifiedRequest(doc *Document, signers []Signer, level Level) (QualifiedRequest, error) {
	if doc == nil || doc.PDF == nil {
		return QualifiedRequest{}, fmt.Errorf("%w: a qualified signature needs the document's PDF", ErrInvalidData)
	}
	if err := doc.Verify(); err != nil {
		return QualifiedRequest{}, err
	}
	if len(signers) == 0 {
		return QualifiedRequest{}, fmt.Errorf("%w: no signers", ErrInvalidSigner)
	}
	seen := map[string]bool{}
	for _, s := range signers {
		if s.ID == "" || s.Name == "" || s.Email == "" {
			return QualifiedRequest{}, fmt.Errorf("%w: providers need an id, a name and an e-mail for every signer (%q)", ErrInvalidSigner, s.ID)
		}
		if seen[s.ID] {
			return QualifiedRequest{}, fmt.Errorf("%w: signer %s listed twice", ErrInvalidSigner, s.ID)
		}
		seen[s.ID] = true
	}
	if level != Advanced && level != Qualified {
		return QualifiedRequest{}, fmt.Errorf("%w: level %q", ErrInvalidData, level)
	}
	return QualifiedRequest{
		IdempotencyKey: fmt.Sprintf("%s/v%d", doc.Reference, doc.Version),
		Reference:      doc.Reference, Version: doc.Version, Fingerprint: doc.Fingerprint,
		FileName: fmt.Sprintf("%s-v%d.pdf", doc.Reference, doc.Version),
		PDF:      doc.PDF, Signers: signers, Level: level, Locale: doc.Locale,
	}, nil
}

// QualifiedEvidence turns a completed provider status into one sealed
// Evidence per signer of req. It refuses a status that is not Completed,
// lacks the signed PDF, or misses or adds a signer.
func QualifiedEvidence(provider string, session QualifiedSession, req QualifiedRequest, st QualifiedStatus, consent string) ([]Evidence, error) {
	if st.State != Completed {
		return nil, fmt.Errorf("%w: provider request %s is %s", ErrInvalidData, session.ProviderRef, st.State)
	}
	if len(st.SignedPDF) == 0 {
		return nil, fmt.Errorf("%w: provider request %s returned no signed PDF", ErrInvalidData, session.ProviderRef)
	}
	bySigner := make(map[string]QualifiedSignature, len(st.Signatures))
	for _, s := range st.Signatures {
		bySigner[s.SignerID] = s
	}
	if len(bySigner) != len(req.Signers) {
		return nil, fmt.Errorf("%w: provider reports %d signatures for %d signers", ErrInvalidData, len(bySigner), len(req.Signers))
	}
	signed := FingerprintOf(st.SignedPDF)
	out := make([]Evidence, 0, len(req.Signers))
	for _, s := range req.Signers {
		q, ok := bySigner[s.ID]
		if !ok {
			return nil, fmt.Errorf("%w: provider reports no signature for %s", ErrInvalidData, s.ID)
		}
		ev := Evidence{
			Method: "qualified", Reference: req.Reference, Version: req.Version, Fingerprint: req.Fingerprint,
			Signer: s, Consent: consent, SignedAt: q.SignedAt.UTC(), IP: q.IP,
			Provider: provider, ProviderRef: session.ProviderRef, SignedPDFDigest: signed, Certificate: q.Certificate,
		}
		if err := ev.Seal(); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}
