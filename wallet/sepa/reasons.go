package sepa

import (
	"fmt"
	"sort"

	"github.com/lendkit/lendkit"
)

// MandateAction is what an R-transaction does to the mandate.
type MandateAction string

// Mandate actions.
const (
	KeepMandate   MandateAction = "keep"
	RevokeMandate MandateAction = "revoke" // the mandate is dead: no further collection on it
	CheckMandate  MandateAction = "check"  // the mandate data is wrong: fix and re-sign before retrying
)

// Alert says who must look at a returned collection.
type Alert string

// Alert levels.
const (
	AlertNone       Alert = "none"
	AlertOperations Alert = "operations" // a technical or data problem on the platform's side
	AlertCollection Alert = "collection" // the debtor did not pay: collections team, reminder
	AlertCompliance Alert = "compliance" // dispute, fraud suspicion, deceased debtor, regulatory
)

// Reason is an ISO 20022 external status reason code as used in SEPA
// R-transactions (rejects, returns, refunds, refusals), with the effect this
// package gives it on a loan instalment.
type Reason struct {
	Code        string
	Description string
	// Unpaid: the instalment stays (or becomes again) unpaid, and arrears run
	// from its due date. Every SDD R-transaction leaves the money with the
	// debtor, so every code in the table is unpaid; the field exists so callers
	// read the effect instead of assuming it.
	Unpaid bool
	// Retry: a new collection of the same instalment may be presented under the
	// same mandate (after fixing nothing). Insufficient funds and unspecified
	// technical reasons may be retried; a closed account, a missing mandate or
	// a refund asked by the debtor may not.
	Retry bool
	// Mandate is what happens to the mandate.
	Mandate MandateAction
	// Alert is who is told.
	Alert Alert
}

// reasons holds the codes of the EPC "Guidance on reason codes for SDD
// R-transactions" (EPC173-14) that a creditor receives.
var reasons = map[string]Reason{
	"AC01": {Code: "AC01", Description: "account identifier incorrect (invalid IBAN)", Unpaid: true, Mandate: CheckMandate, Alert: AlertOperations},
	"AC04": {Code: "AC04", Description: "account closed", Unpaid: true, Mandate: RevokeMandate, Alert: AlertCollection},
	"AC06": {Code: "AC06", Description: "account blocked, or blocked for direct debits by the debtor", Unpaid: true, Mandate: CheckMandate, Alert: AlertCollection},
	"AC13": {Code: "AC13", Description: "debtor account is a consumer account (B2B not allowed)", Unpaid: true, Mandate: RevokeMandate, Alert: AlertOperations},
	"AG01": {Code: "AG01", Description: "transaction forbidden on this type of account", Unpaid: true, Mandate: RevokeMandate, Alert: AlertCollection},
	"AG02": {Code: "AG02", Description: "invalid bank operation code (file format)", Unpaid: true, Retry: true, Mandate: KeepMandate, Alert: AlertOperations},
	"AM04": {Code: "AM04", Description: "insufficient funds", Unpaid: true, Retry: true, Mandate: KeepMandate, Alert: AlertCollection},
	"AM05": {Code: "AM05", Description: "duplicate collection", Unpaid: true, Mandate: KeepMandate, Alert: AlertOperations},
	"BE05": {Code: "BE05", Description: "creditor identifier incorrect", Unpaid: true, Mandate: CheckMandate, Alert: AlertOperations},
	"CNOR": {Code: "CNOR", Description: "creditor bank not registered in the scheme", Unpaid: true, Mandate: KeepMandate, Alert: AlertOperations},
	"DNOR": {Code: "DNOR", Description: "debtor bank not registered in the scheme", Unpaid: true, Mandate: RevokeMandate, Alert: AlertCollection},
	"FF01": {Code: "FF01", Description: "invalid file format", Unpaid: true, Retry: true, Mandate: KeepMandate, Alert: AlertOperations},
	"MD01": {Code: "MD01", Description: "no valid mandate, or unauthorised transaction", Unpaid: true, Mandate: RevokeMandate, Alert: AlertCompliance},
	"MD02": {Code: "MD02", Description: "mandate data missing or incorrect", Unpaid: true, Mandate: CheckMandate, Alert: AlertOperations},
	"MD06": {Code: "MD06", Description: "refund requested by the debtor (within 8 weeks, CORE)", Unpaid: true, Mandate: KeepMandate, Alert: AlertCollection},
	"MD07": {Code: "MD07", Description: "debtor deceased", Unpaid: true, Mandate: RevokeMandate, Alert: AlertCompliance},
	"MS02": {Code: "MS02", Description: "refused by the debtor, reason not specified", Unpaid: true, Mandate: KeepMandate, Alert: AlertCollection},
	"MS03": {Code: "MS03", Description: "reason not specified by the debtor's bank", Unpaid: true, Retry: true, Mandate: KeepMandate, Alert: AlertCollection},
	"RC01": {Code: "RC01", Description: "bank identifier (BIC) incorrect", Unpaid: true, Mandate: CheckMandate, Alert: AlertOperations},
	"RR01": {Code: "RR01", Description: "regulatory: debtor account or identification missing", Unpaid: true, Mandate: CheckMandate, Alert: AlertCompliance},
	"RR02": {Code: "RR02", Description: "regulatory: debtor name or address missing", Unpaid: true, Mandate: CheckMandate, Alert: AlertCompliance},
	"RR03": {Code: "RR03", Description: "regulatory: creditor name or address missing", Unpaid: true, Mandate: KeepMandate, Alert: AlertOperations},
	"RR04": {Code: "RR04", Description: "regulatory reason", Unpaid: true, Mandate: KeepMandate, Alert: AlertCompliance},
	"SL01": {Code: "SL01", Description: "specific service offered by the debtor's bank (blocking, whitelist)", Unpaid: true, Mandate: CheckMandate, Alert: AlertCollection},
}

// LookupReason returns the Reason of a code, or an error wrapping
// ErrUnknownReason. An unknown code must not be guessed at: the caller treats
// the instalment as unpaid, does not retry, and alerts operations (see
// UnknownReason).
func LookupReason(code string) (Reason, error) {
	r, ok := reasons[code]
	if !ok {
		return UnknownReason(code), fmt.Errorf("%w: %q", ErrUnknownReason, code)
	}
	return r, nil
}

// UnknownReason is the conservative treatment of a code absent from the
// table: unpaid, no retry, mandate kept, operations alerted.
func UnknownReason(code string) Reason {
	return Reason{Code: code, Description: "unknown reason code", Unpaid: true, Mandate: KeepMandate, Alert: AlertOperations}
}

// Reasons returns every known reason, sorted by code.
func Reasons() []Reason {
	out := make([]Reason, 0, len(reasons))
	for _, r := range reasons {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// RetryPolicy says how often and how soon a retriable return is presented again.
type RetryPolicy struct {
	MaxAttempts int // collections in all, the first included; default 3
	// DelayDays is the calendar-day wait before each re-presentation; the
	// new due date is moved to a TARGET2 business day. Default 7.
	DelayDays int
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 3
	}
	if p.DelayDays <= 0 {
		p.DelayDays = 7
	}
	return p
}

// Decision is what to do with a loan instalment after an R-transaction.
type Decision struct {
	Reason  Reason
	Unpaid  bool          // mark the instalment unpaid
	Retry   bool          // present a new collection…
	RetryOn lendkit.Date  // …due on this date (zero when not retrying)
	Mandate MandateAction // what to do with the mandate
	Alert   Alert
	// Escalate: retries are exhausted or not allowed; the loan enters the
	// arrears process (reminder, penalties, an advisor) rather than the
	// automatic collection loop.
	Escalate bool
}

// Decide turns a return of the attempt-th collection (1 for the first) of an
// instalment, received on returnedOn, into a Decision under policy. An
// unknown code is treated with UnknownReason and still returns a Decision,
// along with the ErrUnknownReason error so the caller can log it.
func Decide(code string, attempt int, returnedOn lendkit.Date, policy RetryPolicy) (Decision, error) {
	r, err := LookupReason(code)
	p := policy.withDefaults()
	d := Decision{Reason: r, Unpaid: r.Unpaid, Mandate: r.Mandate, Alert: r.Alert}
	if r.Retry && attempt < p.MaxAttempts {
		d.Retry = true
		d.RetryOn = NextTargetDay(returnedOn.AddDays(p.DelayDays))
	} else {
		d.Escalate = true
		if d.Alert == AlertNone {
			d.Alert = AlertCollection
		}
	}
	return d, err
}
