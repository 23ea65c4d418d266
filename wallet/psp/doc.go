// Package psp defines the port through which lendkit talks to a payment
// service provider (a payment institution such as Lemonway or Mangopay):
// pay-ins by card or bank transfer, payouts to a verified IBAN, transfers
// between wallets held at the PSP, SEPA mandates and direct-debit
// collections, refunds, chargebacks, and the asynchronous notifications a PSP
// sends as operations change state.
//
// The port is deliberately the intersection of what real PSPs offer, in their
// own vocabulary translated to one state machine:
//
//	created ──► pending ──► succeeded ──► refunded | charged_back | returned
//	   │           │
//	   └───────────┴──────► failed
//
// Every request carries the caller's idempotency reference; a PSP adapter
// passes it to the PSP's own idempotency mechanism (Mangopay's
// Idempotency-Key header, Lemonway's wallet-side unique transaction
// reference) so that a retry after a timeout never creates a second
// operation. A timeout is therefore reported as ErrTimeout and the caller
// retries the same request, or looks the operation up by reference.
//
// # Mapping to real PSPs
//
// A Mangopay adapter is a thin translation:
//   - CreatePayIn(card) → POST /payins/card/web (or /card/direct);
//     CreatePayIn(transfer) → POST /payins/bankwire/direct, whose wire
//     reference the payer quotes; Mangopay Status CREATED/SUCCEEDED/FAILED map
//     one to one.
//   - CreatePayout → POST /payouts/bankwire to a BankAccount registered (and
//     verified: KYC) for the user.
//   - Transfer → POST /transfers between two wallets.
//   - CreateMandate → POST /mandates/directdebit/web; its statuses CREATED,
//     SUBMITTED, ACTIVE, FAILED, EXPIRED map to MandateState.
//   - Collect → POST /payins/directdebit/direct with the MandateId.
//   - Refund → POST /payins/{id}/refunds.
//   - Chargebacks arrive as Disputes (hook DISPUTE_CREATED) and become
//     StateChargedBack notifications; a direct-debit return arrives as a
//     failed pay-in with a ResultCode that the adapter maps to a SEPA reason.
//   - Notifications: Mangopay hooks (EventType, RessourceId, Date) carry no
//     state; the adapter fetches the resource and emits a Notification with
//     the hook's id as Notification.ID, so duplicate hook deliveries dedupe.
//
// A Lemonway adapter is the same shape over its Directkit methods
// (MoneyInWebInit and MoneyInSddInit for pay-ins, MoneyOut for payouts,
// SendPayment between wallets, RegisterSddMandate, RefundMoneyIn), with its
// numeric transaction statuses mapped to State and its POST-back
// notifications mapped to Notification.
//
// wallet/psp/simpsp implements the port deterministically for tests and the
// demo, with failure injection.
package psp
