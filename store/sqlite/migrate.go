package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/lendkit/lendkit/store"
)

// migrationFS holds the numbered migrations, NNNN_name.up.sql and
// NNNN_name.down.sql, with the same numbers as store/postgres's.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered step with both directions.
type migration struct {
	version  int
	name     string
	up, down string
}

// migrations parses the embedded files once; a malformed set is a build
// mistake, caught by the package's tests.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*migration{}
	for _, e := range entries {
		n := e.Name()
		base, dir, ok := strings.Cut(strings.TrimSuffix(n, ".sql"), ".")
		num, name, ok2 := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || !ok2 || err != nil || v < 1 || (dir != "up" && dir != "down") {
			return nil, fmt.Errorf("sqlite: malformed migration file name %q (want NNNN_name.up.sql)", n)
		}
		body, err := migrationFS.ReadFile("migrations/" + n)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &migration{version: v, name: name}
			byVersion[v] = m
		}
		if m.name != name {
			return nil, fmt.Errorf("sqlite: migration %04d has two names, %q and %q", v, m.name, name)
		}
		if dir == "up" {
			m.up = string(body)
		} else {
			m.down = string(body)
		}
	}
	out := make([]migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.up == "" || m.down == "" {
			return nil, fmt.Errorf("sqlite: migration %04d_%s lacks its up or down file", m.version, m.name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migrations are not numbered 1, 2, 3…: %04d at position %d", m.version, i+1)
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS lendkit_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
)`

// Migrate applies every migration newer than the database's version.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return &store.MigrationError{Err: err}
	}
	return db.MigrateTo(ctx, len(ms))
}

// MigrateTo moves the schema to version, up or down, one migration per
// transaction, recording each step in lendkit_migrations.
func (db *DB) MigrateTo(ctx context.Context, version int) error {
	ms, err := loadMigrations()
	if err != nil {
		return &store.MigrationError{Err: err}
	}
	if version < 0 || version > len(ms) {
		return &store.MigrationError{Version: version, Err: fmt.Errorf("no such version: this build has migrations 0 to %d", len(ms))}
	}
	cur, _, err := db.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	for cur < version {
		m := ms[cur]
		if err := db.step(ctx, m, false); err != nil {
			return err
		}
		cur++
	}
	for cur > version {
		m := ms[cur-1]
		if err := db.step(ctx, m, true); err != nil {
			return err
		}
		cur--
	}
	return nil
}

// step applies one migration in one transaction, so a failing migration
// leaves the schema at the previous version.
func (db *DB) step(ctx context.Context, m migration, down bool) error {
	fail := func(err error) error {
		return &store.MigrationError{Version: m.version, Name: m.name, Down: down, Err: interpretError(err)}
	}
	if db.closed.Load() {
		return fail(store.ErrClosed)
	}
	if err := db.lockWriter(ctx); err != nil {
		return fail(err)
	}
	defer db.unlockWriter()
	tx, err := db.wconn.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	body, record, args := m.up, `INSERT INTO lendkit_migrations (version, name, applied_at) VALUES (?, ?, ?)`, []any{m.version, m.name, db.clock.Now().UnixMicro()}
	if down {
		body, record, args = m.down, `DELETE FROM lendkit_migrations WHERE version = ?`, []any{m.version}
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, record, args...); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	// The write connection's statements were compiled against the old
	// schema: SQLite recompiles them on use, but one on a dropped table would
	// keep failing, so start afresh. Read connections may be in use by a
	// View right now and keep theirs; a stale statement there fails with an
	// error, never worse, and is recompiled when its table exists again.
	return db.wconn.Raw(func(dc any) error {
		s, err := db.session(dc)
		if err != nil {
			return fail(err)
		}
		s.close()
		return nil
	})
}

// MigrationVersion returns the schema's version and the newest embedded one.
func (db *DB) MigrationVersion(ctx context.Context) (current, latest int, err error) {
	if db.closed.Load() {
		return 0, 0, fmt.Errorf("sqlite: migration version: %w", store.ErrClosed)
	}
	ms, err := loadMigrations()
	if err != nil {
		return 0, 0, &store.MigrationError{Err: err}
	}
	if err := db.lockWriter(ctx); err != nil {
		return 0, 0, fmt.Errorf("sqlite: migration version: %w", err)
	}
	defer db.unlockWriter()
	if _, err := db.wconn.ExecContext(ctx, createMigrationsTable); err != nil {
		return 0, 0, fmt.Errorf("sqlite: migration version: %w", interpretError(err))
	}
	var v int
	if err := db.wconn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM lendkit_migrations`).Scan(&v); err != nil {
		return 0, 0, fmt.Errorf("sqlite: migration version: %w", interpretError(err))
	}
	return v, len(ms), nil
}
