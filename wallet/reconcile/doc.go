// Package reconcile matches incoming bank credits to what the platform
// expects to receive, without a human where the evidence is unambiguous and
// with a review queue where it is not. It is a pure function over its
// inputs: the credits of a statement and the open expectations (instalments
// due, loan by loan); the caller persists the outcome in one unit of work.
//
// Matching follows the strength of the evidence:
//
//  1. Virtual IBAN. A credit sent to the virtual IBAN of a loan or borrower
//     belongs to it. Nothing a payer types can be wrong here.
//  2. Structured creditor reference (ISO 11649 RF), in the structured
//     remittance field or found in the free text.
//  3. Amount and name: an open expectation of exactly the credited amount
//     whose debtor name resembles the payer's. This is a guess, so it goes to
//     the review queue and is never applied automatically.
//
// Money is never lost: for a matched credit the amount covers the oldest
// open expectations of the loan in full, one after the other; what is left —
// an overpayment, or an underpayment that covers no expectation in full — goes
// to suspense. A credit under review, an unmatched credit, a credit in the
// wrong currency and a duplicate line all go to suspense too (a duplicate is
// flagged so the caller does not book it twice). For every line, the amounts
// allocated plus the amount sent to suspense equal the credit.
package reconcile
