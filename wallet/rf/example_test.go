package rf_test

import (
	"fmt"

	"github.com/lendkit/lendkit/wallet/rf"
)

func ExampleNew() {
	r, err := rf.New("LOAN42M03")
	if err != nil {
		panic(err)
	}
	fmt.Println(r, r.Print())
	back, err := rf.Parse("rf" + r.String()[2:])
	fmt.Println(back.Payload(), err)
	// Output:
	// RF67LOAN42M03 RF67 LOAN 42M0 3
	// LOAN42M03 <nil>
}

func ExampleFind() {
	r, ok := rf.Find("Virement échéance mars RF18 5390 0754 7034 merci")
	fmt.Println(r, ok)
	// Output: RF18539007547034 true
}
