package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/examples/platform/notify/notifytest"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/sqlite"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// outboxRows returns status by id of every outbox row.
func outboxRows(t *testing.T, db store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(context.Background(), func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		rows, err := q.query(context.Background(), `SELECT id, status FROM platform_outbox`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, st string
			if err := rows.Scan(&id, &st); err != nil {
				return err
			}
			out[id] = st
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// emitIn emits evs in one unit of work.
func emitIn(t *testing.T, db store.DB, evs ...event) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := emit(context.Background(), tx, q, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func userID(t *testing.T, db store.DB, email string) string {
	t.Helper()
	var id string
	err := db.View(context.Background(), func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		return queryRow(context.Background(), q, `SELECT id FROM platform_users WHERE email = $1`, []any{email}, &id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func decisionEvent(recipient string, n int) event {
	return event{Kind: notify.DecisionMade, Key: fmt.Sprintf("decision/app_%d/auto", n), Recipient: recipient,
		Data: map[string]string{"application": fmt.Sprintf("app_%d", n), "amount": "6000.00 EUR", "outcome": "approved"}}
}

// TestOutboxSameUnitOfWork: an event's notification exists exactly when
// the event does — a rolled-back unit of work leaves no row — and the same
// event enqueued twice is one row.
func TestOutboxSameUnitOfWork(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		bid := userID(t, tb.db, tb.creds[roleBorrower].Email)
		boom := errors.New("the event failed after emitting")
		err := tb.db.InTx(context.Background(), func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			if err := emit(context.Background(), tx, q, decisionEvent(bid, 1)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if rows := outboxRows(t, tb.db); len(rows) != 0 {
			t.Fatalf("a rolled-back event left outbox rows: %v", rows)
		}
		emitIn(t, tb.db, decisionEvent(bid, 1), decisionEvent(bid, 1))
		emitIn(t, tb.db, decisionEvent(bid, 1))
		if rows := outboxRows(t, tb.db); len(rows) != 1 {
			t.Fatalf("one event enqueued %d rows", len(rows))
		}
		// A holder that is not a user gets nothing; a bad event is refused.
		emitIn(t, tb.db, event{Kind: notify.LenderRepayment, Key: "repayment/x", Recipient: platformHolder,
			Data: map[string]string{"loan": "l", "amount": "1.00 EUR", "tax": "0.00 EUR"}})
		if rows := outboxRows(t, tb.db); len(rows) != 1 {
			t.Fatalf("the platform holder got a notification: %v", rows)
		}
		err = tb.db.InTx(context.Background(), func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			return emit(context.Background(), tx, q, event{Kind: notify.Reminder, Key: "r", Recipient: bid, Data: map[string]string{"loan": "l"}})
		})
		if !errors.Is(err, notify.ErrTemplate) {
			t.Fatalf("an event missing template fields: %v", err)
		}
	})
}

// TestOutboxSettingsAndLanguages: a borrower's settings choose the language
// and add SMS; bad settings are refused with a clear message and change
// nothing.
func TestOutboxSettingsAndLanguages(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		_, bor := tb.signup(t, "giulia@example.com", roleBorrower)
		bad := []map[string]any{
			{"locale": "de"},
			{"locale": "it", "phone": "0612"},
			{"locale": "it", "sms": true},
			{"locale": "it", "reminder_days": 45},
			{"locale": "it", "extra": 1},
		}
		for _, body := range bad {
			r := tb.do(t, "PUT", "/v1/notifications/settings", bor, body).must(t, 400)
			var e errorBody
			r.json(t, &e)
			if e.Error.Message == "" {
				t.Errorf("%v: no message", body)
			}
		}
		var got struct {
			Settings notificationSettings `json:"settings"`
		}
		tb.do(t, "GET", "/v1/notifications", bor, nil).must(t, 200).json(t, &got)
		if got.Settings.Locale != "en" || got.Settings.SMS {
			t.Fatalf("refused settings changed something: %+v", got.Settings)
		}
		tb.do(t, "PUT", "/v1/notifications/settings", bor, map[string]any{"locale": "it", "phone": "+393331234567", "sms": true, "reminder_days": 2}).must(t, 200)
		tb.do(t, "POST", "/v1/applications", bor, applicationBody("6000.00", 0)).must(t, 201)
		var list struct {
			Notifications []notificationView `json:"notifications"`
		}
		tb.do(t, "GET", "/v1/notifications", bor, nil).must(t, 200).json(t, &list)
		var channels []string
		for _, n := range list.Notifications {
			if n.Kind != string(notify.DecisionMade) || n.Status != "pending" {
				t.Errorf("notification %+v", n)
			}
			channels = append(channels, n.Channel)
		}
		if diff := cmp.Diff([]string{"email", "sms"}, channels, cmpSorted); diff != "" {
			t.Errorf("channels (-want +got):\n%s", diff)
		}
		var subject string
		err := tb.db.View(context.Background(), func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			return queryRow(context.Background(), q, `SELECT payload FROM platform_outbox WHERE channel = 'email'`, nil, &subject)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(subject, "Esito della richiesta") || !strings.Contains(subject, "approvata") {
			t.Errorf("email not in Italian: %s", subject)
		}
	})
}

// TestOutboxCrashChild is the sender process TestOutboxCrash kills: it
// sends one message and stops dead between the send and the mark.
func TestOutboxCrashChild(t *testing.T) {
	path := os.Getenv("LENDKIT_OUTBOX_CHILD_DB")
	if path == "" {
		t.Skip("helper process of TestOutboxCrash; runs only when that test starts it")
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	o := newOutboxSender(db, lendkit.SystemClock{}, &notify.SMTP{Addr: os.Getenv("LENDKIT_OUTBOX_CHILD_SMTP"), From: "no-reply@lendkit.example"}, notify.Log{Logger: quietLog}, quietLog)
	o.afterSend = func(id string) {
		fmt.Printf("SENT %s\n", id)
		time.Sleep(time.Minute) // killed here, before the row is marked sent
	}
	_, err = o.runOnce(context.Background())
	t.Fatalf("the child was not killed (err %v)", err)
}

// TestOutboxCrash kills a sender (SIGKILL) after it sent a message and
// before it marked it, restarts sending in this process once the claim's
// lease has run out, and checks with an idempotent receiver (the test SMTP
// server, keyed by the outbox id) that every notification arrived exactly
// once: the killed one was sent again and dropped by the receiver as a
// copy, none was lost.
func TestOutboxCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")
	clock := lendkit.NewManualClock(time.Now().UTC())
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrateAll(ctx, db); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(db, clock, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.seed(ctx); err != nil {
		t.Fatal(err)
	}
	bid := userID(t, db, "borrower@lendkit.example")
	const n = 5
	for i := range n {
		emitIn(t, db, decisionEvent(bid, i))
	}
	smtp := notifytest.Start(t)

	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LENDKIT_OUTBOX_CHILD_DB="+path, "LENDKIT_OUTBOX_CHILD_SMTP="+smtp.Addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killedID := ""
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "SENT "); ok {
			killedID = id
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if killedID == "" {
		t.Fatal("the child never sent")
	}
	rows := outboxRows(t, db)
	if rows[killedID] != "claimed" {
		t.Fatalf("after the kill, row %s is %q, want claimed (sent, not marked)", killedID, rows[killedID])
	}
	if got := smtp.Copies()[killedID]; got != 1 {
		t.Fatalf("receiver has %d copies of %s before the restart", got, killedID)
	}

	// Restart: while the dead sender's lease holds, its claims (the whole
	// batch it took) are left alone...
	o := newOutboxSender(db, clock, &notify.SMTP{Addr: smtp.Addr, From: "no-reply@lendkit.example"}, notify.Log{Logger: quietLog}, quietLog)
	sent, err := o.runOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sent != 0 {
		t.Fatalf("restarted sender sent %d rows another sender still held", sent)
	}
	// ...and once it has run out, every row is sent, the killed one again.
	// (The child stamped its lease with the real clock, a moment after this
	// test's clock started: a minute more covers it.)
	clock.Advance(o.lease + time.Minute)
	if sent, err = o.runOnce(ctx); err != nil || sent != n {
		t.Fatalf("after the lease: sent %d, err %v", sent, err)
	}
	if sent, err = o.runOnce(ctx); err != nil || sent != 0 {
		t.Fatalf("nothing should be left: sent %d, err %v", sent, err)
	}
	want := map[string]string{}
	wantCopies := map[string]int{}
	for id := range outboxRows(t, db) {
		want[id] = "sent"
		wantCopies[id] = 1
	}
	wantCopies[killedID] = 2 // delivered at least once: the copy the receiver drops
	if diff := cmp.Diff(want, outboxRows(t, db)); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCopies, smtp.Copies()); diff != "" {
		t.Errorf("copies received per outbox id (-want +got):\n%s", diff)
	}
	if len(smtp.Copies()) != n {
		t.Errorf("the idempotent receiver saw %d distinct notifications, want %d", len(smtp.Copies()), n)
	}
}

// TestOutboxRetry: a failing port puts the row back with a backoff, and a
// bad address fails it at once.
func TestOutboxRetry(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	bid := userID(t, tb.db, tb.creds[roleBorrower].Email)
	emitIn(t, tb.db, decisionEvent(bid, 1))
	fail := &flakyEmail{fails: 2}
	o := newOutboxSender(tb.db, tb.clock, fail, notify.Log{Logger: quietLog}, quietLog)
	ctx := context.Background()
	steps := []struct {
		advance        time.Duration
		sent, calls    int
		status, reason string
	}{
		{0, 0, 1, "pending", "first try fails"},
		{0, 0, 1, "pending", "not retried before its backoff"},
		{o.backoffMax, 0, 2, "pending", "second try fails"},
		{o.backoffMax, 1, 3, "sent", "third try succeeds"},
		{o.backoffMax, 0, 3, "sent", "nothing left"},
	}
	for _, st := range steps {
		tb.clock.Advance(st.advance)
		sent, err := o.runOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var status string
		for _, v := range outboxRows(t, tb.db) {
			status = v
		}
		if diff := cmp.Diff([3]any{st.sent, st.calls, st.status}, [3]any{sent, fail.calls, status}); diff != "" {
			t.Fatalf("%s: (sent, calls, status) (-want +got):\n%s", st.reason, diff)
		}
	}
	// A malformed address is failed at once: retrying cannot fix it.
	emitIn(t, tb.db, decisionEvent(bid, 2))
	bad := newOutboxSender(tb.db, tb.clock, badAddress{}, notify.Log{Logger: quietLog}, quietLog)
	if _, err := bad.runOnce(ctx); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, v := range outboxRows(t, tb.db) {
		if v == "failed" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed rows, want 1", failed)
	}
	if fail.calls != 3 {
		t.Errorf("port called %d times, want 3", fail.calls)
	}
}

type flakyEmail struct{ fails, calls int }

func (f *flakyEmail) SendEmail(ctx context.Context, m notify.Message) error {
	f.calls++
	if f.calls <= f.fails {
		return fmt.Errorf("%w: relay down", notify.ErrSend)
	}
	return nil
}

type badAddress struct{}

func (badAddress) SendEmail(ctx context.Context, m notify.Message) error {
	return fmt.Errorf("%w: %q", notify.ErrAddress, m.To)
}
