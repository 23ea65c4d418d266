package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit/store/postgres"
)

// EnvURL is the environment variable naming the test server.
const EnvURL = "LENDKIT_TEST_POSTGRES_URL"

// URL returns the test server's connection string, or skips t when
// LENDKIT_TEST_POSTGRES_URL is unset.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skipf("skipping Postgres test: %s is not set (for a local server: %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvURL, EnvURL)
	}
	return u
}

// Schema creates a new schema with a random name on the test server and
// registers its removal (DROP SCHEMA … CASCADE) with t.Cleanup. It skips t
// when LENDKIT_TEST_POSTGRES_URL is unset.
func Schema(t testing.TB) (url, schema string) {
	t.Helper()
	url = URL(t)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: random schema name: %v", err)
	}
	schema = "lendkit_test_" + hex.EncodeToString(b[:])
	exec(t, url, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() {
		exec(t, url, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})
	return url, schema
}

// Open returns a migrated postgres.DB whose every pooled connection works in a
// fresh schema of its own; the DB is closed and the schema dropped when the
// test ends. opts are passed to postgres.Open after WithSchema. It skips t
// when LENDKIT_TEST_POSTGRES_URL is unset.
func Open(t testing.TB, opts ...postgres.Option) *postgres.DB {
	t.Helper()
	db := OpenUnmigrated(t, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("pgtest: migrate: %v", err)
	}
	return db
}

// OpenUnmigrated is Open without running the migrations, for tests of the
// migrations themselves.
func OpenUnmigrated(t testing.TB, opts ...postgres.Option) *postgres.DB {
	t.Helper()
	url, schema := Schema(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, url, append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	// Registered after the schema's cleanup, so it runs first: the pool's
	// connections are gone before the schema is dropped.
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// exec runs one statement on a short-lived connection of its own, so that
// creating and dropping schemas never competes with the pools under test.
func exec(t testing.TB, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}
