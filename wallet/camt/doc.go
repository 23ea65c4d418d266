// Package camt parses ISO 20022 bank-to-customer cash management messages:
// camt.053 (end-of-day account statements) and camt.054 (debit and credit
// notifications), the files a bank or payment institution sends to tell a
// platform what was booked on its accounts.
//
// Parsing streams through the document with encoding/xml's token decoder and
// keeps only the fields reconciliation needs: for each entry its amount,
// direction, status, dates and references, and for each transaction detail the
// end-to-end id, the counterpart's name and IBAN, the account credited (a
// virtual IBAN), the remittance information (structured creditor reference or
// free text) and, for R-transactions, the return reason code.
//
// Bank files are untrusted input. Parse refuses, with an error naming the
// limit, a document larger than Limits.MaxBytes, nested deeper than
// Limits.MaxDepth, with more than Limits.MaxEntries entries or an over-long
// text node; a DTD (so no entity expansion); an encoding other than UTF-8; a
// root element outside the camt.053/camt.054 namespaces; and malformed XML or
// amounts. It never returns a partial result with a nil error.
package camt
