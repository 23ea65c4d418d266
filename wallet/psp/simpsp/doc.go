// Package simpsp is a deterministic, in-process payment service provider
// implementing psp.Port, for tests and the reference platform's demo. It keeps
// wallet balances as a real PSP would (money held per wallet), advances
// operations only when told (Settle), queues the notifications a PSP would
// send, and injects the failures lending platforms meet: insufficient funds,
// closed accounts, missing mandates, KYC refusals, timeouts (applied or not)
// and duplicate notifications.
//
// Determinism: ids are sequential, times come from the lendkit.Clock given
// to New, and nothing is random, so the same calls give the same operations,
// notifications and balances. A Sim is safe for concurrent use.
package simpsp
