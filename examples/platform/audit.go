package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/lendkit/lendkit/store"
)

// auditEntry is one line of the append-only audit log: who did what to which
// entity, when and from where.
type auditEntry struct {
	ID        string          `json:"id"`
	At        string          `json:"at"` // RFC 3339 with microseconds, UTC
	ActorID   string          `json:"actor_id"`
	ActorRole string          `json:"actor_role"`
	Action    string          `json:"action"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Remote    string          `json:"remote_addr"`
	RequestID string          `json:"request_id"`
	Detail    json.RawMessage `json:"detail"`
}

// audit appends an entry in the unit of work tx, so the entry exists exactly
// when the change it describes does. actor may differ from c.who (sign-up:
// the new user is the actor).
func audit(ctx context.Context, tx store.Tx, q sqlq, c *call, actorID string, actorRole role, action, entity, entityID string, detail any) error {
	d := []byte("{}")
	if detail != nil {
		var err error
		if d, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
	}
	remote, reqID := "", ""
	if c != nil {
		remote, reqID = c.remote, c.reqID
	}
	_, err := q.exec(ctx, `INSERT INTO platform_audit (id, at, actor_id, actor_role, action, entity, entity_id, remote_addr, request_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		newID("aud"), tx.Now().UnixMicro(), actorID, string(actorRole), action, entity, entityID, remote, reqID, string(d))
	return err
}

// auditBy is audit with the request's authenticated caller as the actor.
func auditBy(ctx context.Context, tx store.Tx, q sqlq, c *call, action, entity, entityID string, detail any) error {
	return audit(ctx, tx, q, c, c.who.UserID, c.who.Role, action, entity, entityID, detail)
}

// auditAfter records, in a unit of work of its own, an action by the
// request's caller that a domain service has already committed in its own
// (the wallet operations, a campaign commitment): the entry follows the
// action rather than sharing its transaction.
func (s *server) auditAfter(ctx context.Context, c *call, action, entity, entityID string, detail any) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		return auditBy(ctx, tx, q, c, action, entity, entityID, detail)
	})
}

// listAudit serves GET /v1/audit (admins): newest first, paginated by the
// opaque cursor the previous page returned, filtered by entity and actor.
func (s *server) listAudit(ctx context.Context, c *call) (int, any, error) {
	qv := c.r.URL.Query()
	limit := 100
	if l := qv.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, badRequest("invalid_request", "limit must be between 1 and 1000")
		}
		limit = n
	}
	var beforeAt int64 = 1<<63 - 1
	beforeID := ""
	if cur := qv.Get("before"); cur != "" {
		at, id, err := parseCursor(cur)
		if err != nil {
			return 0, nil, badRequest("invalid_request", "bad cursor")
		}
		beforeAt, beforeID = at, id
	}
	entity, entityID, actor := qv.Get("entity"), qv.Get("entity_id"), qv.Get("actor_id")
	var out []auditEntry
	var next string
	err := s.db.View(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		out = out[:0]
		rows, err := q.query(ctx, `SELECT id, at, actor_id, actor_role, action, entity, entity_id, remote_addr, request_id, detail
			FROM platform_audit
			WHERE (at < $1 OR (at = $1 AND ($2 = '' OR id < $2)))
			  AND ($3 = '' OR entity = $3) AND ($4 = '' OR entity_id = $4) AND ($5 = '' OR actor_id = $5)
			ORDER BY at DESC, id DESC LIMIT $6`,
			beforeAt, beforeID, entity, entityID, actor, int64(limit+1))
		if err != nil {
			return err
		}
		defer rows.Close()
		var ats []int64
		for rows.Next() {
			var e auditEntry
			var at int64
			var detail string
			if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorRole, &e.Action, &e.Entity, &e.EntityID, &e.Remote, &e.RequestID, &detail); err != nil {
				return err
			}
			e.At = microTime(at)
			e.Detail = json.RawMessage(detail)
			out = append(out, e)
			ats = append(ats, at)
		}
		next = ""
		if len(out) > limit {
			out = out[:limit]
			next = formatCursor(ats[limit-1], out[limit-1].ID)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, nil, err
	}
	if out == nil {
		out = []auditEntry{}
	}
	return http.StatusOK, map[string]any{"entries": out, "next": next}, nil
}
