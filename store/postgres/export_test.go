package postgres

import (
	"context"
	"io/fs"
	"time"
)

// MigrateFS runs the migration runner over test migrations read from fsys.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS, target int) error {
	migs, err := loadMigrations(fsys)
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, migs, target)
}

// LoadMigrations exposes loadMigrations to the tests.
var LoadMigrations = loadMigrations

// Backoff exposes the backoff schedule to the tests.
func Backoff(base, max time.Duration, n int) time.Duration { return backoff(base, max, n) }
