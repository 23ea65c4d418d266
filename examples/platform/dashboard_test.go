package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lendkit/lendkit/store"
)

// dashClient is a browser-like client: cookies kept, redirects followed.
type dashClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newDashClient(t *testing.T, tb *testBundle) *dashClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &dashClient{t: t, base: tb.http.URL, c: &http.Client{Jar: jar}}
}

func (d *dashClient) get(path string) (int, string) {
	d.t.Helper()
	res, err := d.c.Get(d.base + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (d *dashClient) post(path string, form url.Values) (int, string) {
	d.t.Helper()
	res, err := d.c.PostForm(d.base+path, form)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var (
	csrfRE    = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	figureRE  = regexp.MustCompile(`data-figure="([a-z0-9-]+)">([^<]*)<`)
	queueIDRE = regexp.MustCompile(`action="/dashboard/queue/(app_[0-9a-f]+)"`)
	loanIDRE  = regexp.MustCompile(`href="/dashboard/loans/(loan_[0-9a-f]+)"`)
)

func first(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s not found in page:\n%s", re, page)
	}
	return m[1]
}

func figures(page string) map[string]string {
	out := map[string]string{}
	for _, m := range figureRE.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func appStatus(t *testing.T, db store.DB, id string) string {
	t.Helper()
	var st string
	err := db.View(context.Background(), func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		return queryRow(context.Background(), q, `SELECT status FROM platform_applications WHERE id = $1`, []any{id}, &st)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestDashboard walks the dashboard as an agent: sign-in with password and
// TOTP (refused without a code, with a wrong one, without the form's
// token), the portfolio figures, the review queue (a decision without a
// reason or without the CSRF token is refused and saves nothing; an approval
// moves the portfolio's granted figures), a loan's page, the funds page.
func TestDashboard(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		ctx := context.Background()
		agentID := userID(t, tb.db, tb.creds[roleAgent].Email)
		if err := tb.srv.seedDemo(ctx, agentID); err != nil {
			t.Fatal(err)
		}
		d := newDashClient(t, tb)
		st, page := d.get("/dashboard/")
		if st != 200 || !strings.Contains(page, "Agent sign-in") {
			t.Fatalf("not signed in: %d %s", st, page)
		}
		cred := tb.creds[roleAgent]
		login := func(code, csrf string) (int, string) {
			return d.post("/dashboard/login", url.Values{"email": {cred.Email}, "password": {cred.Password}, "totp": {code}, "csrf": {csrf}})
		}
		csrf := first(t, csrfRE, page)
		wrong := "000000"
		if totpNow(t, cred.TOTPSecret, tb.clock.Now()) == wrong {
			wrong = "111111"
		}
		for _, tc := range []struct {
			code   string
			forge  bool
			status int
			says   string
		}{
			{"", false, 400, "6-digit code"},
			{wrong, false, 401, "wrong"},
			{totpNow(t, cred.TOTPSecret, tb.clock.Now()), true, 403, "expired"},
		} {
			token := csrf // the token of the page the previous attempt returned
			if tc.forge {
				token = "forged"
			}
			st, page := login(tc.code, token)
			if st != tc.status || !strings.Contains(page, tc.says) {
				t.Fatalf("login %+v: %d %s", tc, st, page)
			}
			csrf = first(t, csrfRE, page)
		}
		st, page = login(totpNow(t, cred.TOTPSecret, tb.clock.Now()), csrf)
		if st != 200 || !strings.Contains(page, "Portfolio") {
			t.Fatalf("login: %d %s", st, page)
		}
		before := figures(page)
		want := map[string]string{"granted": "2", "in-progress": "1", "repaid": "0", "arrears": "0", "par30": "0.00 %", "par90": "0.00 %"}
		if diff := cmp.Diff(want, before); diff != "" {
			t.Errorf("portfolio figures (-want +got):\n%s", diff)
		}
		for _, s := range []string{"<svg", "Torino, Italy", "Bakery Dupont SARL", "business", "consumer"} {
			if !strings.Contains(page, s) {
				t.Errorf("portfolio lacks %q", s)
			}
		}

		st, page = d.get("/dashboard/queue")
		if st != 200 || strings.Count(page, `class="review"`) != 2 || !strings.Contains(page, "P-SCORE-REFER") {
			t.Fatalf("queue: %d %s", st, page)
		}
		id := first(t, queueIDRE, page)
		token := first(t, csrfRE, page)
		st, page = d.post("/dashboard/queue/"+id, url.Values{"csrf": {token}, "outcome": {"approve"}, "reason": {"   "}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "Give the reason for your decision") {
			t.Fatalf("review without a reason: %d %s", st, page)
		}
		st, page = d.post("/dashboard/queue/"+id, url.Values{"csrf": {token}, "outcome": {"maybe"}, "reason": {"checked payslips"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose Approve or Decline") || !strings.Contains(page, "checked payslips") {
			t.Fatalf("review with a bad outcome: %d %s", st, page)
		}
		st, _ = d.post("/dashboard/queue/"+id, url.Values{"outcome": {"approve"}, "reason": {"checked payslips"}})
		if st != http.StatusForbidden {
			t.Fatalf("review without the CSRF token: %d", st)
		}
		if got := appStatus(t, tb.db, id); got != "referred" {
			t.Fatalf("refused reviews changed the application to %s", got)
		}
		st, page = d.post("/dashboard/queue/"+id, url.Values{"csrf": {token}, "outcome": {"approve"}, "reason": {"checked payslips and bank statements"}})
		if st != 200 || !strings.Contains(page, "Application "+id+" approved.") || strings.Count(page, `class="review"`) != 1 {
			t.Fatalf("approval: %d %s", st, page)
		}
		if got := appStatus(t, tb.db, id); got != "approved" {
			t.Fatalf("application is %s after approval", got)
		}
		st, page = d.post("/dashboard/queue/"+id, url.Values{"csrf": {token}, "outcome": {"decline"}, "reason": {"changed my mind"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "only a referred application is reviewed") {
			t.Fatalf("second review: %d %s", st, page)
		}
		_, page = d.get("/dashboard/")
		if got := figures(page)["granted"]; got != "3" {
			t.Errorf("granted after approval: %s, want 3", got)
		}

		_, page = d.get("/dashboard/loans")
		loan := first(t, loanIDRE, page)
		st, page = d.get("/dashboard/loans/" + loan)
		for _, s := range []string{"Schedule", "loan.disburse", "contract.sign", "Giulia Bianchi", "platform"} {
			if !strings.Contains(page, s) {
				t.Errorf("loan page (%d) lacks %q", st, s)
			}
		}
		if st, _ := d.get("/dashboard/loans/loan_nope"); st != 404 {
			t.Errorf("unknown loan: %d", st)
		}
		st, page = d.get("/dashboard/funds")
		if st != 200 || !strings.Contains(page, "Liquidity forecast") || strings.Count(page, "<tr>") < 12 {
			t.Errorf("funds: %d %s", st, page)
		}
		if !strings.Contains(page, `data-figure="available"`) {
			t.Error("funds page lacks the lending capacity")
		}
		for _, p := range []string{"/dashboard/", "/dashboard/queue", "/dashboard/funds", "/dashboard/loans/" + loan} {
			_, page := d.get(p)
			if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
				t.Errorf("%s references an external URL", p)
			}
		}
		st, page = d.post("/dashboard/logout", url.Values{"csrf": {first(t, csrfRE, page)}})
		if st != 200 || !strings.Contains(page, "Agent sign-in") {
			t.Fatalf("logout: %d", st)
		}
		if _, page := d.get("/dashboard/queue"); !strings.Contains(page, "Agent sign-in") {
			t.Error("the session still works after logout")
		}
	})
}
