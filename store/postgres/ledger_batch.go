package postgres

import (
	"context"
	"fmt"

	"github.com/lendkit/lendkit/store"
)

// TransactionsByID returns the transactions whose id is in ids, and their
// postings, in one round trip (readTransactions pipelines both queries).
func (l ledgerStore) TransactionsByID(ctx context.Context, ids []string) ([]store.Transaction, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// At most one row per id, so len(ids) bounds the result.
	txs, err := l.readTransactions(ctx, `t.id = ANY($1)`, `$2::int`, ids, len(ids))
	if err != nil {
		return nil, fmt.Errorf("postgres: transactions by id: %w", err)
	}
	return txs, nil
}

// Resolutions returns the resolutions of the holds in holdIDs, and their
// postings, in one round trip, through the partial unique index on hold_id.
func (l ledgerStore) Resolutions(ctx context.Context, holdIDs []string) ([]store.Transaction, error) {
	if len(holdIDs) == 0 {
		return nil, nil
	}
	// hold_id is unique, so len(holdIDs) bounds the result.
	txs, err := l.readTransactions(ctx, `t.hold_id = ANY($1)`, `$2::int`, holdIDs, len(holdIDs))
	if err != nil {
		return nil, fmt.Errorf("postgres: resolutions: %w", err)
	}
	return txs, nil
}
