package psp_test

import (
	"fmt"

	"github.com/lendkit/lendkit/wallet/psp"
)

func ExampleApply() {
	op := psp.Operation{ID: "op-1", Kind: psp.DirectDebit, State: psp.StatePending}
	seen := map[string]bool{}
	for _, n := range []psp.Notification{
		{ID: "n1", OperationID: "op-1", State: psp.StateSucceeded},
		{ID: "n1", OperationID: "op-1", State: psp.StateSucceeded}, // redelivered
		{ID: "n2", OperationID: "op-1", State: psp.StateReturned, Failure: psp.InsufficientFunds, ReasonCode: "AM04"},
	} {
		next, changed, err := psp.Apply(op, n, func(id string) bool { return seen[id] })
		if err != nil {
			fmt.Println(n.ID, "ignored:", err)
			continue
		}
		seen[n.ID] = true
		op = next
		fmt.Println(n.ID, changed, op.State, "reason="+op.ReasonCode)
	}
	// Output:
	// n1 true succeeded reason=
	// n1 ignored: psp: duplicate notification: n1
	// n2 true returned reason=AM04
}
