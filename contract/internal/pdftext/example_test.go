package pdftext_test

import (
	"fmt"

	"github.com/lendkit/lendkit/contract"
	"github.com/lendkit/lendkit/contract/internal/pdftext"
)

func ExampleExtract() {
	templates, _ := contract.DefaultTemplates()
	doc, err := contract.NewRenderer(templates).Render(contract.Sample(contract.BusinessLoan, "en"))
	if err != nil {
		fmt.Println(err)
		return
	}
	pages, err := pdftext.Extract(doc.PDF)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(pages), "pages")
	fmt.Println(pages[0].Lines[1])
	fmt.Println(pages[0].Lines[2])
	// Output:
	// 2 pages
	// Business loan agreement
	// Reference LK-2027-000123, version 1, issued on 15 January 2027
}
