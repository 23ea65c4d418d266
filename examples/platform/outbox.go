package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/examples/platform/webhook"
	"github.com/lendkit/lendkit/store"
)

// The outbox sender. Rows go pending → claimed → sent:
//
//  1. claim: in one unit of work, due rows (pending with next_at passed, or
//     claimed with an expired lease) become claimed by this worker until
//     now + lease, their attempt counted;
//  2. send through the port (notify.Email or notify.SMS);
//  3. mark: in another unit of work, the row becomes sent — only if this
//     worker still holds the claim.
//
// A sender killed between 2 and 3 leaves a claim that expires, and the row
// is sent again by the next sender: no message is lost, and because each
// message carries the row's id (Message-ID, X-Lendkit-Outbox-Id), a receiver
// that keys on it sees each exactly once. A failed send goes back to pending
// with an exponential delay (webhook.Backoff) until maxAttempts, then
// failed, kept for an agent to see. No lock is held while sending.

// outboxSender delivers the outbox.
type outboxSender struct {
	db     store.DB
	clock  lendkit.Clock // decides what is due; a ManualClock in tests
	email  notify.Email
	sms    notify.SMS
	log    *slog.Logger
	worker string

	lease       time.Duration
	batch       int
	maxAttempts int
	backoffBase time.Duration
	backoffMax  time.Duration

	// afterSend, when set, runs after a message was handed to its port and
	// before it is marked sent: the crash test kills the process there.
	afterSend func(id string)
}

// newOutboxSender returns a sender with the platform's defaults.
func newOutboxSender(db store.DB, clock lendkit.Clock, email notify.Email, sms notify.SMS, log *slog.Logger) *outboxSender {
	return &outboxSender{db: db, clock: clock, email: email, sms: sms, log: log, worker: newID("snd"),
		lease: 2 * time.Minute, batch: 50, maxAttempts: 10, backoffBase: 30 * time.Second, backoffMax: 6 * time.Hour}
}

// claimed is one outbox row a sender holds.
type claimed struct {
	id, kind, channel, address string
	attempts                   int
	payload                    outboxPayload
}

const outboxDue = `(status = 'pending' AND next_at <= $1) OR (status = 'claimed' AND lease_until <= $1)`

// claim takes up to batch due rows for this worker.
func (o *outboxSender) claim(ctx context.Context) ([]claimed, error) {
	var out []claimed
	err := o.db.InTx(ctx, func(tx store.Tx) error {
		out = out[:0]
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		now := o.clock.Now()
		rows, err := q.query(ctx, `SELECT id, kind, channel, address, payload, attempts FROM platform_outbox WHERE `+outboxDue+`
			ORDER BY next_at, id LIMIT $2`, now.UnixMicro(), int64(o.batch))
		if err != nil {
			return err
		}
		var cands []claimed
		for rows.Next() {
			var c claimed
			var p string
			var n int64
			if err := rows.Scan(&c.id, &c.kind, &c.channel, &c.address, &p, &n); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal([]byte(p), &c.payload); err != nil {
				rows.Close()
				return fmt.Errorf("outbox %s: payload: %w", c.id, err)
			}
			c.attempts = int(n) + 1
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cands {
			n, err := q.exec(ctx, `UPDATE platform_outbox SET status = 'claimed', claimed_by = $2, lease_until = $3, attempts = attempts + 1
				WHERE id = $4 AND (`+outboxDue+`)`, now.UnixMicro(), o.worker, now.Add(o.lease).UnixMicro(), c.id)
			if err != nil {
				return err
			}
			if n == 1 {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// runOnce claims due rows, sends them and marks them. It returns how many
// were sent; a failed send is recorded on its row, not returned.
func (o *outboxSender) runOnce(ctx context.Context) (int, error) {
	rows, err := o.claim(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range rows {
		m := notify.Message{ID: c.id, Kind: notify.Kind(c.kind), To: c.address, Subject: c.payload.Subject, Body: c.payload.Body}
		var serr error
		switch c.channel {
		case "email":
			serr = o.email.SendEmail(ctx, m)
		case "sms":
			serr = o.sms.SendSMS(ctx, m)
		default:
			serr = fmt.Errorf("%w: channel %q", notify.ErrAddress, c.channel)
		}
		if serr == nil && o.afterSend != nil {
			o.afterSend(c.id)
		}
		if err := o.finish(ctx, c, serr); err != nil {
			return sent, err
		}
		if serr == nil {
			sent++
		}
	}
	return sent, nil
}

// finish marks c sent, or records the failure and when to retry. A message
// to a malformed address is failed at once: retrying cannot fix it.
func (o *outboxSender) finish(ctx context.Context, c claimed, serr error) error {
	return o.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		now := o.clock.Now()
		var n int64
		if serr == nil {
			n, err = q.exec(ctx, `UPDATE platform_outbox SET status = 'sent', sent_at = $1, last_error = '' WHERE id = $2 AND status = 'claimed' AND claimed_by = $3`,
				now.UnixMicro(), c.id, o.worker)
		} else {
			status := "pending"
			if c.attempts >= o.maxAttempts || errors.Is(serr, notify.ErrAddress) {
				status = "failed"
			}
			msg := serr.Error()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			n, err = q.exec(ctx, `UPDATE platform_outbox SET status = $1, next_at = $2, last_error = $3 WHERE id = $4 AND status = 'claimed' AND claimed_by = $5`,
				status, now.Add(webhook.Backoff(c.attempts, o.backoffBase, o.backoffMax)).UnixMicro(), msg, c.id, o.worker)
			o.log.Warn("notification not sent", "id", c.id, "attempt", c.attempts, "status", status, "err", serr)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			// The lease ran out and another sender took the row: it sends
			// again, and the receiver drops the copy by its id.
			o.log.Warn("outbox claim lost before marking", "id", c.id, "worker", o.worker)
		}
		return nil
	})
}

// loop runs the sender every interval until ctx ends; the batch in progress
// finishes first.
func (o *outboxSender) loop(ctx context.Context, every time.Duration) *sync.WaitGroup {
	return runEvery(ctx, every, func(ctx context.Context) {
		for range 100 { // drain a backlog, bounded
			n, err := o.runOnce(ctx)
			if err != nil {
				o.log.Error("outbox sender", "err", err)
				return
			}
			if n < o.batch {
				return
			}
		}
	})
}
