package psp

import (
	"errors"
	"testing"
)

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	states := []State{StateCreated, StatePending, StateSucceeded, StateFailed, StateRefunded, StateChargedBack, StateReturned}
	allowed := map[[2]State]bool{
		{StateCreated, StatePending}: true, {StateCreated, StateSucceeded}: true, {StateCreated, StateFailed}: true,
		{StatePending, StateSucceeded}: true, {StatePending, StateFailed}: true,
		{StateSucceeded, StateRefunded}: true, {StateSucceeded, StateChargedBack}: true, {StateSucceeded, StateReturned}: true,
	}
	for _, from := range states {
		for _, to := range states {
			err := CheckTransition(from, to)
			if allowed[[2]State{from, to}] != (err == nil) {
				t.Errorf("%s → %s: %v", from, to, err)
			}
			if err != nil && !errors.Is(err, ErrInvalidTransition) {
				t.Errorf("%s → %s: %v is not ErrInvalidTransition", from, to, err)
			}
		}
		if from.Final() != (from == StateFailed || from == StateRefunded || from == StateChargedBack || from == StateReturned) {
			t.Errorf("%s.Final()", from)
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	op := Operation{ID: "op-1", State: StatePending}
	if _, _, err := Apply(op, Notification{OperationID: "op-1", State: StateSucceeded}, nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("no id: %v", err)
	}
	if _, _, err := Apply(op, Notification{ID: "n", OperationID: "op-2", State: StateSucceeded}, nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("wrong op: %v", err)
	}
	got, changed, err := Apply(op, Notification{ID: "n1", OperationID: "op-1", State: StateFailed, Failure: InsufficientFunds, ReasonCode: "AM04"}, nil)
	if err != nil || !changed || got.State != StateFailed || got.Failure != InsufficientFunds || got.ReasonCode != "AM04" {
		t.Errorf("fail: %+v %v %v", got, changed, err)
	}
	if _, _, err := Apply(got, Notification{ID: "n2", OperationID: "op-1", State: StateSucceeded}, nil); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("failed → succeeded: %v", err)
	}
	if _, _, err := Apply(got, Notification{ID: "n1", OperationID: "op-1", State: StateFailed}, func(id string) bool { return id == "n1" }); !errors.Is(err, ErrDuplicateNotification) {
		t.Errorf("duplicate: %v", err)
	}
	var rej error = &RejectedError{Failure: KYCRequired, Detail: "x"}
	if !errors.Is(rej, ErrRejected) || rej.Error() == "" {
		t.Error("RejectedError")
	}
}
