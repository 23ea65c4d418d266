// Package webhook signs and verifies the reference platform's webhook
// deliveries, and gives their retry schedule.
//
// # Signature header
//
// Every delivery is an HTTP POST whose JSON body is signed with the
// subscription's secret. The signature travels in one header:
//
//	Lendkit-Signature: t=1767225600,v1=d494e4fabd00c156ad44d9c944b34ab7d5206b121f28c072b43e94631b070d53
//
// where t is the Unix time in seconds when the delivery was signed and v1 is
// the lowercase hex HMAC-SHA256, keyed with the secret, of the bytes
//
//	<t> "." <body>
//
// (the decimal timestamp, a full stop, then the body exactly as received;
// the value above signs the body of ExampleVerify).
// Signing the timestamp with the body is what lets a receiver refuse
// replays: a captured delivery re-sent later carries an old t, and changing
// t breaks the signature. A header may carry several v1 values (during a
// secret rotation, one per secret); one match is enough.
//
// Receivers call Verify with the raw body — before any JSON decoding — and
// a tolerance (DefaultTolerance, five minutes, unless they know better).
// Verify compares in constant time and returns ErrSignature for a tampered
// body or wrong secret, ErrTooOld (or ErrFuture) for a timestamp outside the
// window, ErrHeader for a malformed header. A receiver that must not process
// an event twice also keeps the Lendkit-Event-Id header's values it has seen:
// retries re-send the same event id.
//
// # Retries
//
// A delivery that does not get a 2xx answer is retried after Backoff(n):
// exponential from a base, capped, for a bounded number of attempts; every
// attempt is recorded and visible through the platform's API.
package webhook
