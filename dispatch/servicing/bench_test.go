package servicing_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	"github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/dispatch/servicing"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/sqlite"
)

// cpuTime is the process's user+system CPU time. The machine is shared (a
// load of 10 on 2 cores is common), so wall-clock figures swing by 2–3×;
// CPU time per operation is reported beside them as cpu-ms/op. For SQLite,
// which runs in-process, it is the whole cost; for Postgres it leaves out
// the server's CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter accumulates CPU time over the timed parts of a benchmark.
type cpuMeter struct {
	total, start time.Duration
}

func (m *cpuMeter) resume() { m.start = cpuTime() }
func (m *cpuMeter) pause()  { m.total += cpuTime() - m.start }
func (m *cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(m.total.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// benchLoan is the funding close: 3,000 lenders (mostly French
// individuals, some Italian, some companies) on a 60-month annuity.
func benchLoan(tb testing.TB, id string, lenders, months int) dispatch.Terms {
	tb.Helper()
	stakes := make([]dispatch.Stake, lenders)
	var total int64
	for i := range stakes {
		a := int64(50_00 + (i*7919)%2_000_00)
		h := dispatch.Holder{ID: dispatch.HolderID(fmt.Sprintf("lender-%05d", i)), Kind: dispatch.Individual, Tax: dispatch.FranceIndividual()}
		switch {
		case i%10 == 3:
			h.Tax = dispatch.ItalyIndividual()
		case i%10 == 7:
			h.Kind, h.Tax = dispatch.Company, dispatch.NoWithholding()
		}
		stakes[i] = dispatch.Stake{Holder: h, Amount: lendkit.New(a, lendkit.EUR)}
		total += a
	}
	s, err := amortization.Generate(amortization.Terms{Principal: lendkit.New(total, lendkit.EUR),
		Rate: lendkit.MustParseRate("7.5%"), Periods: months, Start: day("2025-06-10")})
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := dispatch.FromSchedule(s)
	if err != nil {
		tb.Fatal(err)
	}
	return dispatch.Terms{Loan: id, Borrower: "sme", Currency: lendkit.EUR, Funded: day("2025-06-10"), Schedule: rows, Stakes: stakes}
}

// topUp pays each stake into its lender's wallet again, so another funding
// can be posted.
func topUp(tb testing.TB, db store.DB, round int, stakes []dispatch.Stake) {
	tb.Helper()
	ts := make([]ledger.Transfer, len(stakes))
	for i, s := range stakes {
		id := servicing.DefaultAccounts(dispatch.Account{Role: dispatch.HolderWallet, Owner: string(s.Holder.ID)})
		ts[i] = ledger.Transfer{Key: fmt.Sprintf("topup:%d:%s", round, id), Code: "payin", EffectiveDate: day("2025-06-01"),
			Postings: []ledger.Posting{ledger.Dr(world, s.Amount), ledger.Cr(id, s.Amount)}}
	}
	if err := db.InTx(context.Background(), func(tx store.Tx) error {
		_, err := ledger.In(tx).PostBatch(context.Background(), ts)
		return err
	}); err != nil {
		tb.Fatal(err)
	}
}

// rawBaseline inserts the same number of rows, with the same columns and
// key, into a plain table through the backend's own bulk path and nothing
// else: no projection maths, no store layer, no ledger.
type rawBaseline func(ctx context.Context, tx store.Tx, table string, rows []store.DispatchProjection) error

func sqliteRaw(ctx context.Context, tx store.Tx, table string, rows []store.DispatchProjection) error {
	stx, _ := sqlite.SQLTx(tx)
	if _, err := stx.ExecContext(ctx, `CREATE TABLE `+table+` (loan_id TEXT NOT NULL, holder TEXT NOT NULL, n INTEGER NOT NULL,
		due TEXT NOT NULL, capital INTEGER NOT NULL, interest INTEGER NOT NULL, tax INTEGER NOT NULL, net INTEGER NOT NULL,
		currency TEXT NOT NULL, taxes TEXT NOT NULL, PRIMARY KEY (loan_id, n, holder)) WITHOUT ROWID`); err != nil {
		return err
	}
	const chunk = 256
	q := `INSERT INTO ` + table + ` VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", chunk), ", ")
	stmt, err := stx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 0, chunk*10)
	for i := 0; i < len(rows); i++ {
		r := &rows[i]
		taxes, _ := store.EncodeTaxes(r.Taxes)
		args = append(args, r.LoanID, r.Holder, r.N, r.Due.String(), r.Capital.Minor(), r.Interest.Minor(), r.Tax.Minor(), r.Net.Minor(), "EUR", taxes)
		if len(args) == chunk*10 {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	for i := 0; i < len(args); i += 10 {
		if _, err := stx.ExecContext(ctx, `INSERT INTO `+table+` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args[i:i+10]...); err != nil {
			return err
		}
	}
	return nil
}

func postgresRaw(ctx context.Context, tx store.Tx, table string, rows []store.DispatchProjection) error {
	ptx, _ := postgres.PgxTx(tx)
	if _, err := ptx.Exec(ctx, `CREATE TABLE `+table+` (loan_id TEXT COLLATE "C" NOT NULL, holder TEXT COLLATE "C" NOT NULL, n INTEGER NOT NULL,
		due DATE NOT NULL, capital BIGINT NOT NULL, interest BIGINT NOT NULL, tax BIGINT NOT NULL, net BIGINT NOT NULL,
		currency TEXT NOT NULL, taxes TEXT NOT NULL, PRIMARY KEY (loan_id, n, holder))`); err != nil {
		return err
	}
	_, err := ptx.CopyFrom(ctx, pgx.Identifier{table}, []string{"loan_id", "holder", "n", "due", "capital", "interest", "tax", "net", "currency", "taxes"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := &rows[i]
			taxes, _ := store.EncodeTaxes(r.Taxes)
			return []any{r.LoanID, r.Holder, int32(r.N), r.Due.Time(), r.Capital.Minor(), r.Interest.Minor(), r.Tax.Minor(), r.Net.Minor(), "EUR", taxes}, nil
		}))
	return err
}

// projectionRows computes the funding's projection rows once, for the raw
// baseline.
func projectionRows(tb testing.TB, terms dispatch.Terms) []store.DispatchProjection {
	tb.Helper()
	book, err := dispatch.Open(terms)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := book.Project()
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]store.DispatchProjection, 0, p.Len())
	for r := range p.Rows() {
		var taxes []store.DispatchTax
		for _, t := range r.Taxes {
			taxes = append(taxes, store.DispatchTax{Code: t.Code, Amount: t.Amount})
		}
		out = append(out, store.DispatchProjection{LoanID: p.Loan, Holder: string(r.Holder), N: r.N, Due: r.Due,
			Capital: r.Capital, Interest: r.Interest, Tax: r.Tax, Net: r.Net, Taxes: taxes})
	}
	return out
}

// rounds numbers loans, top-ups and raw tables across benchmark runs
// (-count > 1 reuses the database of neither, but b.Run runs a body more
// than once while sizing b.N).
var rounds atomic.Int64

// benchFunding measures a whole funding close persisted in one unit of work
// (open the book, compute 180,000 projection rows, write the state, the
// register, the rows and the 3,001-posting funding transaction), then, in
// the same run, the raw bulk insert of the same rows.
func benchFunding(b *testing.B, db store.DB, raw rawBaseline) {
	ctx := context.Background()
	base := benchLoan(b, "bench-0", 3000, 60)
	setupAccounts(b, db, base.Stakes, "sme", dispatch.TaxFranceIncome, dispatch.TaxFranceSocial, dispatch.TaxItaly)
	first := true
	b.Run("persisted", func(b *testing.B) {
		var m cpuMeter
		for b.Loop() {
			b.StopTimer()
			round := rounds.Add(1)
			if !first {
				topUp(b, db, int(round), base.Stakes)
			}
			first = false
			terms := base
			terms.Loan = fmt.Sprintf("bench-%d", round)
			b.StartTimer()
			m.resume()
			err := db.InTx(ctx, func(tx store.Tx) error {
				book, err := dispatch.Open(terms)
				if err != nil {
					return err
				}
				f, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: servicing.DefaultAccounts})
				if err == nil && f.Projections != 180_000 {
					err = fmt.Errorf("%d rows", f.Projections)
				}
				return err
			})
			m.pause()
			if err != nil {
				b.Fatal(err)
			}
		}
		m.report(b)
	})
	rows := projectionRows(b, base)
	b.Run("raw-bulk-insert", func(b *testing.B) {
		var m cpuMeter
		for b.Loop() {
			round := rounds.Add(1)
			m.resume()
			err := db.InTx(ctx, func(tx store.Tx) error {
				return raw(ctx, tx, fmt.Sprintf("bench_raw_%d", round), rows)
			})
			m.pause()
			if err != nil {
				b.Fatal(err)
			}
		}
		m.report(b)
	})
}

func BenchmarkFundingSQLite(b *testing.B) {
	benchFunding(b, openSQLite(b), sqliteRaw)
}

func BenchmarkFundingPostgres(b *testing.B) {
	benchFunding(b, pgtest.Open(b), postgresRaw)
}

// benchMonthly measures one monthly dispersal to 3,000 lenders committed in
// one unit of work: load the loan's state, split the instalment, post its
// ledger transaction (~3,000 postings), write the dispersal with its 3,000
// shares and the new state. At most 60 iterations (one per instalment).
func benchMonthly(b *testing.B, db store.DB) {
	ctx := context.Background()
	terms := benchLoan(b, "monthly", 3000, 60)
	setupAccounts(b, db, terms.Stakes, "sme", dispatch.TaxFranceIncome, dispatch.TaxFranceSocial, dispatch.TaxItaly)
	book, err := dispatch.Open(terms)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx store.Tx) error {
		_, err := servicing.Fund(ctx, tx, book, servicing.FundOptions{Key: "funding", Accounts: servicing.DefaultAccounts})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	k := 0
	var m cpuMeter
	for b.Loop() {
		if k == len(terms.Schedule) {
			b.Fatal("more iterations than instalments: use -benchtime=Nx with N ≤ 60")
		}
		b.StopTimer()
		r := terms.Schedule[k]
		k++
		cash := lendkit.New(r.Principal.Minor()+r.Interest.Minor(), lendkit.EUR)
		collect(b, db, "sme", fmt.Sprint(k), cash)
		b.StartTimer()
		m.resume()
		err := db.InTx(ctx, func(tx store.Tx) error {
			out, err := servicing.Pay(ctx, tx, "monthly", dispatch.Payment{Key: fmt.Sprintf("sdd-%d", k), Date: r.Due, Amount: cash}, servicing.DefaultAccounts)
			if err == nil && len(out.Dispersal.Shares) != 3000 {
				err = fmt.Errorf("%d shares", len(out.Dispersal.Shares))
			}
			return err
		})
		m.pause()
		if err != nil {
			b.Fatal(err)
		}
	}
	m.report(b)
}

func BenchmarkMonthlySQLite(b *testing.B) { benchMonthly(b, openSQLite(b)) }

func BenchmarkMonthlyPostgres(b *testing.B) { benchMonthly(b, pgtest.Open(b)) }
