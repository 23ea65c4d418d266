package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/lendkit/lendkit/store"
)

// txHandler is a handler that runs inside the request's unit of work, so its
// writes, its audit entries and its idempotency record commit together.
type txHandler func(ctx context.Context, tx store.Tx, q sqlq, c *call) (int, any, error)

// idempotencyHeader is the request header money-moving POSTs must carry
// (the IETF httpapi "Idempotency-Key" draft's name).
const idempotencyHeader = "Idempotency-Key"

// payloadHash is what a replay must match: the method, the path and the body
// exactly as sent, hashed, so the record stays small.
func payloadHash(c *call) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", c.r.Method, c.r.URL.Path)
	h.Write(c.body)
	return hex.EncodeToString(h.Sum(nil))
}

// inTx adapts a txHandler into a handler that opens one unit of work.
func (s *server) inTx(h txHandler) handler {
	return func(ctx context.Context, c *call) (int, any, error) {
		var status int
		var body any
		err := s.db.InTx(ctx, func(tx store.Tx) error {
			q, err := sqlOf(tx)
			if err != nil {
				return err
			}
			status, body, err = h(ctx, tx, q, c)
			return err
		})
		return status, body, err
	}
}

// idempotent runs a money-moving handler at most once per (caller, key). The
// idempotency record is written in the same unit of work as the handler's
// effects, so either both exist or neither: a crash between them cannot leave
// money moved without the record, or the record without the money. A replay
// with the same payload returns the stored status and body byte for byte; a
// different payload under the same key is refused with 409
// idempotency_key_reused. Concurrent requests with one key serialise on the
// record's primary key (SQLite's single writer; Postgres's SERIALIZABLE
// retry), so the second sees the first's record.
func (s *server) idempotent(ctx context.Context, c *call, th txHandler) (int, any, error) {
	key := c.r.Header.Get(idempotencyHeader)
	if key == "" {
		return 0, nil, badRequest("idempotency_key_required", "this request moves money: send an %s header (a unique string up to 128 bytes)", idempotencyHeader)
	}
	if len(key) > 128 {
		return 0, nil, badRequest("idempotency_key_invalid", "%s is longer than 128 bytes", idempotencyHeader)
	}
	hash := payloadHash(c)
	var status int
	var out rawJSON
	var replayed bool
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		var storedHash, resp string
		var st int64
		err = queryRow(ctx, q, `SELECT payload_hash, status, response FROM platform_idempotency WHERE user_id = $1 AND key = $2`,
			[]any{c.who.UserID, key}, &storedHash, &st, &resp)
		switch {
		case err == nil:
			if storedHash != hash {
				return fmt.Errorf("idempotency key %q: %w", key, store.ErrIdempotencyMismatch)
			}
			status, out, replayed = int(st), rawJSON(resp), true
			return nil
		case err != errNoRow:
			return err
		}
		st2, body, err := th(ctx, tx, q, c)
		if err != nil {
			return err
		}
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("platform: encoding the response: %w", err)
		}
		n, err := q.exec(ctx, `INSERT INTO platform_idempotency (user_id, key, payload_hash, status, response, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			c.who.UserID, key, hash, int64(st2), string(b), tx.Now().UnixMicro())
		if err != nil {
			return err
		}
		if n != 1 {
			// Another unit of work stored the key after our read: only
			// possible without serializable isolation; refuse rather than
			// apply twice.
			return fmt.Errorf("idempotency key %q stored concurrently: %w", key, store.ErrConflict)
		}
		status, out, replayed = st2, rawJSON(b), false
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	c.replayed = replayed
	return status, out, nil
}
