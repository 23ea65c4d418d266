package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

// exec runs statements in one unit of work through the pgx escape hatch.
func exec(t *testing.T, db *postgres.DB, sqls ...string) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx store.Tx) error {
		ptx := mustPgx(t, tx)
		for _, q := range sqls {
			if _, err := ptx.Exec(context.Background(), q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustPgx(t *testing.T, tx store.Tx) pgx.Tx {
	t.Helper()
	ptx, ok := postgres.PgxTx(tx)
	if !ok {
		t.Fatal("PgxTx: not a Postgres unit of work")
	}
	return ptx
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// TestInTxRetriesConflictingWriters is the retry path under real contention:
// 8 goroutines each run 20 units of work that read two counters with plain
// SELECTs (no row lock), pause so that the others overlap, and write them
// back changed. At SERIALIZABLE, every overlapping pair is a lost update that
// Postgres refuses with 40001; the unit of work must then run again from the
// start, so in the end every unit committed exactly once: the counter equals
// the number of units and the transfer between the two rows kept their sum.
func TestInTxRetriesConflictingWriters(t *testing.T) {
	t.Parallel()
	db := pgtest.OpenUnmigrated(t, postgres.WithMaxConns(8),
		// More attempts than the default: 8 writers on one row with a pause
		// inside each unit of work is far worse than any real hot account.
		postgres.WithRetry(500, time.Millisecond, 20*time.Millisecond))
	exec(t, db, `CREATE TABLE counters (id int PRIMARY KEY, n bigint NOT NULL)`,
		`INSERT INTO counters VALUES (1, 0), (2, 1000000)`)

	const writers, units = 8, 20
	var attempts, conflicts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := 0; u < units; u++ {
				err := db.InTx(context.Background(), func(tx store.Tx) error {
					attempts.Add(1)
					ptx, _ := postgres.PgxTx(tx)
					var a, b int64
					if err := ptx.QueryRow(context.Background(), `SELECT n FROM counters WHERE id = 1`).Scan(&a); err != nil {
						return err
					}
					if err := ptx.QueryRow(context.Background(), `SELECT n FROM counters WHERE id = 2`).Scan(&b); err != nil {
						return err
					}
					time.Sleep(200 * time.Microsecond) // let the others read the same values
					for _, q := range []struct {
						id int
						n  int64
					}{{1, a + 1}, {2, b - 1}} {
						if _, err := ptx.Exec(context.Background(), `UPDATE counters SET n = $1 WHERE id = $2`, q.n, q.id); err != nil {
							if sqlState(err) == "40001" {
								conflicts.Add(1)
							}
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("unit of work failed: %v", err)
	}
	var got [2]int64
	err := db.View(context.Background(), func(tx store.Tx) error {
		return mustPgx(t, tx).QueryRow(context.Background(), `SELECT
			(SELECT n FROM counters WHERE id = 1), (SELECT n FROM counters WHERE id = 2)`).Scan(&got[0], &got[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [2]int64{writers * units, 1000000 - writers*units}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counters after %d units of work (-want +got):\n%s", writers*units, diff)
	}
	// The test is only meaningful if the retry path ran.
	if attempts.Load() <= writers*units || conflicts.Load() == 0 {
		t.Errorf("%d attempts and %d serialization failures for %d units: the writers never conflicted",
			attempts.Load(), conflicts.Load(), writers*units)
	}
	t.Logf("%d units of work committed in %d attempts (%d serialization failures seen by statements)",
		writers*units, attempts.Load(), conflicts.Load())
}

// TestInTxRetriesDeadlock makes two units of work lock two rows in opposite
// orders, each waiting for the other: Postgres kills one with 40P01 after
// deadlock_timeout, and the victim must be run again and commit.
func TestInTxRetriesDeadlock(t *testing.T) {
	t.Parallel()
	db := pgtest.OpenUnmigrated(t, postgres.WithMaxConns(4))
	exec(t, db, `CREATE TABLE rows2 (id int PRIMARY KEY, n bigint NOT NULL)`, `INSERT INTO rows2 VALUES (1, 0), (2, 0)`)

	var firstLocks sync.WaitGroup
	firstLocks.Add(2)
	var deadlocks atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, order := range [2][2]int{{1, 2}, {2, 1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			attempt := 0
			errs[i] = db.InTx(context.Background(), func(tx store.Tx) error {
				attempt++
				ptx, _ := postgres.PgxTx(tx)
				for k, id := range order {
					if _, err := ptx.Exec(context.Background(), `UPDATE rows2 SET n = n + 1 WHERE id = $1`, id); err != nil {
						if sqlState(err) == "40P01" {
							deadlocks.Add(1)
						}
						t.Logf("writer %d attempt %d: update %d: %v", i, attempt, id, err)
						return err
					}
					if k == 0 && attempt == 1 {
						// Both hold their first row before either asks for
						// its second: a certain deadlock.
						firstLocks.Done()
						firstLocks.Wait()
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	// At least one: the first attempts deadlock by construction. (Under a
	// slow run the retries, which still lock in opposite orders, may meet
	// again; the point is that every deadlock was retried to success.)
	if deadlocks.Load() < 1 {
		t.Errorf("saw %d deadlocks, want at least 1", deadlocks.Load())
	}
	var n1, n2 int64
	err := db.View(context.Background(), func(tx store.Tx) error {
		return mustPgx(t, tx).QueryRow(context.Background(),
			`SELECT (SELECT n FROM rows2 WHERE id = 1), (SELECT n FROM rows2 WHERE id = 2)`).Scan(&n1, &n2)
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([2]int64{2, 2}, [2]int64{n1, n2}); diff != "" {
		t.Errorf("rows after both units (-want +got):\n%s", diff)
	}
}

// TestInTxGivesUp checks the bound: a unit of work that always fails with a
// serialization failure runs exactly maxAttempts times, then reports
// store.ErrSerialization wrapping the last driver error.
func TestInTxGivesUp(t *testing.T) {
	t.Parallel()
	db := pgtest.OpenUnmigrated(t, postgres.WithRetry(4, time.Microsecond, time.Millisecond))
	for _, code := range []string{"40001", "40P01"} {
		attempts := 0
		err := db.InTx(context.Background(), func(tx store.Tx) error {
			attempts++
			_, err := mustPgx(t, tx).Exec(context.Background(),
				`DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '`+code+`'; END $$`)
			return err
		})
		if !errors.Is(err, store.ErrSerialization) {
			t.Errorf("%s: err = %v, want store.ErrSerialization", code, err)
		}
		if got := sqlState(err); got != code {
			t.Errorf("%s: wrapped SQLSTATE = %q, want the last driver error", code, got)
		}
		if attempts != 4 {
			t.Errorf("%s: %d attempts, want 4", code, attempts)
		}
	}
	if diff := cmp.Diff(postgres.Stats{Retries: 6, GiveUps: 2}, db.Stats()); diff != "" {
		t.Errorf("Stats after two units of 4 failed attempts (-want +got):\n%s", diff)
	}
}

// TestInTxErrors checks what a unit of work returns besides success: fn's
// own error unchanged with nothing committed, driver errors mapped to the
// store's sentinels, and the closed and cancelled cases.
func TestInTxErrors(t *testing.T) {
	t.Parallel()
	db := pgtest.OpenUnmigrated(t)
	exec(t, db, `CREATE TABLE parent (id int PRIMARY KEY)`,
		`CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent (id), n int CHECK (n >= 0))`,
		`INSERT INTO parent VALUES (1)`, `INSERT INTO child VALUES (1, 1, 0)`)
	ctx := context.Background()

	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx store.Tx) error {
		if _, err := mustPgx(t, tx).Exec(ctx, `INSERT INTO parent VALUES (2)`); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Errorf("fn's error: got %v, want it unchanged", err)
	}

	cases := []struct {
		name string
		sql  string
		want error
	}{
		{"unique violation", `INSERT INTO parent VALUES (1)`, store.ErrConflict},
		{"foreign key violation", `INSERT INTO child VALUES (2, 99, 0)`, store.ErrNotFound},
		{"check violation", `INSERT INTO child VALUES (3, 1, -1)`, store.ErrConstraint},
		{"not null violation", `INSERT INTO parent VALUES (NULL)`, store.ErrConstraint},
		{"no rows", `SELECT id FROM parent WHERE id = 42`, store.ErrNotFound},
	}
	for _, c := range cases {
		err := db.InTx(ctx, func(tx store.Tx) error {
			var id int
			return mustPgx(t, tx).QueryRow(ctx, c.sql).Scan(&id)
		})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}

	var n int
	err = db.View(ctx, func(tx store.Tx) error {
		return mustPgx(t, tx).QueryRow(ctx, `SELECT count(*) FROM parent`).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Errorf("after failed units of work: %d parents (err %v), want 1: something was committed", n, err)
	}

	err = db.View(ctx, func(tx store.Tx) error {
		_, err := mustPgx(t, tx).Exec(ctx, `INSERT INTO parent VALUES (3)`)
		return err
	})
	if sqlState(err) != "25006" {
		t.Errorf("write in View: err = %v, want SQLSTATE 25006 (read-only transaction)", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.InTx(cctx, func(store.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}

	tctx, tcancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer tcancel()
	err = db.InTx(tctx, func(tx store.Tx) error {
		_, err := mustPgx(t, tx).Exec(tctx, `SELECT pg_sleep(5)`)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline during a statement: err = %v, want context.DeadlineExceeded", err)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := db.InTx(ctx, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("InTx after Close: err = %v, want store.ErrClosed", err)
	}
	if err := db.Migrate(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Migrate after Close: err = %v, want store.ErrClosed", err)
	}
}

// TestNowIsPerAttempt checks that Tx.Now comes from the clock option, is UTC
// at microsecond precision, and survives a round trip through timestamptz.
func TestNowIsPerAttempt(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 2, 3, 4, 5, 6, 789123456, time.FixedZone("X", 3600))
	db := pgtest.OpenUnmigrated(t, postgres.WithClock(fixedClock{at}))
	var now, back time.Time
	err := db.InTx(context.Background(), func(tx store.Tx) error {
		now = tx.Now()
		return mustPgx(t, tx).QueryRow(context.Background(), `SELECT $1::timestamptz`, now).Scan(&back)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := at.UTC().Truncate(time.Microsecond)
	if !now.Equal(want) || now.Location() != time.UTC {
		t.Errorf("Now() = %v, want %v in UTC", now, want)
	}
	if !back.Equal(now) {
		t.Errorf("round trip: %v, want %v", back, now)
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opt  postgres.Option
	}{
		{"empty schema", postgres.WithSchema("")},
		{"zero conns", postgres.WithMaxConns(0)},
		{"no attempts", postgres.WithRetry(0, time.Millisecond, time.Second)},
		{"max below base", postgres.WithRetry(3, time.Second, time.Millisecond)},
		{"nil clock", postgres.WithClock(nil)},
	} {
		if _, err := postgres.Open(ctx, "postgres://127.0.0.1:1/x", c.opt); err == nil {
			t.Errorf("%s: Open accepted a bad option", c.name)
		}
	}
	if _, err := postgres.Open(ctx, "postgres://user:secret@[bad"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("unparsable URL: err = %v, want an error that does not quote the password", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := postgres.Open(cctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"); err == nil {
		t.Error("Open succeeded on a port where nothing listens")
	}
}

// TestInTxPanic: a panic in fn (an HTTP server recovers it and carries on)
// rolls back and returns the connection to the pool. Twenty panics, more than
// the pool holds, then a unit of work must still get a connection and see
// nothing of theirs.
func TestInTxPanic(t *testing.T) {
	db := pgtest.Open(t)
	exec(t, db, `CREATE TABLE panics (n int)`)
	// Leaked connections would make a later InTx wait for the pool: bound
	// the wait, so that the test fails instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 20 {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Fatalf("unit of work %d: recovered %v, want the panic of fn", i, r)
				}
			}()
			_ = db.InTx(ctx, func(tx store.Tx) error {
				if _, err := mustPgx(t, tx).Exec(ctx, `INSERT INTO panics VALUES ($1)`, i); err != nil {
					return err
				}
				panic("boom")
			})
		}()
	}
	var n int
	if err := db.View(ctx, func(tx store.Tx) error {
		return mustPgx(t, tx).QueryRow(ctx, `SELECT count(*) FROM panics`).Scan(&n)
	}); err != nil {
		t.Fatalf("after 20 panics: %v (connections leaked?)", err)
	}
	if n != 0 {
		t.Errorf("%d rows of panicked units of work committed", n)
	}
}
