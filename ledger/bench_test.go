package ledger_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store/sqlite"

	_ "modernc.org/sqlite"
)

// The benchmarks run on SQLite in a temporary file (WAL, synchronous=NORMAL,
// the backend's defaults). Each ledger figure has a raw-database baseline in
// the same run: plain INSERTs of the same rows (transactions and postings)
// through database/sql, with no reads, no balance updates, no hashing.
//
//	go test -run '^$' -bench . -benchtime 20000x ./ledger/

const benchAccounts = 1000

// benchPageSize is the page size of the benchmark's database files.
var benchPageSize = 4096

func benchLedger(b *testing.B) (*ledger.Ledger, string) { return benchLedgerN(b, benchAccounts) }

func benchLedgerN(b *testing.B, accounts int) (*ledger.Ledger, string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := sqlite.Open(ctx, path, sqlite.WithPageSize(benchPageSize))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	l := ledger.New(db)
	for _, id := range []string{"bank", "escrow"} {
		if _, err := l.CreateAccount(ctx, ledger.Account{ID: id, Code: id, Currency: lendkit.EUR, Normal: ledger.Debit, Constraint: ledger.Unconstrained}); err != nil {
			b.Fatal(err)
		}
	}
	var fund []ledger.Transfer
	for i := 0; i < accounts; i++ {
		id := fmt.Sprintf("wallet:%04d", i)
		if _, err := l.CreateAccount(ctx, ledger.Account{ID: id, Code: "wallet", Currency: lendkit.EUR, Normal: ledger.Credit}); err != nil {
			b.Fatal(err)
		}
		fund = append(fund, ledger.Transfer{Key: "fund-" + id, EffectiveDate: benchDay, Postings: []ledger.Posting{
			ledger.Dr("bank", lendkit.New(1e12, lendkit.EUR)), ledger.Cr(id, lendkit.New(1e12, lendkit.EUR))}})
	}
	if _, err := l.PostBatch(ctx, fund); err != nil {
		b.Fatal(err)
	}
	return l, path
}

var benchDay = lendkit.MustParseDate("2027-01-15")

// transfer i moves 1.00 between two pseudo-random wallets.
func benchTransfer(run string, i int) ledger.Transfer {
	from := fmt.Sprintf("wallet:%04d", (i*7919)%benchAccounts)
	to := fmt.Sprintf("wallet:%04d", (i*7919+1+i%(benchAccounts-1))%benchAccounts)
	return ledger.Transfer{Key: fmt.Sprintf("%s-%d", run, i), Code: "transfer", EffectiveDate: benchDay,
		Postings: []ledger.Posting{ledger.Dr(from, lendkit.New(100, lendkit.EUR)), ledger.Cr(to, lendkit.New(100, lendkit.EUR))}}
}

// cpuTime returns the CPU time (user and system, all threads) the process
// has used. The machine the figures come from is shared: wall-clock rates
// drop when other work runs, CPU time per operation much less, so the
// benchmarks report both.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU microseconds per unit (a transaction or a posting).
func reportCPU(b *testing.B, start time.Duration, units int, name string) {
	b.ReportMetric(float64(cpuTime()-start)/1e3/float64(units), name)
}

func runID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// BenchmarkPost commits two-posting transfers one by one, each in its own
// database transaction.
func BenchmarkPost(b *testing.B) {
	l, _ := benchLedger(b)
	ctx := context.Background()
	run := runID()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := l.Post(ctx, benchTransfer(run, i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportCPU(b, cpu0, b.N, "cpu-µs/tx")
}

// BenchmarkPostBatch commits transfers through PostBatch, 1,500 two-posting
// transfers (3,000 postings, a monthly dispersal) per database transaction.
func BenchmarkPostBatch(b *testing.B) {
	const per = 1500
	l, _ := benchLedger(b)
	ctx := context.Background()
	run := runID()
	batch := make([]ledger.Transfer, 0, per)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		batch = append(batch, benchTransfer(run, i))
		if len(batch) == per || i == b.N-1 {
			if _, err := l.PostBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "postings/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportCPU(b, cpu0, b.N, "cpu-µs/tx")
}

// rawInsert writes b.N transactions and 2·b.N postings with plain INSERTs
// into the ledger's own tables, commitEvery rows per database transaction:
// the cost of the rows alone.
func rawInsert(b *testing.B, commitEvery int) {
	_, path := benchLedger(b)
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=cache_size(-32768)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	run := runID()
	hash := make([]byte, 32)
	var last int64
	if err := db.QueryRow(`SELECT MAX(posting_no) FROM ledger_postings`).Scan(&last); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	var tx *sql.Tx
	var insTx, insP *sql.Stmt
	for i := 0; i < b.N; i++ {
		if tx == nil {
			if tx, err = db.Begin(); err != nil {
				b.Fatal(err)
			}
			insTx, _ = tx.Prepare(`INSERT INTO ledger_transactions (id, idempotency_key, payload_hash, kind, code, description, effective_date, metadata, created_at, hash, first_posting, posting_count) VALUES (?, ?, ?, 'transfer', 'transfer', '', '2027-01-15', '{}', 0, ?, ?, 2)`)
			insP, _ = tx.Prepare(`INSERT INTO ledger_postings (posting_no, account_id, seq, tx_id, idx, kind, side, amount, currency, effective_date, hash) VALUES (?, ?, ?, ?, ?, 'posted', ?, 100, 'EUR', '2027-01-15', ?)`)
		}
		t := benchTransfer(run, i)
		id := fmt.Sprintf("%s%026d", run, i)
		first := last + 1 + 2*int64(i)
		if _, err := insTx.Exec(id, t.Key, hash, hash, first); err != nil {
			b.Fatal(err)
		}
		// seq: unique per account; offset past the funding posting.
		if _, err := insP.Exec(first, t.Postings[0].AccountID, 2+2*i, id, 0, "debit", hash); err != nil {
			b.Fatal(err)
		}
		if _, err := insP.Exec(first+1, t.Postings[1].AccountID, 3+2*i, id, 1, "credit", hash); err != nil {
			b.Fatal(err)
		}
		if (i+1)%commitEvery == 0 || i == b.N-1 {
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			tx = nil
		}
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "postings/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportCPU(b, cpu0, b.N, "cpu-µs/tx")
}

// BenchmarkRawInsertOneTx is the baseline: the same rows, all in one
// database transaction.
func BenchmarkRawInsertOneTx(b *testing.B) { rawInsert(b, 1<<62) }

// BenchmarkRawInsertEachTx is the baseline for Post: the same rows, one
// database transaction (one commit) per ledger transaction.
func BenchmarkRawInsertEachTx(b *testing.B) { rawInsert(b, 1) }

// BenchmarkRawInsertPerBatch is the baseline for PostBatch: a commit every
// 1,500 transactions.
func BenchmarkRawInsertPerBatch(b *testing.B) { rawInsert(b, 1500) }

const lenders = 3000

// BenchmarkFunding3000 is a project's funding: 3,000 lenders' transfers to
// the project's escrow in one PostBatch (6,000 postings). One op = one funding.
func BenchmarkFunding3000(b *testing.B) {
	l, _ := benchLedgerN(b, lenders)
	ctx := context.Background()
	run := runID()
	b.ResetTimer()
	cpu0 := cpuTime()
	for n := 0; n < b.N; n++ {
		batch := make([]ledger.Transfer, lenders)
		for i := range batch {
			m := lendkit.New(int64(1000+i), lendkit.EUR)
			batch[i] = ledger.Transfer{Key: fmt.Sprintf("%s-%d-%d", run, n, i), Code: "funding", EffectiveDate: benchDay,
				Postings: []ledger.Posting{ledger.Dr(fmt.Sprintf("wallet:%04d", i), m), ledger.Cr("escrow", m)}}
		}
		if _, err := l.PostBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*lenders*b.N)/b.Elapsed().Seconds(), "postings/s")
	reportCPU(b, cpu0, 2*lenders*b.N, "cpu-µs/posting")
}

// BenchmarkDispersal3000 is a monthly dispersal: one transaction debiting
// the collection account and crediting 3,000 lenders (3,001 postings).
func BenchmarkDispersal3000(b *testing.B) {
	l, _ := benchLedgerN(b, lenders)
	ctx := context.Background()
	run := runID()
	b.ResetTimer()
	cpu0 := cpuTime()
	for n := 0; n < b.N; n++ {
		ps := make([]ledger.Posting, 0, lenders+1)
		total := int64(0)
		for i := 0; i < lenders; i++ {
			m := int64(100 + i%7)
			total += m
			ps = append(ps, ledger.Cr(fmt.Sprintf("wallet:%04d", i), lendkit.New(m, lendkit.EUR)))
		}
		ps = append(ps, ledger.Dr("escrow", lendkit.New(total, lendkit.EUR)))
		if _, err := l.Post(ctx, ledger.Transfer{Key: fmt.Sprintf("%s-%d", run, n), Code: "dispersal", EffectiveDate: benchDay, Postings: ps}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((lenders+1)*b.N)/b.Elapsed().Seconds(), "postings/s")
	reportCPU(b, cpu0, (lenders+1)*b.N, "cpu-µs/posting")
}

// BenchmarkRawDispersal3000 is the baseline of BenchmarkDispersal3000: one
// transaction row and its 3,001 posting rows with plain INSERTs in one
// database transaction.
func BenchmarkRawDispersal3000(b *testing.B) {
	_, path := benchLedgerN(b, lenders)
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=cache_size(-32768)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var last int64
	if err := db.QueryRow(`SELECT MAX(posting_no) FROM ledger_postings`).Scan(&last); err != nil {
		b.Fatal(err)
	}
	run := runID()
	hash := make([]byte, 32)
	b.ResetTimer()
	cpu0 := cpuTime()
	for n := 0; n < b.N; n++ {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		id := fmt.Sprintf("%s%026d", run, n)
		first := last + 1
		if _, err := tx.Exec(`INSERT INTO ledger_transactions (id, idempotency_key, payload_hash, kind, code, description, effective_date, metadata, created_at, hash, first_posting, posting_count) VALUES (?, ?, ?, 'transfer', 'dispersal', '', '2027-01-15', '{}', 0, ?, ?, ?)`,
			id, id, hash, hash, first, lenders+1); err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO ledger_postings (posting_no, account_id, seq, tx_id, idx, kind, side, amount, currency, effective_date, hash) VALUES (?, ?, ?, ?, ?, 'posted', ?, 100, 'EUR', '2027-01-15', ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i <= lenders; i++ {
			acct, side := fmt.Sprintf("wallet:%04d", i), "credit"
			if i == lenders {
				acct, side = "escrow", "debit"
			}
			if _, err := st.Exec(first+int64(i), acct, 2+n, id, i, side, hash); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		last += lenders + 1
	}
	b.ReportMetric(float64((lenders+1)*b.N)/b.Elapsed().Seconds(), "postings/s")
	reportCPU(b, cpu0, (lenders+1)*b.N, "cpu-µs/posting")
}

// postConcurrent runs 8 writers (4 per CPU on the 2-core machine) posting
// 1.00 transfers between wallets drawn from the first `among` accounts. On
// SQLite they queue for the one write connection, so the figure shows what
// contention costs on top of BenchmarkPost; hot accounts cost nothing extra
// because there are no row locks to wait for.
func postConcurrent(b *testing.B, among int) {
	l, _ := benchLedger(b)
	ctx := context.Background()
	run := runID()
	var seq atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(seq.Add(1))
			from, to := (i*7919)%among, (i*7919+1+i%(among-1))%among
			m := lendkit.New(100, lendkit.EUR)
			if _, err := l.Post(ctx, ledger.Transfer{Key: fmt.Sprintf("%s-%d", run, i), EffectiveDate: benchDay, Postings: []ledger.Posting{
				ledger.Dr(fmt.Sprintf("wallet:%04d", from), m), ledger.Cr(fmt.Sprintf("wallet:%04d", to), m)}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	reportCPU(b, cpu0, b.N, "cpu-µs/tx")
}

// BenchmarkPostConcurrent: 8 writers on random accounts among 1,000.
func BenchmarkPostConcurrent(b *testing.B) { postConcurrent(b, benchAccounts) }

// BenchmarkPostHot: 8 writers all on 10 hot accounts.
func BenchmarkPostHot(b *testing.B) { postConcurrent(b, 10) }
