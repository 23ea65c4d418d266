package wallet

import (
	"fmt"
	"testing"
	"time"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/sqlite"
)

// batchRequests returns the requests onboarding n lenders under prefix p:
// their wallets (and the borrower's), their pay-ins of 100 EUR and their
// commitments of the same to campaign p.
func batchRequests(p string, n int) ([]OpenRequest, []PayIn, []Commit) {
	opens := []OpenRequest{{ID: p + "-b", Kind: Borrower, Owner: p, KYC: KYCValidated}}
	payins, commits := make([]PayIn, n), make([]Commit, n)
	for i := range n {
		l := fmt.Sprintf("%s-l%04d", p, i)
		opens = append(opens, OpenRequest{ID: l, Kind: Lender, Owner: l, KYC: KYCValidated})
		payins[i] = PayIn{Key: "pi-" + l, Wallet: l, Amount: eur("100.00"), Date: day, Method: "card"}
		commits[i] = Commit{Campaign: p, ID: l, Lender: l, Amount: eur("100.00"), Date: day}
	}
	return opens, payins, commits
}

func createCampaign(b *testing.B, s *Service, p string, n int) {
	b.Helper()
	target, _ := eur("100.00").MulInt(int64(n))
	if _, err := s.CreateCampaign(ctx, CampaignSpec{ID: p, BorrowerWallet: p + "-b", Target: target, Deadline: day.AddDays(30), Overfunding: Refuse}); err != nil {
		b.Fatal(err)
	}
}

// perLender reports the time per lender of a loop over n lenders.
func perLender(b *testing.B, elapsed time.Duration, n int) {
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*n), "ns/lender")
}

func benchBatches(b *testing.B, db store.DB, raw func(tx store.Tx, n int) error) {
	s := service(b, db)
	seq := 0
	next := func() string { seq++; return fmt.Sprint("p", seq) }
	b.Run("OpenMany-3000", func(b *testing.B) {
		var d time.Duration
		for b.Loop() {
			opens, _, _ := batchRequests(next(), benchLenders)
			t := time.Now()
			if _, err := s.OpenMany(ctx, opens); err != nil {
				b.Fatal(err)
			}
			d += time.Since(t)
		}
		perLender(b, d, benchLenders)
	})
	b.Run("PayInMany-3000", func(b *testing.B) {
		var d time.Duration
		for b.Loop() {
			opens, payins, _ := batchRequests(next(), benchLenders)
			if _, err := s.OpenMany(ctx, opens); err != nil {
				b.Fatal(err)
			}
			t := time.Now()
			if _, err := s.PayInMany(ctx, payins); err != nil {
				b.Fatal(err)
			}
			d += time.Since(t)
		}
		perLender(b, d, benchLenders)
	})
	b.Run("CommitMany-3000", func(b *testing.B) {
		var d time.Duration
		for b.Loop() {
			p := next()
			opens, payins, commits := batchRequests(p, benchLenders)
			if _, err := s.OpenMany(ctx, opens); err != nil {
				b.Fatal(err)
			}
			if _, err := s.PayInMany(ctx, payins); err != nil {
				b.Fatal(err)
			}
			createCampaign(b, s, p, benchLenders)
			t := time.Now()
			if _, err := s.CommitMany(ctx, commits); err != nil {
				b.Fatal(err)
			}
			d += time.Since(t)
		}
		perLender(b, d, benchLenders)
	})
	// The single forms, one unit of work per operation, over 300 lenders
	// (3,000 would take minutes on Postgres): compare ns/lender.
	const singles = 300
	b.Run("Open+PayIn+Commit-singles-300", func(b *testing.B) {
		var d time.Duration
		for b.Loop() {
			p := next()
			opens, payins, commits := batchRequests(p, singles)
			if _, err := s.Open(ctx, opens[0]); err != nil {
				b.Fatal(err)
			}
			createCampaign(b, s, p, singles)
			t := time.Now()
			for i := range singles {
				if _, err := s.Open(ctx, opens[i+1]); err != nil {
					b.Fatal(err)
				}
				if _, err := s.PayIn(ctx, payins[i]); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Commit(ctx, commits[i]); err != nil {
					b.Fatal(err)
				}
			}
			d += time.Since(t)
		}
		perLender(b, d, singles)
	})
	// Baseline: 3,000 single-row INSERTs through the raw driver in one
	// transaction, the floor of writing one row per lender.
	b.Run("raw-3000-inserts", func(b *testing.B) {
		if err := db.InTx(ctx, func(tx store.Tx) error { return raw(tx, -1) }); err != nil {
			b.Fatal(err)
		}
		var d time.Duration
		for b.Loop() {
			t := time.Now()
			if err := db.InTx(ctx, func(tx store.Tx) error { return raw(tx, benchLenders) }); err != nil {
				b.Fatal(err)
			}
			d += time.Since(t)
		}
		perLender(b, d, benchLenders)
	})
}

// BenchmarkBatches measures OpenMany, PayInMany and CommitMany over 3,000
// lenders, each in one unit of work, against the single forms and a raw
// insert baseline.
func BenchmarkBatches(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db := openSQLite(b)
		round := 0
		benchBatches(b, db, func(tx store.Tx, n int) error {
			sq, _ := sqlite.SQLTx(tx)
			if n < 0 {
				_, err := sq.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_rows (round INTEGER NOT NULL, id INTEGER NOT NULL, owner TEXT NOT NULL, PRIMARY KEY (round, id))`)
				return err
			}
			round++
			st, err := sq.PrepareContext(ctx, `INSERT INTO bench_rows (round, id, owner) VALUES (?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := range n {
				if _, err := st.ExecContext(ctx, round, i, "lender"); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db := openPostgres(b)
		round := 0
		benchBatches(b, db, func(tx store.Tx, n int) error {
			pg, _ := postgres.PgxTx(tx)
			if n < 0 {
				_, err := pg.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_rows (round int NOT NULL, id int NOT NULL, owner text NOT NULL, PRIMARY KEY (round, id))`)
				return err
			}
			round++
			for i := range n {
				if _, err := pg.Exec(ctx, `INSERT INTO bench_rows (round, id, owner) VALUES ($1, $2, $3)`, round, i, "lender"); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
