package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/examples/platform/notify/notifytest"
)

// sample gives every field any template reads.
func sample() map[string]string {
	return map[string]string{"name": "Dana Rossi", "loan": "L-1", "amount": "EUR 312.40", "due": "2027-03-15", "days": "3",
		"date": "2027-03-15", "days_late": "12", "due_amount": "EUR 312.40", "collected": "EUR 100.00",
		"application": "A-1", "outcome": "approved", "reference": "LK-ABC", "tax": "EUR 1.20",
		"code": "482913", "expires": "2027-03-12 09:10 UTC"}
}

// TestRenderEveryKindAndLocale renders each kind in each language: every
// template exists, fills every field it names and leaves no placeholder.
func TestRenderEveryKindAndLocale(t *testing.T) {
	t.Parallel()
	for _, k := range append(notify.Kinds, notify.SignatureCode) {
		for _, l := range notify.Locales {
			subject, body, sms, err := notify.Render(k, l, sample())
			if err != nil {
				t.Fatalf("%s/%s: %v", k, l, err)
			}
			for _, s := range []string{subject, body, sms} {
				if s == "" || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
					t.Errorf("%s/%s rendered %q", k, l, s)
				}
			}
			if !strings.Contains(body, "Dana Rossi") {
				t.Errorf("%s/%s: body does not greet the recipient: %q", k, l, body)
			}
		}
	}
}

func TestRenderContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    notify.Kind
		locale  notify.Locale
		outcome string
		subject string
		sms     string
	}{
		{notify.Reminder, notify.English, "", "Your instalment of EUR 312.40 is due on 2027-03-15", "Lendkit: EUR 312.40 due 2027-03-15 on loan L-1."},
		{notify.Reminder, notify.French, "", "Votre échéance de EUR 312.40 arrive le 2027-03-15", "Lendkit : EUR 312.40 dus le 2027-03-15, prêt L-1."},
		{notify.DecisionMade, notify.Italian, "declined", "Esito della richiesta A-1", "Lendkit: richiesta A-1 respinta."},
		{notify.DecisionMade, notify.French, "referred", "Décision sur votre demande A-1", "Lendkit : demande A-1 à l'étude."},
		{notify.InsufficientFunds, notify.English, "", "Collection short on loan L-1", "Lendkit: insufficient funds, EUR 100.00 of EUR 312.40 collected on loan L-1."},
	}
	for _, tt := range tests {
		d := sample()
		if tt.outcome != "" {
			d["outcome"] = tt.outcome
		}
		subject, _, sms, err := notify.Render(tt.kind, tt.locale, d)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([2]string{tt.subject, tt.sms}, [2]string{subject, sms}); diff != "" {
			t.Errorf("%s/%s (-want +got):\n%s", tt.kind, tt.locale, diff)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	d := sample()
	delete(d, "due")
	tests := []struct {
		name   string
		kind   notify.Kind
		locale notify.Locale
		data   map[string]string
		want   error
	}{
		{"unknown kind", "birthday", notify.English, sample(), notify.ErrUnknownKind},
		{"unknown locale", notify.Reminder, "de", sample(), notify.ErrUnknownLocale},
		{"missing field", notify.Reminder, notify.English, d, notify.ErrTemplate},
		{"blank field", notify.PaymentReceived, notify.Italian, map[string]string{"name": "x", "loan": " ", "amount": "1", "date": "d"}, notify.ErrTemplate},
	}
	for _, tt := range tests {
		if _, _, _, err := notify.Render(tt.kind, tt.locale, tt.data); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestSMTP sends through net/smtp to the in-process server on 127.0.0.1 and
// checks the envelope, the headers and the decoded UTF-8 body.
func TestSMTP(t *testing.T) {
	t.Parallel()
	srv := notifytest.Start(t)
	at := time.Date(2027, 3, 12, 9, 0, 0, 0, time.UTC)
	s := &notify.SMTP{Addr: srv.Addr, From: "Lendkit <no-reply@lendkit.example>", Now: func() time.Time { return at }, Timeout: 5 * time.Second}
	subject, body, _, err := notify.Render(notify.Reminder, notify.French, sample())
	if err != nil {
		t.Fatal(err)
	}
	m := notify.Message{ID: "obx_123", Kind: notify.Reminder, To: "dana@example.com", Subject: subject, Body: body}
	if err := s.SendEmail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages received", len(got))
	}
	r := got[0]
	dec := new(mime.WordDecoder)
	gotSubject, err := dec.DecodeHeader(r.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	gotBody, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"from": "no-reply@lendkit.example", "to": "dana@example.com", "subject": subject,
		"message-id": "<obx_123@lendkit.example>", "outbox-id": "obx_123", "date": "Fri, 12 Mar 2027 09:00:00 +0000",
		"body": strings.ReplaceAll(body, "\n", "\r\n") + "\r\n"}
	gotm := map[string]string{"from": r.From, "to": r.To, "subject": gotSubject, "message-id": r.Header.Get("Message-ID"),
		"outbox-id": r.Header.Get("X-Lendkit-Outbox-Id"), "date": r.Header.Get("Date"), "body": string(gotBody)}
	if diff := cmp.Diff(want, gotm); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
}

func TestSMTPErrors(t *testing.T) {
	t.Parallel()
	srv := notifytest.Start(t)
	ok := notify.Message{ID: "obx_1", To: "a@example.com", Subject: "s", Body: "b"}
	tests := []struct {
		name string
		s    *notify.SMTP
		m    notify.Message
		want error
	}{
		{"header injection in To", &notify.SMTP{Addr: srv.Addr, From: "x@example.com"}, notify.Message{ID: "obx_1", To: "a@example.com\r\nBcc: b@example.com"}, notify.ErrAddress},
		{"bad from", &notify.SMTP{Addr: srv.Addr, From: "not an address"}, ok, notify.ErrAddress},
		{"bad id", &notify.SMTP{Addr: srv.Addr, From: "x@example.com"}, notify.Message{ID: "a b", To: "a@example.com"}, notify.ErrAddress},
		{"valid", &notify.SMTP{Addr: srv.Addr, From: "x@example.com", Hello: "h", Timeout: time.Second}, ok, nil},
		{"TLS required, not offered", &notify.SMTP{Addr: srv.Addr, From: "x@example.com", TLS: &tls.Config{ServerName: "x"}, Timeout: time.Second}, ok, notify.ErrSend},
		{"nobody listening", &notify.SMTP{Addr: "127.0.0.1:1", From: "x@example.com", Timeout: time.Second}, ok, notify.ErrSend},
	}
	for _, tt := range tests {
		err := tt.s.SendEmail(context.Background(), tt.m)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages, want only the valid one", n)
	}
}

func TestLog(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	l := notify.Log{Logger: slog.New(slog.NewTextHandler(&b, nil))}
	if err := l.SendSMS(context.Background(), notify.Message{ID: "obx_9", To: "+393331234567", Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "id=obx_9") || !strings.Contains(b.String(), "to=+393331234567") {
		t.Errorf("log line %q", b.String())
	}
	if err := l.SendEmail(context.Background(), notify.Message{ID: "x", To: ""}); !errors.Is(err, notify.ErrAddress) {
		t.Errorf("empty address: %v", err)
	}
}
