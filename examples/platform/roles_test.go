package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestRolesOnEveryRoute walks the route table: every protected route
// refuses an anonymous caller (401) and every role it does not admit (403),
// and lets the roles it admits through the role check (whatever the
// handler then says about the empty request).
func TestRolesOnEveryRoute(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	tokens := map[role]string{roleAdmin: tb.login(t, roleAdmin), roleAgent: tb.login(t, roleAgent),
		roleBorrower: tb.login(t, roleBorrower), roleLender: tb.login(t, roleLender)}
	for _, rt := range tb.srv.routes() {
		if rt.roles == nil || rt.path == "/v1/auth/logout" { // logout would end the sessions the loop uses (TestAuthFlow covers it)
			continue
		}
		path := strings.NewReplacer("{id}", "nonexistent").Replace(rt.path)
		where := rt.method + " " + rt.path
		if r := tb.do(t, rt.method, path, "", "{}", idempotencyHeader, "k"); r.status != http.StatusUnauthorized || r.code(t) != "unauthenticated" {
			t.Errorf("%s anonymous: %d %s", where, r.status, r.body)
		}
		for rl, tok := range tokens {
			r := tb.do(t, rt.method, path, tok, "{}", idempotencyHeader, "roles-"+string(rl))
			if admits(rt.roles, rl) {
				if r.status >= 400 && (r.code(t) == "unauthenticated" || r.code(t) == "forbidden" || r.code(t) == "mfa_required") {
					t.Errorf("%s as %s (admitted): %d %s", where, rl, r.status, r.body)
				}
			} else if r.status != http.StatusForbidden || r.code(t) != "forbidden" {
				t.Errorf("%s as %s (not admitted): %d %s", where, rl, r.status, r.body)
			}
		}
	}
}
