// Package servicing persists what package dispatch computes, through the
// store's unit of work, next to the ledger transactions that move the money.
//
// dispatch is pure: a Book disperses payments in memory. servicing runs each
// event inside the caller's store.Tx, so that the loan's state, its register
// of holdings, the lenders' projections, the dispersal and its ledger
// transaction commit together or not at all:
//
//	err := db.InTx(ctx, func(tx store.Tx) error {
//		_, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: acc})
//		return err
//	})
//
// The functions:
//
//   - [Fund] writes a funded loan: its state, its register, every lender's
//     projected repayments (180,000 rows for 3,000 lenders × 60 months,
//     streamed through the backend's bulk path: multi-row INSERTs on
//     SQLite, COPY on Postgres) and the funding transaction (every funder's
//     wallet to the borrower's).
//   - [Pay] and [Repay] apply a payment: one balanced ledger transaction
//     (borrower → holders' wallets, tax authorities, platform), the
//     dispersal with every holder's share, and the loan's new state. A
//     payment key is idempotent: the same key and payload returns the stored
//     dispersal; another payload is store.ErrIdempotencyMismatch.
//   - [Transfer] sells holdings at a cut-off (register lines closed and
//     opened, price settled wallet to wallet, projections re-derived); a
//     replayed key returns the original record.
//   - [Reschedule], [Default], [WriteOff] and [Reproject] complete the life
//     of a loan. For any other event, [Load] the loan, apply the event to
//     its Book and [Loan.Save] it in the same unit of work.
//
// The loan's state is the book's binary snapshot, saved under optimistic
// concurrency (store.DispatchLoan.Version): two units of work servicing the
// same loan cannot both commit. Ledger accounts are named by an [Accounts]
// function (the platform passes its wallet service's mapping;
// [DefaultAccounts] is a plain scheme); they must exist before funding.
//
// servicing calls only the store's interfaces and the ledger; it never
// imports a database driver (a test enforces it).
package servicing
