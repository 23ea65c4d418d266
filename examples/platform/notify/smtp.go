package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// SMTP is the Email adapter that sends through an SMTP relay with net/smtp.
// Each message opens one connection (notifications are few and a relay
// closes idle connections anyway), so there is no connection state to lose
// between sends. The zero value is not usable: Addr and From are required.
type SMTP struct {
	// Addr is the relay's host:port.
	Addr string
	// From is the sender address, e.g. "Lendkit <no-reply@lendkit.example>".
	From string
	// Auth, when set, authenticates after STARTTLS (net/smtp refuses PLAIN
	// auth over an unencrypted connection except to localhost).
	Auth smtp.Auth
	// TLS, when set, upgrades the connection with STARTTLS if the relay
	// offers it; a relay that does not offer it is refused, so a downgrade
	// cannot send mail in clear.
	TLS *tls.Config
	// Hello is the name given in EHLO (default "localhost").
	Hello string
	// Timeout bounds the whole exchange (default 30 s).
	Timeout time.Duration
	// Now stamps the Date header (default time.Now).
	Now func() time.Time
}

// SendEmail sends m to m.To. The message carries m.ID in its Message-ID
// and X-Lendkit-Outbox-Id headers, so a receiver can drop a second copy.
// Errors wrap ErrAddress (bad addresses, never retried usefully) or ErrSend.
func (s *SMTP) SendEmail(ctx context.Context, m Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("%w: from %q: %v", ErrAddress, s.From, err)
	}
	if err := checkAddress(m.To); err != nil {
		return err
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("%w: to %q: %v", ErrAddress, m.To, err)
	}
	if m.ID == "" || strings.ContainsAny(m.ID, "\r\n<>@ ") {
		return fmt.Errorf("%w: message id %q", ErrAddress, m.ID)
	}
	msg, err := s.compose(from, to, m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("%w: dial %s: %v", ErrSend, s.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("%w: addr %q: %v", ErrSend, s.Addr, err)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("%w: greeting: %v", ErrSend, err)
	}
	defer c.Close()
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("%w: EHLO: %v", ErrSend, err)
	}
	if s.TLS != nil {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%w: %s does not offer STARTTLS and TLS is required", ErrSend, s.Addr)
		}
		if err := c.StartTLS(s.TLS); err != nil {
			return fmt.Errorf("%w: STARTTLS: %v", ErrSend, err)
		}
	}
	if s.Auth != nil {
		if err := c.Auth(s.Auth); err != nil {
			return fmt.Errorf("%w: AUTH: %v", ErrSend, err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("%w: MAIL FROM: %v", ErrSend, err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("%w: RCPT TO: %v", ErrSend, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("%w: DATA: %v", ErrSend, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("%w: writing the message: %v", ErrSend, err)
	}
	// Close waits for the relay's reply to the final dot: only then is the
	// message accepted.
	if err := w.Close(); err != nil {
		return fmt.Errorf("%w: end of DATA: %v", ErrSend, err)
	}
	if err := c.Quit(); err != nil {
		// The message was accepted; a failed QUIT does not undo it.
		return nil
	}
	return nil
}

// compose builds the RFC 5322 message: UTF-8 text in quoted-printable,
// the subject RFC 2047-encoded.
func (s *SMTP) compose(from, to *mail.Address, m Message) ([]byte, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	domain := "lendkit.invalid"
	if _, d, ok := strings.Cut(from.Address, "@"); ok {
		domain = d
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", strings.ReplaceAll(strings.ReplaceAll(m.Subject, "\r", " "), "\n", " ")))
	hdr("Date", now().UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+m.ID+"@"+domain+">")
	hdr("X-Lendkit-Outbox-Id", m.ID)
	hdr("X-Lendkit-Kind", string(m.Kind))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `text/plain; charset="utf-8"`)
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return nil, fmt.Errorf("%w: encoding the body: %v", ErrSend, err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("%w: encoding the body: %v", ErrSend, err)
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
