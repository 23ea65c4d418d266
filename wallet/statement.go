package wallet

import (
	"context"
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet/reconcile"
)

// ImportRequest books the credits of a bank statement.
type ImportRequest struct {
	StatementID string
	Credits     []reconcile.Credit      // e.g. reconcile.CreditsFromCamt(doc)
	Expected    []reconcile.Expectation // open instalments, Group = the wallet that receives them
	Suspense    string                  // the suspense wallet
	Date        lendkit.Date            // accounting date of the bookings
}

// ImportResult is what an import did.
type ImportResult struct {
	Reconciliation *reconcile.Result
	Booked         int // lines booked now
	Skipped        int // lines already imported earlier (or duplicates within the statement)
}

// importChunk bounds one ledger batch (ledger.MaxBatch is 10,000 transfers).
const importChunk = 2000

// ImportStatement reconciles a statement's credits (package reconcile) and
// books every line in one unit of work: the part applied to instalments is
// credited to the group's wallet (an expectation's Group names the wallet),
// the rest — over- and under-payments, lines under review, unmatched lines —
// to the suspense wallet, so nothing is lost. A line whose wallet is blocked
// or closed goes to suspense whole. Each line is one ledger transaction
// keyed by the line id, and a statement line row records it: importing the
// same statement again books nothing twice. Bank credits are booked whatever
// the wallet's KYC limits (the money has arrived); compliance reviews them.
func (s *Service) ImportStatement(ctx context.Context, r ImportRequest) (ImportResult, error) {
	if r.StatementID == "" || r.Date.IsZero() || r.Suspense == "" {
		return ImportResult{}, fmt.Errorf("%w: import needs a statement id, a date and a suspense wallet", ErrInvalid)
	}
	rec, err := reconcile.Reconcile(s.cur, r.Credits, r.Expected)
	if err != nil {
		return ImportResult{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var res ImportResult
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		res = ImportResult{Reconciliation: rec}
		ws := tx.Wallets()
		susp, err := s.active(ctx, tx, r.Suspense)
		if err != nil {
			return fmt.Errorf("suspense wallet: %w", err)
		}
		if Kind(susp.Kind) != Suspense {
			return fmt.Errorf("%w: %s is a %s wallet, not a suspense wallet", ErrInvalid, susp.ID, susp.Kind)
		}
		// One query for every matched group's wallet; a group without an
		// open wallet cannot receive, and its lines go to suspense whole.
		var groups []string
		seen := map[string]bool{}
		for _, line := range rec.Lines {
			if line.Group != "" && len(line.Allocations) > 0 && !seen[line.Group] {
				seen[line.Group] = true
				groups = append(groups, line.Group)
			}
		}
		found, err := ws.WalletsByID(ctx, groups)
		if err != nil {
			return err
		}
		receive := make(map[string]string, len(found)) // group → ledger account
		for _, w := range found {
			if Status(w.Status) == Open {
				receive[w.ID] = w.AccountID
			}
		}
		var rows []store.StatementLine
		var transfers []ledger.Transfer
		for _, line := range rec.Lines {
			cr := line.Credit
			if line.Outcome == reconcile.Duplicate || cr.Amount.Currency() != s.cur {
				// Duplicates were booked by their first occurrence; a foreign
				// currency cannot enter this ledger and stays on the review list.
				res.Skipped++
				continue
			}
			applied := lendkit.Zero(s.cur)
			for _, a := range line.Allocations {
				if applied, err = applied.Add(a.Amount); err != nil {
					return err
				}
			}
			suspense := line.Suspense
			target := receive[line.Group]
			if applied.IsPositive() && target == "" {
				suspense, applied = cr.Amount, lendkit.Zero(s.cur)
			}
			id := "line:" + r.StatementID + ":" + cr.ID
			rows = append(rows, store.StatementLine{ID: id, StatementID: r.StatementID, Amount: cr.Amount, BookingDate: cr.BookingDate,
				Outcome: string(line.Outcome), Rule: string(line.Rule), GroupID: line.Group, LedgerKey: id})
			postings := []ledger.Posting{ledger.Dr(s.ExternalAccount(), cr.Amount)}
			if applied.IsPositive() {
				postings = append(postings, ledger.Cr(target, applied))
			}
			if suspense.IsPositive() {
				postings = append(postings, ledger.Cr(susp.AccountID, suspense))
			}
			transfers = append(transfers, ledger.Transfer{Key: id, Code: "statement_credit", EffectiveDate: r.Date,
				Metadata: map[string]string{"statement": r.StatementID, "outcome": string(line.Outcome)}, Postings: postings})
		}
		fresh, err := ws.InsertStatementLines(ctx, rows)
		if err != nil {
			return err
		}
		batch := make([]ledger.Transfer, 0, min(len(transfers), importChunk))
		for i, t := range transfers {
			if !fresh[i] {
				res.Skipped++ // imported by an earlier run
				continue
			}
			batch = append(batch, t)
			res.Booked++
			if len(batch) == importChunk {
				if _, err := ledger.In(tx).PostBatch(ctx, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			if _, err := ledger.In(tx).PostBatch(ctx, batch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}
