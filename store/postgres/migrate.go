package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lendkit/lendkit/store"
)

// migrationFiles holds the schema, one numbered pair of files per version:
// NNNN_name.up.sql and NNNN_name.down.sql. The version numbers are the same in
// every lendkit backend (0001 ledger, 0002 dispatch, …), so a version means
// the same tables whichever database holds them.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration describes one schema version.
type Migration struct {
	// Version is the migration's number, from 1, without gaps.
	Version int
	// Name says what the version adds ("ledger").
	Name string

	up, down string
}

// migrationsTable records which versions are applied: one row per version.
// Its primary key is also what keeps two processes migrating at once from
// applying a version twice (the second one's INSERT waits for the first and
// then finds the row), without advisory locks or LOCK TABLE, which
// distributed SQL databases do not offer.
const migrationsTable = "schema_migrations"

var embeddedMigrations = func() []Migration {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	m, err := loadMigrations(sub)
	if err != nil {
		panic(err) // a malformed embedded file is a build defect, caught by every test
	}
	return m
}()

// Migrations lists the schema versions this package can apply, in order.
func Migrations() []Migration {
	out := make([]Migration, len(embeddedMigrations))
	copy(out, embeddedMigrations)
	return out
}

// loadMigrations reads NNNN_name.{up,down}.sql files from fsys and checks that
// versions run 1, 2, 3… and that each has both directions.
func loadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ".sql")
		stem, dir, ok := cut(base)
		num, name, ok2 := strings.Cut(stem, "_")
		v, err := strconv.Atoi(num)
		if !ok || !ok2 || err != nil || v < 1 || len(num) != 4 || name == "" {
			return nil, fmt.Errorf("postgres: migrations: %q is not NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("postgres: migrations: %w", err)
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: name}
			byVersion[v] = m
		}
		if m.Name != name {
			return nil, fmt.Errorf("postgres: migrations: version %d named both %q and %q", v, m.Name, name)
		}
		if dir == "up" {
			m.up = string(body)
		} else {
			m.down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("postgres: migrations: version %d missing", i+1)
		}
		if strings.TrimSpace(m.up) == "" || strings.TrimSpace(m.down) == "" {
			return nil, fmt.Errorf("postgres: migrations: version %d needs non-empty up and down files", m.Version)
		}
	}
	return out, nil
}

// cut splits "0001_ledger.up" into "0001_ledger" and "up".
func cut(base string) (stem, dir string, ok bool) {
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return "", "", false
	}
	stem, dir = base[:i], base[i+1:]
	return stem, dir, dir == "up" || dir == "down"
}

// Migrate applies every migration not yet applied, each in its own
// transaction, so the schema is at the latest version this package knows.
// Several processes may call it at once: each version is applied once.
func (db *DB) Migrate(ctx context.Context) error {
	return db.migrateTo(ctx, embeddedMigrations, len(embeddedMigrations))
}

// MigrateTo moves the schema up or down to version (0 removes every table the
// migrations created). Down migrations drop data: they exist for development
// and for the up → down → up tests.
func (db *DB) MigrateTo(ctx context.Context, version int) error {
	return db.migrateTo(ctx, embeddedMigrations, version)
}

// MigrationVersion returns the highest applied version (0 when none is) and
// the newest version this build embeds.
func (db *DB) MigrationVersion(ctx context.Context) (current, latest int, err error) {
	latest = len(embeddedMigrations)
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return 0, latest, err
	}
	if len(applied) > 0 {
		current = applied[len(applied)-1]
	}
	return current, latest, nil
}

func (db *DB) migrateTo(ctx context.Context, migs []Migration, target int) error {
	if db.closed.Load() {
		return fmt.Errorf("postgres: migrate: %w", store.ErrClosed)
	}
	if target < 0 || target > len(migs) {
		return &store.MigrationError{Version: target, Down: false,
			Err: fmt.Errorf("no such version: this build knows versions 0 to %d", len(migs))}
	}
	if err := db.ensureMigrationsTable(ctx); err != nil {
		return err
	}
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return err
	}
	isApplied := map[int]bool{}
	for _, v := range applied {
		if v > len(migs) {
			return &store.MigrationError{Version: v,
				Err: fmt.Errorf("the database is at version %d, newer than this build knows (%d)", v, len(migs))}
		}
		isApplied[v] = true
	}
	for _, m := range migs[:target] {
		if isApplied[m.Version] {
			continue
		}
		if err := db.apply(ctx, m, true); err != nil {
			return err
		}
	}
	for i := len(migs) - 1; i >= target; i-- {
		if !isApplied[migs[i].Version] {
			continue
		}
		if err := db.apply(ctx, migs[i], false); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration up or down in one transaction, together with the
// change to schema_migrations. The bookkeeping row is written first: a
// concurrent migrator blocks on it, and if it finds the work already done it
// does nothing.
func (db *DB) apply(ctx context.Context, m Migration, up bool) error {
	body := m.up
	if !up {
		body = m.down
	}
	err := db.runTx(ctx, readWrite, func(tx *pgTx) error {
		var q string
		if up {
			q = `INSERT INTO ` + migrationsTable + ` (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING`
			ct, err := tx.Exec(ctx, q, m.Version, m.Name)
			if err != nil {
				return err
			}
			if ct.RowsAffected() == 0 {
				return nil // applied meanwhile by another process
			}
		} else {
			q = `DELETE FROM ` + migrationsTable + ` WHERE version = $1`
			ct, err := tx.Exec(ctx, q, m.Version)
			if err != nil {
				return err
			}
			if ct.RowsAffected() == 0 {
				return nil
			}
		}
		// No arguments: pgx sends the file with the simple protocol, which
		// accepts several statements in one string.
		_, err := tx.Exec(ctx, body)
		return err
	})
	if err != nil {
		return &store.MigrationError{Version: m.Version, Name: m.Name, Down: !up, Err: err}
	}
	return nil
}

func (db *DB) ensureMigrationsTable(ctx context.Context) error {
	const q = `CREATE TABLE IF NOT EXISTS ` + migrationsTable + ` (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`
	// Two processes creating the table at the same moment can collide in the
	// catalog even with IF NOT EXISTS (a unique violation on pg_type, or
	// "type already exists"): the loser's next try sees the table and does
	// nothing.
	var err error
	for try := 0; try < 3; try++ {
		if err = db.runTx(ctx, readWrite, func(tx *pgTx) error {
			_, err := tx.Exec(ctx, q)
			return err
		}); err == nil || !catalogRace(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: create %s: %w", migrationsTable, err)
	}
	return nil
}

func (db *DB) appliedVersions(ctx context.Context) ([]int, error) {
	var out []int
	err := db.runTx(ctx, readOnly, func(tx *pgTx) error {
		out = out[:0]
		// to_regclass: a database never migrated has no table yet, which is
		// version 0, not an error.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, migrationsTable).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT version FROM `+migrationsTable+` ORDER BY version`)
		if err != nil {
			return err
		}
		vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
		out = vs
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read %s: %w", migrationsTable, err)
	}
	return out, nil
}

// catalogRace reports whether err is a concurrent creation of the same object.
func catalogRace(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case codeUniqueViolation, codeDuplicateTable, codeDuplicateObject:
		return true
	}
	return false
}
