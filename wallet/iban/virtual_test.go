package iban

import (
	"testing"

	"pgregory.net/rapid"
)

func TestIssuer(t *testing.T) {
	t.Parallel()
	is, err := NewIssuer(IssuerConfig{Bank: "16958", Branch: "00001", Prefix: "LK", Namespace: "loan"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := is.Issue("loan-42", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := is.Issue("loan-42", 0)
	c, _ := is.Issue("loan-42", 1)
	d, _ := is.Issue("loan-43", 0)
	other, _ := NewIssuer(IssuerConfig{Bank: "16958", Branch: "00001", Prefix: "LK", Namespace: "borrower"})
	e, _ := other.Issue("loan-42", 0)
	if a != b {
		t.Errorf("not deterministic: %s %s", a, b)
	}
	for _, x := range []IBAN{c, d, e} {
		if x == a {
			t.Errorf("%s repeated", x)
		}
	}
	if !is.Owns(a) || is.Owns(MustParse("FR1420041010050500013M02606")) {
		t.Error("Owns wrong")
	}
	if is.Capacity() != 1e9 {
		t.Errorf("capacity %d", is.Capacity())
	}
	for _, bad := range []IssuerConfig{
		{Bank: "1695", Branch: "00001", Prefix: "LK", Namespace: "x"},
		{Bank: "16958", Branch: "00001", Prefix: "", Namespace: "x"},
		{Bank: "16958", Branch: "00001", Prefix: "LKLKL", Namespace: "x"},
		{Bank: "16958", Branch: "00001", Prefix: "L-", Namespace: "x"},
		{Bank: "16958", Branch: "00001", Prefix: "LK"},
	} {
		if _, err := NewIssuer(bad); err == nil {
			t.Errorf("NewIssuer(%+v) accepted", bad)
		}
	}
	if _, err := is.Issue("", 0); err == nil {
		t.Error("empty id accepted")
	}
	if _, err := is.Issue("x", MaxAttempts); err == nil {
		t.Error("attempt out of range accepted")
	}
}

// Every issued IBAN is valid (ISO 13616 and RIB key), in range, and stable.
func TestIssuerProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		prefix := rapid.StringMatching(`[A-Z0-9]{1,4}`).Draw(t, "prefix")
		is, err := NewIssuer(IssuerConfig{Bank: "16958", Branch: "00001", Prefix: prefix, Namespace: "borrower"})
		if err != nil {
			t.Fatal(err)
		}
		id := rapid.String().Draw(t, "id")
		if id == "" {
			return
		}
		attempt := rapid.IntRange(0, MaxAttempts-1).Draw(t, "attempt")
		v, err := is.Issue(id, attempt)
		if err != nil {
			t.Fatalf("Issue(%q, %d): %v", id, attempt, err)
		}
		if _, err := Parse(v.String()); err != nil {
			t.Fatalf("issued %s invalid: %v", v, err)
		}
		if !is.Owns(v) {
			t.Fatalf("issuer does not own %s", v)
		}
	})
}
