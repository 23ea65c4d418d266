package main

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/store"
)

// defaultReminderDays is how many days before each due date the reminder
// goes when neither the platform (-reminder-days) nor the borrower says
// otherwise: three days leaves time to top up an account before a direct
// debit, and falls on a working day for most Monday-to-Friday due dates.
const defaultReminderDays = 3

// notificationSettings is a user's notification settings.
type notificationSettings struct {
	Locale string `json:"locale"`
	Phone  string `json:"phone,omitempty"`
	SMS    bool   `json:"sms"`
	// ReminderDays: days before each due date the reminder goes; 0 turns
	// reminders off; absent (or -1) follows the platform's default.
	ReminderDays *int `json:"reminder_days,omitempty"`
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (n *notificationSettings) validate() error {
	if !notify.Locale(n.Locale).Valid() {
		return badRequest("invalid_settings", "locale: %q is not one of en, fr, it", n.Locale)
	}
	if n.Phone != "" && !e164.MatchString(n.Phone) {
		return badRequest("invalid_settings", "phone: %q is not an international number like +33612345678", n.Phone)
	}
	if n.SMS && n.Phone == "" {
		return badRequest("invalid_settings", "sms: give a phone number to receive text messages")
	}
	if n.ReminderDays != nil && (*n.ReminderDays < -1 || *n.ReminderDays > 30) {
		return badRequest("invalid_settings", "reminder_days: %d is not between 0 and 30 (or -1 for the platform's default)", *n.ReminderDays)
	}
	return nil
}

// setNotificationSettings serves PUT /v1/notifications/settings.
func (s *server) setNotificationSettings(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req notificationSettings
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := req.validate(); err != nil {
		return 0, nil, err
	}
	days := -1
	if req.ReminderDays != nil {
		days = *req.ReminderDays
	}
	if _, err := q.exec(ctx, `INSERT INTO platform_notifications (user_id, locale, phone, sms, reminder_days, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, phone = excluded.phone, sms = excluded.sms,
			reminder_days = excluded.reminder_days, updated_at = excluded.updated_at`,
		c.who.UserID, req.Locale, req.Phone, boolInt(req.SMS), int64(days), tx.Now().UnixMicro()); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "notifications.settings", "user", c.who.UserID, req); err != nil {
		return 0, nil, err
	}
	req.ReminderDays = &days
	return http.StatusOK, req, nil
}

// notificationView is one outbox row as its recipient sees it.
type notificationView struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	CreatedAt string `json:"created_at"`
	SentAt    string `json:"sent_at,omitempty"`
}

// listNotifications serves GET /v1/notifications: the caller's own
// notifications, newest first, and their settings.
func (s *server) listNotifications(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	r, err := loadRecipient(ctx, q, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	days := r.reminderDays
	settings := notificationSettings{Locale: string(r.locale), Phone: r.phone, SMS: r.sms, ReminderDays: &days}
	rows, err := q.query(ctx, `SELECT id, kind, channel, status, attempts, created_at, sent_at FROM platform_outbox
		WHERE recipient_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100`, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []notificationView{}
	for rows.Next() {
		var v notificationView
		var attempts, created, sent int64
		if err := rows.Scan(&v.ID, &v.Kind, &v.Channel, &v.Status, &attempts, &created, &sent); err != nil {
			return 0, nil, err
		}
		v.Attempts, v.CreatedAt = int(attempts), microTime(created)
		if sent != 0 {
			v.SentAt = microTime(sent)
		}
		out = append(out, v)
	}
	return http.StatusOK, map[string]any{"settings": settings, "notifications": out}, rows.Err()
}

// daysBetween is the number of calendar days from a to b.
func daysBetween(a, b lendkit.Date) int {
	return int(b.Time().Sub(a.Time()) / (24 * time.Hour))
}

// remind emits the reminder of the loan's next instalment when it falls
// within the borrower's reminder window of asOf (their own setting, else the
// platform's). The event key names the loan and the due date, so running
// the cycle every hour sends one reminder per instalment.
func (s *server) remind(ctx context.Context, tx store.Tx, q sqlq, rp *replayed, lr loanRow, asOf lendkit.Date) error {
	r, err := loadRecipient(ctx, q, lr.borrowerID)
	if err != nil {
		if errors.Is(err, errNoRow) {
			return nil // a borrower that is not a platform user: nobody to remind
		}
		return err
	}
	window := r.reminderDays
	if window < 0 {
		window = s.reminderDays
	}
	if window <= 0 {
		return nil
	}
	for _, o := range rp.book.Schedule() {
		if !o.Due.After(asOf) {
			continue
		}
		days := daysBetween(asOf, o.Due)
		if days > window {
			return nil
		}
		owed, err := lendkit.Sum(rp.book.Currency(), o.Penalty, o.Fee, o.Insurance, o.Interest, o.Principal)
		if err != nil {
			return err
		}
		if !owed.IsPositive() {
			continue // prepaid already
		}
		return emit(ctx, tx, q, event{Kind: notify.Reminder, Key: "reminder/" + lr.id + "/" + o.Due.String(), Recipient: lr.borrowerID,
			Data: map[string]string{"loan": lr.id, "amount": moneyText(owed), "due": o.Due.String(), "days": itoa(days)}})
	}
	return nil
}
