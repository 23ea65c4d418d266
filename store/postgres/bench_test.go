package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
)

// The ledger's hot paths on Postgres, each beside the raw-database baseline
// measured in the same run and interleaved with it (round by round, so both
// see the same load on a shared machine): the same rows written with plain
// INSERT statements in one database transaction, without the ledger (no
// idempotency lookup, no locks, no balance updates, no hashing, default
// isolation).
//
//	LENDKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench . -benchtime 10x ./store/postgres/
//
// Each also reports the client's and the local server's CPU time per op
// (benchcpu_test.go): on a small machine the figures are bounded by CPU per
// op. Figures: /work/notes/bench-ledger-postgres.md, /work/notes/bench-pg.md.

const benchWriters = 8

// benchLedger opens a migrated schema and creates n funded, non-negative EUR
// accounts ("acc-0000"…) plus the unconstrained "world" that funded them.
func benchLedger(b testing.TB, n int) (*postgres.DB, *ledger.Ledger, []string) {
	b.Helper()
	db := pgtest.Open(b, postgres.WithMaxConns(benchWriters+2))
	l := ledger.New(db)
	ctx := context.Background()
	if _, err := l.CreateAccount(ctx, ledger.Account{ID: "world", Code: "world", Currency: eur,
		Normal: ledger.Debit, Constraint: ledger.Unconstrained}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, n)
	funding := make([]ledger.Transfer, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("acc-%04d", i)
		if _, err := l.CreateAccount(ctx, ledger.Account{ID: ids[i], Code: "wallet", Currency: eur,
			Normal: ledger.Credit, Constraint: ledger.NonNegative}); err != nil {
			b.Fatal(err)
		}
		funding[i] = ledger.Transfer{Key: "fund-" + ids[i], Code: "funding", EffectiveDate: benchDate,
			Postings: []ledger.Posting{ledger.Dr("world", lendkit.New(1_000_000_000, eur)), ledger.Cr(ids[i], lendkit.New(1_000_000_000, eur))}}
	}
	if _, err := l.PostBatch(ctx, funding); err != nil {
		b.Fatal(err)
	}
	return db, l, ids
}

var benchDate = lendkit.MustDate(2027, 1, 15)

var benchKey atomic.Int64

// nextKey returns a fresh idempotency key, numbered like real callers do.
func nextKey(prefix string) string { return fmt.Sprintf("%s-%09d", prefix, benchKey.Add(1)) }

// phase runs units units of work spread over benchWriters goroutines and
// returns how long they took.
func phase(units int, unit func(r *rand.Rand) error) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchWriters)
	start := time.Now()
	for w := 0; w < benchWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for next.Add(1) <= int64(units) {
				if err := unit(r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	return elapsed, <-errs // nil when the channel is empty
}

// pair returns two distinct random indexes below n.
func pair(r *rand.Rand, n int) (int, int) {
	i := r.IntN(n)
	j := r.IntN(n - 1)
	if j >= i {
		j++
	}
	return i, j
}

// BenchmarkPost: single two-posting transfers committed one by one by 8
// concurrent writers, on random pairs among 1,000 accounts and among 10 (the
// hot-account case). Each iteration is one round of 200 ledger.Post units and
// then 200 raw units (the same rows — one transaction row, two postings —
// as plain INSERTs in one database transaction, pipelined), so that ledger
// and baseline share the machine's conditions: the 2 cores are shared with
// other work, and a baseline measured minutes apart would not compare.
func BenchmarkPost(b *testing.B) {
	const round = 200
	for _, n := range []int{1000, 10} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			db, l, ids := benchLedger(b, n)
			pool := rawPool(b, db)
			ctx := context.Background()
			var seq atomic.Int64
			seq.Store(1 << 40) // far above the ledger's own chain positions
			post := func(r *rand.Rand) error {
				i, j := pair(r, len(ids))
				amount := lendkit.New(int64(1+r.IntN(100)), eur)
				_, err := l.Post(ctx, ledger.Transfer{Key: nextKey("post"), Code: "transfer", EffectiveDate: benchDate,
					Postings: []ledger.Posting{ledger.Dr(ids[i], amount), ledger.Cr(ids[j], amount)}})
				return err
			}
			raw := func(r *rand.Rand) error {
				tr := rawTransfer(r, ids, &seq)
				return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return rawInsert(ctx, tx, []store.Transaction{tr}) })
			}
			var ledgerTime, rawTime time.Duration
			var ledgerCPU, rawCPU cpuClock
			before := db.Stats().Retries
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				c := readCPU()
				d, err := phase(round, post)
				if err != nil {
					b.Fatal(err)
				}
				ledgerTime += d
				ledgerCPU.since(c)
				c = readCPU()
				if d, err = phase(round, raw); err != nil {
					b.Fatal(err)
				}
				rawTime += d
				rawCPU.since(c)
			}
			ops := float64(round * b.N)
			b.ReportMetric(ops/ledgerTime.Seconds(), "tx/s")
			b.ReportMetric(ops/rawTime.Seconds(), "raw-tx/s")
			ledgerCPU.report(b, ops, "", "tx")
			rawCPU.report(b, ops, "raw-", "tx")
			b.ReportMetric(float64(db.Stats().Retries-before)/float64(round*b.N), "retries/tx")
		})
	}
}

// BenchmarkPostBatch: PostBatch of 5,000 two-posting transfers among 1,000
// accounts (10,000 postings per call). Each iteration is one ledger batch,
// then the same number of rows as plain INSERT statements (pipelined, one
// round trip) in one database transaction, then the same rows through COPY
// (the fastest way into Postgres), each timed on its own.
func BenchmarkPostBatch(b *testing.B) {
	const transfers = 5000
	db, l, ids := benchLedger(b, 1000)
	pool := rawPool(b, db)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	var seq atomic.Int64
	seq.Store(1 << 40)
	var ledgerTime, insertTime, copyTime time.Duration
	var ledgerCPU, copyCPU cpuClock
	timed := func(total *time.Duration, cpu *cpuClock, fn func() error) {
		c := readCPU()
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		*total += time.Since(start)
		if cpu != nil {
			cpu.since(c)
		}
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		ts := make([]ledger.Transfer, transfers)
		for k := range ts {
			i, j := pair(r, len(ids))
			amount := lendkit.New(int64(1+r.IntN(100)), eur)
			ts[k] = ledger.Transfer{Key: nextKey("batch"), Code: "dispersal", EffectiveDate: benchDate,
				Postings: []ledger.Posting{ledger.Dr(ids[i], amount), ledger.Cr(ids[j], amount)}}
		}
		rows := func() []store.Transaction {
			txs := make([]store.Transaction, transfers)
			for k := range txs {
				txs[k] = rawTransfer(r, ids, &seq)
			}
			return txs
		}
		ins, cp := rows(), rows()
		timed(&ledgerTime, &ledgerCPU, func() error { _, err := l.PostBatch(ctx, ts); return err })
		timed(&insertTime, nil, func() error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return rawInsert(ctx, tx, ins) })
		})
		timed(&copyTime, &copyCPU, func() error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return rawCopy(ctx, tx, cp) })
		})
	}
	postings := float64(2 * transfers * b.N)
	b.ReportMetric(postings/ledgerTime.Seconds(), "postings/s")
	b.ReportMetric(postings/insertTime.Seconds(), "raw-insert-postings/s")
	b.ReportMetric(postings/copyTime.Seconds(), "raw-copy-postings/s")
	ledgerCPU.report(b, postings, "", "posting")
	copyCPU.report(b, postings, "copy-", "posting")
}

// rawPool is the benchmark DB's own pool: the baselines write through the
// same connections, settings and schema as the ledger.
func rawPool(b *testing.B, db *postgres.DB) *pgxpool.Pool {
	b.Helper()
	return db.Pool()
}

// rawTransfer builds the rows one ledger transfer writes, with chain
// positions from seq (unique, so the baseline hits the same unique indexes).
func rawTransfer(r *rand.Rand, ids []string, seq *atomic.Int64) store.Transaction {
	i, j := pair(r, len(ids))
	var id [16]byte
	for k := range id {
		id[k] = byte(r.Uint32())
	}
	key := nextKey("raw")
	tr := store.Transaction{ID: fmt.Sprintf("%x", id), Key: key, PayloadHash: sum(key), Kind: store.KindTransfer,
		Code: "transfer", EffectiveDate: benchDate, CreatedAt: epoch, Hash: sum("tx", key)}
	amount := lendkit.New(int64(1+r.IntN(100)), eur)
	tr.Postings = []store.Posting{
		{AccountID: ids[i], Side: store.Debit, Amount: amount, Kind: store.EntryPosted, Seq: seq.Add(1), Hash: sum(key, "0")},
		{AccountID: ids[j], Side: store.Credit, Amount: amount, Kind: store.EntryPosted, Seq: seq.Add(1), Hash: sum(key, "1")},
	}
	return tr
}

const (
	rawTxInsert = `INSERT INTO ledger_transactions (id, idempotency_key, key_hash, payload_hash, kind, code, description,
		effective_date, metadata, created_at, hash) VALUES ($1, $2, $3, $4, $5, $6, '', $7, '{}', $8, $9)`
	rawPostingInsert = `INSERT INTO ledger_postings (account_id, seq, tx_id, idx, kind, side, amount, currency, effective_date, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
)

// rawInsert writes txs with one plain INSERT per row, all queued in one
// pipelined batch (one round trip).
func rawInsert(ctx context.Context, tx pgx.Tx, txs []store.Transaction) error {
	batch := &pgx.Batch{}
	date := pgtype.Date{Time: benchDate.Time(), Valid: true}
	for _, t := range txs {
		batch.Queue(rawTxInsert, t.ID, t.Key, sum(t.Key), t.PayloadHash, t.Kind.String(), t.Code, date, t.CreatedAt, t.Hash)
		for k, p := range t.Postings {
			batch.Queue(rawPostingInsert, p.AccountID, p.Seq, t.ID, k, p.Kind.String(), p.Side.String(),
				p.Amount.Minor(), "EUR", date, p.Hash)
		}
	}
	return tx.SendBatch(ctx, batch).Close()
}

// rawCopy writes txs with COPY, the fastest way Postgres takes rows.
func rawCopy(ctx context.Context, tx pgx.Tx, txs []store.Transaction) error {
	date := pgtype.Date{Time: benchDate.Time(), Valid: true}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"ledger_transactions"},
		[]string{"id", "idempotency_key", "key_hash", "payload_hash", "kind", "code", "description", "effective_date", "metadata", "created_at", "hash"},
		pgx.CopyFromSlice(len(txs), func(i int) ([]any, error) {
			t := txs[i]
			return []any{t.ID, t.Key, sum(t.Key), t.PayloadHash, t.Kind.String(), t.Code, "", date, "{}", t.CreatedAt, t.Hash}, nil
		}))
	if err != nil {
		return err
	}
	var rows [][]any
	for _, t := range txs {
		for k, p := range t.Postings {
			rows = append(rows, []any{p.AccountID, p.Seq, t.ID, int32(k), p.Kind.String(), p.Side.String(), p.Amount.Minor(), "EUR", date, p.Hash})
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"ledger_postings"},
		[]string{"account_id", "seq", "tx_id", "idx", "kind", "side", "amount", "currency", "effective_date", "hash"},
		pgx.CopyFromRows(rows))
	return err
}

// BenchmarkDispersal3000: one ledger transaction of 3,001 postings (a
// borrower's instalment split among 3,000 lenders: one debit, 3,000 credits),
// the monthly dispersal of the P2P case, beside COPY of the same rows in one
// database transaction.
func BenchmarkDispersal3000(b *testing.B) {
	const lenders = 3000
	db, l, ids := benchLedger(b, lenders+1)
	pool := rawPool(b, db)
	ctx := context.Background()
	var seq atomic.Int64
	seq.Store(1 << 40)
	var ledgerTime, copyTime time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		postings := make([]ledger.Posting, 0, lenders+1)
		postings = append(postings, ledger.Dr(ids[0], lendkit.New(lenders*7, eur)))
		for k := 1; k <= lenders; k++ {
			postings = append(postings, ledger.Cr(ids[k], lendkit.New(7, eur)))
		}
		key := nextKey("dispersal")
		raw := store.Transaction{ID: fmt.Sprintf("%032x", sum(key)[:16]), Key: key, PayloadHash: sum(key),
			Kind: store.KindTransfer, Code: "dispersal", EffectiveDate: benchDate, CreatedAt: epoch, Hash: sum("tx", key)}
		for k, p := range postings {
			raw.Postings = append(raw.Postings, store.Posting{AccountID: p.AccountID, Side: p.Side, Amount: p.Amount,
				Kind: store.EntryPosted, Seq: seq.Add(1), Hash: sum(key, fmt.Sprint(k))})
		}
		start := time.Now()
		if _, err := l.Post(ctx, ledger.Transfer{Key: nextKey("dispersal"), Code: "dispersal", EffectiveDate: benchDate, Postings: postings}); err != nil {
			b.Fatal(err)
		}
		ledgerTime += time.Since(start)
		start = time.Now()
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return rawCopy(ctx, tx, []store.Transaction{raw}) }); err != nil {
			b.Fatal(err)
		}
		copyTime += time.Since(start)
	}
	total := float64((lenders + 1) * b.N)
	b.ReportMetric(total/ledgerTime.Seconds(), "postings/s")
	b.ReportMetric(total/copyTime.Seconds(), "raw-copy-postings/s")
}
