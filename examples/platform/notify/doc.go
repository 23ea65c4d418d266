// Package notify is the reference platform's notification vocabulary and its
// delivery ports: what kinds of message the platform sends to borrowers and
// lenders (a reminder before a due date, a payment received, a late payment,
// insufficient funds after a returned direct debit, a credit decision, a
// contract to sign, a disbursement, a repayment received by a lender), their
// templates in English, French and Italian, and the two ports messages leave
// through — Email and SMS — with adapters:
//
//   - Log writes each message to a log/slog logger: the default, so a
//     platform started without an SMTP relay still shows what it would send.
//   - SMTP sends email through a relay with net/smtp (STARTTLS when the relay
//     offers it and TLS is configured, AUTH when given).
//
// The package does not decide when to send: the platform writes each message
// into its outbox in the same unit of work as the event that causes it, and
// a sender claims outbox rows, calls a port and marks them sent (see the
// platform's outbox.go). Every Message carries the outbox row's ID, which the
// SMTP adapter puts in the Message-ID and X-Lendkit-Outbox-Id headers, so a
// receiver that sees the same message twice (the sender died after sending
// and before marking) can drop the copy.
//
// Render fills a template:
//
//	subject, body, sms, err := notify.Render(notify.PaymentReceived, notify.French, map[string]string{...})
//
// Templates use text/template with missingkey=error: a template that names a
// field the caller did not give fails to render rather than printing
// "<no value>" to a customer.
package notify
