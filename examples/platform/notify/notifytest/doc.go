// Package notifytest is a tiny SMTP server for tests: it listens on
// 127.0.0.1, accepts every message, and keeps what it received, counting
// each X-Lendkit-Outbox-Id once — the idempotent receiver the platform's
// exactly-once delivery is checked against. It speaks just enough of
// RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP,
// QUIT) for net/smtp; it is not a mail server.
package notifytest
