package notify_test

import (
	"fmt"

	"github.com/lendkit/lendkit/examples/platform/notify"
)

// A reminder in Italian: subject, body and SMS text from one data map.
func ExampleRender() {
	subject, body, sms, err := notify.Render(notify.Reminder, notify.Italian, map[string]string{
		"name": "Dana Rossi", "loan": "L-7", "amount": "EUR 312.40", "due": "2027-03-15", "days": "3",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(subject)
	fmt.Print(body)
	fmt.Println(sms)
	// Output:
	// La rata di EUR 312.40 scade il 2027-03-15
	// Gentile Dana Rossi,
	//
	// le ricordiamo che la rata di EUR 312.40 del prestito L-7 scade il 2027-03-15, tra 3 giorni.
	// La preghiamo di verificare che il conto abbia la provvista.
	// Lendkit: rata di EUR 312.40 in scadenza il 2027-03-15, prestito L-7.
}

// A template that needs a field the data lacks is an error, not a message
// with a hole in it.
func ExampleRender_missingField() {
	_, _, _, err := notify.Render(notify.PaymentReceived, notify.English, map[string]string{"name": "Dana"})
	fmt.Println(err)
	// Output:
	// notify: template failed: payment_received/en: field "loan" is missing
}
