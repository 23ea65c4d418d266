package wallet

import (
	"context"
	"fmt"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/sqlite"
)

const benchLenders = 3000

// seedCampaign opens a borrower, n funded lenders and a campaign with one
// commitment per lender, in one unit of work through the same ledger and
// store calls Commit makes (n separate Commit calls would make the set-up,
// not the close, the slow part of the benchmark).
func seedCampaign(b *testing.B, s *Service, db store.DB, id string, n int) {
	b.Helper()
	amount := eur("100.00")
	target, _ := amount.MulInt(int64(n))
	if _, err := s.Open(ctx, OpenRequest{ID: id + "-b", Kind: Borrower, Owner: id}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateCampaign(ctx, CampaignSpec{ID: id, BorrowerWallet: id + "-b", Target: target, Deadline: day.AddDays(30), Overfunding: Refuse}); err != nil {
		b.Fatal(err)
	}
	err := db.InTx(ctx, func(tx store.Tx) error {
		u, ws := ledger.In(tx), tx.Wallets()
		payins := make([]ledger.Transfer, 0, n)
		for i := range n {
			l := fmt.Sprintf("%s-l%04d", id, i)
			if _, err := u.CreateAccount(ctx, ledger.Account{ID: s.AccountOf(l), Code: "lender_wallet", Currency: lendkit.EUR, Normal: ledger.Credit, Constraint: ledger.NonNegative}); err != nil {
				return err
			}
			if err := ws.CreateWallet(ctx, store.Wallet{ID: l, Kind: string(Lender), Owner: l, Currency: lendkit.EUR, Status: string(Open), KYCLevel: int(KYCValidated), AccountID: s.AccountOf(l)}); err != nil {
				return err
			}
			payins = append(payins, ledger.Transfer{Key: "pi-" + l, Code: "payin", EffectiveDate: day,
				Postings: []ledger.Posting{ledger.Dr(s.ExternalAccount(), amount), ledger.Cr(s.AccountOf(l), amount)}})
		}
		if _, err := u.PostBatch(ctx, payins); err != nil {
			return err
		}
		c, err := ws.Campaign(ctx, id)
		if err != nil {
			return err
		}
		for i := range n {
			l := fmt.Sprintf("%s-l%04d", id, i)
			cid := fmt.Sprint("c", i)
			h, err := u.Hold(ctx, ledger.Transfer{Key: holdKey(id, cid), Code: "commitment", EffectiveDate: day,
				Postings: []ledger.Posting{ledger.Dr(s.AccountOf(l), amount), ledger.Cr(s.AccountOf(id+"-b"), amount)}}, zeroTime)
			if err != nil {
				return err
			}
			if err := ws.InsertCommitment(ctx, store.Commitment{CampaignID: id, ID: cid, LenderWallet: l, Amount: amount, HoldID: h.ID, Status: string(Held)}); err != nil {
				return err
			}
		}
		c.Raised, c.Commitments = target, n
		_, err = ws.UpdateCampaign(ctx, c)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchClose(b *testing.B, db store.DB, raw func(tx store.Tx, n int) error) {
	s := service(b, db)
	b.Run("close-3000", func(b *testing.B) {
		i := 0
		for b.Loop() {
			b.StopTimer()
			id := fmt.Sprint("camp", i)
			i++
			seedCampaign(b, s, db, id, benchLenders)
			b.StartTimer()
			c, err := s.CloseCampaign(ctx, id, day.AddDays(1))
			if err != nil || c.Status != CampaignFunded {
				b.Fatalf("close: %+v %v", c, err)
			}
		}
	})
	// Baseline: the same number of single-row writes through the raw driver
	// in one transaction, the floor any ORM-free store can reach.
	b.Run("raw-3000-updates", func(b *testing.B) {
		if err := db.InTx(ctx, func(tx store.Tx) error { return raw(tx, -1) }); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := db.InTx(ctx, func(tx store.Tx) error { return raw(tx, benchLenders) }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCloseCampaign closes a campaign of 3,000 commitments in one unit
// of work (target: under 1 s on SQLite and Postgres).
func BenchmarkCloseCampaign(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db := openSQLite(b)
		benchClose(b, db, func(tx store.Tx, n int) error {
			sq, _ := sqlite.SQLTx(tx)
			if n < 0 {
				if _, err := sq.ExecContext(ctx, `CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, status TEXT NOT NULL)`); err != nil {
					return err
				}
				for i := range benchLenders {
					if _, err := sq.ExecContext(ctx, `INSERT INTO bench_raw (id, status) VALUES (?, 'held')`, i); err != nil {
						return err
					}
				}
				return nil
			}
			st, err := sq.PrepareContext(ctx, `UPDATE bench_raw SET status = ? WHERE id = ?`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := range n {
				if _, err := st.ExecContext(ctx, "posted", i); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db := openPostgres(b)
		benchClose(b, db, func(tx store.Tx, n int) error {
			pg, _ := postgres.PgxTx(tx)
			if n < 0 {
				_, err := pg.Exec(ctx, `CREATE TABLE bench_raw AS SELECT g AS id, 'held'::text AS status FROM generate_series(0, 2999) g; ALTER TABLE bench_raw ADD PRIMARY KEY (id)`)
				return err
			}
			for i := range n {
				if _, err := pg.Exec(ctx, `UPDATE bench_raw SET status = $1 WHERE id = $2`, "posted", i); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// seedWallets opens n borrower wallets "loan-0" … in one unit of work.
func seedWallets(ctx context.Context, s *Service, tx store.Tx, n int) error {
	u, ws := ledger.In(tx), tx.Wallets()
	for i := range n {
		id := fmt.Sprint("loan-", i)
		if _, err := u.CreateAccount(ctx, ledger.Account{ID: s.AccountOf(id), Code: "borrower_wallet", Currency: lendkit.EUR, Normal: ledger.Credit, Constraint: ledger.NonNegative}); err != nil {
			return err
		}
		if err := ws.CreateWallet(ctx, store.Wallet{ID: id, Kind: string(Borrower), Owner: id, Currency: lendkit.EUR, Status: string(Open), KYCLevel: int(KYCValidated), AccountID: s.AccountOf(id)}); err != nil {
			return err
		}
	}
	return nil
}
