package sqlite

import (
	"context"
	"fmt"

	"github.com/lendkit/lendkit/store"
)

// TransactionsByID returns the transactions whose id is in ids, 64 ids per
// statement (the primary key lookup of each is one b-tree probe).
func (s *ledgerStore) TransactionsByID(ctx context.Context, ids []string) ([]store.Transaction, error) {
	out, err := s.txsIn(ctx, `t.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: transactions by id: %w", err)
	}
	return out, nil
}

// Resolutions returns the resolutions of the holds in holdIDs, through the
// partial unique index on hold_id, 64 holds per statement.
func (s *ledgerStore) Resolutions(ctx context.Context, holdIDs []string) ([]store.Transaction, error) {
	out, err := s.txsIn(ctx, `t.hold_id`, holdIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: resolutions: %w", err)
	}
	return out, nil
}

// txsIn selects the transactions whose column col is one of vals. Repeated
// values are asked once, so no transaction is returned twice.
func (s *ledgerStore) txsIn(ctx context.Context, col string, vals []string) ([]store.Transaction, error) {
	seen := make(map[string]bool, len(vals))
	uniq := make([]any, 0, len(vals))
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			uniq = append(uniq, v)
		}
	}
	var out []store.Transaction
	for start := 0; start < len(uniq); start += chunk {
		part := uniq[start:min(start+chunk, len(uniq))]
		txs, err := s.selectTxs(ctx, `SELECT `+txCols+` FROM ledger_transactions t WHERE `+col+` IN (`+placeholders(len(part))+`)`, part...)
		if err != nil {
			return nil, err
		}
		out = append(out, txs...)
	}
	return out, nil
}
