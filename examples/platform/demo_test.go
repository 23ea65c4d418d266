package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/store"
)

// TestDemoSmall runs the P2P scenario at small size on each backend and
// checks the report's equalities independently of runDemo's own checks.
func TestDemoSmall(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		db := b.open(t)
		clock := lendkit.NewManualClock(time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC))
		// The store stamps units of work with its own clock; the demo's
		// dates come from clock, which is what matters here.
		rep, err := runDemo(context.Background(), db, clock, demoConfig{Lenders: 40, Periods: 12, FailAt: 3, SellAt: 6}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
		sum := d(rep.LendersPrincipal).Add(d(rep.LendersInterest)).Add(d(rep.PlatformFees)).Add(d(rep.Penalties))
		if !d(rep.BorrowerPaid).Equal(sum) {
			t.Errorf("borrower_paid %s ≠ %s", rep.BorrowerPaid, sum)
		}
		var loan int64
		for i := 1; i <= 40; i++ {
			_, _, _, c := demoLender(i)
			loan += c
		}
		if want := lendkit.New(loan, lendkit.EUR).Amount(); rep.LendersPrincipal != want {
			t.Errorf("lenders_principal %s, want the loan amount %s", rep.LendersPrincipal, want)
		}
		if !d(rep.Penalties).IsPositive() {
			t.Error("the returned direct debit charged no penalty")
		}
		if !d(rep.TaxWithheld).IsPositive() || rep.LedgerTransactions == 0 || rep.Postings == 0 {
			t.Errorf("report = %+v", rep)
		}
		probs, err := verifyLoans(context.Background(), db)
		if err != nil || len(probs) > 0 {
			t.Fatalf("verify: %v %v", err, probs)
		}
		// Every lender has their agreement, stored intact.
		if err := db.View(context.Background(), func(tx store.Tx) error {
			for i := 1; i <= 40; i++ {
				id, _, _, _ := demoLender(i)
				doc, err := contract.Load(context.Background(), tx, "LK-DEMO-"+id, 1)
				if err != nil {
					return err
				}
				if doc.Kind != contract.LenderAgreement || len(doc.PDF) == 0 {
					return fmt.Errorf("%s: %s contract, %d PDF bytes", id, doc.Kind, len(doc.PDF))
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Tamper with a stored event: verify must notice that the ledger no
		// longer matches the loan's history.
		err = db.InTx(context.Background(), func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			_, err = q.exec(context.Background(), `UPDATE platform_loan_events SET payload = REPLACE(payload, '"amount":"', '"amount":"1') WHERE seq = 2`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		probs, err = verifyLoans(context.Background(), db)
		if err != nil || len(probs) == 0 {
			t.Fatalf("verify after tampering: %v %v", err, probs)
		}
	})
}

// TestDemoCommand runs `platform demo -json` and `platform verify` through
// the dispatcher, as a user would.
func TestDemoCommand(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "demo.db")
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"demo", "-lenders", "25", "-periods", "6", "-json", "-db", path}, &out, &errb); code != 0 {
		t.Fatalf("demo exit %d: %s", code, errb.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	want := []string{"borrower_paid", "ledger_transactions", "lenders", "lenders_interest", "lenders_principal", "penalties", "periods", "platform_fees", "postings", "seconds", "tax_withheld"}
	if diff := cmp.Diff(want, keys, cmpSorted); diff != "" {
		t.Errorf("JSON keys (-want +got):\n%s", diff)
	}
	if _, ok := got["borrower_paid"].(string); !ok {
		t.Errorf("borrower_paid is %T, want a decimal string", got["borrower_paid"])
	}
	secs, _ := got["seconds"].(map[string]any)
	for _, k := range []string{"funding", "dispersal_total", "total"} {
		if _, ok := secs[k].(float64); !ok {
			t.Errorf("seconds.%s missing", k)
		}
	}
	out.Reset()
	if code := dispatch(context.Background(), []string{"verify", "-db", path}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "ok") {
		t.Fatalf("verify exit %d: %s %s", code, out.String(), errb.String())
	}
	if code := dispatch(context.Background(), []string{"demo", "-db", path}, &out, &errb); code != 2 {
		t.Errorf("demo on an existing database: exit %d, want 2", code)
	}
}
