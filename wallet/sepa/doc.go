// Package sepa implements the SEPA Direct Debit pieces a lending platform
// needs to collect instalments: creditor identifiers, mandates (unique
// reference, signature date, CORE or B2B scheme, status, expiry after 36
// months without a collection), pre-notification and submission deadlines
// on the TARGET2 calendar, pain.008 collection files, pain.002 status
// reports, and the R-transaction reason codes (AM04, AC04, MD01, MD06, …)
// with the effect each has on a loan: is the instalment unpaid, may the
// collection be retried and when, must the mandate be revoked, who is
// alerted.
//
// The package follows the EPC SEPA Direct Debit Core and B2B Rulebooks and
// their implementation guidelines (pain.008.001.02, pain.002.001.03, the
// versions most banks and payment institutions still accept). It is pure:
// dates are inputs, nothing reads the clock, nothing does I/O other than
// reading and writing the XML handed to it.
package sepa
