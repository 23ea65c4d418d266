package iban_test

import (
	"errors"
	"fmt"

	"github.com/lendkit/lendkit/wallet/iban"
)

func ExampleParse() {
	i, err := iban.Parse("fr14 2004 1010 0505 0001 3m02 606")
	fmt.Println(i, err)
	fmt.Println(i.Print())
	_, err = iban.Parse("FR14 2004 1010 0505 0001 3M02 607")
	fmt.Println(errors.Is(err, iban.ErrChecksum))
	// Output:
	// FR1420041010050500013M02606 <nil>
	// FR14 2004 1010 0505 0001 3M02 606
	// true
}

func ExampleFrenchIBAN() {
	i, err := iban.FrenchIBAN("30006", "00001", "12345678901")
	fmt.Println(i.Print(), err)
	// Output: FR76 3000 6000 0112 3456 7890 189 <nil>
}

func ExampleIssuer() {
	loans, err := iban.NewIssuer(iban.IssuerConfig{Bank: "16958", Branch: "00001", Prefix: "LK", Namespace: "loan"})
	if err != nil {
		panic(err)
	}
	a, _ := loans.Issue("loan-0001", 0)
	b, _ := loans.Issue("loan-0001", 0)
	fmt.Println(a == b, iban.Valid(a.String()), loans.Owns(a))
	// Output: true true true
}
