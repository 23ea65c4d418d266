package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/examples/platform/notify"
	"github.com/lendkit/lendkit/examples/platform/webhook"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// Webhooks: staff register a URL and the event kinds it wants — the
// notification kinds, and balance thresholds on any wallet
// ("balance.below" / "balance.above" a threshold, as banks offer). Each
// event becomes one delivery per interested subscription, written in the
// event's unit of work (emit → fanOut); the deliverer POSTs it signed
// (package webhook's header), records every attempt, and retries a non-2xx
// answer after an exponential backoff on the business clock, for a bounded
// number of attempts. Balance thresholds are evaluated by the deliverer's
// tick (every wallet movement goes through package wallet and the ledger,
// which the platform does not hook), and fire once per crossing.

// Balance kinds a subscription may ask for, besides notify.Kinds.
const (
	kindBalanceBelow = "balance.below"
	kindBalanceAbove = "balance.above"
)

// webhookKinds are every kind a subscription may name.
func webhookKinds() []string {
	out := make([]string, 0, len(notify.Kinds)+2)
	for _, k := range notify.Kinds {
		out = append(out, string(k))
	}
	return append(out, kindBalanceBelow, kindBalanceAbove)
}

// eventBody is the JSON every delivery POSTs.
type eventBody struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	CreatedAt string            `json:"created_at"`
	Data      map[string]string `json:"data"`
}

// eventID derives an event's id from its key, so the same event always has
// the same id (receivers dedupe on it).
func eventID(key string) string { return "evt_" + digest(key)[:32] }

// fanOut writes one delivery of ev per active subscription that wants its
// kind, in the unit of work tx.
func fanOut(ctx context.Context, tx store.Tx, q sqlq, ev event, data map[string]string) error {
	subs, err := subscribers(ctx, q, string(ev.Kind))
	if err != nil || len(subs) == 0 {
		return err
	}
	d := make(map[string]string, len(data)+1)
	for k, v := range data {
		if k != "name" { // a person's name is for their own messages, not for other systems
			d[k] = v
		}
	}
	if ev.Recipient != "" {
		d["user_id"] = ev.Recipient
	}
	body := eventBody{ID: eventID(ev.Key), Kind: string(ev.Kind), CreatedAt: microTime(tx.Now().UnixMicro()), Data: d}
	return insertDeliveries(ctx, tx, q, subs, body)
}

// subscribers returns the ids of active subscriptions wanting kind.
func subscribers(ctx context.Context, q sqlq, kind string) ([]string, error) {
	rows, err := q.query(ctx, `SELECT id, kinds FROM platform_webhooks WHERE active = 1 ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, kinds string
		if err := rows.Scan(&id, &kinds); err != nil {
			return nil, err
		}
		var ks []string
		if err := json.Unmarshal([]byte(kinds), &ks); err != nil {
			return nil, fmt.Errorf("webhook %s: kinds: %w", id, err)
		}
		for _, k := range ks {
			if k == kind {
				out = append(out, id)
				break
			}
		}
	}
	return out, rows.Err()
}

func insertDeliveries(ctx context.Context, tx store.Tx, q sqlq, subs []string, body eventBody) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	now := tx.Now().UnixMicro()
	for _, id := range subs {
		// next_at 0: due at once, whatever the deliverer's clock says (it
		// may be a business clock other than the one stamping this unit of
		// work).
		if _, err := q.exec(ctx, `INSERT INTO platform_webhook_deliveries (id, webhook_id, event_id, kind, body, status, next_at, created_at)
			VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6) ON CONFLICT DO NOTHING`,
			newID("dlv"), id, body.ID, body.Kind, string(b), now); err != nil {
			return err
		}
	}
	return nil
}

// webhookView is a subscription as the API shows it. Secret is shown once,
// at creation: receivers need it to verify, nobody else should see it.
type webhookView struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Kinds     []string `json:"kinds"`
	WalletID  string   `json:"wallet_id,omitempty"`
	Threshold string   `json:"threshold,omitempty"`
	Active    bool     `json:"active"`
	CreatedAt string   `json:"created_at"`
	Secret    string   `json:"secret,omitempty"`
}

type webhookRequest struct {
	URL       string   `json:"url"`
	Kinds     []string `json:"kinds"`
	WalletID  string   `json:"wallet_id,omitempty"`
	Threshold string   `json:"threshold,omitempty"`
}

// validate checks a registration; every problem is a 400 naming the field.
// allowLoopback admits http://127.0.0.1 receivers (tests, local demos);
// otherwise a URL must be https.
func (r *webhookRequest) validate(cur lendkit.Currency, allowLoopback bool) (lendkit.Money, error) {
	var zero lendkit.Money
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" || len(r.URL) > 2000 {
		return zero, badRequest("invalid_webhook", "url: %q is not an absolute URL", r.URL)
	}
	loop := u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loop && allowLoopback) {
		return zero, badRequest("invalid_webhook", "url: must be https (http only to a loopback address in development)")
	}
	if len(r.Kinds) == 0 || len(r.Kinds) > 20 {
		return zero, badRequest("invalid_webhook", "kinds: give 1 to 20 of %s", strings.Join(webhookKinds(), ", "))
	}
	balance := false
	seen := map[string]bool{}
	for _, k := range r.Kinds {
		ok := false
		for _, x := range webhookKinds() {
			ok = ok || k == x
		}
		if !ok {
			return zero, badRequest("invalid_webhook", "kinds: %q is not one of %s", k, strings.Join(webhookKinds(), ", "))
		}
		if seen[k] {
			return zero, badRequest("invalid_webhook", "kinds: %q is listed twice", k)
		}
		seen[k] = true
		balance = balance || k == kindBalanceBelow || k == kindBalanceAbove
	}
	if !balance {
		if r.WalletID != "" || r.Threshold != "" {
			return zero, badRequest("invalid_webhook", "wallet_id and threshold go with a balance.below or balance.above kind")
		}
		return zero, nil
	}
	if r.WalletID == "" {
		return zero, badRequest("invalid_webhook", "wallet_id: a balance kind needs the wallet to watch")
	}
	m, err := lendkit.ParseMoney(r.Threshold, cur)
	if err != nil || m.IsNegative() {
		return zero, badRequest("invalid_webhook", "threshold: %q is not a non-negative amount in %s", r.Threshold, cur)
	}
	return m, nil
}

// createWebhook serves POST /v1/webhooks (staff).
func (s *server) createWebhook(ctx context.Context, c *call) (int, any, error) {
	var req webhookRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	threshold, err := req.validate(s.currency, s.allowLoopbackWebhooks)
	if err != nil {
		return 0, nil, err
	}
	if req.WalletID != "" {
		if _, err := s.wallets.Get(ctx, req.WalletID); err != nil {
			if errors.Is(err, wallet.ErrNotFound) {
				return 0, nil, badRequest("invalid_webhook", "wallet_id: no wallet %q", req.WalletID)
			}
			return 0, nil, err
		}
	}
	v := webhookView{ID: newID("whk"), URL: req.URL, Kinds: req.Kinds, WalletID: req.WalletID, Active: true, Secret: "whsec_" + randomToken()}
	if req.WalletID != "" {
		v.Threshold = threshold.Amount()
	}
	kinds, err := json.Marshal(req.Kinds)
	if err != nil {
		return 0, nil, err
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		v.CreatedAt = microTime(tx.Now().UnixMicro())
		if _, err := q.exec(ctx, `INSERT INTO platform_webhooks (id, owner_id, url, kinds, secret, wallet_id, threshold, currency, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			v.ID, c.who.UserID, v.URL, string(kinds), v.Secret, v.WalletID, threshold.Minor(), s.currency.Code(), tx.Now().UnixMicro()); err != nil {
			return err
		}
		return auditBy(ctx, tx, q, c, "webhook.create", "webhook", v.ID, map[string]any{"url": v.URL, "kinds": v.Kinds})
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, v, nil
}

// listWebhooks serves GET /v1/webhooks (staff): every subscription, without
// secrets.
func (s *server) listWebhooks(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	rows, err := q.query(ctx, `SELECT id, url, kinds, wallet_id, threshold, currency, active, created_at FROM platform_webhooks ORDER BY created_at, id LIMIT 1000`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []webhookView{}
	for rows.Next() {
		var v webhookView
		var kinds, cur string
		var threshold, active, created int64
		if err := rows.Scan(&v.ID, &v.URL, &kinds, &v.WalletID, &threshold, &cur, &active, &created); err != nil {
			return 0, nil, err
		}
		if err := json.Unmarshal([]byte(kinds), &v.Kinds); err != nil {
			return 0, nil, err
		}
		if v.WalletID != "" {
			cc, err := lendkit.ParseCurrency(cur)
			if err != nil {
				return 0, nil, err
			}
			v.Threshold = lendkit.New(threshold, cc).Amount()
		}
		v.Active, v.CreatedAt = active == 1, microTime(created)
		out = append(out, v)
	}
	return http.StatusOK, map[string]any{"webhooks": out}, rows.Err()
}

// attemptView is one delivery attempt.
type attemptView struct {
	N          int    `json:"n"`
	At         string `json:"at"`
	StatusCode int    `json:"status_code"` // 0: no HTTP answer
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// deliveryView is a delivery with its attempts.
type deliveryView struct {
	ID          string          `json:"id"`
	EventID     string          `json:"event_id"`
	Kind        string          `json:"kind"`
	Status      string          `json:"status"` // pending, delivered, failed
	Attempts    []attemptView   `json:"attempts"`
	NextAt      string          `json:"next_attempt_at,omitempty"`
	DeliveredAt string          `json:"delivered_at,omitempty"`
	Body        json.RawMessage `json:"body"`
}

// listDeliveries serves GET /v1/webhooks/{id}/deliveries (staff): newest
// first, each with every attempt.
func (s *server) listDeliveries(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	id := c.r.PathValue("id")
	var n int64
	if err := queryRow(ctx, q, `SELECT COUNT(*) FROM platform_webhooks WHERE id = $1`, []any{id}, &n); err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, notFound("webhook")
	}
	out, err := loadDeliveries(ctx, q, id, 200)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"deliveries": out}, nil
}

func loadDeliveries(ctx context.Context, q sqlq, webhookID string, limit int) ([]deliveryView, error) {
	rows, err := q.query(ctx, `SELECT id, event_id, kind, status, next_at, delivered_at, body FROM platform_webhook_deliveries
		WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, webhookID, int64(limit))
	if err != nil {
		return nil, err
	}
	out := []deliveryView{}
	for rows.Next() {
		var d deliveryView
		var next, delivered int64
		var body string
		if err := rows.Scan(&d.ID, &d.EventID, &d.Kind, &d.Status, &next, &delivered, &body); err != nil {
			rows.Close()
			return nil, err
		}
		if d.Status == "pending" {
			d.NextAt = microTime(next)
		}
		if delivered != 0 {
			d.DeliveredAt = microTime(delivered)
		}
		d.Body = json.RawMessage(body)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		ar, err := q.query(ctx, `SELECT n, at, status_code, error, duration_us FROM platform_webhook_attempts WHERE delivery_id = $1 ORDER BY n`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Attempts = []attemptView{}
		for ar.Next() {
			var a attemptView
			var n, at, code, us int64
			if err := ar.Scan(&n, &at, &code, &a.Error, &us); err != nil {
				ar.Close()
				return nil, err
			}
			a.N, a.At, a.StatusCode, a.DurationMS = int(n), microTime(at), int(code), us/1000
			out[i].Attempts = append(out[i].Attempts, a)
		}
		ar.Close()
		if err := ar.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deliverer sends due webhook deliveries.
type deliverer struct {
	db      store.DB
	clock   lendkit.Clock
	wallets *wallet.Service
	client  *http.Client
	log     *slog.Logger
	worker  string

	lease       time.Duration
	batch       int
	maxAttempts int
	backoffBase time.Duration
	backoffMax  time.Duration
}

func newDeliverer(db store.DB, clock lendkit.Clock, ws *wallet.Service, log *slog.Logger) *deliverer {
	return &deliverer{db: db, clock: clock, wallets: ws, log: log, worker: newID("dlw"),
		client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		lease:  time.Minute, batch: 50, maxAttempts: 8, backoffBase: 30 * time.Second, backoffMax: 6 * time.Hour}
}

type dueDelivery struct {
	id, eventID, url, secret, body string
	attempts                       int
}

const deliveryDue = `d.status = 'pending' AND d.next_at <= $1 AND d.lease_until <= $1`

// runOnce evaluates balance thresholds, then attempts every due delivery
// once. It returns how many were acknowledged.
func (d *deliverer) runOnce(ctx context.Context) (int, error) {
	if err := d.checkThresholds(ctx); err != nil {
		return 0, err
	}
	var due []dueDelivery
	err := d.db.InTx(ctx, func(tx store.Tx) error {
		due = due[:0]
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		now := d.clock.Now()
		rows, err := q.query(ctx, `SELECT d.id, d.event_id, w.url, w.secret, d.body, d.attempts FROM platform_webhook_deliveries d
			JOIN platform_webhooks w ON w.id = d.webhook_id WHERE `+deliveryDue+` ORDER BY d.next_at, d.id LIMIT $2`, now.UnixMicro(), int64(d.batch))
		if err != nil {
			return err
		}
		var cands []dueDelivery
		for rows.Next() {
			var x dueDelivery
			var n int64
			if err := rows.Scan(&x.id, &x.eventID, &x.url, &x.secret, &x.body, &n); err != nil {
				rows.Close()
				return err
			}
			x.attempts = int(n) + 1
			cands = append(cands, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// A lease, so that two deliverers (two servers) never POST the same
		// delivery at once.
		for _, x := range cands {
			n, err := q.exec(ctx, `UPDATE platform_webhook_deliveries SET lease_until = $1 WHERE id = $2 AND status = 'pending' AND lease_until <= $3`,
				now.Add(d.lease).UnixMicro(), x.id, now.UnixMicro())
			if err != nil {
				return err
			}
			if n == 1 {
				due = append(due, x)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	ok := 0
	for _, x := range due {
		acked, err := d.attempt(ctx, x)
		if err != nil {
			return ok, err
		}
		if acked {
			ok++
		}
	}
	return ok, nil
}

// attempt POSTs one delivery and records the attempt and its outcome.
func (d *deliverer) attempt(ctx context.Context, x dueDelivery) (bool, error) {
	start := d.clock.Now()
	code, herr := d.post(ctx, x, start)
	took := time.Duration(0)
	if end := d.clock.Now(); end.After(start) {
		took = end.Sub(start)
	}
	acked := herr == nil && code >= 200 && code < 300
	errText := ""
	switch {
	case herr != nil:
		errText = herr.Error()
	case !acked:
		errText = fmt.Sprintf("HTTP %d", code)
	}
	if len(errText) > 500 {
		errText = errText[:500]
	}
	err := d.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO platform_webhook_attempts (delivery_id, n, at, status_code, error, duration_us) VALUES ($1, $2, $3, $4, $5, $6)`,
			x.id, int64(x.attempts), start.UnixMicro(), int64(code), errText, took.Microseconds()); err != nil {
			return err
		}
		switch {
		case acked:
			_, err = q.exec(ctx, `UPDATE platform_webhook_deliveries SET status = 'delivered', attempts = $1, delivered_at = $2, lease_until = 0 WHERE id = $3`,
				int64(x.attempts), d.clock.Now().UnixMicro(), x.id)
		case x.attempts >= d.maxAttempts:
			_, err = q.exec(ctx, `UPDATE platform_webhook_deliveries SET status = 'failed', attempts = $1, lease_until = 0 WHERE id = $2`, int64(x.attempts), x.id)
		default:
			_, err = q.exec(ctx, `UPDATE platform_webhook_deliveries SET attempts = $1, next_at = $2, lease_until = 0 WHERE id = $3`,
				int64(x.attempts), start.Add(webhook.Backoff(x.attempts, d.backoffBase, d.backoffMax)).UnixMicro(), x.id)
		}
		return err
	})
	return acked, err
}

// post sends the signed body; it returns the HTTP status (0 without one).
func (d *deliverer) post(ctx context.Context, x dueDelivery, at time.Time) (int, error) {
	body := []byte(x.body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lendkit-webhooks/1")
	req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(x.secret), at, body))
	req.Header.Set(webhook.EventHeader, x.eventID)
	req.Header.Set(webhook.DeliveryHeader, x.id)
	res, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// checkThresholds compares each balance subscription's wallet with its
// threshold and writes a delivery when the balance crossed it since the
// last look (or on the first look, when it is already on the watched side).
func (d *deliverer) checkThresholds(ctx context.Context) error {
	return d.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		rows, err := q.query(ctx, `SELECT id, kinds, wallet_id, threshold, currency, below_state FROM platform_webhooks
			WHERE active = 1 AND wallet_id <> '' ORDER BY id LIMIT 10000`)
		if err != nil {
			return err
		}
		type sub struct {
			id, kinds, walletID, cur string
			threshold, state         int64
		}
		var subs []sub
		for rows.Next() {
			var x sub
			if err := rows.Scan(&x.id, &x.kinds, &x.walletID, &x.threshold, &x.cur, &x.state); err != nil {
				rows.Close()
				return err
			}
			subs = append(subs, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range subs {
			cur, err := lendkit.ParseCurrency(x.cur)
			if err != nil {
				return err
			}
			bal, err := ledger.In(tx).Balance(ctx, d.wallets.AccountOf(x.walletID))
			if err != nil {
				return fmt.Errorf("webhook %s: wallet %s: %w", x.id, x.walletID, err)
			}
			threshold := lendkit.New(x.threshold, cur)
			cmp, err := bal.Available.Cmp(threshold)
			if err != nil {
				return err
			}
			below := int64(0)
			if cmp < 0 {
				below = 1
			}
			if below == x.state {
				continue
			}
			if _, err := q.exec(ctx, `UPDATE platform_webhooks SET below_state = $1 WHERE id = $2`, below, x.id); err != nil {
				return err
			}
			kind := kindBalanceAbove
			if below == 1 {
				kind = kindBalanceBelow
			}
			var ks []string
			if err := json.Unmarshal([]byte(x.kinds), &ks); err != nil {
				return err
			}
			wanted := false
			for _, k := range ks {
				wanted = wanted || k == kind
			}
			if !wanted {
				continue
			}
			// Each crossing is its own event: a random part keeps a later
			// crossing in the same direction from reusing this id.
			body := eventBody{ID: eventID(x.id + "/" + kind + "/" + newID("x")), Kind: kind,
				CreatedAt: microTime(tx.Now().UnixMicro()),
				Data:      map[string]string{"wallet_id": x.walletID, "available": bal.Available.Amount(), "threshold": threshold.Amount(), "currency": cur.Code()}}
			if err := insertDeliveries(ctx, tx, q, []string{x.id}, body); err != nil {
				return err
			}
		}
		return nil
	})
}

// loop runs the deliverer every interval until ctx ends.
func (d *deliverer) loop(ctx context.Context, every time.Duration) *sync.WaitGroup {
	return runEvery(ctx, every, func(ctx context.Context) {
		if _, err := d.runOnce(ctx); err != nil {
			d.log.Error("webhook deliverer", "err", err)
		}
	})
}
