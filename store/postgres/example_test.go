package postgres_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
)

// The schema versions this build embeds; the numbers are the same in every
// lendkit backend, and the first is the ledger's.
func ExampleMigrations() {
	m := postgres.Migrations()[0]
	fmt.Printf("%04d %s\n", m.Version, m.Name)
	// Output:
	// 0001 ledger
}

// Open a database, migrate it and post a transfer. (Not run: it needs a
// server.)
func ExampleOpen() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, "postgres://app@db.internal:5432/lendkit",
		postgres.WithMaxConns(16),
		postgres.WithRetry(20, time.Millisecond, 100*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	eur := lendkit.MustCurrency("EUR")
	l := ledger.New(db)
	_, err = l.Post(ctx, ledger.Transfer{
		Key: "payout-2027-01-15-0001", Code: "payout", EffectiveDate: lendkit.MustDate(2027, 1, 15),
		Postings: []ledger.Posting{
			ledger.Dr("wallet:lender-42", lendkit.New(12_50, eur)),
			ledger.Cr("bank:payouts", lendkit.New(12_50, eur)),
		},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Write an application table in the same unit of work as the ledger: both
// commit, or neither, and both are retried together on a serialization
// failure. (Not run: it needs a server.)
func ExamplePgxTx() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, "postgres://app@db.internal:5432/lendkit")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	err = db.InTx(ctx, func(tx store.Tx) error {
		t, err := ledger.In(tx).Post(ctx, ledger.Transfer{ /* … */ })
		if err != nil {
			return err
		}
		pg, _ := postgres.PgxTx(tx)
		_, err = pg.Exec(ctx, `INSERT INTO payouts (transaction_id, created_at) VALUES ($1, $2)`, t.ID, tx.Now())
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}
