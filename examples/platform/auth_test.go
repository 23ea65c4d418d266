package main

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestTOTPRFC6238 checks the TOTP implementation against every vector of
// RFC 6238 Appendix B (testdata/rfc6238-vectors.txt).
func TestTOTPRFC6238(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/rfc6238-vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seeds := map[string][]byte{
		"SHA1":   []byte("12345678901234567890"),
		"SHA256": []byte("12345678901234567890123456789012"),
		"SHA512": []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	hashes := map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		sec, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		got := totpAt(hashes[fields[1]], seeds[fields[1]], time.Unix(sec, 0), 8)
		if diff := cmp.Diff(fields[2], got); diff != "" {
			t.Errorf("T=%d %s (-want +got):\n%s", sec, fields[1], diff)
		}
		n++
	}
	if n != 18 {
		t.Fatalf("read %d vectors, want the RFC's 18", n)
	}
}

func TestVerifyTOTPWindow(t *testing.T) {
	t.Parallel()
	secret, err := newTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := b32.DecodeString(secret)
	now := time.Unix(1_800_000_000, 0)
	tests := []struct {
		name string
		at   time.Duration
		want bool
	}{
		{"now", 0, true},
		{"previous step", -30 * time.Second, true},
		{"next step", 30 * time.Second, true},
		{"two steps old", -60 * time.Second, false},
		{"two steps ahead", 60 * time.Second, false},
	}
	for _, tt := range tests {
		code := totpAt(sha1.New, key, now.Add(tt.at), totpDigits)
		if got := verifyTOTP(secret, code, now); got != tt.want {
			t.Errorf("%s: verify = %v, want %v", tt.name, got, tt.want)
		}
	}
	if verifyTOTP(secret, "12345", now) || verifyTOTP("not base32!", "123456", now) {
		t.Error("malformed code or secret accepted")
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := hashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the documented parameters", h)
	}
	h2, _ := hashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		got, err := checkPassword(h, tt.pw)
		if err != nil || got != tt.want {
			t.Errorf("checkPassword(%q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if _, err := checkPassword(bad, "x"); err == nil {
			t.Errorf("checkPassword accepted malformed hash %q", bad)
		}
	}
}

func TestAuthFlow(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		id, tok := tb.signup(t, "ann@example.com", roleLender)

		// Duplicate email, weak password, staff role, bad credentials.
		if got := tb.do(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "ANN@example.com", "password": "another long one", "name": "x", "role": "lender"}).must(t, 409).code(t); got != "email_taken" {
			t.Errorf("duplicate email: code %q", got)
		}
		if got := tb.do(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "b@example.com", "password": "short", "name": "x", "role": "lender"}).must(t, 400).code(t); got != "weak_password" {
			t.Errorf("short password: code %q", got)
		}
		if got := tb.do(t, "POST", "/v1/auth/signup", "", map[string]string{"email": "c@example.com", "password": "long enough pw", "name": "x", "role": "admin"}).must(t, 400).code(t); got != "invalid_role" {
			t.Errorf("self-made admin: code %q", got)
		}
		if got := tb.do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "ann@example.com", "password": "wrong password"}).must(t, 401).code(t); got != "invalid_credentials" {
			t.Errorf("wrong password: code %q", got)
		}
		if got := tb.do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "wrong password"}).must(t, 401).code(t); got != "invalid_credentials" {
			t.Errorf("unknown user: code %q", got)
		}

		var me struct {
			User user   `json:"user"`
			Via  string `json:"via"`
		}
		tb.do(t, "GET", "/v1/me", tok, nil).must(t, 200).json(t, &me)
		if me.User.ID != id || me.Via != "session" || me.User.Role != roleLender {
			t.Fatalf("me = %+v", me)
		}

		// API key: created once with its secret, usable, listed without it,
		// revoked, then refused.
		var k apiKey
		tb.do(t, "POST", "/v1/api-keys", tok, map[string]string{"name": "robot"}).must(t, 201).json(t, &k)
		if !strings.HasPrefix(k.Secret, apiKeyPrefix) {
			t.Fatalf("api key secret %q", k.Secret)
		}
		tb.do(t, "GET", "/v1/me", k.Secret, nil).must(t, 200).json(t, &me)
		if me.User.ID != id || me.Via != "api_key" {
			t.Fatalf("me via key = %+v", me)
		}
		var keys struct {
			APIKeys []apiKey `json:"api_keys"`
		}
		tb.do(t, "GET", "/v1/api-keys", tok, nil).must(t, 200).json(t, &keys)
		if len(keys.APIKeys) != 1 || keys.APIKeys[0].Secret != "" || keys.APIKeys[0].ID != k.ID {
			t.Fatalf("listed keys = %+v", keys)
		}
		tampered := k.Secret[:len(k.Secret)-1] + "x"
		if k.Secret[len(k.Secret)-1] == 'x' {
			tampered = k.Secret[:len(k.Secret)-1] + "y"
		}
		tb.do(t, "GET", "/v1/me", tampered, nil).must(t, 401)
		// Another user cannot revoke it.
		_, other := tb.signup(t, "bob@example.com", roleBorrower)
		tb.do(t, "DELETE", "/v1/api-keys/"+k.ID, other, nil).must(t, 404)
		tb.do(t, "DELETE", "/v1/api-keys/"+k.ID, tok, nil).must(t, 204)
		tb.do(t, "GET", "/v1/me", k.Secret, nil).must(t, 401)

		tb.do(t, "POST", "/v1/auth/logout", tok, nil).must(t, 204)
		if got := tb.do(t, "GET", "/v1/me", tok, nil).must(t, 401).code(t); got != "unauthenticated" {
			t.Errorf("after logout: code %q", got)
		}
	})
}

// TestStaffNeedTOTP: an agent without TOTP gets a session that only reaches
// enrolment; after confirming a code the same session may act; later logins
// need the code.
func TestStaffNeedTOTP(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tb := setup(t, b)
		admin := tb.login(t, roleAdmin)
		tb.do(t, "POST", "/v1/users", admin, map[string]string{"email": "new.agent@example.com", "password": "agent password 1", "name": "New Agent", "role": "agent"}).must(t, 201)
		var lr loginResponse
		tb.do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "new.agent@example.com", "password": "agent password 1"}).must(t, 200).json(t, &lr)
		if lr.MFA {
			t.Fatal("session without TOTP has MFA")
		}
		if got := tb.do(t, "GET", "/v1/applications/queue", lr.Token, nil).code(t); got != "mfa_required" && got != "route_not_found" {
			t.Errorf("agent route without MFA: code %q", got)
		}
		var enr struct {
			Secret string `json:"secret"`
			URI    string `json:"otpauth_uri"`
		}
		tb.do(t, "POST", "/v1/auth/totp/enroll", lr.Token, nil).must(t, 200).json(t, &enr)
		if !strings.HasPrefix(enr.URI, "otpauth://totp/") {
			t.Fatalf("uri %q", enr.URI)
		}
		if got := tb.do(t, "POST", "/v1/auth/totp/confirm", lr.Token, map[string]string{"code": "000000"}).code(t); got != "invalid_totp" {
			// 1 in 10^6 × 3 chance that 000000 is valid; accept it then.
			if got != "" {
				t.Errorf("wrong code: %q", got)
			}
		}
		tb.do(t, "POST", "/v1/auth/totp/confirm", lr.Token, map[string]string{"code": totpNow(t, enr.Secret, tb.clock.Now())}).must(t, 200)
		// Now the login needs the code.
		if got := tb.do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "new.agent@example.com", "password": "agent password 1"}).must(t, 401).code(t); got != "totp_required" {
			t.Errorf("login without code: %q", got)
		}
		tb.do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "new.agent@example.com", "password": "agent password 1", "totp": totpNow(t, enr.Secret, tb.clock.Now())}).must(t, 200).json(t, &lr)
		if !lr.MFA {
			t.Fatal("login with code has no MFA")
		}
		// An agent's API key never carries MFA.
		var k apiKey
		tb.do(t, "POST", "/v1/api-keys", lr.Token, map[string]string{"name": "agent robot"}).must(t, 201).json(t, &k)
		if got := tb.do(t, "POST", "/v1/auth/totp/enroll", k.Secret, nil).must(t, http.StatusForbidden).code(t); got != "mfa_required" {
			t.Errorf("re-enrol through an API key: %q", got)
		}
	})
}
