package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit/examples/platform/webhook"
)

var secret = []byte("whsec_test")

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1","kind":"payment_received"}`)
	good := webhook.Sign(secret, now, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"authentic", good, body, now, nil},
		{"within window", good, body, now.Add(4 * time.Minute), nil},
		{"tampered body", good, []byte(`{"id":"evt_1","kind":"payment_received","amount":"999"}`), now, webhook.ErrSignature},
		{"wrong secret", webhook.Sign([]byte("other"), now, body), body, now, webhook.ErrSignature},
		{"old timestamp (replay)", good, body, now.Add(6 * time.Minute), webhook.ErrTooOld},
		{"timestamp moved forward", strings.Replace(good, "t=", "t=9", 1), body, now, webhook.ErrSignature},
		{"from the future", webhook.Sign(secret, now.Add(10*time.Minute), body), body, now, webhook.ErrFuture},
		{"rotation: second v1 matches", good[:strings.Index(good, "v1=")] + "v1=" + strings.Repeat("00", 32) + "," + good[strings.Index(good, "v1="):], body, now, nil},
		{"unknown scheme skipped", good + ",v2=zzz", body, now, nil},
		{"empty", "", body, now, webhook.ErrHeader},
		{"no timestamp", "v1=" + strings.Repeat("ab", 32), body, now, webhook.ErrHeader},
		{"no signature", "t=1", body, now, webhook.ErrHeader},
		{"short mac", "t=1,v1=abcd", body, now, webhook.ErrHeader},
		{"garbage", "hello", body, now, webhook.ErrHeader},
	}
	for _, tt := range tests {
		err := webhook.Verify(secret, tt.header, tt.body, tt.now, webhook.DefaultTolerance)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestVerifyProperty: what Sign produces verifies, and flipping any byte of
// the body makes it fail.
func TestVerifyProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		key := rapid.SliceOfN(rapid.Byte(), 1, 64).Draw(t, "key")
		body := rapid.SliceOfN(rapid.Byte(), 1, 512).Draw(t, "body")
		at := time.Unix(rapid.Int64Range(0, 1<<40).Draw(t, "t"), 0)
		h := webhook.Sign(key, at, body)
		if err := webhook.Verify(key, h, body, at, time.Minute); err != nil {
			t.Fatalf("authentic delivery refused: %v", err)
		}
		i := rapid.IntRange(0, len(body)-1).Draw(t, "i")
		tampered := append([]byte(nil), body...)
		tampered[i] ^= byte(rapid.IntRange(1, 255).Draw(t, "x"))
		if err := webhook.Verify(key, h, tampered, at, time.Minute); !errors.Is(err, webhook.ErrSignature) {
			t.Fatalf("tampered body: %v", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	for n := 0; n <= 8; n++ {
		got = append(got, webhook.Backoff(n, 30*time.Second, 10*time.Minute))
	}
	want := []time.Duration{30 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		10 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
	if d := webhook.Backoff(1000, time.Second, time.Hour); d != time.Hour {
		t.Errorf("large attempt: %s", d)
	}
}
