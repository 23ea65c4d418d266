package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/sqlite/sqlitetest"
)

// backend opens a fresh, unmigrated database for one test.
type backend struct {
	name string
	open func(t *testing.T) store.DB
}

// backends are SQLite in t.TempDir() always, and Postgres in a schema of the
// test's own when LENDKIT_TEST_POSTGRES_URL is set (pgtest skips otherwise,
// saying why).
var backends = []backend{
	{"sqlite", func(t *testing.T) store.DB {
		t.Helper()
		return sqlitetest.OpenUnmigrated(t)
	}},
	{"postgres", func(t *testing.T) store.DB {
		t.Helper()
		return pgtest.OpenUnmigrated(t)
	}},
}

// forEachBackend runs fn as a parallel subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// testBundle is a running platform over one database.
type testBundle struct {
	db    store.DB
	srv   *server
	http  *httptest.Server
	clock *lendkit.ManualClock
	creds map[role]seedCredential
}

// setup migrates db, seeds it and serves the API on a loopback httptest
// server. The business clock is a ManualClock at the real time (TOTP codes
// the tests compute must match the server's).
func setup(t *testing.T, b backend) *testBundle {
	t.Helper()
	ctx := context.Background()
	db := b.open(t)
	if err := migrateAll(ctx, db); err != nil {
		t.Fatal(err)
	}
	clock := lendkit.NewManualClock(time.Now().UTC())
	var logw io.Writer = io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	s, err := newServer(db, clock, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.start(ctx); err != nil {
		t.Fatal(err)
	}
	creds, err := s.seed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb := &testBundle{db: db, srv: s, clock: clock, creds: map[role]seedCredential{}}
	for _, c := range creds {
		tb.creds[c.Role] = c
	}
	tb.http = httptest.NewServer(s.handler())
	t.Cleanup(tb.http.Close)
	return tb
}

// resp is a decoded API response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// code returns the error code of an error response.
func (r resp) code(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.json(t, &e)
	return e.Error.Code
}

// do sends one request; body is marshalled unless it is a string or []byte.
func (tb *testBundle) do(t *testing.T, method, path, token string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, tb.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := tb.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

// must fails the test unless r has status want.
func (r resp) must(t *testing.T, want int) resp {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	return r
}

// login returns a session token for a seeded role (with a TOTP code for
// staff, so the session has MFA).
func (tb *testBundle) login(t *testing.T, r role) string {
	t.Helper()
	c, ok := tb.creds[r]
	if !ok {
		t.Fatalf("no seeded %s", r)
	}
	body := map[string]string{"email": c.Email, "password": c.Password}
	if c.TOTPSecret != "" {
		body["totp"] = totpNow(t, c.TOTPSecret, tb.clock.Now())
	}
	var lr loginResponse
	tb.do(t, "POST", "/v1/auth/login", "", body).must(t, http.StatusOK).json(t, &lr)
	return lr.Token
}

// signup registers a user and returns a session token for it.
func (tb *testBundle) signup(t *testing.T, email string, r role) (id, token string) {
	t.Helper()
	var u user
	tb.do(t, "POST", "/v1/auth/signup", "", map[string]string{
		"email": email, "password": "correct horse battery", "name": email, "role": string(r),
	}).must(t, http.StatusCreated).json(t, &u)
	var lr loginResponse
	tb.do(t, "POST", "/v1/auth/login", "", map[string]string{"email": email, "password": "correct horse battery"}).
		must(t, http.StatusOK).json(t, &lr)
	return u.ID, lr.Token
}

func totpNow(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	key, err := b32.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return totpAt(sha1.New, key, now, totpDigits)
}

// cmpSorted compares string slices ignoring order.
var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })
