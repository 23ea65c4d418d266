package lendkit_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

// A project of 10,000.00 EUR funded by three lenders; the first instalment's
// interest, 41.67 EUR, is split pro rata to what each lent. The parts always
// sum to the whole.
func Example() {
	interest := lendkit.MustParseMoney("41.67", "EUR")
	lent := []int64{500000, 300000, 200000} // 5,000.00, 3,000.00 and 2,000.00 EUR in cents
	parts, err := lendkit.Allocate(interest, lent)
	if err != nil {
		panic(err)
	}
	total, _ := lendkit.Sum(lendkit.EUR, parts...)
	fmt.Println(parts[0], parts[1], parts[2], "=", total)
	// Output: 20.84 EUR 12.50 EUR 8.33 EUR = 41.67 EUR
}

func ExampleAllocate() {
	// 100.00 split three ways: the leftover cent goes to the largest
	// remainder, and on equal remainders to the earlier position.
	parts, _ := lendkit.Allocate(lendkit.MustParseMoney("100.00", "EUR"), []int64{1, 1, 1})
	fmt.Println(parts)
	// Output: [33.34 EUR 33.33 EUR 33.33 EUR]
}

func ExampleMoney_Mul() {
	interest := lendkit.MustParseMoney("41.67", "EUR")
	tax, _ := interest.Mul(decimal.RequireFromString("0.128"), lendkit.HalfUp)
	fmt.Println(tax)
	// Output: 5.33 EUR
}

func ExampleMoney_Add() {
	a := lendkit.MustParseMoney("10.00", "EUR")
	_, err := a.Add(lendkit.MustParseMoney("10.00", "USD"))
	fmt.Println(err)
	// Output: lendkit: currency mismatch: EUR and USD
}

func ExampleParseMoney() {
	for _, code := range []string{"EUR", "JPY", "KWD"} {
		c := lendkit.MustCurrency(code)
		m, err := lendkit.ParseMoney("12.5", c)
		fmt.Println(code, c.Exponent(), m.Minor(), err)
	}
	// Output:
	// EUR 2 1250 <nil>
	// JPY 0 0 lendkit: invalid amount: "12.5": more than 0 decimals for JPY
	// KWD 3 12500 <nil>
}

func ExampleDate_AddMonths() {
	anchor := lendkit.MustDate(2027, time.January, 31)
	for k := 1; k <= 3; k++ {
		fmt.Println(anchor.AddMonths(k))
	}
	// Output:
	// 2027-02-28
	// 2027-03-31
	// 2027-04-30
}

func ExampleParseRate() {
	r, _ := lendkit.ParseRate("5.25%")
	s, _ := lendkit.ParseRate("0.0525")
	fmt.Println(r.Decimal(), r.Equal(s), r)
	// Output: 0.0525 true 5.25%
}

func ExampleRounding_Round() {
	d := decimal.RequireFromString("2.345")
	fmt.Println(lendkit.HalfUp.Round(d, 2), lendkit.HalfEven.Round(d, 2), lendkit.Floor.Round(d.Neg(), 2))
	// Output: 2.35 2.34 -2.35
}
