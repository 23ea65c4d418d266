package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// Limits every request meets. They bound memory and time per request so one
// client cannot exhaust the server (TigerBeetle's "a bound on everything").
const (
	maxBodyBytes   = 1 << 20 // 1 MiB: the largest legitimate body is a bulk list of a few thousand ids
	requestTimeout = 20 * time.Second
)

// role is a user's role; routes name the roles they admit.
type role string

const (
	roleBorrower role = "borrower"
	roleLender   role = "lender"
	roleAgent    role = "agent"
	roleAdmin    role = "admin"
)

// staff reports whether r must have passed TOTP to use its routes.
func (r role) staff() bool { return r == roleAgent || r == roleAdmin }

// principal is the authenticated caller of a request.
type principal struct {
	UserID string
	Email  string
	Role   role
	// MFA is true for a session whose login gave a valid TOTP code. Staff
	// routes require it; API keys never carry it, so a leaked key cannot
	// act as an agent.
	MFA bool
	// Via is "session" or "api_key".
	Via string
}

// call is one request as handlers see it.
type call struct {
	r      *http.Request
	who    *principal // nil on public routes
	body   []byte
	reqID  string
	remote string
	// replayed is set when an idempotent replay answered the request.
	replayed bool
}

// decode reads the JSON body into v, refusing unknown fields and trailing
// data, so a typo in a field name is an error and not a silent default.
func (c *call) decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid_json", "request body: %v", err)
	}
	if dec.More() {
		return badRequest("invalid_json", "request body: trailing data after the JSON object")
	}
	return nil
}

// apiError is an error with an HTTP status and a stable machine-readable
// code; the code never changes once published, the message may.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(code, format string, args ...any) error {
	return &apiError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

// requestAmount parses a request's "amount" field: a positive amount in cur,
// or a 400 invalid_amount naming what was sent.
func requestAmount(s string, cur lendkit.Currency) (lendkit.Money, error) {
	amt, err := lendkit.ParseMoney(s, cur)
	if err != nil || !amt.IsPositive() {
		return lendkit.Money{}, badRequest("invalid_amount", "amount: %q is not a positive amount in %s", s, cur)
	}
	return amt, nil
}

func notFound(what string) error {
	return &apiError{http.StatusNotFound, "not_found", what + " not found"}
}

var (
	errUnauthenticated = &apiError{http.StatusUnauthorized, "unauthenticated", "missing or invalid credentials"}
	errForbidden       = &apiError{http.StatusForbidden, "forbidden", "your role may not do this"}
	errMFARequired     = &apiError{http.StatusForbidden, "mfa_required", "this route needs a session opened with a TOTP code"}
)

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// toAPIError maps any error to its HTTP form. Library and store sentinels get
// stable codes; anything unexpected is a 500 whose message says nothing about
// internals (the log has the detail).
func toAPIError(err error) *apiError {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return &apiError{http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return &apiError{http.StatusConflict, "idempotency_key_reused", "this Idempotency-Key was used with a different request"}
	case errors.Is(err, store.ErrNotFound):
		return &apiError{http.StatusNotFound, "not_found", "not found"}
	case errors.Is(err, store.ErrConflict):
		return &apiError{http.StatusConflict, "conflict", "the request conflicts with the current state"}
	case errors.Is(err, store.ErrSerialization):
		return &apiError{http.StatusServiceUnavailable, "busy", "the database is busy, retry shortly"}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{http.StatusServiceUnavailable, "timeout", "the request took too long"}
	case errors.Is(err, lendkit.ErrInvalidMoney), errors.Is(err, lendkit.ErrUnknownCurrency),
		errors.Is(err, lendkit.ErrInvalidDate), errors.Is(err, lendkit.ErrInvalidRate),
		errors.Is(err, lendkit.ErrCurrencyMismatch), errors.Is(err, lendkit.ErrOverflow):
		return &apiError{http.StatusBadRequest, "invalid_request", err.Error()}
	}
	if ae := libraryError(err); ae != nil {
		return ae
	}
	return &apiError{http.StatusInternalServerError, "internal", "internal error"}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"response encoding failed"}}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

// newID returns prefix_ followed by 16 random bytes in hex: random ids spread
// writes over the key space (no hot range on distributed SQL).
func newID(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("platform: crypto/rand failed: " + err.Error()) // the OS's CSPRNG never fails on supported systems
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

// handler is what a route runs; it returns the status and the JSON body.
type handler func(ctx context.Context, c *call) (int, any, error)

// route is one served endpoint. The route table is the single source of
// truth: the mux, the role checks and the OpenAPI test all read it.
type route struct {
	method string
	path   string // ServeMux pattern path, {name} for parameters
	roles  []role // nil: public
	// money marks a money-moving POST: it must carry an Idempotency-Key and
	// tx runs through idempotent(), inside the record's unit of work.
	money bool
	// keyed marks a money-moving POST whose effects run in a library's own
	// units of work (wallet, the PSP): it must carry an Idempotency-Key,
	// from which the handler derives the libraries' idempotency keys.
	keyed bool
	h     handler   // a handler that manages its own units of work, or
	tx    txHandler // one that runs inside a unit of work opened for it
}

// remoteAddr is the client's address. X-Forwarded-For is trusted only when
// the server was told it runs behind a proxy.
func (s *server) remoteAddr(r *http.Request) string {
	if s.trustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			first, _, _ := strings.Cut(f, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// serveRoute wraps rt with the limits, authentication, role check and error
// rendering every route shares.
func (s *server) serveRoute(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := s.clockNow()
		reqID := r.Header.Get("X-Request-Id")
		if reqID == "" || len(reqID) > 64 {
			reqID = newID("req")
		}
		w.Header().Set("X-Request-Id", reqID)
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		c := &call{r: r, reqID: reqID, remote: s.remoteAddr(r)}
		status, body, err := s.run(ctx, rt, w, c)
		if err != nil {
			ae := toAPIError(err)
			if ae.Status >= 500 {
				s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", reqID, "err", err)
			}
			writeJSON(w, ae.Status, errorBody{errorDetail{ae.Code, ae.Message, reqID}})
			return
		}
		if c.replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		if raw, ok := body.(rawJSON); ok {
			writeRaw(w, status, raw)
		} else if status == http.StatusNoContent {
			w.WriteHeader(status)
		} else {
			writeJSON(w, status, body)
		}
		if s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", status, "took", s.clockNow().Sub(start))
		}
	}
}

// rawJSON is a response body that is already encoded (an idempotent replay).
type rawJSON []byte

func (s *server) run(ctx context.Context, rt route, w http.ResponseWriter, c *call) (int, any, error) {
	r := c.r
	if r.Body != nil && r.Method != http.MethodGet {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			return 0, nil, err
		}
		c.body = b
	}
	if rt.roles != nil {
		p, err := s.authenticate(ctx, r)
		if err != nil {
			return 0, nil, err
		}
		if !admits(rt.roles, p.Role) {
			return 0, nil, errForbidden
		}
		if p.Role.staff() && !p.MFA && !mfaExempt(rt.path) {
			return 0, nil, errMFARequired
		}
		c.who = p
	}
	switch {
	case rt.keyed:
		if k := c.r.Header.Get(idempotencyHeader); k == "" || len(k) > 128 {
			return 0, nil, badRequest("idempotency_key_required", "this request moves money: send an %s header (a unique string up to 128 bytes)", idempotencyHeader)
		}
		return rt.h(ctx, c)
	case rt.money:
		return s.idempotent(ctx, c, rt.tx)
	case rt.tx != nil:
		return s.inTx(rt.tx)(ctx, c)
	}
	return rt.h(ctx, c)
}

func admits(roles []role, r role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// mfaExempt lists the routes a staff member uses to set up TOTP, the only
// ones open to a staff session without it.
func mfaExempt(path string) bool {
	switch path {
	case "/v1/auth/totp/enroll", "/v1/auth/totp/confirm", "/v1/me", "/v1/auth/logout":
		return true
	}
	return false
}

// everyone, the roles of routes open to any authenticated user.
var everyone = []role{roleBorrower, roleLender, roleAgent, roleAdmin}

// handler builds the mux from the route table; unknown paths and methods get
// JSON errors too.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.serveRoute(rt))
	}
	// The agents' dashboard (HTML, not part of the JSON API; dashboard.go).
	mux.Handle("/dashboard/", s.dashboardHandler())
	mux.Handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusSeeOther))
	mux.Handle("GET /{$}", http.RedirectHandler("/dashboard/", http.StatusSeeOther))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pat := mux.Handler(r); pat != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No pattern: either no such path, or the path exists under other
		// methods. Tell the two apart so clients get 404 or 405, in JSON.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, pat := mux.Handler(r2); pat != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{errorDetail{"method_not_allowed", r.Method + " is not allowed on " + r.URL.Path, ""}})
			return
		}
		writeJSON(w, http.StatusNotFound, errorBody{errorDetail{"route_not_found", "no route " + r.Method + " " + r.URL.Path, ""}})
	})
}
