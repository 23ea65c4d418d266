package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/lendkit/lendkit/store"
)

// The platform's migrations live beside lendkit's but are versioned in their
// own table, platform_migrations, so that store.DB.MigrateTo(0) on the library
// never drops the platform's tables and the platform's own down migrations
// never touch the library's. Their numbers start at 0006, the range the
// storage seam reserves for examples/platform, so a reader of either folder
// sees one sequence.
//
//go:embed migrations
var platformMigrations embed.FS

// pmigration is one numbered platform migration.
type pmigration struct {
	version  int
	name     string
	up, down string
}

// loadPlatformMigrations reads the embedded migrations of dialect d, sorted
// by version.
func loadPlatformMigrations(d dialect) ([]pmigration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(platformMigrations, dir)
	if err != nil {
		return nil, fmt.Errorf("platform migrations: %w", err)
	}
	byVersion := map[int]*pmigration{}
	for _, e := range entries {
		n := e.Name()
		var dir2 string
		switch {
		case strings.HasSuffix(n, ".up.sql"):
			dir2 = "up"
		case strings.HasSuffix(n, ".down.sql"):
			dir2 = "down"
		default:
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(n, ".up.sql"), ".down.sql")
		num, name, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("platform migrations: bad file name %q", n)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("platform migrations: bad version in %q", n)
		}
		b, err := platformMigrations.ReadFile(dir + "/" + n)
		if err != nil {
			return nil, fmt.Errorf("platform migrations: %w", err)
		}
		m := byVersion[v]
		if m == nil {
			m = &pmigration{version: v, name: name}
			byVersion[v] = m
		}
		if dir2 == "up" {
			m.up = string(b)
		} else {
			m.down = string(b)
		}
	}
	var out []pmigration
	for _, m := range byVersion {
		if m.up == "" || m.down == "" {
			return nil, fmt.Errorf("platform migrations: %04d_%s lacks its up or down file", m.version, m.name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

const createPlatformMigrations = `CREATE TABLE IF NOT EXISTS platform_migrations (
    version    BIGINT NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at BIGINT NOT NULL
)`

// platformVersion returns the newest applied platform migration (0 if none).
func platformVersion(ctx context.Context, s sqlq) (int, error) {
	if _, err := s.exec(ctx, createPlatformMigrations); err != nil {
		return 0, err
	}
	var v int64
	err := queryRow(ctx, s, `SELECT COALESCE(MAX(version), 0) FROM platform_migrations`, nil, &v)
	return int(v), err
}

// migrateAll brings lendkit's schema and then the platform's to their newest
// versions. Each platform migration runs in its own unit of work with its
// version row, so a failure leaves the schema at the previous version.
func migrateAll(ctx context.Context, db store.DB) error {
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("lendkit migrations: %w", err)
	}
	return migratePlatformTo(ctx, db, -1)
}

// migratePlatformTo moves the platform's schema to version (-1: the newest;
// 0: none of the platform's tables), one migration per unit of work.
func migratePlatformTo(ctx context.Context, db store.DB, version int) error {
	for step := 0; step < 1000; step++ { // bounded: one step per migration
		done := false
		err := db.InTx(ctx, func(tx store.Tx) error {
			s, err := sqlOf(tx)
			if err != nil {
				return err
			}
			ms, err := loadPlatformMigrations(s.dialect())
			if err != nil {
				return err
			}
			target := version
			if target < 0 {
				target = ms[len(ms)-1].version
			}
			if target != 0 && !hasVersion(ms, target) {
				return fmt.Errorf("platform migrations: no migration %04d: %w", target, store.ErrMigration)
			}
			cur, err := platformVersion(ctx, s)
			if err != nil {
				return err
			}
			switch {
			case cur < target:
				for _, m := range ms {
					if m.version > cur {
						if _, err := s.exec(ctx, m.up); err != nil {
							return &store.MigrationError{Version: m.version, Name: m.name, Err: err}
						}
						_, err := s.exec(ctx, `INSERT INTO platform_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
							int64(m.version), m.name, tx.Now().UnixMicro())
						return err
					}
				}
				return errors.New("platform migrations: no migration above the current version")
			case cur > target:
				for i := len(ms) - 1; i >= 0; i-- {
					m := ms[i]
					if m.version == cur {
						if _, err := s.exec(ctx, m.down); err != nil {
							return &store.MigrationError{Version: m.version, Name: m.name, Down: true, Err: err}
						}
						_, err := s.exec(ctx, `DELETE FROM platform_migrations WHERE version = $1`, int64(m.version))
						return err
					}
				}
				return fmt.Errorf("platform migrations: database is at %04d, which this build does not know: %w", cur, store.ErrMigration)
			default:
				done = true
				return nil
			}
		})
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return errors.New("platform migrations: too many steps")
}

func hasVersion(ms []pmigration, v int) bool {
	for _, m := range ms {
		if m.version == v {
			return true
		}
	}
	return false
}
