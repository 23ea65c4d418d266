// Package lendkit is an embeddable lending back-end: schedules, a double-entry
// ledger, wallets, repayment dispersal, credit scoring and contracts, with
// SQLite and Postgres storage behind one seam.
//
// This root package is the vocabulary every other package speaks:
//
//   - [Currency]: an ISO 4217 currency and its minor-unit exponent.
//   - [Money]: int64 minor units of one currency; overflow and currency
//     mixing are errors, never silent.
//   - [Rounding]: the named rounding modes; [HalfUp] is the default.
//   - [Allocate]: the one primitive that splits an amount into parts that
//     always sum to the whole (largest remainder, earlier position wins ties).
//   - [Date]: a civil date with the end-of-month rule for adding months.
//   - [Rate]: an annual rate as an exact decimal.
//   - [Clock]: time as an input.
//
// The packages, from the pure to the persistent:
//
//	amortization  schedules, day counts, APR/IRR, prepayment, rescheduling, late interest
//	scoring       affordability, scorecards (fit and score), policies, explained decisions
//	contract      contract documents, fingerprints, signatures
//	dispatch      holdings, repayment waterfall, pro-rata dispersal, withholding tax;
//	              dispatch/servicing persists it through the store
//	ledger        double-entry accounts, transactions, holds, balances, verification
//	wallet        wallets, escrow, PSP port, SEPA direct debit, virtual IBANs;
//	              subpackages iban, rf, camt, sepa, psp (+ psp/simpsp), reconcile
//	store         the storage seam; store/sqlite and store/postgres implement it,
//	              store/storetest is the conformance suite both pass
//	examples/platform  the reference platform wiring every package together
//
// The pure packages (amortization, scoring, contract and the computing half of
// dispatch) never touch a database, the network or the wall clock.
package lendkit
