package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

// BenchmarkOutbox measures the notification path on SQLite: emit (render
// the template, insert the outbox row in a unit of work) and the sender's
// claim + send (log adapter, discarded) + mark, per message. The baseline
// is the same number of units of work doing one bare INSERT and one bare
// UPDATE on a table of the same shape, the floor any outbox pays.
func BenchmarkOutbox(b *testing.B) {
	ctx := context.Background()
	open := func(b *testing.B) (store.DB, *server, string) {
		b.Helper()
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := migrateAll(ctx, db); err != nil {
			b.Fatal(err)
		}
		s, err := newServer(db, lendkit.SystemClock{}, quietLog)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.start(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.seed(ctx); err != nil {
			b.Fatal(err)
		}
		var bid string
		err = db.View(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			return queryRow(ctx, q, `SELECT id FROM platform_users WHERE role = 'borrower'`, nil, &bid)
		})
		if err != nil {
			b.Fatal(err)
		}
		return db, s, bid
	}
	b.Run("emit", func(b *testing.B) {
		db, _, bid := open(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			err := db.InTx(ctx, func(tx store.Tx) error {
				q, err := sqlOf(tx)
				if err != nil {
					return err
				}
				return emit(ctx, tx, q, decisionEvent(bid, i))
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("send", func(b *testing.B) {
		db, _, bid := open(b)
		for i := 0; i < b.N; i++ {
			err := db.InTx(ctx, func(tx store.Tx) error {
				q, err := sqlOf(tx)
				if err != nil {
					return err
				}
				return emit(ctx, tx, q, decisionEvent(bid, i))
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		o := newOutboxSender(db, lendkit.SystemClock{}, notify.Log{Logger: quietLog}, notify.Log{Logger: quietLog}, quietLog)
		b.ResetTimer()
		sent := 0
		for sent < b.N {
			n, err := o.runOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				b.Fatalf("stuck at %d of %d", sent, b.N)
			}
			sent += n
		}
	})
	b.Run("baseline-insert-update", func(b *testing.B) {
		db, _, _ := open(b)
		err := db.InTx(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			_, err = q.exec(ctx, `CREATE TABLE bench_rows (id TEXT NOT NULL PRIMARY KEY, status TEXT NOT NULL, payload TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			id := newID("raw")
			for _, stmt := range []string{`INSERT INTO bench_rows (id, status, payload, at) VALUES ($1, 'pending', '{"subject":"s","body":"b"}', $2)`,
				`UPDATE bench_rows SET status = 'sent', at = $2 WHERE id = $1`} {
				err := db.InTx(ctx, func(tx store.Tx) error {
					q, err := sqlOf(tx)
					if err != nil {
						return err
					}
					_, err = q.exec(ctx, stmt, id, time.Now().UnixMicro())
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
