package contract

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
)

// outbox is a CodeSender that keeps what it was asked to send: the test
// plays the signer reading the SMS.
type outbox struct {
	sent []CodeMessage
	err  error
}

func (o *outbox) SendCode(_ context.Context, m CodeMessage) error {
	if o.err != nil {
		return o.err
	}
	o.sent = append(o.sent, m)
	return nil
}

type signBundle struct {
	clock  *lendkit.ManualClock
	out    *outbox
	signer *SimpleSigner
	doc    Document
	who    Signer
}

func setupSign(t *testing.T) *signBundle {
	t.Helper()
	doc, err := NewRenderer(defaults(t)).Render(Sample(ConsumerLoan, "fr"))
	if err != nil {
		t.Fatal(err)
	}
	b := &signBundle{
		clock: lendkit.NewManualClock(time.Date(2027, 1, 15, 9, 30, 0, 0, time.UTC)),
		out:   &outbox{},
		doc:   doc,
		who:   Signer{ID: "user-42", Name: "Élodie Marchand", Phone: "+33612345678", Email: "e@example.org", Role: "borrower"},
	}
	b.signer = &SimpleSigner{Clock: b.clock, Sender: b.out}
	return b
}

const consent = "J’ai lu le contrat LK-2027-000123 et je le signe."

var browser = SigningContext{IP: "203.0.113.7", UserAgent: "Mozilla/5.0"}

func TestSimpleSignature(t *testing.T) {
	t.Parallel()
	b := setupSign(t)
	ch, err := b.signer.Start(context.Background(), &b.doc, b.who, SMS, consent)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.out.sent) != 1 {
		t.Fatalf("%d codes sent", len(b.out.sent))
	}
	msg := b.out.sent[0]
	if len(msg.Code) != 6 || strings.Trim(msg.Code, "0123456789") != "" || msg.Fingerprint != b.doc.Fingerprint {
		t.Fatalf("message %+v", msg)
	}
	if strings.Contains(string(ch.CodeMAC), msg.Code) {
		t.Fatal("challenge stores the code")
	}
	b.clock.Advance(90 * time.Second)
	ev, err := b.signer.Confirm(&ch, " "+msg.Code+" ", browser)
	if err != nil {
		t.Fatal(err)
	}
	want := Evidence{
		Method: "simple-otp", Reference: "LK-2027-000123", Version: 1, Fingerprint: b.doc.Fingerprint,
		Signer: b.who, Channel: SMS, Consent: consent, ChallengeID: ch.ID,
		CodeSentAt: time.Date(2027, 1, 15, 9, 30, 0, 0, time.UTC), SignedAt: time.Date(2027, 1, 15, 9, 31, 30, 0, time.UTC),
		IP: "203.0.113.7", UserAgent: "Mozilla/5.0", Attempts: 1, Digest: ev.Digest,
	}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}
	if err := VerifyEvidence(ev, &b.doc); err != nil {
		t.Errorf("fresh evidence: %v", err)
	}
	// Replaying the code on the confirmed challenge.
	if _, err := b.signer.Confirm(&ch, msg.Code, browser); !errors.Is(err, ErrChallengeClosed) {
		t.Errorf("replay: %v", err)
	}
	// Tampering with the evidence or with the document.
	forged := ev
	forged.SignedAt = forged.SignedAt.Add(-time.Hour)
	if err := VerifyEvidence(forged, &b.doc); !errors.Is(err, ErrTampered) {
		t.Errorf("forged evidence: %v", err)
	}
	other := b.doc
	other.HTML = append([]byte(nil), b.doc.HTML...)
	other.HTML[100] ^= 1
	if err := VerifyEvidence(ev, &other); !errors.Is(err, ErrTampered) {
		t.Errorf("tampered document: %v", err)
	}
}

func TestSignatureAttemptsBounded(t *testing.T) {
	t.Parallel()
	b := setupSign(t)
	b.signer.MaxAttempts = 3
	ch, err := b.signer.Start(context.Background(), &b.doc, b.who, Email, consent)
	if err != nil {
		t.Fatal(err)
	}
	code := b.out.sent[0].Code
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 3; i++ {
		_, err := b.signer.Confirm(&ch, wrong, browser)
		var ae *AttemptError
		if !errors.As(err, &ae) || !errors.Is(err, ErrCodeMismatch) || ae.Remaining != 3-i {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// The right code no longer helps.
	if _, err := b.signer.Confirm(&ch, code, browser); !errors.Is(err, ErrTooManyAttempts) {
		t.Errorf("after the bound: %v", err)
	}
	if ch.Attempts != 3 || ch.Confirmed {
		t.Errorf("challenge %+v", ch)
	}
}

func TestSignatureExpires(t *testing.T) {
	t.Parallel()
	b := setupSign(t)
	ch, err := b.signer.Start(context.Background(), &b.doc, b.who, SMS, consent)
	if err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(10 * time.Minute)
	if _, err := b.signer.Confirm(&ch, b.out.sent[0].Code, browser); !errors.Is(err, ErrCodeExpired) {
		t.Errorf("at expiry: %v", err)
	}
	if ch.Attempts != 0 {
		t.Errorf("an expired attempt counted: %d", ch.Attempts)
	}
}

func TestSignatureBadInput(t *testing.T) {
	t.Parallel()
	b := setupSign(t)
	ctx := context.Background()
	noPhone := b.who
	noPhone.Phone = "0612345678"
	if _, err := b.signer.Start(ctx, &b.doc, noPhone, SMS, consent); !errors.Is(err, ErrInvalidSigner) {
		t.Errorf("no E.164 phone: %v", err)
	}
	if _, err := b.signer.Start(ctx, &b.doc, Signer{ID: "x"}, Email, consent); !errors.Is(err, ErrInvalidSigner) {
		t.Errorf("no name: %v", err)
	}
	if _, err := b.signer.Start(ctx, &b.doc, b.who, SMS, "  "); !errors.Is(err, ErrInvalidData) {
		t.Errorf("no consent: %v", err)
	}
	tampered := b.doc
	tampered.HTML = []byte("<html>other</html>")
	if _, err := b.signer.Start(ctx, &tampered, b.who, SMS, consent); !errors.Is(err, ErrTampered) {
		t.Errorf("document not matching its fingerprint: %v", err)
	}
	b.out.err = errors.New("gateway down")
	if _, err := b.signer.Start(ctx, &b.doc, b.who, SMS, consent); err == nil || !strings.Contains(err.Error(), "gateway down") {
		t.Errorf("sender failure: %v", err)
	}
	b.out.err = nil
	ch, err := b.signer.Start(ctx, &b.doc, b.who, SMS, consent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.signer.Confirm(&ch, b.out.sent[0].Code, SigningContext{IP: "not-an-ip"}); !errors.Is(err, ErrInvalidData) {
		t.Errorf("bad IP: %v", err)
	}
	if ch.Attempts != 0 {
		t.Error("a refused context counted as an attempt")
	}
	if _, err := (&SimpleSigner{Sender: b.out}).Start(ctx, &b.doc, b.who, SMS, consent); err == nil {
		t.Error("a signer without a clock started")
	}
}

func TestRandomDigitsUniform(t *testing.T) {
	t.Parallel()
	// Every byte value once: rejection leaves 250 values, 25 per digit.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	code, err := randomDigits(strings.NewReader(string(all)), 250)
	if err != nil {
		t.Fatal(err)
	}
	var counts [10]int
	for _, c := range code {
		counts[c-'0']++
	}
	for d, n := range counts {
		if n != 25 {
			t.Errorf("digit %d drawn %d times, want 25", d, n)
		}
	}
}

// provider is a scripted QualifiedProvider: the test plays Yousign.
type provider struct {
	req    QualifiedRequest
	status QualifiedStatus
}

func (p *provider) Name() string { return "scripted" }
func (p *provider) Request(_ context.Context, r QualifiedRequest) (QualifiedSession, error) {
	p.req = r
	return QualifiedSession{ProviderRef: "sr_123", SignURLs: map[string]string{r.Signers[0].ID: "https://sign.example/sr_123"}}, nil
}
func (p *provider) Status(context.Context, string) (QualifiedStatus, error) { return p.status, nil }

func TestQualifiedProviderFlow(t *testing.T) {
	t.Parallel()
	b := setupSign(t)
	var p QualifiedProvider = &provider{}
	req, err := NewQualifiedRequest(&b.doc, []Signer{b.who}, Qualified)
	if err != nil {
		t.Fatal(err)
	}
	if req.IdempotencyKey != "LK-2027-000123/v1" || req.FileName != "LK-2027-000123-v1.pdf" {
		t.Errorf("request %+v", req)
	}
	sess, err := p.Request(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 1, 16, 8, 0, 0, 0, time.UTC)
	p.(*provider).status = QualifiedStatus{State: Pending}
	st, _ := p.Status(context.Background(), sess.ProviderRef)
	if _, err := QualifiedEvidence(p.Name(), sess, req, st, consent); !errors.Is(err, ErrInvalidData) {
		t.Errorf("pending: %v", err)
	}
	signed := append([]byte(nil), b.doc.PDF...)
	signed = append(signed, "%signature"...)
	p.(*provider).status = QualifiedStatus{State: Completed, SignedPDF: signed,
		Signatures: []QualifiedSignature{{SignerID: b.who.ID, SignedAt: at, IP: "198.51.100.4"}}}
	st, _ = p.Status(context.Background(), sess.ProviderRef)
	evs, err := QualifiedEvidence(p.Name(), sess, req, st, consent)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ProviderRef != "sr_123" || evs[0].SignedPDFDigest != FingerprintOf(signed) || !evs[0].SignedAt.Equal(at) {
		t.Errorf("evidence %+v", evs)
	}
	if err := VerifyEvidence(evs[0], &b.doc); err != nil {
		t.Error(err)
	}
	st.Signatures = nil
	if _, err := QualifiedEvidence(p.Name(), sess, req, st, consent); !errors.Is(err, ErrInvalidData) {
		t.Errorf("missing signer: %v", err)
	}
	if _, err := NewQualifiedRequest(&Document{HTML: b.doc.HTML, Fingerprint: b.doc.Fingerprint}, []Signer{b.who}, Qualified); !errors.Is(err, ErrInvalidData) {
		t.Errorf("no PDF: %v", err)
	}
	if _, err := NewQualifiedRequest(&b.doc, []Signer{b.who, b.who}, Qualified); !errors.Is(err, ErrInvalidSigner) {
		t.Errorf("duplicate signer: %v", err)
	}
}
