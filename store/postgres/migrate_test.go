package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

func TestMigrationsEmbedded(t *testing.T) {
	t.Parallel()
	var got []string
	for _, m := range postgres.Migrations() {
		got = append(got, m.Name)
	}
	// Same numbers as every other backend: 0001 is the ledger.
	if len(got) == 0 || got[0] != "ledger" {
		t.Errorf("migrations = %v, want 0001 ledger first", got)
	}
	for i, m := range postgres.Migrations() {
		if m.Version != i+1 {
			t.Errorf("migration %d has version %d", i, m.Version)
		}
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, c := range []struct {
		name string
		fs   fstest.MapFS
	}{
		{"gap", fstest.MapFS{"0001_a.up.sql": file("x"), "0001_a.down.sql": file("x"), "0003_c.up.sql": file("x"), "0003_c.down.sql": file("x")}},
		{"no down", fstest.MapFS{"0001_a.up.sql": file("x")}},
		{"empty up", fstest.MapFS{"0001_a.up.sql": file(" \n"), "0001_a.down.sql": file("x")}},
		{"bad name", fstest.MapFS{"1_a.up.sql": file("x"), "1_a.down.sql": file("x")}},
		{"bad direction", fstest.MapFS{"0001_a.sideways.sql": file("x")}},
		{"two names", fstest.MapFS{"0001_a.up.sql": file("x"), "0001_b.down.sql": file("x")}},
	} {
		if _, err := postgres.LoadMigrations(c.fs); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

// testMigrations: version 2's up fails half-way, after creating a table.
var testMigrations = fstest.MapFS{
	"0001_one.up.sql":   {Data: []byte(`CREATE TABLE one (id int PRIMARY KEY); INSERT INTO one VALUES (1);`)},
	"0001_one.down.sql": {Data: []byte(`DROP TABLE one;`)},
	"0002_two.up.sql":   {Data: []byte(`CREATE TABLE two (id int); INSERT INTO one VALUES (1);`)},
	"0002_two.down.sql": {Data: []byte(`DROP TABLE two;`)},
}

// TestMigrationFailureRollsBack: a failing migration leaves nothing behind
// (not its first statement's table, not its version) and says which one failed.
func TestMigrationFailureRollsBack(t *testing.T) {
	t.Parallel()
	db := pgtest.OpenUnmigrated(t)
	ctx := context.Background()
	err := db.MigrateFS(ctx, testMigrations, 2)
	var me *store.MigrationError
	if !errors.As(err, &me) || !errors.Is(err, store.ErrMigration) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want a *store.MigrationError wrapping the duplicate key", err)
	}
	if diff := cmp.Diff(store.MigrationError{Version: 2, Name: "two"}, *me, cmpIgnoreErr); diff != "" {
		t.Errorf("MigrationError (-want +got):\n%s", diff)
	}
	if cur, _, err := db.MigrationVersion(ctx); err != nil || cur != 1 {
		t.Errorf("version after the failure = %d (err %v), want 1", cur, err)
	}
	var two bool
	err = db.View(ctx, func(tx store.Tx) error {
		return mustPgx(t, tx).QueryRow(ctx, `SELECT to_regclass('two') IS NOT NULL`).Scan(&two)
	})
	if err != nil || two {
		t.Errorf("table two exists = %v (err %v): the failed migration was not rolled back", two, err)
	}
	if err := db.MigrateFS(ctx, testMigrations, 3); !errors.As(err, &me) {
		t.Errorf("target beyond the last version: err = %v, want *store.MigrationError", err)
	}
	if err := db.MigrateTo(ctx, -1); !errors.Is(err, store.ErrMigration) {
		t.Errorf("negative target: err = %v, want store.ErrMigration", err)
	}
}

var cmpIgnoreErr = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())

// TestMigrateConcurrently: several processes migrating one database at once
// each apply nothing twice and all succeed.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url, schema := pgtest.Schema(t)
	ctx := context.Background()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		db, err := postgres.Open(ctx, url, postgres.WithSchema(schema), postgres.WithMaxConns(2))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}
	db, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cur, latest, err := db.MigrationVersion(ctx)
	if err != nil || cur != latest || latest != len(postgres.Migrations()) {
		t.Errorf("MigrationVersion = %d, %d, %v; want %d, %d", cur, latest, err, len(postgres.Migrations()), len(postgres.Migrations()))
	}
}

// TestMigrateUpDownUp runs every migration up, down to zero and up again,
// with rows in the tables, and checks that down removes every table it
// created.
func TestMigrateUpDownUp(t *testing.T) {
	t.Parallel()
	db := pgtest.OpenUnmigrated(t)
	ctx := context.Background()
	tables := func() []string {
		var out []string
		err := db.View(ctx, func(tx store.Tx) error {
			rows, err := mustPgx(t, tx).Query(ctx, `SELECT table_name::text FROM information_schema.tables
				WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY 1`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				out = append(out, s)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if cur, latest, err := db.MigrationVersion(ctx); err != nil || cur != 0 || latest < 1 {
		t.Fatalf("fresh schema: MigrationVersion = %d, %d, %v", cur, latest, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := tables()
	if len(want) == 0 {
		t.Fatal("Migrate created no table")
	}
	seedLedger(t, db)
	for v := len(postgres.Migrations()) - 1; v >= 0; v-- {
		if err := db.MigrateTo(ctx, v); err != nil {
			t.Fatalf("down to %d: %v", v, err)
		}
	}
	if got := tables(); len(got) != 0 {
		t.Errorf("tables left after migrating down to 0: %v", got)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if diff := cmp.Diff(want, tables()); diff != "" {
		t.Errorf("tables after up → down → up (-first up +second up):\n%s", diff)
	}
	seedLedger(t, db)
}
