// Package ledger is lendkit's double-entry ledger: every cent that moves goes
// through it, and it can prove afterwards that none was lost.
//
// # Model
//
// An Account has an id chosen by the program ("lender:42:wallet"), a code
// saying what it is for, one currency, a normal side (Credit for what the
// platform owes — wallets, escrow; Debit for what it holds — bank, loans
// receivable) and a constraint: NonNegative (the default), CreditLimit or
// Unconstrained. A Transfer is two or more postings (Dr and Cr) that balance
// per currency, with an idempotency key and an effective date. Committed
// transactions are immutable: a mistake is corrected by Reverse, a new
// transaction linked to the original, at most once.
//
// Two-phase holds serve escrow: Hold reserves money (it counts against the
// available balance at once), then PostHold moves all or part of it, or
// VoidHold releases it — at most once either way; a hold may expire
// (ExpireHolds voids what is due, PostHold refuses it). ResolveHolds posts
// and voids many holds in one write (closing a funding campaign), all or
// none, each idempotent on its own key as PostHold and VoidHold are.
//
// Balances are maintained in the same database transaction as the postings:
// posted, pending (reserved by holds) and available (posted minus pending),
// on the account's normal side. BalanceAsOf sums postings by effective date;
// History pages through an account's postings.
//
// # Idempotency
//
// Every write carries a key. The same key with the same request returns the
// original transaction, whatever happened since (a retried HTTP call cannot
// move money twice); the same key with a different request is
// store.ErrIdempotencyMismatch. The ledger stores a SHA-256 of the request
// with the key to tell the two apart.
//
// # Concurrency
//
// A write locks the balance rows of every account it touches, in one order
// (account ids in byte order), reads them, checks constraints in Go, and
// writes postings and new balances. The lock is the only serialisation: two
// writers on disjoint accounts never wait for each other (on Postgres), and no
// two writers deadlock. PostBatch takes the locks of a whole batch at once.
//
// # Tamper evidence
//
// Each posting carries a hash chaining it to the previous posting of the same
// account, and covering its transaction's hash (which covers every field and
// posting of the transaction). The chain head lives on the account's balance
// row, which a writer has locked anyway — so the chain adds no hot row and no
// lock: a per-ledger chain would serialise every writer on Postgres. Verify
// recomputes every transaction hash and every account chain, checks that each
// transaction balances, that each stored balance equals the sum of its
// postings and that debits equal credits per currency, and reports the first
// discrepancy. Its Report.Root digests all chain heads: keep it outside the
// database to detect a rewrite of the whole history, which nothing inside the
// database can.
//
// # Use
//
//	l := ledger.New(db) // db from sqlite.Open or postgres.Open, migrated
//	tx, err := l.Post(ctx, ledger.Transfer{
//		Key: "payin:psp-123", Code: "payin", EffectiveDate: today,
//		Postings: []ledger.Posting{ledger.Dr("bank", amount), ledger.Cr("wallet:alice", amount)},
//	})
//
// Inside a unit of work shared with other domains, use In(tx):
//
//	err := db.InTx(ctx, func(tx store.Tx) error {
//		if _, err := ledger.In(tx).PostBatch(ctx, funding); err != nil {
//			return err
//		}
//		return tx.Dispatch().SaveLoan(ctx, loan)
//	})
//
// Errors wrap the package's sentinels (ErrInsufficientFunds, ErrUnbalanced,
// …), store's and lendkit's; a failed call writes nothing.
package ledger
