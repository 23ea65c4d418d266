package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/wallet"
)

// Credentials. Sessions are opaque bearer tokens ("lks_…") from login; API
// keys ("lkk_<id>_<secret>") are for machine clients. Only SHA-256 digests
// of either are stored: both carry 256 random bits, so a fast hash is
// enough (a slow hash protects low-entropy passwords, which these are not).
const (
	sessionPrefix = "lks_"
	apiKeyPrefix  = "lkk_"
	sessionTTL    = 12 * time.Hour
	minPassword   = 10
	maxPassword   = 256
)

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("platform: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// authenticate resolves the Authorization: Bearer credential of r.
func (s *server) authenticate(ctx context.Context, r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return nil, errUnauthenticated
	}
	var p principal
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(tok, sessionPrefix):
			var mfa, exp int64
			var rl string
			err := queryRow(ctx, q, `SELECT u.id, u.email, u.role, s.mfa_ok, s.expires_at
				FROM platform_sessions s JOIN platform_users u ON u.id = s.user_id WHERE s.token_hash = $1`,
				[]any{digest(tok)}, &p.UserID, &p.Email, &rl, &mfa, &exp)
			if err != nil {
				return err
			}
			if tx.Now().UnixMicro() >= exp {
				return errUnauthenticated
			}
			p.Role, p.MFA, p.Via = role(rl), mfa == 1, "session"
			return nil
		case strings.HasPrefix(tok, apiKeyPrefix):
			id, secret, ok := strings.Cut(strings.TrimPrefix(tok, apiKeyPrefix), "_")
			if !ok {
				return errUnauthenticated
			}
			var hash, rl string
			var revoked int64
			err := queryRow(ctx, q, `SELECT k.secret_hash, k.revoked_at, u.id, u.email, u.role
				FROM platform_api_keys k JOIN platform_users u ON u.id = k.user_id WHERE k.id = $1`,
				[]any{"key_" + id}, &hash, &revoked, &p.UserID, &p.Email, &rl)
			if err != nil {
				return err
			}
			if revoked != 0 || subtle.ConstantTimeCompare([]byte(hash), []byte(digest(secret))) != 1 {
				return errUnauthenticated
			}
			p.Role, p.Via = role(rl), "api_key"
			return nil
		}
		return errUnauthenticated
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// user is a platform user as the API shows it.
type user struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	Role        role   `json:"role"`
	Kind        string `json:"kind"`
	TOTPEnabled bool   `json:"totp_enabled"`
	CreatedAt   string `json:"created_at"`
}

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Role     role   `json:"role"`
	Kind     string `json:"kind"`
}

func (r *signupRequest) validate(allowStaff bool) error {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || len(r.Email) > 254 {
		return badRequest("invalid_email", "email %q is not a valid address", r.Email)
	}
	if n := utf8.RuneCountInString(r.Password); n < minPassword || len(r.Password) > maxPassword {
		return badRequest("weak_password", "password must have %d to %d characters", minPassword, maxPassword)
	}
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || utf8.RuneCountInString(r.Name) > 200 {
		return badRequest("invalid_name", "name must have 1 to 200 characters")
	}
	switch r.Role {
	case roleBorrower, roleLender:
	case roleAgent, roleAdmin:
		if !allowStaff {
			return badRequest("invalid_role", "sign-up is for borrowers and lenders; an admin creates agents")
		}
	default:
		return badRequest("invalid_role", "role must be borrower, lender, agent or admin")
	}
	if r.Kind == "" {
		r.Kind = "individual"
	}
	if r.Kind != "individual" && r.Kind != "business" {
		return badRequest("invalid_kind", "kind must be individual or business")
	}
	return nil
}

// signup serves POST /v1/auth/signup: borrowers and lenders register
// themselves. The password is hashed before the unit of work opens, so the
// argon2 cost is never paid while holding the database.
func (s *server) signup(ctx context.Context, c *call) (int, any, error) {
	var req signupRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := req.validate(false); err != nil {
		return 0, nil, err
	}
	return s.insertUser(ctx, c, req, "")
}

// createUserByAdmin serves POST /v1/users: an admin creates any user, agents
// included.
func (s *server) createUserByAdmin(ctx context.Context, c *call) (int, any, error) {
	var req signupRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := req.validate(true); err != nil {
		return 0, nil, err
	}
	return s.insertUser(ctx, c, req, c.who.UserID)
}

func (s *server) insertUser(ctx context.Context, c *call, req signupRequest, byAdmin string) (int, any, error) {
	hash, err := hashPassword(req.Password)
	if err != nil {
		return 0, nil, err
	}
	var u user
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		u = user{ID: newID("usr"), Email: req.Email, Name: req.Name, Role: req.Role, Kind: req.Kind, CreatedAt: microTime(tx.Now().UnixMicro())}
		n, err := q.exec(ctx, `INSERT INTO platform_users (id, email, name, role, kind, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			u.ID, u.Email, u.Name, string(u.Role), u.Kind, hash, tx.Now().UnixMicro())
		if err != nil {
			return err
		}
		if n == 0 {
			return &apiError{http.StatusConflict, "email_taken", "an account with this email exists"}
		}
		detail := map[string]string{"email": u.Email, "role": string(u.Role)}
		if byAdmin != "" {
			return auditBy(ctx, tx, q, c, "user.create", "user", u.ID, detail)
		}
		return audit(ctx, tx, q, c, u.ID, u.Role, "user.signup", "user", u.ID, detail)
	})
	if err != nil {
		return 0, nil, err
	}
	// Customers get their wallet at once (KYC light: identity declared).
	if u.Role == roleBorrower || u.Role == roleLender {
		if err := s.openUserWallet(ctx, u.ID, walletKind(u.Role), wallet.KYCLight); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusCreated, u, nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

type loginResponse struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	User      user   `json:"user"`
	// MFA tells a staff member whether this session may use staff routes;
	// false means: enrol TOTP (or log in again with a code).
	MFA bool `json:"mfa"`
}

// dummyHash is checked when the email is unknown, so that a login's timing
// does not tell whether an account exists.
var dummyHash = func() string {
	h, err := hashPassword("not a real password, only for timing")
	if err != nil {
		panic(err)
	}
	return h
}()

// login serves POST /v1/auth/login. Staff whose TOTP is enabled must send a
// valid code; without TOTP enabled they get a session that only reaches the
// enrolment routes.
func (s *server) login(ctx context.Context, c *call) (int, any, error) {
	var req loginRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	var u user
	var hash, secret string
	var enabled int64
	var created int64
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		var rl string
		err = queryRow(ctx, q, `SELECT id, email, name, role, kind, password_hash, totp_secret, totp_enabled, created_at FROM platform_users WHERE email = $1`,
			[]any{email}, &u.ID, &u.Email, &u.Name, &rl, &u.Kind, &hash, &secret, &enabled, &created)
		u.Role = role(rl)
		return err
	})
	badCreds := &apiError{http.StatusUnauthorized, "invalid_credentials", "email or password is wrong"}
	if errors.Is(err, store.ErrNotFound) {
		_, _ = checkPassword(dummyHash, req.Password)
		return 0, nil, badCreds
	}
	if err != nil {
		return 0, nil, err
	}
	ok, err := checkPassword(hash, req.Password)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, badCreds
	}
	u.TOTPEnabled = enabled == 1
	u.CreatedAt = microTime(created)
	mfa := false
	if u.Role.staff() && u.TOTPEnabled {
		if req.TOTP == "" {
			return 0, nil, &apiError{http.StatusUnauthorized, "totp_required", "send the 6-digit code of your authenticator in \"totp\""}
		}
		if !verifyTOTP(secret, req.TOTP, s.clock.Now()) {
			return 0, nil, &apiError{http.StatusUnauthorized, "invalid_totp", "the TOTP code is wrong or expired"}
		}
		mfa = true
	}
	tok := sessionPrefix + randomToken()
	var resp loginResponse
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		exp := tx.Now().Add(sessionTTL)
		if _, err := q.exec(ctx, `INSERT INTO platform_sessions (token_hash, user_id, mfa_ok, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
			digest(tok), u.ID, boolInt(mfa), tx.Now().UnixMicro(), exp.UnixMicro()); err != nil {
			return err
		}
		resp = loginResponse{Token: tok, ExpiresAt: microTime(exp.UnixMicro()), User: u, MFA: mfa}
		return audit(ctx, tx, q, c, u.ID, u.Role, "auth.login", "user", u.ID, map[string]bool{"mfa": mfa})
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, resp, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// logout serves POST /v1/auth/logout: the session's token stops working.
func (s *server) logout(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	if c.who.Via != "session" {
		return 0, nil, badRequest("not_a_session", "log out a session token; revoke an API key with DELETE /v1/api-keys/{id}")
	}
	tok := strings.TrimPrefix(c.r.Header.Get("Authorization"), "Bearer ")
	if _, err := q.exec(ctx, `DELETE FROM platform_sessions WHERE token_hash = $1`, digest(tok)); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, auditBy(ctx, tx, q, c, "auth.logout", "user", c.who.UserID, nil)
}

// me serves GET /v1/me.
func (s *server) me(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	u, err := loadUser(ctx, q, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"user": u, "mfa": c.who.MFA, "via": c.who.Via}, nil
}

func loadUser(ctx context.Context, q sqlq, id string) (user, error) {
	var u user
	var rl string
	var enabled, created int64
	err := queryRow(ctx, q, `SELECT id, email, name, role, kind, totp_enabled, created_at FROM platform_users WHERE id = $1`,
		[]any{id}, &u.ID, &u.Email, &u.Name, &rl, &u.Kind, &enabled, &created)
	if errors.Is(err, errNoRow) {
		return u, notFound("user")
	}
	u.Role, u.TOTPEnabled, u.CreatedAt = role(rl), enabled == 1, microTime(created)
	return u, err
}

// totpEnroll serves POST /v1/auth/totp/enroll: a new secret for the caller,
// not active until confirmed with a code from it. Re-enrolling an enabled
// account needs an MFA session, so a stolen password cannot replace the
// authenticator.
func (s *server) totpEnroll(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	u, err := loadUser(ctx, q, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	if u.TOTPEnabled && !c.who.MFA {
		return 0, nil, errMFARequired
	}
	secret, err := newTOTPSecret()
	if err != nil {
		return 0, nil, err
	}
	if _, err := q.exec(ctx, `UPDATE platform_users SET totp_secret = $1, totp_enabled = 0 WHERE id = $2`, secret, u.ID); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "auth.totp_enroll", "user", u.ID, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"secret": secret, "otpauth_uri": totpURI("lendkit", u.Email, secret)}, nil
}

// totpConfirm serves POST /v1/auth/totp/confirm {"code": "123456"}: enables
// TOTP and upgrades the calling session to MFA.
func (s *server) totpConfirm(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req struct {
		Code string `json:"code"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	var secret string
	if err := queryRow(ctx, q, `SELECT totp_secret FROM platform_users WHERE id = $1`, []any{c.who.UserID}, &secret); err != nil {
		return 0, nil, err
	}
	if secret == "" {
		return 0, nil, badRequest("totp_not_enrolled", "call POST /v1/auth/totp/enroll first")
	}
	if !verifyTOTP(secret, req.Code, s.clock.Now()) {
		return 0, nil, &apiError{http.StatusUnauthorized, "invalid_totp", "the TOTP code is wrong or expired"}
	}
	if _, err := q.exec(ctx, `UPDATE platform_users SET totp_enabled = 1 WHERE id = $1`, c.who.UserID); err != nil {
		return 0, nil, err
	}
	if c.who.Via == "session" {
		tok := strings.TrimPrefix(c.r.Header.Get("Authorization"), "Bearer ")
		if _, err := q.exec(ctx, `UPDATE platform_sessions SET mfa_ok = 1 WHERE token_hash = $1`, digest(tok)); err != nil {
			return 0, nil, err
		}
	}
	if err := auditBy(ctx, tx, q, c, "auth.totp_enable", "user", c.who.UserID, nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]bool{"totp_enabled": true, "mfa": c.who.Via == "session"}, nil
}

type apiKey struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	Revoked   bool   `json:"revoked"`
	// Secret is the full key, shown once at creation and never stored.
	Secret string `json:"secret,omitempty"`
}

// createAPIKey serves POST /v1/api-keys {"name": "…"}.
func (s *server) createAPIKey(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	var req struct {
		Name string `json:"name"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Name == "" || len(req.Name) > 100 {
		return 0, nil, badRequest("invalid_name", "name must have 1 to 100 bytes")
	}
	id := newID("key")
	secret := randomToken()
	if _, err := q.exec(ctx, `INSERT INTO platform_api_keys (id, user_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, c.who.UserID, req.Name, digest(secret), tx.Now().UnixMicro()); err != nil {
		return 0, nil, err
	}
	if err := auditBy(ctx, tx, q, c, "api_key.create", "api_key", id, map[string]string{"name": req.Name}); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, apiKey{ID: id, Name: req.Name, CreatedAt: microTime(tx.Now().UnixMicro()),
		Secret: apiKeyPrefix + strings.TrimPrefix(id, "key_") + "_" + secret}, nil
}

// listAPIKeys serves GET /v1/api-keys: the caller's own keys.
func (s *server) listAPIKeys(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	rows, err := q.query(ctx, `SELECT id, name, created_at, revoked_at FROM platform_api_keys WHERE user_id = $1 ORDER BY created_at, id`, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	keys := []apiKey{}
	for rows.Next() {
		var k apiKey
		var created, revoked int64
		if err := rows.Scan(&k.ID, &k.Name, &created, &revoked); err != nil {
			return 0, nil, err
		}
		k.CreatedAt, k.Revoked = microTime(created), revoked != 0
		keys = append(keys, k)
	}
	return http.StatusOK, map[string]any{"api_keys": keys}, rows.Err()
}

// revokeAPIKey serves DELETE /v1/api-keys/{id}: only the owner's own key.
func (s *server) revokeAPIKey(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error) {
	id := c.r.PathValue("id")
	n, err := q.exec(ctx, `UPDATE platform_api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at = 0`,
		tx.Now().UnixMicro(), id, c.who.UserID)
	if err != nil {
		return 0, nil, err
	}
	if n == 0 {
		return 0, nil, notFound("api key")
	}
	return http.StatusNoContent, nil, auditBy(ctx, tx, q, c, "api_key.revoke", "api_key", id, nil)
}
