package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit/store"
)

// TestIdempotent drives the idempotency wrapper with a handler that writes
// (an audit entry) and counts its runs: a replay returns the first response
// byte for byte without running again, another payload under the same key
// is 409 idempotency_key_reused, another caller's same key is independent,
// and a failing handler leaves no record (its retry runs).
func TestIdempotent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		ctx := context.Background()
		var runs atomic.Int32
		fail := atomic.Bool{}
		h := func(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
			if fail.Load() {
				if err := auditBy(ctx, tx, q, c, "test.failed", "test", "x", nil); err != nil {
					return 0, nil, err
				}
				return 0, nil, badRequest("boom", "handler failed")
			}
			n := runs.Add(1)
			return http.StatusCreated, map[string]any{"run": n, "body": string(c.body)}, auditBy(ctx, tx, q, c, "test.run", "test", "x", nil)
		}
		mk := func(who, key, body string) *call {
			r := httptest.NewRequest("POST", "/v1/test", strings.NewReader(body))
			if key != "" {
				r.Header.Set(idempotencyHeader, key)
			}
			return &call{r: r, who: &principal{UserID: who, Role: roleLender}, body: []byte(body), reqID: "req_t", remote: "192.0.2.1"}
		}
		st, out1, err := tb.srv.idempotent(ctx, mk("u1", "k1", `{"a":1}`), h)
		if err != nil || st != 201 {
			t.Fatalf("first: %d %v", st, err)
		}
		c2 := mk("u1", "k1", `{"a":1}`)
		st, out2, err := tb.srv.idempotent(ctx, c2, h)
		if err != nil || st != 201 || !c2.replayed {
			t.Fatalf("replay: %d %v replayed=%v", st, err, c2.replayed)
		}
		if diff := cmp.Diff(string(out1.(rawJSON)), string(out2.(rawJSON))); diff != "" {
			t.Errorf("replay differs (-first +replay):\n%s", diff)
		}
		_, _, err = tb.srv.idempotent(ctx, mk("u1", "k1", `{"a":2}`), h)
		if ae := toAPIError(err); ae.Status != 409 || ae.Code != "idempotency_key_reused" {
			t.Fatalf("other payload: %v → %+v", err, ae)
		}
		if _, _, err := tb.srv.idempotent(ctx, mk("u2", "k1", `{"a":2}`), h); err != nil {
			t.Fatalf("other caller, same key: %v", err)
		}
		if _, _, err := tb.srv.idempotent(ctx, mk("u1", "", `{}`), h); toAPIError(err).Code != "idempotency_key_required" {
			t.Fatalf("missing key: %v", err)
		}
		fail.Store(true)
		if _, _, err := tb.srv.idempotent(ctx, mk("u1", "k2", `{}`), h); toAPIError(err).Code != "boom" {
			t.Fatalf("failing handler: %v", err)
		}
		fail.Store(false)
		if st, _, err := tb.srv.idempotent(ctx, mk("u1", "k2", `{}`), h); err != nil || st != 201 {
			t.Fatalf("retry after failure: %d %v", st, err)
		}
		if got := runs.Load(); got != 3 {
			t.Errorf("handler ran %d times, want 3 (k1/u1, k1/u2, k2 retry)", got)
		}
		// The failed attempt's audit entry rolled back with it.
		admin := tb.login(t, roleAdmin)
		var page struct {
			Entries []auditEntry `json:"entries"`
		}
		tb.do(t, "GET", "/v1/audit?entity=test", admin, nil).must(t, 200).json(t, &page)
		var actions []string
		for _, e := range page.Entries {
			actions = append(actions, e.Action)
		}
		if diff := cmp.Diff([]string{"test.run", "test.run", "test.run"}, actions); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
}

// TestAuditLog: entries say who, what, when and from where; only admins
// read them; the database itself refuses to change or delete one.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		id, tok := tb.signup(t, "carol@example.com", roleBorrower)
		tb.do(t, "GET", "/v1/audit", tok, nil).must(t, http.StatusForbidden)
		admin := tb.login(t, roleAdmin)
		var page struct {
			Entries []auditEntry `json:"entries"`
			Next    string       `json:"next"`
		}
		tb.do(t, "GET", "/v1/audit?actor_id="+id, admin, nil).must(t, 200).json(t, &page)
		var actions []string
		for _, e := range page.Entries {
			actions = append(actions, e.Action)
			if e.Remote != "127.0.0.1" || e.RequestID == "" || e.At == "" || e.ActorRole != "borrower" {
				t.Errorf("entry lacks who/when/where: %+v", e)
			}
		}
		if diff := cmp.Diff([]string{"auth.login", "user.signup"}, actions); diff != "" {
			t.Errorf("carol's audit, newest first (-want +got):\n%s", diff)
		}
		// Pagination: one entry per page walks everything once.
		seen := map[string]bool{}
		cursor := ""
		for i := 0; i < 100; i++ {
			path := "/v1/audit?limit=1"
			if cursor != "" {
				path += "&before=" + cursor
			}
			tb.do(t, "GET", path, admin, nil).must(t, 200).json(t, &page)
			for _, e := range page.Entries {
				if seen[e.ID] {
					t.Fatalf("entry %s on two pages", e.ID)
				}
				seen[e.ID] = true
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if len(seen) < 6 { // 4 seeds, carol's 2, the admin's login
			t.Errorf("paged through %d entries", len(seen))
		}
		for _, stmt := range []string{`UPDATE platform_audit SET action = 'x'`, `DELETE FROM platform_audit`} {
			err := tb.db.InTx(context.Background(), func(tx store.Tx) error {
				q, err := sqlOf(tx)
				if err != nil {
					return err
				}
				_, err = q.exec(context.Background(), stmt)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
			}
		}
	})
}

// TestErrorsAndLimits: every failure is JSON with a stable code.
func TestErrorsAndLimits(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown route", "GET", "/v1/nothing", "", 404, "route_not_found"},
		{"wrong method", "DELETE", "/v1/auth/login", "", 405, "method_not_allowed"},
		{"no credentials", "GET", "/v1/me", "", 401, "unauthenticated"},
		{"unknown field", "POST", "/v1/auth/signup", `{"email":"a@b.c","pasword":"x"}`, 400, "invalid_json"},
		{"trailing data", "POST", "/v1/auth/login", `{"email":"a@b.c"} {}`, 400, "invalid_json"},
		{"too large", "POST", "/v1/auth/signup", `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`, 413, "request_too_large"},
		{"bad terms", "POST", "/v1/simulations", `{"principal":"-5","currency":"EUR","rate":"5","periods":12,"start":"2027-01-15"}`, 400, "invalid_terms"},
		{"unknown currency", "POST", "/v1/simulations", `{"principal":"5","currency":"XXY","rate":"5","periods":12,"start":"2027-01-15"}`, 400, "invalid_terms"},
	}
	for _, tt := range tests {
		r := tb.do(t, tt.method, tt.path, "", tt.body)
		if r.status != tt.status || r.code(t) != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, r.status, r.body, tt.status, tt.code)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tt.name, ct)
		}
	}
}

// TestSimulationEndpoint checks the public simulation against the
// amortization package directly: the API adds transport, never maths.
func TestSimulationEndpoint(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	var got simulationJSON
	tb.do(t, "POST", "/v1/simulations", "", `{"principal":"10000","currency":"EUR","rate":"5","periods":36,"start":"2027-01-15"}`).must(t, 200).json(t, &got)
	if got.Currency != "EUR" || got.Principal != "10000.00" || len(got.Installments) != 36 {
		t.Fatalf("simulation = %+v", got)
	}
	// 10,000 at 5 % over 36 months: the annuity is 299.71 (PMT), the first
	// interest 41.67 (10,000 × 5 %/12 rounded half-up).
	if first := got.Installments[0]; first.Payment != "299.71" || first.Interest != "41.67" || first.Due != "2027-02-15" {
		t.Errorf("first instalment = %+v", first)
	}
	if last := got.Installments[35]; last.Balance != "0.00" {
		t.Errorf("last balance %s", last.Balance)
	}
}

// TestGracefulShutdown: cancelling the serve context stops new connections
// but lets an in-flight request finish with its response.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runHTTP(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-entered
	cancel() // SIGTERM arrives while the request is in flight
	select {
	case err := <-done:
		t.Fatalf("server returned before the in-flight request finished: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("new connection accepted during shutdown")
	}
	close(release)
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("runHTTP: %v", err)
	}
}

// TestPlatformMigrations: the platform's tables go down to none and back up,
// with data, and lendkit's own schema is untouched by it.
func TestPlatformMigrations(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		ctx := context.Background()
		cur, _, err := tb.db.MigrationVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := migratePlatformTo(ctx, tb.db, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.srv.seed(ctx); err == nil {
			t.Fatal("users table still there after migrating the platform to 0")
		}
		if err := migratePlatformTo(ctx, tb.db, -1); err != nil {
			t.Fatal(err)
		}
		if creds, err := tb.srv.seed(ctx); err != nil || len(creds) != 4 {
			t.Fatalf("seed after up: %d %v", len(creds), err)
		}
		if err := migratePlatformTo(ctx, tb.db, 5); !errors.Is(err, store.ErrMigration) {
			t.Fatalf("unknown version: %v", err)
		}
		cur2, _, err := tb.db.MigrationVersion(ctx)
		if err != nil || cur2 != cur {
			t.Fatalf("lendkit schema moved: %d → %d (%v)", cur, cur2, err)
		}
	})
}
