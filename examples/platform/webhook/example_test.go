package webhook_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/lendkit/lendkit/examples/platform/webhook"
)

// The MAC below was checked with OpenSSL:
//
//	printf %s '1767225600.{"id":"evt_42",…}' | openssl dgst -sha256 -hmac whsec_from_registration
//
// A receiver checks each delivery with the raw body and the signature
// header before trusting it; a replayed or tampered delivery is refused.
func ExampleVerify() {
	secret := []byte("whsec_from_registration")
	body := []byte(`{"id":"evt_42","kind":"payment_received","data":{"amount":"312.40"}}`)
	signedAt := time.Unix(1767225600, 0)
	header := webhook.Sign(secret, signedAt, body) // what the platform sends in Lendkit-Signature

	fmt.Println(header)
	fmt.Println(webhook.Verify(secret, header, body, signedAt.Add(30*time.Second), webhook.DefaultTolerance))

	tampered := []byte(`{"id":"evt_42","kind":"payment_received","data":{"amount":"9312.40"}}`)
	fmt.Println(errors.Is(webhook.Verify(secret, header, tampered, signedAt, webhook.DefaultTolerance), webhook.ErrSignature))

	replayedLater := signedAt.Add(time.Hour)
	fmt.Println(errors.Is(webhook.Verify(secret, header, body, replayedLater, webhook.DefaultTolerance), webhook.ErrTooOld))
	// Output:
	// t=1767225600,v1=d494e4fabd00c156ad44d9c944b34ab7d5206b121f28c072b43e94631b070d53
	// <nil>
	// true
	// true
}
