package pgtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

// The environment variable that opts a test run into Postgres.
func ExampleEnvURL() {
	fmt.Println(pgtest.EnvURL)
	// Output:
	// LENDKIT_TEST_POSTGRES_URL
}

// A test that runs on Postgres when LENDKIT_TEST_POSTGRES_URL is set, in a
// migrated schema of its own, and skips saying why otherwise.
func ExampleOpen() {
	_ = func(t *testing.T) {
		t.Parallel()
		db := pgtest.Open(t) // closed and dropped when t ends
		err := db.InTx(context.Background(), func(tx store.Tx) error {
			_, err := tx.Ledger().Accounts(context.Background(), "", 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
