package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit/examples/platform/webhook"
)

// TestWebhookRetriedUntilAcknowledged: a receiver failing three times then
// succeeding gets the event acknowledged exactly once, after backoffs on the
// business clock; the four attempts are visible through the API; each
// delivery verifies with the package helper.
func TestWebhookRetriedUntilAcknowledged(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		tb.srv.allowLoopbackWebhooks = true
		agent := tb.login(t, roleAgent)
		var mu sync.Mutex
		var secret []byte
		requests := 0
		acked := map[string]int{}
		var verifyErrs []error
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			requests++
			if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, tb.clock.Now(), webhook.DefaultTolerance); err != nil {
				verifyErrs = append(verifyErrs, err)
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			if requests <= 3 {
				http.Error(w, "not now", http.StatusInternalServerError)
				return
			}
			acked[r.Header.Get(webhook.EventHeader)]++
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(rcv.Close)

		var wh webhookView
		tb.do(t, "POST", "/v1/webhooks", agent, map[string]any{"url": rcv.URL + "/hooks", "kinds": []string{"decision_made"}}).must(t, 201).json(t, &wh)
		mu.Lock()
		secret = []byte(wh.Secret)
		mu.Unlock()
		_, bor := tb.signup(t, "wes@example.com", roleBorrower)
		var app applicationView
		tb.do(t, "POST", "/v1/applications", bor, applicationBody("6000.00", 0)).must(t, 201).json(t, &app)

		d := newDeliverer(tb.db, tb.clock, tb.srv.wallets, quietLog)
		ctx := context.Background()
		for attempt := 1; attempt <= 4; attempt++ {
			if attempt > 1 {
				// Not due before its backoff...
				if n, err := d.runOnce(ctx); err != nil || n != 0 {
					t.Fatalf("attempt %d early: acked %d, err %v", attempt, n, err)
				}
				tb.clock.Advance(webhook.Backoff(attempt-1, d.backoffBase, d.backoffMax))
			}
			n, err := d.runOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[attempt == 4]; n != want {
				mu.Lock()
				t.Fatalf("attempt %d: acked %d, want %d (requests %d, verify errors %v)", attempt, n, want, requests, verifyErrs)
			}
		}
		tb.clock.Advance(d.backoffMax)
		if n, err := d.runOnce(ctx); err != nil || n != 0 {
			t.Fatalf("after the acknowledgement: acked %d, err %v", n, err)
		}
		mu.Lock()
		if diff := cmp.Diff(map[string]int{eventID("decision/" + app.ID + "/auto"): 1}, acked); diff != "" {
			t.Errorf("acknowledgements per event (-want +got):\n%s", diff)
		}
		if requests != 4 || len(verifyErrs) != 0 {
			t.Errorf("%d requests, verification errors %v", requests, verifyErrs)
		}
		mu.Unlock()

		var list struct {
			Deliveries []deliveryView `json:"deliveries"`
		}
		tb.do(t, "GET", "/v1/webhooks/"+wh.ID+"/deliveries", agent, nil).must(t, 200).json(t, &list)
		if len(list.Deliveries) != 1 {
			t.Fatalf("%d deliveries", len(list.Deliveries))
		}
		dv := list.Deliveries[0]
		var codes []int
		for _, a := range dv.Attempts {
			codes = append(codes, a.StatusCode)
		}
		if diff := cmp.Diff([]int{500, 500, 500, 204}, codes); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
		var body eventBody
		if err := json.Unmarshal(dv.Body, &body); err != nil {
			t.Fatal(err)
		}
		if dv.Status != "delivered" || body.Kind != "decision_made" || body.Data["application"] != app.ID || body.Data["name"] != "" {
			t.Errorf("delivery %+v body %+v", dv, body)
		}
		tb.do(t, "GET", "/v1/webhooks/whk_nope/deliveries", agent, nil).must(t, 404)
		tb.do(t, "GET", "/v1/webhooks", bor, nil).must(t, 403)
	})
}

// TestWebhookValidation: bad registrations are refused with a message
// naming the field, and nothing is saved.
func TestWebhookValidation(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	agent := tb.login(t, roleAgent)
	bad := []map[string]any{
		{"url": "ftp://example.com/x", "kinds": []string{"decision_made"}},
		{"url": "http://example.com/x", "kinds": []string{"decision_made"}},
		{"url": "http://127.0.0.1:9/x", "kinds": []string{"decision_made"}}, // loopback not allowed on this server
		{"url": "https://example.com/x", "kinds": []string{}},
		{"url": "https://example.com/x", "kinds": []string{"birthday"}},
		{"url": "https://example.com/x", "kinds": []string{"decision_made", "decision_made"}},
		{"url": "https://example.com/x", "kinds": []string{"balance.below"}},
		{"url": "https://example.com/x", "kinds": []string{"balance.below"}, "wallet_id": "platform", "threshold": "-1"},
		{"url": "https://example.com/x", "kinds": []string{"balance.below"}, "wallet_id": "nobody", "threshold": "100"},
		{"url": "https://example.com/x", "kinds": []string{"decision_made"}, "wallet_id": "platform"},
	}
	for _, body := range bad {
		r := tb.do(t, "POST", "/v1/webhooks", agent, body).must(t, 400)
		if r.code(t) != "invalid_webhook" {
			t.Errorf("%v: code %s", body, r.code(t))
		}
	}
	var list struct {
		Webhooks []webhookView `json:"webhooks"`
	}
	tb.do(t, "GET", "/v1/webhooks", agent, nil).must(t, 200).json(t, &list)
	if len(list.Webhooks) != 0 {
		t.Fatalf("refused registrations were saved: %+v", list.Webhooks)
	}
}

// TestWebhookBalanceThreshold: a balance.below subscription on the
// platform's lending wallet fires once when the balance is below its
// threshold, not again while it stays there.
func TestWebhookBalanceThreshold(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	agent := tb.login(t, roleAgent)
	var wh webhookView
	tb.do(t, "POST", "/v1/webhooks", agent, map[string]any{"url": "https://hooks.example.com/x", "kinds": []string{"balance.below", "balance.above"},
		"wallet_id": platformHolder, "threshold": "2000000.00"}).must(t, 201).json(t, &wh)
	d := newDeliverer(tb.db, tb.clock, tb.srv.wallets, quietLog)
	for range 2 {
		if err := d.checkThresholds(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var list struct {
		Deliveries []deliveryView `json:"deliveries"`
	}
	tb.do(t, "GET", "/v1/webhooks/"+wh.ID+"/deliveries", agent, nil).must(t, 200).json(t, &list)
	if len(list.Deliveries) != 1 {
		t.Fatalf("%d deliveries, want 1", len(list.Deliveries))
	}
	var body eventBody
	if err := json.Unmarshal(list.Deliveries[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"wallet_id": platformHolder, "available": "1000000.00", "threshold": "2000000.00", "currency": "EUR"}
	if diff := cmp.Diff(want, body.Data); diff != "" || body.Kind != kindBalanceBelow {
		t.Errorf("kind %s, data (-want +got):\n%s", body.Kind, diff)
	}
}
