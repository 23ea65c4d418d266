package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/sqlite"
)

// openDB opens the database named by dsn: a postgres:// or postgresql:// URL
// opens Postgres, anything else is a SQLite file path. clock stamps every
// unit of work (a ManualClock in the demo). It does not migrate.
func openDB(ctx context.Context, dsn string, clock lendkit.Clock) (store.DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := postgres.Open(ctx, dsn, postgres.WithClock(clock))
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	if dsn == "" {
		return nil, fmt.Errorf("-db: empty database name")
	}
	db, err := sqlite.Open(ctx, dsn, sqlite.WithClock(clock))
	if err != nil {
		return nil, err
	}
	return db, nil
}
