package camt_test

import (
	"fmt"
	"strings"

	"github.com/lendkit/lendkit/wallet/camt"
)

func ExampleParse() {
	const statement = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2027-03-01T22:00:00Z</CreDtTm></GrpHdr>
  <Stmt>
   <Id>S1</Id>
   <Acct><Id><IBAN>FR7616958000010000000000146</IBAN></Id></Acct>
   <Ntry>
    <Amt Ccy="EUR">1250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2027-03-01</Dt></BookgDt>
    <NtryDtls><TxDtls>
     <RltdPties><Dbtr><Nm>ACME SARL</Nm></Dbtr>
      <CdtrAcct><Id><IBAN>FR7616958000010LK0000004227</IBAN></Id></CdtrAcct></RltdPties>
     <RmtInf><Ustrd>ECHEANCE MARS</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>`
	doc, err := camt.Parse(strings.NewReader(statement), camt.Limits{})
	if err != nil {
		panic(err)
	}
	e := doc.Statements[0].Entries[0]
	fmt.Println(doc.Kind, e.Direction, e.Amount, e.BookingDate)
	fmt.Println(e.Details[0].DebtorName, e.Details[0].CreditorIBAN, e.Details[0].Unstructured)

	_, err = camt.Parse(strings.NewReader(strings.Repeat("<a>", 100)), camt.Limits{})
	fmt.Println(err)
	// Output:
	// camt.053 CRDT 1250.00 EUR 2027-03-01
	// ACME SARL FR7616958000010LK0000004227 ECHEANCE MARS
	// camt: not a camt.053 or camt.054 document at /a: root element <a>
}
