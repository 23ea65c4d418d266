package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// The hashes are SHA-256 over a canonical, length-prefixed encoding, so that
// no two different contents encode alike ("ab"+"c" and "a"+"bc" differ). The
// leading domain tags keep a payload hash, a transaction hash and a posting
// hash from ever being confused for one another. Changing an encoding breaks
// Verify of every existing ledger: add a new tag (v2) instead.

// enc appends a canonical encoding to a byte slice.
type enc []byte

func (e enc) str(s string) enc {
	e = binary.AppendUvarint(e, uint64(len(s)))
	return append(e, s...)
}

func (e enc) bytes(b []byte) enc {
	e = binary.AppendUvarint(e, uint64(len(b)))
	return append(e, b...)
}

func (e enc) i64(v int64) enc { return binary.BigEndian.AppendUint64(e, uint64(v)) }

func (e enc) date(d lendkit.Date) enc {
	if d.IsZero() {
		return e.str("")
	}
	return e.str(d.String())
}

func (e enc) time(t time.Time) enc {
	if t.IsZero() {
		return e.i64(0)
	}
	return e.i64(t.UnixMicro())
}

func (e enc) money(m lendkit.Money) enc { return e.i64(m.Minor()).str(m.Currency().Code()) }

func (e enc) meta(m map[string]string) enc {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e = e.i64(int64(len(keys)))
	for _, k := range keys {
		e = e.str(k).str(m[k])
	}
	return e
}

func (e enc) sum() []byte {
	h := sha256.Sum256(e)
	return h[:]
}

// payloadHash identifies a request for idempotency: what the caller asked
// for, before the ledger adds ids, times and sequence numbers. op names the
// operation, so the same key used for a transfer and a hold never matches.
func payloadHash(op string, t Transfer, expires time.Time, ref string) []byte {
	e := enc(make([]byte, 0, 128+64*len(t.Postings))).str("lendkit.ledger.payload.v1").str(op).str(ref)
	e = e.str(t.Code).str(t.Description).date(t.EffectiveDate).meta(t.Metadata).time(expires)
	e = e.i64(int64(len(t.Postings)))
	for _, p := range t.Postings {
		e = e.str(p.AccountID).i64(int64(p.Side)).money(p.Amount)
	}
	return e.sum()
}

// txHash covers every stored field of a transaction and of its postings
// except the postings' own chain hashes (which cover txHash in turn).
func txHash(t *store.Transaction) []byte {
	e := enc(make([]byte, 0, 256+64*len(t.Postings))).str("lendkit.ledger.tx.v1")
	e = e.str(t.ID).str(t.Key).bytes(t.PayloadHash).i64(int64(t.Kind)).str(t.Code).str(t.Description).date(t.EffectiveDate)
	e = e.meta(t.Metadata).str(t.HoldID).str(t.ReversesID).time(t.ExpiresAt).time(t.CreatedAt)
	e = e.i64(int64(len(t.Postings)))
	for _, p := range t.Postings {
		e = e.str(p.AccountID).i64(int64(p.Side)).money(p.Amount).i64(int64(p.Kind)).i64(p.Seq)
	}
	return e.sum()
}

// postingHash links a posting into its account's chain: it covers the
// previous posting's hash (nil for the first), the posting, and the hash of
// its transaction, so changing any field of the transaction breaks the
// chain of every account it touches.
func postingHash(prev []byte, accountID string, seq int64, txID string, th []byte, idx int, p *store.Posting) []byte {
	var buf [256]byte
	e := enc(buf[:0]).str("lendkit.ledger.posting.v1").bytes(prev).str(accountID).i64(seq)
	e = e.str(txID).bytes(th).i64(int64(idx)).i64(int64(p.Kind)).i64(int64(p.Side)).money(p.Amount)
	return e.sum()
}
