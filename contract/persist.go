package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/lendkit/lendkit/store"
)

// Save stores rendered documents as new contract versions in the unit of
// work tx — the funding close's, so that every lender's contract and its
// fingerprint are recorded atomically with the money moving. Each
// document's data is stored with it (as JSON) so that VerifyStored can
// re-render and compare. A version above 1 supersedes the previous one.
//
// Errors: ErrTampered (a document does not match its fingerprints), and the
// store's: store.ErrConflict (the version exists or was superseded),
// store.ErrNotFound (the previous version is missing).
func Save(ctx context.Context, tx store.Tx, docs []Document) error {
	vs, err := versionsOf(docs)
	if err != nil {
		return err
	}
	if err := tx.Contracts().InsertVersions(ctx, vs); err != nil {
		return fmt.Errorf("contract: save %d documents: %w", len(docs), err)
	}
	return nil
}

// versionsOf verifies and encodes documents for the store. Hashing a
// project's 300 MB of PDFs and encoding 3,000 schedules as JSON is CPU work
// that would otherwise run inside the unit of work on one core, so it runs
// on a bounded pool; the records keep the documents' order.
func versionsOf(docs []Document) ([]store.ContractVersion, error) {
	vs := make([]store.ContractVersion, len(docs))
	errs := make([]error, len(docs))
	workers := min(runtime.GOMAXPROCS(0), len(docs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(docs) {
					return
				}
				vs[i], errs[i] = versionOf(&docs[i])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return vs, nil
}

func versionOf(d *Document) (store.ContractVersion, error) {
	if err := d.Verify(); err != nil {
		return store.ContractVersion{}, fmt.Errorf("contract: save %s v%d: %w", d.Reference, d.Version, err)
	}
	var inputs []byte
	if d.Data != nil {
		var err error
		if inputs, err = json.Marshal(d.Data); err != nil {
			return store.ContractVersion{}, fmt.Errorf("%w: save %s v%d: data: %v", ErrInvalidData, d.Reference, d.Version, err)
		}
	}
	return store.ContractVersion{
		ContractID: d.Reference, Version: d.Version, Kind: string(d.Kind), Locale: d.Locale,
		Fingerprint: d.Fingerprint, PDFDigest: d.PDFDigest, HTML: d.HTML, PDF: d.PDF, Inputs: inputs,
	}, nil
}

// Load returns a stored version as a Document (with its Data when it was
// saved with it), after checking its bytes still match its fingerprints.
//
// Errors: store.ErrNotFound, ErrTampered.
func Load(ctx context.Context, tx store.Tx, reference string, version int) (Document, error) {
	v, err := tx.Contracts().Version(ctx, reference, version)
	if err != nil {
		return Document{}, fmt.Errorf("contract: load %s v%d: %w", reference, version, err)
	}
	return documentOf(v)
}

func documentOf(v store.ContractVersion) (Document, error) {
	doc := Document{
		Kind: Kind(v.Kind), Locale: v.Locale, Reference: v.ContractID, Version: v.Version,
		HTML: v.HTML, Fingerprint: v.Fingerprint, PDF: v.PDF, PDFDigest: v.PDFDigest,
	}
	if v.Inputs != nil {
		doc.Data = new(Data)
		if err := json.Unmarshal(v.Inputs, doc.Data); err != nil {
			return Document{}, fmt.Errorf("%w: stored data of %s v%d: %v", ErrInvalidData, v.ContractID, v.Version, err)
		}
	}
	if err := doc.Verify(); err != nil {
		return Document{}, fmt.Errorf("contract: stored %s v%d: %w", v.ContractID, v.Version, err)
	}
	return doc, nil
}

// VerifyStored proves that a stored version is what its data renders to
// today: it re-renders the stored data with r and compares fingerprints.
// A mismatch is a *MismatchError (ErrTampered): the stored document, its
// data, or the templates changed since it was saved.
func VerifyStored(ctx context.Context, tx store.Tx, r *Renderer, reference string, version int) error {
	doc, err := Load(ctx, tx, reference, version)
	if err != nil {
		return err
	}
	if doc.Data == nil {
		return fmt.Errorf("%w: %s v%d was saved without its data", ErrInvalidData, reference, version)
	}
	again, err := r.HTML(doc.Data)
	if err != nil {
		return err
	}
	if again.Fingerprint != doc.Fingerprint {
		return fmt.Errorf("contract: %s v%d re-rendered: %w", reference, version, &MismatchError{Want: doc.Fingerprint, Got: again.Fingerprint})
	}
	return nil
}

// RecordSignature stores sealed evidence for the version it names, after
// checking that the evidence is intact, that it is for the stored
// document's fingerprint, and that the version is still the latest. The
// version becomes signed, hence immutable; a later change is a new
// version (Save a document with Version+1).
//
// Errors: ErrTampered, ErrSuperseded, store.ErrNotFound, store.ErrConflict
// (this signer already signed this version).
func RecordSignature(ctx context.Context, tx store.Tx, ev Evidence) error {
	v, err := tx.Contracts().Version(ctx, ev.Reference, ev.Version)
	if err != nil {
		return fmt.Errorf("contract: signature of %s v%d: %w", ev.Reference, ev.Version, err)
	}
	if v.SupersededBy != 0 {
		return fmt.Errorf("%w: %s v%d by v%d", ErrSuperseded, ev.Reference, ev.Version, v.SupersededBy)
	}
	doc, err := documentOf(v)
	if err != nil {
		return err
	}
	if err := VerifyEvidence(ev, &doc); err != nil {
		return fmt.Errorf("contract: signature of %s v%d: %w", ev.Reference, ev.Version, err)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("%w: evidence: %v", ErrInvalidData, err)
	}
	return tx.Contracts().RecordSignature(ctx, store.ContractSignature{
		ContractID: ev.Reference, Version: ev.Version, SignerID: ev.Signer.ID, Method: ev.Method,
		SignedAt: ev.SignedAt, Evidence: body, Digest: ev.Digest,
	})
}

// Signatures returns the evidence recorded for a version, each checked
// against its seal.
//
// Errors: ErrTampered (a record was altered), ErrInvalidData (unreadable).
func Signatures(ctx context.Context, tx store.Tx, reference string, version int) ([]Evidence, error) {
	rows, err := tx.Contracts().Signatures(ctx, reference, version)
	if err != nil {
		return nil, fmt.Errorf("contract: signatures of %s v%d: %w", reference, version, err)
	}
	out := make([]Evidence, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r.Evidence, &out[i]); err != nil {
			return nil, fmt.Errorf("%w: evidence of %s: %v", ErrInvalidData, r.SignerID, err)
		}
		out[i].Digest = r.Digest
		got, err := out[i].seal()
		if err != nil {
			return nil, err
		}
		if got != r.Digest {
			return nil, fmt.Errorf("contract: evidence of %s on %s v%d: %w", r.SignerID, reference, version, &MismatchError{Want: r.Digest, Got: got})
		}
	}
	return out, nil
}

// SaveChallenge persists a signing challenge (after Start, and after every
// Confirm, whatever its outcome, so that attempts stay bounded across
// requests).
func SaveChallenge(ctx context.Context, tx store.Tx, ch Challenge) error {
	state, err := json.Marshal(ch)
	if err != nil {
		return fmt.Errorf("%w: challenge: %v", ErrInvalidData, err)
	}
	return tx.Contracts().SaveChallenge(ctx, store.ContractChallenge{
		ID: ch.ID, ContractID: ch.Reference, Version: ch.Version, SignerID: ch.Signer.ID, State: state,
		ExpiresAt: ch.ExpiresAt, Attempts: ch.Attempts, Confirmed: ch.Confirmed,
	})
}

// LoadChallenge reads a signing challenge back.
//
// Errors: store.ErrNotFound, ErrInvalidData.
func LoadChallenge(ctx context.Context, tx store.Tx, id string) (Challenge, error) {
	c, err := tx.Contracts().Challenge(ctx, id)
	if err != nil {
		return Challenge{}, fmt.Errorf("contract: challenge %s: %w", id, err)
	}
	var ch Challenge
	if err := json.Unmarshal(c.State, &ch); err != nil {
		return Challenge{}, fmt.Errorf("%w: challenge %s: %v", ErrInvalidData, id, err)
	}
	// The columns are what the store guards; they win over the JSON copy.
	ch.Attempts, ch.Confirmed = c.Attempts, c.Confirmed
	return ch, nil
}
