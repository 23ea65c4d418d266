// Package iban validates, formats and generates International Bank Account
// Numbers (ISO 13616) and issues virtual IBANs.
//
// An IBAN is a two-letter country code, two check digits and a country-specific
// Basic Bank Account Number (BBAN). The check digits make the whole string,
// rearranged and read as a number with letters replaced by 10..35, congruent to
// 1 modulo 97 (ISO 7064 MOD 97-10). Parse checks the characters, the length the
// SWIFT IBAN registry fixes for the country, the BBAN structure where this
// package knows it, and the check digits; for France and Monaco it also checks
// the national RIB key that ends the BBAN.
//
// Virtual IBANs let a lending platform give every borrower, or every loan, its
// own account number at the payment institution, so that an incoming transfer
// names its payer by the account it was sent to. An Issuer derives the account
// number deterministically from an identifier (a loan id, a borrower id): the
// same id always yields the same IBAN, and a restart or a replay never issues a
// second one. Because the account number is a hash, two ids may collide; the
// store keeps virtual IBANs under a unique index, and the caller retries with
// the next attempt number (Issuer.Issue's second argument) on a conflict.
//
// Everything here is pure: no I/O, no clock, no global state.
package iban
