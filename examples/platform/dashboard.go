package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/ledger"
	"github.com/lendkit/lendkit/scoring"
	"github.com/lendkit/lendkit/store"
)

// The agents' dashboard: server-rendered pages (html/template) under
// /dashboard/, with a little vanilla JavaScript and charts drawn as inline
// SVG on the server — no CDN, no request leaves the page. It is not in the
// JSON route table (that table is the API's, checked against openapi.json);
// it reuses the API's pieces instead: the same sessions (a cookie carries
// the token the API would take as a bearer), the same password and TOTP
// checks, the same review handler in the same unit of work.
//
// Security: the session cookie is HttpOnly and SameSite=Strict, and every
// form carries a CSRF token — for a session, an HMAC keyed by the session
// token (so it needs no storage and dies with the session); for the login
// form, a random value also set as a cookie (double submit). Only agents
// and admins whose session was opened with a TOTP code get in.

//go:embed dashboard
var dashboardFS embed.FS

const (
	dashCookie      = "lk_dash"
	dashLoginCookie = "lk_login_csrf"
)

// dashPage is what every page template receives.
type dashPage struct {
	Title, Page  string
	Agent        string // the signed-in agent's email; "" on the login page
	CSRF         string
	Queue        int
	Flash, Error string
	AsOf         lendkit.Date
	Form         map[string]string
	Data         any
}

var dashFuncs = template.FuncMap{
	"money": func(m lendkit.Money) string { return m.String() },
	"list":  func(s ...string) []string { return s },
	"breakdown": func(p dashPage, by string) []tally {
		pf := p.Data.(portfolio)
		switch by {
		case "type":
			return pf.ByType
		case "region":
			return pf.ByRegion
		}
		return pf.ByClient
	},
	"chart":         tallyChart,
	"bucketChart":   bucketChart,
	"forecastChart": forecastChart,
}

// dashTemplates are parsed once; each page is the layout plus its file.
var dashTemplates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, p := range []string{"login", "portfolio", "queue", "loans", "loan", "funds"} {
		out[p] = template.Must(template.New(p).Funcs(dashFuncs).ParseFS(dashboardFS, "dashboard/layout.html", "dashboard/"+p+".html"))
	}
	return out
}()

// dashboardHandler serves /dashboard/.
func (s *server) dashboardHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dashboard/static/{file}", serveDashStatic)
	mux.HandleFunc("GET /dashboard/login", s.dashLoginForm)
	mux.HandleFunc("POST /dashboard/login", s.dashLogin)
	mux.HandleFunc("POST /dashboard/logout", s.dashAuthed(s.dashLogout))
	mux.HandleFunc("GET /dashboard/{$}", s.dashAuthed(s.dashPortfolio))
	mux.HandleFunc("GET /dashboard/queue", s.dashAuthed(s.dashQueue))
	mux.HandleFunc("POST /dashboard/queue/{id}", s.dashAuthed(s.dashReview))
	mux.HandleFunc("GET /dashboard/loans", s.dashAuthed(s.dashLoans))
	mux.HandleFunc("GET /dashboard/loans/{id}", s.dashAuthed(s.dashLoan))
	mux.HandleFunc("GET /dashboard/funds", s.dashAuthed(s.dashFunds))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Pages never load anything from elsewhere; the policy makes sure.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		mux.ServeHTTP(w, r.WithContext(ctx))
	})
}

func serveDashStatic(w http.ResponseWriter, r *http.Request) {
	types := map[string]string{"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
	f := r.PathValue("file")
	ct, ok := types[f]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := dashboardFS.ReadFile("dashboard/" + f)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}

// render writes page with status; a template error is a 500 (and logged),
// never half a page: the page is rendered into a buffer first.
func (s *server) render(w http.ResponseWriter, status int, page string, p dashPage) {
	if p.AsOf.IsZero() {
		p.AsOf = lendkit.Today(s.clock)
	}
	var b bytes.Buffer
	if err := dashTemplates[page].ExecuteTemplate(&b, page+".html", p); err != nil {
		s.log.Error("dashboard template", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// dashCSRF is the CSRF token of a session: HMAC-SHA256 keyed by the
// session token. Only someone holding the session can compute it.
func dashCSRF(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("lendkit dashboard csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

// sameOrigin refuses a POST whose Origin header names another site (a
// second line behind the token and SameSite).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// dashSession is the signed-in agent of a request.
type dashSession struct {
	who   *principal
	token string
	csrf  string
}

// dashAuthed admits staff sessions opened with TOTP; others go to the
// login page. POSTs must carry the session's CSRF token.
func (s *server) dashAuthed(h func(w http.ResponseWriter, r *http.Request, ds dashSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(dashCookie)
		if err != nil || ck.Value == "" {
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
			return
		}
		r2 := r.Clone(r.Context())
		r2.Header.Set("Authorization", "Bearer "+ck.Value)
		p, err := s.authenticate(r.Context(), r2)
		if err != nil || !p.Role.staff() || !p.MFA || p.Via != "session" {
			http.SetCookie(w, &http.Cookie{Name: dashCookie, Value: "", Path: "/dashboard", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
			return
		}
		ds := dashSession{who: p, token: ck.Value, csrf: dashCSRF(ck.Value)}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(ds.csrf)) {
				http.Error(w, "this form expired or did not come from the dashboard; reload the page and try again", http.StatusForbidden)
				return
			}
		}
		h(w, r, ds)
	}
}

// page returns the common page fields for a signed-in agent.
func (s *server) page(ctx context.Context, ds dashSession, title, name string) dashPage {
	p := dashPage{Title: title, Page: name, Agent: ds.who.Email, CSRF: ds.csrf, AsOf: lendkit.Today(s.clock)}
	_ = s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		var n int64
		err = queryRow(ctx, q, `SELECT COUNT(*) FROM platform_applications WHERE status = 'referred'`, nil, &n)
		p.Queue = int(n)
		return err
	})
	return p
}

func (s *server) dashLoginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, http.StatusOK, "", "")
}

func (s *server) renderLogin(w http.ResponseWriter, status int, email, msg string) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: dashLoginCookie, Value: tok, Path: "/dashboard", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	s.render(w, status, "login", dashPage{Title: "Sign in", Page: "login", CSRF: tok, Error: msg, Form: map[string]string{"email": email}})
}

// dashLogin checks email, password and TOTP code exactly as the API's login
// does, and opens an MFA session whose token goes into the cookie.
func (s *server) dashLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, http.StatusBadRequest, "", "The form could not be read; try again.")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	ck, err := r.Cookie(dashLoginCookie)
	if err != nil || !sameOrigin(r) || !hmac.Equal([]byte(ck.Value), []byte(r.PostFormValue("csrf"))) {
		s.renderLogin(w, http.StatusForbidden, email, "The sign-in form expired; try again.")
		return
	}
	password, code := r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("totp"))
	var missing []string
	if email == "" {
		missing = append(missing, "your email")
	}
	if password == "" {
		missing = append(missing, "your password")
	}
	if len(code) != totpDigits {
		missing = append(missing, "the 6-digit code of your authenticator")
	}
	if len(missing) > 0 {
		s.renderLogin(w, http.StatusBadRequest, email, "Please give "+strings.Join(missing, ", ")+".")
		return
	}
	var id, hash, secret, rl string
	var enabled int64
	err = s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		return queryRow(ctx, q, `SELECT id, role, password_hash, totp_secret, totp_enabled FROM platform_users WHERE email = $1`,
			[]any{email}, &id, &rl, &hash, &secret, &enabled)
	})
	bad := "Email, password or code is wrong."
	if errors.Is(err, store.ErrNotFound) {
		_, _ = checkPassword(dummyHash, password) // same time as a real check
		s.renderLogin(w, http.StatusUnauthorized, email, bad)
		return
	}
	if err != nil {
		s.log.Error("dashboard login", "err", err)
		s.renderLogin(w, http.StatusInternalServerError, email, "The service is unavailable; try again shortly.")
		return
	}
	ok, err := checkPassword(hash, password)
	if err != nil || !ok || !verifyTOTP(secret, code, s.clock.Now()) {
		s.renderLogin(w, http.StatusUnauthorized, email, bad)
		return
	}
	if !role(rl).staff() || enabled != 1 {
		s.renderLogin(w, http.StatusForbidden, email, "The dashboard is for agents with an authenticator enrolled.")
		return
	}
	tok := sessionPrefix + randomToken()
	c := &call{r: r, reqID: newID("req"), remote: s.remoteAddr(r)}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO platform_sessions (token_hash, user_id, mfa_ok, created_at, expires_at) VALUES ($1, $2, 1, $3, $4)`,
			digest(tok), id, tx.Now().UnixMicro(), tx.Now().Add(sessionTTL).UnixMicro()); err != nil {
			return err
		}
		return audit(ctx, tx, q, c, id, role(rl), "auth.login", "user", id, map[string]any{"mfa": true, "via": "dashboard"})
	})
	if err != nil {
		s.log.Error("dashboard login", "err", err)
		s.renderLogin(w, http.StatusInternalServerError, email, "The service is unavailable; try again shortly.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: dashCookie, Value: tok, Path: "/dashboard", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second)})
	http.SetCookie(w, &http.Cookie{Name: dashLoginCookie, Value: "", Path: "/dashboard", MaxAge: -1})
	http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
}

func (s *server) dashLogout(w http.ResponseWriter, r *http.Request, ds dashSession) {
	err := s.db.InTx(r.Context(), func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		if _, err := q.exec(r.Context(), `DELETE FROM platform_sessions WHERE token_hash = $1`, digest(ds.token)); err != nil {
			return err
		}
		c := &call{r: r, who: ds.who, reqID: newID("req"), remote: s.remoteAddr(r)}
		return auditBy(r.Context(), tx, q, c, "auth.logout", "user", ds.who.UserID, map[string]string{"via": "dashboard"})
	})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: dashCookie, Value: "", Path: "/dashboard", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

// dashFail answers an unexpected error without detail (the log has it).
func (s *server) dashFail(w http.ResponseWriter, r *http.Request, err error) {
	ae := toAPIError(err)
	if ae.Status >= 500 {
		s.log.Error("dashboard", "path", r.URL.Path, "err", err)
	}
	http.Error(w, ae.Message, ae.Status)
}

func (s *server) dashPortfolio(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	p := s.page(ctx, ds, "Portfolio", "portfolio")
	var pf portfolio
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		pf, err = computePortfolio(ctx, q, s.currency, p.AsOf)
		return err
	})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	p.Data = pf
	p.Flash = r.URL.Query().Get("done")
	if len(p.Flash) > 200 || !utf8.ValidString(p.Flash) {
		p.Flash = ""
	}
	s.render(w, http.StatusOK, "portfolio", p)
}

// queueItem is one referred application on the queue page.
type queueItem struct {
	ID, Borrower, LoanType, Region, CreatedAt string
	Amount                                    lendkit.Money
	TermMonths                                int
	Score                                     string
	Reasons                                   []string
	// Error and Reason refill the form after a refused submission.
	Error, Reason string
}

func (s *server) loadQueue(ctx context.Context) ([]queueItem, error) {
	var out []queueItem
	err := s.db.View(ctx, func(tx store.Tx) error {
		out = out[:0]
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		ids, err := queryIDs(ctx, q, `SELECT id FROM platform_applications WHERE status = 'referred' ORDER BY created_at, id LIMIT 200`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			v, err := loadApplication(ctx, q, id)
			if err != nil {
				return err
			}
			u, err := loadUser(ctx, q, v.BorrowerID)
			if err != nil {
				return err
			}
			var detail string
			if err := queryRow(ctx, q, `SELECT detail FROM platform_applications WHERE id = $1`, []any{id}, &detail); err != nil {
				return err
			}
			var d applicationDetail
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return err
			}
			it := queueItem{ID: id, Borrower: u.Name, LoanType: v.LoanType, Region: regionOf(d), CreatedAt: v.CreatedAt[:10],
				Amount: v.Amount, TermMonths: v.TermMonths}
			var dec scoring.Decision
			if err := json.Unmarshal(v.Decision, &dec); err != nil {
				return err
			}
			rec := dec.Record()
			it.Score = fmt.Sprint(rec.Score)
			it.Reasons = decisionReasons(rec)
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// decisionReasons lists why a decision was made, for the reviewer: every
// policy rule the application broke (with its outcome) and the scorecard's
// reasons (the characteristics that lowered the score, with the applicant's
// bin), then any overrides already recorded.
func decisionReasons(rec scoring.Record) []string {
	var out []string
	for _, r := range rec.RulesFired {
		out = append(out, fmt.Sprintf("%s (%s): %s", r.Rule, r.Outcome, r.Detail))
	}
	for _, r := range rec.Reasons {
		out = append(out, fmt.Sprintf("%s %s = %s: %s", r.Code, r.Characteristic, r.Bin, r.Sentence))
	}
	for _, o := range rec.Overrides {
		out = append(out, fmt.Sprintf("override by %s: %s (%s)", o.By, o.Outcome, o.Reason))
	}
	return out
}

func (s *server) dashQueue(w http.ResponseWriter, r *http.Request, ds dashSession) {
	items, err := s.loadQueue(r.Context())
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	p := s.page(r.Context(), ds, "Review queue", "queue")
	p.Data = items
	p.Flash = r.URL.Query().Get("done")
	if len(p.Flash) > 200 || !utf8.ValidString(p.Flash) {
		p.Flash = ""
	}
	s.render(w, http.StatusOK, "queue", p)
}

// dashReview records an agent's decision from the queue's form through the
// API's review handler, in one unit of work: a refused form saves nothing
// and comes back with its message and the reason typed.
func (s *server) dashReview(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	id := r.PathValue("id")
	outcome := r.PostFormValue("outcome")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var msg string
	switch {
	case outcome != "approve" && outcome != "decline":
		msg = "Choose Approve or Decline."
	case reason == "":
		msg = "Give the reason for your decision: it is kept with the decision and shown to auditors."
	case utf8.RuneCountInString(reason) > 500:
		msg = "The reason is too long: keep it under 500 characters."
	}
	if msg == "" {
		body, err := json.Marshal(map[string]string{"outcome": outcome, "reason": reason})
		if err != nil {
			s.dashFail(w, r, err)
			return
		}
		r2 := r.Clone(ctx)
		r2.SetPathValue("id", id)
		c := &call{r: r2, who: ds.who, body: body, reqID: newID("req"), remote: s.remoteAddr(r)}
		_, _, err = s.inTx(s.reviewApplication)(ctx, c)
		if err == nil {
			verb := map[string]string{"approve": "approved", "decline": "declined"}[outcome]
			http.Redirect(w, r, "/dashboard/queue?done="+url.QueryEscape("Application "+id+" "+verb+"."), http.StatusSeeOther)
			return
		}
		ae := toAPIError(err)
		if ae.Status >= 500 {
			s.dashFail(w, r, err)
			return
		}
		msg = ae.Message
		if ae.Status == http.StatusNotFound {
			msg = "This application does not exist."
		}
	}
	items, err := s.loadQueue(ctx)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	p := s.page(ctx, ds, "Review queue", "queue")
	found := false
	for i := range items {
		if items[i].ID == id {
			items[i].Error, items[i].Reason, found = msg, reason, true
		}
	}
	if !found {
		p.Error = msg
	}
	p.Data = items
	s.render(w, http.StatusUnprocessableEntity, "queue", p)
}

// loanLine is one row of the loans page.
type loanLine struct {
	ID, Borrower, Status string
	Amount, Outstanding  lendkit.Money
	DPD                  int
}

func (s *server) dashLoans(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	p := s.page(ctx, ds, "Loans", "loans")
	var out []loanLine
	err := s.db.View(ctx, func(tx store.Tx) error {
		out = out[:0]
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		ls, err := loadLoanFigures(ctx, q, p.AsOf)
		if err != nil {
			return err
		}
		for _, l := range ls {
			name := l.lr.borrowerID
			if u, err := loadUser(ctx, q, l.lr.borrowerID); err == nil {
				name = u.Name
			}
			out = append(out, loanLine{ID: l.lr.id, Borrower: name, Status: l.status.String(), Amount: l.lr.amount, Outstanding: l.outstanding, DPD: l.dpd})
		}
		return nil
	})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	p.Data = out
	s.render(w, http.StatusOK, "loans", p)
}

// loanPage is the loan page's data.
type loanPage struct {
	View     loanView
	Borrower string
	Schedule []scheduleRow
	Events   []loanEventLine
	Holders  []holderLine
	Ledger   []ledger.Entry
	Audit    []auditEntry
}

type loanEventLine struct{ Date, Kind, Amount, Key string }

type holderLine struct {
	Holder, Kind                       string
	Acquired, Outstanding, NetReceived lendkit.Money
}

func (s *server) dashLoan(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	p := s.page(ctx, ds, "Loan", "loans")
	id := r.PathValue("id")
	var lp loanPage
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		rp, lr, err := loadLoan(ctx, q, id)
		if err != nil {
			return err
		}
		if lp.View, err = loanViewFrom(rp, lr, p.AsOf); err != nil {
			return err
		}
		lp.Borrower = lr.borrowerID
		if u, err := loadUser(ctx, q, lr.borrowerID); err == nil {
			lp.Borrower = u.Name
		}
		owed := map[int]lendkit.Money{}
		for _, o := range rp.book.Schedule() {
			sum, err := lendkit.Sum(rp.book.Currency(), o.Penalty, o.Fee, o.Insurance, o.Interest, o.Principal)
			if err != nil {
				return err
			}
			owed[o.N] = sum
		}
		for _, row := range rp.schedule.Rows {
			o, ok := owed[row.N]
			if !ok {
				o = lendkit.Zero(rp.book.Currency())
			}
			lp.Schedule = append(lp.Schedule, scheduleRow{N: row.N, Due: row.Due, Payment: row.Payment, Interest: row.Interest, Principal: row.Principal, Balance: row.Balance, Owed: o})
		}
		for _, ev := range rp.events {
			lp.Events = append(lp.Events, loanEventLine{Date: ev.Date, Kind: ev.Kind, Amount: ev.Amount, Key: ev.Key})
		}
		for _, pos := range rp.book.Positions(p.AsOf) {
			lp.Holders = append(lp.Holders, holderLine{Holder: string(pos.Holder), Kind: pos.Kind.String(), Acquired: pos.Acquired, Outstanding: pos.Outstanding, NetReceived: pos.NetReceived})
		}
		lp.Audit, err = auditOf(ctx, q, lr.id, lr.applicationID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "no such loan", http.StatusNotFound)
		return
	}
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	page, err := s.wallets.History(ctx, lp.View.BorrowerID, ledger.HistoryQuery{Limit: 1000})
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	lp.Ledger = page.Entries
	p.Title, p.Data = "Loan "+id, lp
	s.render(w, http.StatusOK, "loan", p)
}

// auditOf is the audit trail of a loan, of the application it came from
// and of that application's contracts, oldest first.
func auditOf(ctx context.Context, q sqlq, ids ...string) ([]auditEntry, error) {
	a, b := ids[0], ""
	if len(ids) > 1 {
		b = ids[1]
	}
	rows, err := q.query(ctx, `SELECT id, at, actor_id, actor_role, action, entity, entity_id, remote_addr, request_id, detail FROM platform_audit
		WHERE entity_id = $1 OR ($2 <> '' AND (entity_id = $2 OR entity_id IN (SELECT id FROM platform_contracts WHERE application_id = $2)))
		ORDER BY at, id LIMIT 500`, a, b)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auditEntry
	for rows.Next() {
		var e auditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorRole, &e.Action, &e.Entity, &e.EntityID, &e.Remote, &e.RequestID, &detail); err != nil {
			return nil, err
		}
		e.At, e.Detail = microTime(at), json.RawMessage(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *server) dashFunds(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	p := s.page(ctx, ds, "Funds", "funds")
	f, err := s.computeFunds(ctx, p.AsOf)
	if err != nil {
		s.dashFail(w, r, err)
		return
	}
	p.Data = f
	s.render(w, http.StatusOK, "funds", p)
}
