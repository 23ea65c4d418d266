// Package rf generates and validates ISO 11649 structured creditor references
// ("RF references"), the reference a creditor asks a payer to quote in a SEPA
// credit transfer so that the payment reconciles without a human.
//
// A reference is "RF", two check digits and 1 to 21 letters or digits. The
// check digits are computed like an IBAN's (ISO 7064 MOD 97-10): moving "RF"
// and the check digits to the end and reading letters as 10..35 gives a
// number congruent to 1 modulo 97. A lending platform puts the loan or
// instalment identifier in the reference; reconciliation (package
// wallet/reconcile) then matches a credit by it when the payer did not send
// the money to the loan's virtual IBAN.
package rf
