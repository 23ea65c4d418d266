package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
)

// pragmas reads the settings the backend promises, through the unit of
// work's own connection.
func pragmas(t *testing.T, tx store.Tx) map[string]string {
	t.Helper()
	sqlTx, ok := sqlite.SQLTx(tx)
	if !ok {
		t.Fatal("SQLTx: not a SQLite unit of work")
	}
	out := map[string]string{}
	for _, p := range []string{"journal_mode", "foreign_keys", "synchronous", "busy_timeout", "query_only", "cache_size", "page_size", "temp_store", "wal_autocheckpoint"} {
		var v string
		if err := sqlTx.QueryRowContext(t.Context(), "PRAGMA "+p).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", p, err)
		}
		out[p] = v
	}
	return out
}

func TestOpenSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), sqlite.WithBusyTimeout(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var w, r map[string]string
	if err := db.InTx(ctx, func(tx store.Tx) error { w = pragmas(t, tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.View(ctx, func(tx store.Tx) error { r = pragmas(t, tx); return nil }); err != nil {
		t.Fatal(err)
	}
	// synchronous 1 is NORMAL; cache_size negative is KiB; temp_store 2 is
	// MEMORY. The writer checkpoints only as a backstop (checkpoint.go).
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "1500", "query_only": "0", "cache_size": "-32768", "page_size": "4096", "temp_store": "2", "wal_autocheckpoint": "10000"}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("write connection (-want +got):\n%s", diff)
	}
	want["query_only"] = "1"
	want["wal_autocheckpoint"] = "1000"
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("read connection (-want +got):\n%s", diff)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, path := range []string{"", ":memory:", filepath.Join(dir, "a?b.db"), filepath.Join(dir, "a#b.db")} {
		if db, err := sqlite.Open(ctx, path); err == nil {
			db.Close()
			t.Errorf("Open(%q) accepted", path)
		}
	}
	for name, opt := range map[string]sqlite.Option{
		"page size 1000":   sqlite.WithPageSize(1000),
		"page size 256":    sqlite.WithPageSize(256),
		"no readers":       sqlite.WithReaders(0),
		"negative timeout": sqlite.WithBusyTimeout(-time.Second),
		"nil clock":        sqlite.WithClock(nil),
	} {
		if db, err := sqlite.Open(ctx, filepath.Join(dir, "ok.db"), opt); err == nil {
			db.Close()
			t.Errorf("%s accepted", name)
		}
	}
}

// TestViewBesideWriter: a reader sees the last committed state while a
// writer is mid-transaction, and does not wait for it.
func TestViewBesideWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.Open(t)
	l := ledger.New(db)
	if _, err := l.CreateAccount(ctx, ledger.Account{ID: "a", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit}); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- db.InTx(ctx, func(tx store.Tx) error {
			if _, err := ledger.In(tx).CreateAccount(ctx, ledger.Account{ID: "b", Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit}); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := l.Account(vctx, "a"); err != nil {
		t.Errorf("reader while a writer is open: %v", err)
	}
	if _, err := l.Account(vctx, "b"); !errors.Is(err, ledger.ErrUnknownAccount) {
		t.Errorf("reader saw uncommitted account b: %v", err)
	}
	// A second writer waits for the first, until its context ends.
	wctx, wcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer wcancel()
	if err := db.InTx(wctx, func(store.Tx) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second writer: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := l.Account(ctx, "b"); err != nil {
		t.Errorf("after commit: %v", err)
	}
}

// TestBusyAcrossProcesses opens the same file twice, as two processes would:
// a writer held by one makes the other's InTx fail with ErrSerialization once
// the busy timeout passes.
func TestBusyAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	a, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- a.InTx(ctx, func(store.Tx) error { close(inside); <-release; return nil })
	}()
	<-inside
	if err := b.InTx(ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrSerialization) {
		t.Errorf("InTx on a file another process is writing: %v, want store.ErrSerialization", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := b.InTx(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Errorf("after the other writer finished: %v", err)
	}
}

// TestUnitOfWorkEnds checks every way a unit of work ends on the one write
// connection: fn's error and a context cancelled inside fn roll back what fn
// wrote, and the connection is left outside any transaction, ready for the
// next unit of work (which would otherwise fail on BEGIN, or commit the
// leftovers).
func TestUnitOfWorkEnds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.Open(t)
	l := ledger.New(db)
	create := func(ctx context.Context, tx store.Tx, id string) error {
		_, err := ledger.In(tx).CreateAccount(ctx, ledger.Account{ID: id, Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit})
		return err
	}
	boom := errors.New("boom")
	if err := db.InTx(ctx, func(tx store.Tx) error {
		if err := create(ctx, tx, "failed"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("fn's error: got %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	if err := db.InTx(cctx, func(tx store.Tx) error {
		if err := create(cctx, tx, "cancelled"); err != nil {
			return err
		}
		cancel()
		return nil
	}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled inside fn: got %v", err)
	}
	if err := db.InTx(cctx, func(store.Tx) error { t.Error("fn ran under a cancelled context"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: got %v", err)
	}
	if err := db.View(ctx, func(store.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("view: got %v", err)
	}
	// A panic in fn (an HTTP server recovers it and carries on) must not
	// leave the write connection inside the transaction.
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = db.InTx(ctx, func(tx store.Tx) error {
			if err := create(ctx, tx, "panicked"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if err := db.InTx(ctx, func(tx store.Tx) error { return create(ctx, tx, "kept") }); err != nil {
		t.Fatalf("the next unit of work: %v", err)
	}
	for id, want := range map[string]bool{"failed": false, "cancelled": false, "panicked": false, "kept": true} {
		_, err := l.Account(ctx, id)
		if got := err == nil; got != want {
			t.Errorf("account %q exists: %v, want %v (%v)", id, got, want, err)
		}
	}
}

// TestBackgroundCheckpoint: commits reach the database file itself (not only
// the WAL) shortly after they are made, far below the writer's own
// checkpoint threshold: a copy of the file without its WAL holds them.
func TestBackgroundCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := sqlitetest.OpenFile(t, filepath.Join(dir, "x.db"))
	l := ledger.New(db)
	for i := range 10 {
		if _, err := l.CreateAccount(ctx, ledger.Account{ID: fmt.Sprint("a", i), Code: "x", Currency: lendkit.EUR, Normal: ledger.Credit}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; ; n++ {
		data, err := os.ReadFile(filepath.Join(dir, "x.db"))
		if err != nil {
			t.Fatal(err)
		}
		copyPath := filepath.Join(dir, fmt.Sprint("copy", n, ".db"))
		if err := os.WriteFile(copyPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := sql.Open("sqlite", copyPath)
		if err != nil {
			t.Fatal(err)
		}
		var accounts int
		err = c.QueryRow(`SELECT count(*) FROM ledger_accounts`).Scan(&accounts)
		c.Close()
		if err == nil && accounts == 10 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file alone holds %d of 10 accounts (%v) after 10 s", accounts, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
