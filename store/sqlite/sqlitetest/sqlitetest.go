// Package sqlitetest opens lendkit's SQLite backend for tests: a new
// database file in the test's temporary directory, closed when the test
// ends. It is the SQLite twin of store/postgres/pgtest; unlike Postgres,
// SQLite needs no server, so these tests always run.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/lendkit/lendkit/store/sqlite"
)

// Open opens a new, migrated database file in t.TempDir() with opts.
func Open(t testing.TB, opts ...sqlite.Option) *sqlite.DB {
	t.Helper()
	return OpenFile(t, filepath.Join(t.TempDir(), "lendkit.db"), opts...)
}

// OpenFile opens (creating it if needed) and migrates the database file at
// path with opts, for a test that needs the file's name.
func OpenFile(t testing.TB, path string, opts ...sqlite.Option) *sqlite.DB {
	t.Helper()
	db := openFile(t, path, opts...)
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// OpenUnmigrated opens a new database file in t.TempDir() with opts and
// leaves it empty: for a suite that migrates it itself.
func OpenUnmigrated(t testing.TB, opts ...sqlite.Option) *sqlite.DB {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "lendkit.db"), opts...)
}

func openFile(t testing.TB, path string, opts ...sqlite.Option) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
