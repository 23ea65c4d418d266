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
//     minimum raised — CloseCampaign posts every hold into the borrower's
//     wallet in one unit of work; otherwise CloseCampaign (after the deadline)
//     or CancelCampaign voids every hold. Over-funding is refused or trimmed as the campaign says, and a
//     lender may withdraw while the campaign is open.
//
// Around them, the payment-institution flows:
//
//   - ImportStatement reconciles a bank statement's credits (subpackages camt
//     and reconcile) and books them in one unit of work: what pays
//     instalments to the loan's wallet, the rest to the suspense wallet;
//     re-importing a statement books nothing twice.
//   - ApplyNotification books a PSP notification (subpackage psp) at most
//     once: pay-ins and collections credit, returns, chargebacks and refunds
//     debit, a failed payout gives back what Payout took.
//   - RegisterMandate, CollectionPresented and CollectionReturned keep SEPA
//     mandates (subpackage sepa): the 36-month expiry runs from the latest
//     collection, and a return's reason code decides retry, revocation and
//     alert.
//   - IssueVirtualIBAN gives each loan or borrower its own IBAN (subpackage
//     iban), so incoming transfers reconcile without a human.
//   - LendingCapacity, History and Forecast cover the institution's own funds.
//
// Service methods each run in one unit of work of the store.DB given to New
// (both backends, SQLite and Postgres). OpenMany, PayInMany and CommitMany
// apply thousands of operations in one unit of work, all or none, under the
// rules of Open, PayIn and Commit (which are batches of one). In(tx) returns
// the Service inside a unit of work the caller runs, as ledger.In(tx) does
// for the ledger, so that closing a campaign and opening the loan it funds
// commit together. Pure helpers — the liquidity
// Forecast — take their inputs and return values. Subpackages iban, rf, camt,
// sepa, reconcile and psp are pure too (a test keeps them free of database,
// network and clock); psp/simpsp is the deterministic simulated PSP.
package wallet
