// Package wallet keeps the money of a lending platform's participants the
// way a payment institution does: one wallet per participant (lender,
// borrower, partner company, microfinance institution, fund, platform fees,
// tax authority, suspense, the institution's own treasury), funding campaigns
// that hold lenders' commitments in escrow, and the institution's own funds
// with a liquidity forecast.
//
// Every wallet balance is a ledger account (package ledger) and every
// movement a ledger transaction with an idempotency key, so that a replay of
// any operation returns its first result and money is never created or
// destroyed: pay-ins and payouts post against one external counterpart
// account per currency (the money outside the platform, at the PSP's bank),
// so the sum over all wallets and the external account is always zero.
//
// Rules live here, not in the ledger:
//
//   - Status. An open wallet moves money; a blocked wallet moves none (a
//     compliance freeze) but may be unblocked; a wallet closes only when its
//     balance is zero with nothing pending, and a closed wallet never reopens.
//   - KYC. Each wallet has a KYC level; a Policy says, per level, the largest
//     pay-in, the largest balance and whether payouts are allowed. No payout
//     happens before KYC is validated (the default Policy).
//   - Campaigns. A lender's commitment is a ledger hold from the lender's
//     wallet to the borrower's. At 100 % — or at the deadline with at least the
//     minimum raised — Close posts every hold into the borrower's wallet in one
//     unit of work; otherwise Close (after the deadline) or Cancel voids every
//     hold. Over-funding is refused or trimmed as the campaign says, and a
//     lender may withdraw while the campaign is open.
//
// Service methods each run in one unit of work of the store.DB given to New
// (both backends, SQLite and Postgres). Pure helpers — the liquidity
// Forecast — take their inputs and return values.
package wallet
