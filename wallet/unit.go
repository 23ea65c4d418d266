package wallet

import (
	"context"
	"fmt"

	"github.com/lendkit/lendkit/store"
)

// In returns the service inside the caller's unit of work tx, the way
// ledger.In(tx) gives the ledger of one: every method of the returned
// Service reads and writes through tx instead of opening a unit of work of
// its own, so its effects commit or roll back with the caller's other writes.
// A platform closes a campaign and opens the loan it funds in one unit of
// work this way:
//
//	err := db.InTx(ctx, func(tx store.Tx) error {
//		c, err := ws.In(tx).CloseCampaign(ctx, campaignID, today)
//		if err != nil {
//			return err
//		}
//		if c.Status != wallet.CampaignFunded {
//			return errNotFunded
//		}
//		_, err = servicing.Fund(ctx, tx, book, opts)
//		return err
//	})
//
// When a method of the returned Service fails, return an error from the
// InTx callback too: the method may have written part of its work before
// failing (a database error can strike mid-write) and only the caller's
// rollback undoes it. On Postgres the caller's InTx reruns its whole
// callback on a serialization failure, which reruns the wallet operations
// with it.
//
// It is cheap (one small copy): create one per tx, and do not use it after
// the callback returns. With a read-only tx (db.View) only the reading
// methods work; writes fail with the store's error.
func (s *Service) In(tx store.Tx) *Service {
	c := *s
	c.db = unitDB{tx: tx}
	return &c
}

// unitDB is a store.DB whose every unit of work is one given tx: the
// Service's methods, written as db.InTx(ctx, fn), run fn in the caller's
// unit of work. Schema and lifetime operations belong to the real DB and are
// refused.
type unitDB struct{ tx store.Tx }

// InTx runs fn in the caller's unit of work; committing or rolling back is
// the caller's.
func (d unitDB) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(d.tx)
}

// View runs fn in the caller's unit of work.
func (d unitDB) View(ctx context.Context, fn func(tx store.Tx) error) error { return d.InTx(ctx, fn) }

func (unitDB) Migrate(context.Context) error { return errNotInUnit("Migrate") }

func (unitDB) MigrateTo(context.Context, int) error { return errNotInUnit("MigrateTo") }

func (unitDB) MigrationVersion(context.Context) (int, int, error) {
	return 0, 0, errNotInUnit("MigrationVersion")
}

// Close does nothing: the database is the caller's, not the unit of work's.
func (unitDB) Close() error { return nil }

func errNotInUnit(op string) error {
	return fmt.Errorf("%w: %s is not available inside a caller's unit of work", ErrInvalid, op)
}
