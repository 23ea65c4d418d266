package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

// One unit of work spans domains: what fn writes commits together, or not at
// all.
func ExampleDB_InTx() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	var db store.DB
	db, err = sqlite.Open(ctx, filepath.Join(dir, "lendkit.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	err = db.InTx(ctx, func(tx store.Tx) error {
		_, err := ledger.In(tx).CreateAccount(ctx, ledger.Account{ID: "bank", Code: "bank", Currency: lendkit.EUR, Normal: ledger.Debit})
		return err
	})
	fmt.Println(err)
	err = db.InTx(ctx, func(tx store.Tx) error {
		// A second account with the same id violates a unique key: the
		// backend reports store.ErrConflict, never a driver error.
		return tx.Ledger().CreateAccount(ctx, store.Account{ID: "bank", Code: "bank", Currency: lendkit.EUR, Normal: store.Debit, CreditLimit: lendkit.Zero(lendkit.EUR), CreatedAt: tx.Now()})
	})
	fmt.Println(errors.Is(err, store.ErrConflict))
	// Output:
	// <nil>
	// true
}
