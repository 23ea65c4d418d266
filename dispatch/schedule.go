package dispatch

import (
	"fmt"

	"github.com/lendkit/lendkit/amortization"
)

// FromSchedule converts an amortization schedule's rows to instalments.
// Rows with a negative principal (interest capitalised during a total grace)
// are refused with ErrInvalidTerms: capitalisation would raise holders'
// claims above what they lent, which dispatch does not model.
func FromSchedule(s *amortization.Schedule) ([]Instalment, error) {
	if s == nil || len(s.Rows) == 0 {
		return nil, fmt.Errorf("%w: empty schedule", ErrInvalidTerms)
	}
	out := make([]Instalment, len(s.Rows))
	for i, r := range s.Rows {
		if r.Principal.IsNegative() {
			return nil, fmt.Errorf("%w: instalment %d capitalises %s of interest (total grace), which dispatch does not split",
				ErrInvalidTerms, r.N, r.Interest)
		}
		out[i] = Instalment{N: r.N, Due: r.Due, Principal: r.Principal, Interest: r.Interest, Fee: r.Fee, Insurance: r.Insurance}
	}
	return out, nil
}
