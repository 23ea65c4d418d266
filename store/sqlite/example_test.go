package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sqlite-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "lendkit.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		panic(err)
	}
	cur, latest, err := db.MigrationVersion(ctx)
	fmt.Println(cur == latest, err)

	// Store errors are the store's sentinels, whatever the driver said.
	err = db.View(ctx, func(tx store.Tx) error {
		_, err := tx.Ledger().Account(ctx, "nobody")
		return err
	})
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// true <nil>
	// true
}
