package store_test

import (
	"errors"
	"testing"

	"github.com/lendkit/lendkit/store"
)

func TestStatesInOrder(t *testing.T) {
	st := func(id string) store.AccountState { return store.AccountState{Account: store.Account{ID: id}} }
	got, err := store.StatesInOrder([]string{"a", "b", "c"}, []store.AccountState{st("c"), st("a"), st("b")})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"a", "b", "c"} {
		if got[i].Account.ID != want {
			t.Errorf("position %d: %q, want %q", i, got[i].Account.ID, want)
		}
	}
	_, err = store.StatesInOrder([]string{"a", "b", "c", "d"}, []store.AccountState{st("a"), st("c")})
	var nf *store.AccountNotFoundError
	if !errors.As(err, &nf) || nf.ID != "b" || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing b and d: %v, want *AccountNotFoundError naming b (ErrNotFound)", err)
	}
}
