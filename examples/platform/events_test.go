package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/examples/platform/notify/notifytest"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// outboxKinds returns the kinds of the outbox's email rows to recipient, by
// dedup key.
func outboxKinds(t *testing.T, db store.DB, recipient string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(context.Background(), func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		rows, err := q.query(context.Background(), `SELECT dedup_key, kind FROM platform_outbox WHERE recipient_id = $1 AND channel = 'email'`, recipient)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, kind string
			if err := rows.Scan(&k, &kind); err != nil {
				return err
			}
			out[k] = kind
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestServicingEvents runs the servicing cycle over the seeded loan: the
// reminder goes once within the reminder window (the borrower's own
// setting wins over the platform's), a collection that comes back short
// tells the borrower, the loan's lateness is notified once per overdue
// instalment, and a full collection confirms the payment.
func TestServicingEvents(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	ctx := context.Background()
	if err := tb.srv.seedDemo(ctx, userID(t, tb.db, tb.creds[roleAgent].Email)); err != nil {
		t.Fatal(err)
	}
	giulia := userID(t, tb.db, "giulia@lendkit.example")
	var loanID, start string
	err := tb.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		return queryRow(ctx, q, `SELECT id, start_date FROM platform_loans WHERE borrower_id = $1`, []any{giulia}, &loanID, &start)
	})
	if err != nil {
		t.Fatal(err)
	}
	due := lendkit.MustParseDate(start).AddMonths(1) // the first instalment
	cycle := func(d lendkit.Date) {
		t.Helper()
		if _, err := tb.srv.runCycle(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
	}
	base := outboxKinds(t, tb.db, giulia)
	expect := func(add map[string]string) {
		t.Helper()
		want := map[string]string{}
		for k, v := range base {
			want[k] = v
		}
		for k, v := range add {
			want[k] = v
		}
		if diff := cmp.Diff(want, outboxKinds(t, tb.db, giulia)); diff != "" {
			t.Fatalf("outbox (-want +got):\n%s", diff)
		}
	}
	// The platform says 3 days; Giulia asked for 2: nothing at 3 days...
	tb.srv.reminderDays = 3
	err = tb.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		_, err = q.exec(ctx, `INSERT INTO platform_notifications (user_id, locale, reminder_days, updated_at) VALUES ($1, 'en', 2, 0)`, giulia)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cycle(due.AddDays(-3))
	expect(nil)
	// ...one reminder at 2 days, however often the cycle runs.
	cycle(due.AddDays(-2))
	cycle(due.AddDays(-2))
	cycle(due.AddDays(-1))
	reminder := map[string]string{"reminder/" + loanID + "/" + due.String() + "/email": "reminder"}
	expect(reminder)

	// Her wallet is emptied (she spent the loan): the collection on the due
	// date comes back short, and a day later the loan is late.
	w, err := tb.srv.wallets.Get(ctx, giulia)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.srv.wallets.Transfer(ctx, wallet.Transfer{Key: "test/spend", From: giulia, To: platformHolder, Amount: w.Balance.Available, Date: due.AddDays(-1), Code: "treasury"}); err != nil {
		t.Fatal(err)
	}
	cycle(due)
	cycle(due.AddDays(1))
	short := map[string]string{
		"short/" + loanID + "/" + due.String() + "/email":            "insufficient_funds",
		"short/" + loanID + "/" + due.AddDays(1).String() + "/email": "insufficient_funds",
		"late/" + loanID + "/" + due.String() + "/email":             "late_payment",
	}
	for k, v := range reminder {
		short[k] = v
	}
	expect(short)

	// She pays in what is due: the next cycle collects it all.
	if _, err := tb.srv.payIn(ctx, giulia, "test/topup", lendkit.MustParseMoney("500.00", "EUR")); err != nil {
		t.Fatal(err)
	}
	cycle(due.AddDays(2))
	got := outboxKinds(t, tb.db, giulia)
	payments := 0
	for k, kind := range got {
		if kind == "payment_received" {
			payments++
			if k[:len("payment/"+loanID)] != "payment/"+loanID {
				t.Errorf("payment key %s", k)
			}
		}
	}
	if payments != 1 {
		t.Errorf("%d payment notifications, want 1: %v", payments, got)
	}
}

// TestCodeSender: a contract's signature code leaves through the SMTP
// adapter, straight (never through the outbox, which would store it).
func TestCodeSender(t *testing.T) {
	t.Parallel()
	srv := notifytest.Start(t)
	cs := codeSender{email: &notify.SMTP{Addr: srv.Addr, From: "no-reply@lendkit.example", Timeout: 5 * time.Second}, sms: notify.Log{Logger: quietLog}}
	err := cs.SendCode(context.Background(), contract.CodeMessage{Signer: contract.Signer{Name: "Giulia Bianchi", Email: "giulia@example.com"},
		Channel: contract.Email, Code: "482913", Reference: "LK-ABC", ExpiresAt: time.Date(2027, 3, 12, 9, 10, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(msgs[0].Body)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "LK-ABC is 482913. It expires at 2027-03-12 09:10 UTC") || msgs[0].To != "giulia@example.com" {
		t.Errorf("to %s: %s", msgs[0].To, body)
	}
	if err := cs.SendCode(context.Background(), contract.CodeMessage{Signer: contract.Signer{Name: "G"}, Channel: contract.SMS, Code: "1", Reference: "R"}); !errors.Is(err, notify.ErrAddress) {
		t.Errorf("SMS without a phone: %v", err)
	}
}
