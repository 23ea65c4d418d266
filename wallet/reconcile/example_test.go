package reconcile_test

import (
	"fmt"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/reconcile"
	"github.com/lendkit/lendkit/wallet/rf"
)

func ExampleReconcile() {
	eur := func(s string) lendkit.Money { return lendkit.MustParseMoney(s, "EUR") }
	expected := []reconcile.Expectation{
		{ID: "loan-7/3", Group: "loan-7", Amount: eur("450.00"), DueDate: lendkit.MustParseDate("2027-03-05"),
			VirtualIBAN: "FR721695800001LK00000042272"},
		{ID: "loan-9/1", Group: "loan-9", Amount: eur("120.00"), DueDate: lendkit.MustParseDate("2027-03-05"),
			Reference: rf.MustNew("LOAN9")},
	}
	credits := []reconcile.Credit{
		{ID: "s1/1", Amount: eur("500.00"), CreditedIBAN: "FR721695800001LK00000042272"},
		{ID: "s1/2", Amount: eur("120.00"), Remittance: "pret " + rf.MustNew("LOAN9").Print()},
		{ID: "s1/3", Amount: eur("75.00"), DebtorName: "Unknown payer"},
	}
	res, err := reconcile.Reconcile(lendkit.EUR, credits, expected)
	if err != nil {
		panic(err)
	}
	for _, l := range res.Lines {
		fmt.Println(l.Credit.ID, l.Outcome, l.Rule, len(l.Allocations), l.Suspense)
	}
	fmt.Println("applied", res.Applied, "suspense", res.Suspense)
	// Output:
	// s1/1 overpaid virtual_iban 1 50.00 EUR
	// s1/2 matched rf_reference 1 0.00 EUR
	// s1/3 unmatched  0 75.00 EUR
	// applied 570.00 EUR suspense 125.00 EUR
}
