package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/lendkit/lendkit"
	disp "github.com/lendkit/lendkit/dispatch"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/store"
)

// Events are what people and other systems hear of. A handler that makes
// something happen calls emit in the same unit of work as its effects: emit
// writes the recipient's notifications into the outbox and one webhook
// delivery per interested subscription, so they exist exactly when the
// event does — a rolled-back payment notifies nobody, a committed one
// cannot be forgotten. Sending happens later, from those rows (outbox.go,
// webhooks.go).

// event is one thing that happened.
type event struct {
	Kind notify.Kind
	// Key is unique per event: enqueueing the same key twice (a retried
	// unit of work, a reminder scan run twice) writes nothing the second
	// time.
	Key string
	// Recipient is the user told of it; "" or an id that is not a user
	// (the platform's own holder, a fund) sends no notification, only
	// webhooks.
	Recipient string
	// Data are the template fields (notify.Fields) and the webhook's data;
	// emit adds "name" from the recipient's account.
	Data map[string]string
}

// defaultLocale is the notification language of a user without settings.
const defaultLocale = notify.English

// recipient is what emit needs to know about a user.
type recipient struct {
	email, name, phone string
	locale             notify.Locale
	sms                bool
	reminderDays       int // -1: the platform's default
}

// loadRecipient reads a user's address and settings; errNoRow when id is
// not a user.
func loadRecipient(ctx context.Context, q sqlq, id string) (recipient, error) {
	var r recipient
	var locale string
	var sms, days int64
	err := queryRow(ctx, q, `SELECT u.email, u.name, COALESCE(n.locale, ''), COALESCE(n.phone, ''), COALESCE(n.sms, 0), COALESCE(n.reminder_days, -1)
		FROM platform_users u LEFT JOIN platform_notifications n ON n.user_id = u.id WHERE u.id = $1`,
		[]any{id}, &r.email, &r.name, &locale, &r.phone, &sms, &days)
	if err != nil {
		return r, err
	}
	r.locale, r.sms, r.reminderDays = notify.Locale(locale), sms == 1, int(days)
	if !r.locale.Valid() {
		r.locale = defaultLocale
	}
	return r, nil
}

// outboxPayload is platform_outbox.payload: the message rendered when the
// event happened, so the sender needs no templates and a template change
// never alters a message already promised.
type outboxPayload struct {
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
}

// emit records ev's notifications and webhook deliveries in the unit of
// work tx.
func emit(ctx context.Context, tx store.Tx, q sqlq, ev event) error {
	if !ev.Kind.Valid() || ev.Key == "" {
		return fmt.Errorf("platform: event %q with key %q is not valid", ev.Kind, ev.Key)
	}
	data := make(map[string]string, len(ev.Data)+1)
	for k, v := range ev.Data {
		data[k] = v
	}
	if ev.Recipient != "" {
		r, err := loadRecipient(ctx, q, ev.Recipient)
		switch {
		case errors.Is(err, errNoRow):
			// A holder that is not a user: nobody to write to.
		case err != nil:
			return err
		default:
			data["name"] = r.name
			if err := enqueue(ctx, tx, q, ev, r, data); err != nil {
				return err
			}
		}
	}
	return fanOut(ctx, tx, q, ev, data)
}

// enqueue writes ev's email (and SMS, when the user asked for them) into the
// outbox, rendered in the user's language.
func enqueue(ctx context.Context, tx store.Tx, q sqlq, ev event, r recipient, data map[string]string) error {
	subject, body, sms, err := notify.Render(ev.Kind, r.locale, data)
	if err != nil {
		return fmt.Errorf("platform: notification %s: %w", ev.Key, err)
	}
	type msg struct {
		channel, address string
		payload          outboxPayload
	}
	msgs := []msg{{"email", r.email, outboxPayload{Subject: subject, Body: body}}}
	if r.sms && r.phone != "" {
		msgs = append(msgs, msg{"sms", r.phone, outboxPayload{Body: sms}})
	}
	now := tx.Now().UnixMicro()
	for _, m := range msgs {
		p, err := json.Marshal(m.payload)
		if err != nil {
			return err
		}
		// next_at 0: due at once, whatever the sender's clock says.
		if _, err := q.exec(ctx, `INSERT INTO platform_outbox (id, dedup_key, kind, channel, recipient_id, address, locale, payload, status, next_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9) ON CONFLICT DO NOTHING`,
			newID("obx"), ev.Key+"/"+m.channel, string(ev.Kind), m.channel, ev.Recipient, m.address, string(r.locale), string(p), now); err != nil {
			return err
		}
	}
	return nil
}

// moneyText formats m for a message: "312.40 EUR".
func moneyText(m lendkit.Money) string { return m.String() }

func itoa(n int) string { return strconv.Itoa(n) }

// paymentEvents emits what a payment on a loan causes: the borrower's
// receipt and each lender's repayment notice (holders that are users; the
// platform's own holding tells nobody).
func paymentEvents(ctx context.Context, tx store.Tx, q sqlq, lr loanRow, ev loanEvent, d disp.Dispersal) error {
	if err := emit(ctx, tx, q, event{Kind: notify.PaymentReceived, Key: "payment/" + lr.id + "/" + ev.Key, Recipient: lr.borrowerID,
		Data: map[string]string{"loan": lr.id, "amount": moneyText(d.Cash), "date": ev.Date}}); err != nil {
		return err
	}
	for _, sh := range d.Shares {
		if !sh.Net.IsPositive() {
			continue
		}
		if err := emit(ctx, tx, q, event{Kind: notify.LenderRepayment, Key: "repayment/" + lr.id + "/" + ev.Key + "/" + string(sh.Holder),
			Recipient: string(sh.Holder), Data: map[string]string{"loan": lr.id, "amount": moneyText(sh.Net), "tax": moneyText(sh.Tax)}}); err != nil {
			return err
		}
	}
	return nil
}

// lateEvent tells the borrower a loan is late, once per overdue instalment
// (the key names the oldest unpaid due date), with what is overdue.
func (s *server) lateEvent(ctx context.Context, tx store.Tx, q sqlq, rp *replayed, lr loanRow, asOf lendkit.Date) error {
	dpd := rp.book.DaysPastDue(asOf)
	if dpd <= 0 {
		return nil
	}
	overdue := lendkit.Zero(rp.book.Currency())
	var oldest lendkit.Date
	for _, o := range rp.book.Schedule() {
		if o.Due.After(asOf) {
			continue
		}
		owed, err := lendkit.Sum(rp.book.Currency(), o.Penalty, o.Fee, o.Insurance, o.Interest, o.Principal)
		if err != nil {
			return err
		}
		if !owed.IsPositive() {
			continue
		}
		if oldest.IsZero() {
			oldest = o.Due
		}
		if overdue, err = overdue.Add(owed); err != nil {
			return err
		}
	}
	if oldest.IsZero() {
		return nil
	}
	return emit(ctx, tx, q, event{Kind: notify.LatePayment, Key: "late/" + lr.id + "/" + oldest.String(), Recipient: lr.borrowerID,
		Data: map[string]string{"loan": lr.id, "amount": moneyText(overdue), "days_late": itoa(dpd)}})
}
