package dispatch

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/lendkit/lendkit"
)

// TestPropertySnapshot: a book restored from its snapshot at any point
// disperses exactly what the original does from then on.
func TestPropertySnapshot(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		sc := genScenario(t)
		cut := rapid.IntRange(0, len(sc.events)).Draw(t, "cut")
		orig, err := Open(sc.terms)
		if err != nil {
			t.Fatal(err)
		}
		applyEvents(t, orig, sc.events[:cut])
		data, err := orig.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		restored, err := Restore(data)
		if err != nil {
			t.Fatalf("restore: %v", err)
		}
		again, err := restored.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(data) {
			t.Fatalf("snapshot does not round-trip")
		}
		rest := sc.events[cut:]
		d1 := applyEvents(t, orig, rest)
		d2 := applyEvents(t, restored, rest)
		if diff := cmp.Diff(d1, d2, cmpOpts); diff != "" {
			t.Fatalf("restored book disperses differently:\n%s", diff)
		}
		asOf := sc.terms.Funded.AddYears(20)
		if diff := cmp.Diff(orig.Positions(asOf), restored.Positions(asOf), cmpOpts); diff != "" {
			t.Fatalf("restored book's positions differ:\n%s", diff)
		}
	})
}

// applyEvents applies events, ignoring refused ones, and returns the
// dispersals.
func applyEvents(t *rapid.T, b *Book, events []event) []Dispersal {
	var out []Dispersal
	for i, e := range events {
		key := fmt.Sprintf("e%d", i)
		switch e.kind {
		case "pay":
			if d, err := b.Pay(Payment{Key: key, Date: e.date, Amount: lendkit.New(e.amount, lendkit.EUR)}); err == nil {
				out = append(out, d)
			}
		case "transfer":
			seller := b.hs[e.from%len(b.hs)]
			if seller.out > 0 && seller.ID != e.to.ID {
				_, _ = b.Transfer(Transfer{Key: key, CutOff: e.date, From: seller.ID, To: e.to, Amount: lendkit.New(seller.out*e.share/1000, lendkit.EUR)})
			}
		case "default":
			_, _ = b.Default(e.date)
		case "writeoff":
			_, _ = b.WriteOff(e.date)
		}
	}
	return out
}

func TestRestoreErrors(t *testing.T) {
	t.Parallel()
	b := threeHolders(t, nil)
	good, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(good); err != nil {
		t.Fatalf("good snapshot: %v", err)
	}
	tests := map[string][]byte{
		"empty":     nil,
		"version":   append([]byte{2}, good[1:]...),
		"truncated": good[:len(good)-3],
		"trailing":  append(append([]byte{}, good...), 0),
	}
	// Every single-byte corruption is either refused or restores a book
	// that still satisfies the invariants Restore checks: never a panic.
	for i := range good {
		c := append([]byte{}, good...)
		c[i] ^= 0x55
		if _, err := Restore(c); err != nil && !errors.Is(err, ErrInvalidTerms) {
			t.Errorf("byte %d corrupted: %v, want ErrInvalidTerms", i, err)
		}
	}
	for name, data := range tests {
		if _, err := Restore(data); !errors.Is(err, ErrInvalidTerms) {
			t.Errorf("%s: err %v, want ErrInvalidTerms", name, err)
		}
	}
}
