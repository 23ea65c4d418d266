package sepa_test

import (
	"fmt"
	"os"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/iban"
	"github.com/lendkit/lendkit/wallet/sepa"
)

func ExampleMandate_ExpiresOn() {
	m := sepa.Mandate{
		Reference: "LK-MDT-B1", Creditor: sepa.MustCreditorID("FR72ZZZ123456"), DebtorName: "Paul Durand",
		DebtorIBAN: iban.MustParse("FR1420041010050500013M02606"), Scheme: sepa.Core, Recurrent: true,
		SignedOn: lendkit.MustParseDate("2027-01-10"), Status: sepa.MandateActive,
	}
	m, _ = m.Collected(lendkit.MustParseDate("2027-02-05"))
	fmt.Println(m.SequenceType(), m.ExpiresOn(), m.StatusOn(lendkit.MustParseDate("2030-02-05")))
	// Output: RCUR 2030-02-05 expired
}

func ExampleDecide() {
	d, _ := sepa.Decide("AM04", 1, lendkit.MustParseDate("2027-03-05"), sepa.RetryPolicy{MaxAttempts: 3, DelayDays: 7})
	fmt.Println(d.Unpaid, d.Retry, d.RetryOn, d.Alert)
	d, _ = sepa.Decide("AC04", 1, lendkit.MustParseDate("2027-03-05"), sepa.RetryPolicy{})
	fmt.Println(d.Unpaid, d.Retry, d.Mandate, d.Escalate)
	// Output:
	// true true 2027-03-12 collection
	// true false revoke true
}

func ExampleWritePain008() {
	m := sepa.Mandate{
		Reference: "LK-MDT-B1", Creditor: sepa.MustCreditorID("FR72ZZZ123456"), DebtorName: "Paul Durand",
		DebtorIBAN: iban.MustParse("FR1420041010050500013M02606"), Scheme: sepa.Core, Recurrent: true,
		SignedOn: lendkit.MustParseDate("2027-01-10"), Status: sepa.MandateActive,
	}
	sum, err := sepa.WritePain008(os.Stdout, sepa.Batch{
		MessageID: "LK-DD-1", Created: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC),
		Creditor: sepa.Creditor{Name: "Lendkit", IBAN: iban.MustParse("FR7630006000011234567890189"), ID: sepa.MustCreditorID("FR72ZZZ123456")},
		Collections: []sepa.Collection{{EndToEndID: "L1-I1", Amount: lendkit.MustParseMoney("450.00", "EUR"), Mandate: m,
			DueDate: lendkit.MustParseDate("2027-03-05"), RemittanceInfo: "Échéance 1"}},
	})
	fmt.Println(sum.Count, sum.Sum, err)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">
	//   <CstmrDrctDbtInitn>
	//     <GrpHdr>
	//       <MsgId>LK-DD-1</MsgId>
	//       <CreDtTm>2027-03-01T09:00:00</CreDtTm>
	//       <NbOfTxs>1</NbOfTxs>
	//       <CtrlSum>450.00</CtrlSum>
	//       <InitgPty>
	//         <Nm>Lendkit</Nm>
	//       </InitgPty>
	//     </GrpHdr>
	//     <PmtInf>
	//       <PmtInfId>LK-DD-1-1</PmtInfId>
	//       <PmtMtd>DD</PmtMtd>
	//       <BtchBookg>true</BtchBookg>
	//       <NbOfTxs>1</NbOfTxs>
	//       <CtrlSum>450.00</CtrlSum>
	//       <PmtTpInf>
	//         <SvcLvl>
	//           <Cd>SEPA</Cd>
	//         </SvcLvl>
	//         <LclInstrm>
	//           <Cd>CORE</Cd>
	//         </LclInstrm>
	//         <SeqTp>FRST</SeqTp>
	//       </PmtTpInf>
	//       <ReqdColltnDt>2027-03-05</ReqdColltnDt>
	//       <Cdtr>
	//         <Nm>Lendkit</Nm>
	//       </Cdtr>
	//       <CdtrAcct>
	//         <Id>
	//           <IBAN>FR7630006000011234567890189</IBAN>
	//         </Id>
	//       </CdtrAcct>
	//       <CdtrAgt>
	//         <FinInstnId>
	//           <Othr>
	//             <Id>NOTPROVIDED</Id>
	//           </Othr>
	//         </FinInstnId>
	//       </CdtrAgt>
	//       <ChrgBr>SLEV</ChrgBr>
	//       <CdtrSchmeId>
	//         <Id>
	//           <PrvtId>
	//             <Othr>
	//               <Id>FR72ZZZ123456</Id>
	//               <SchmeNm>
	//                 <Prtry>SEPA</Prtry>
	//               </SchmeNm>
	//             </Othr>
	//           </PrvtId>
	//         </Id>
	//       </CdtrSchmeId>
	//       <DrctDbtTxInf>
	//         <PmtId>
	//           <EndToEndId>L1-I1</EndToEndId>
	//         </PmtId>
	//         <InstdAmt Ccy="EUR">450.00</InstdAmt>
	//         <DrctDbtTx>
	//           <MndtRltdInf>
	//             <MndtId>LK-MDT-B1</MndtId>
	//             <DtOfSgntr>2027-01-10</DtOfSgntr>
	//           </MndtRltdInf>
	//         </DrctDbtTx>
	//         <DbtrAgt>
	//           <FinInstnId>
	//             <Othr>
	//               <Id>NOTPROVIDED</Id>
	//             </Othr>
	//           </FinInstnId>
	//         </DbtrAgt>
	//         <Dbtr>
	//           <Nm>Paul Durand</Nm>
	//         </Dbtr>
	//         <DbtrAcct>
	//           <Id>
	//             <IBAN>FR1420041010050500013M02606</IBAN>
	//           </Id>
	//         </DbtrAcct>
	//         <RmtInf>
	//           <Ustrd>Echeance 1</Ustrd>
	//         </RmtInf>
	//       </DrctDbtTxInf>
	//     </PmtInf>
	//   </CstmrDrctDbtInitn>
	// </Document>
	// 1 450.00 EUR <nil>
}
