package sepa

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/wallet/internal/xmlguard"
)

// Transaction and group statuses of a pain.002 (ExternalPaymentTransactionStatus1Code).
const (
	StatusAccepted          = "ACCP" // accepted for technical validation and customer profile
	StatusAcceptedSettled   = "ACSC"
	StatusAcceptedTechnical = "ACTC"
	StatusPending           = "PDNG"
	StatusRejected          = "RJCT"
	StatusPartial           = "PART" // group level: some transactions rejected
)

// StatusReport is a parsed pain.002 customer payment status report: the
// bank's answer to a pain.008 file.
type StatusReport struct {
	MessageID           string
	Created             time.Time
	OriginalMessageID   string // the pain.008's MsgId
	OriginalMessageType string // "pain.008.001.02"
	GroupStatus         string // ACCP, ACTC, PART, RJCT, … (may be empty)
	GroupReason         string // reason code when the whole file was rejected
	Groups              []GroupStatus
	Transactions        []TxStatus
}

// GroupStatus is the status of one PmtInf block.
type GroupStatus struct {
	PaymentInfoID string
	Status        string
	Reason        string
}

// TxStatus is the status of one collection.
type TxStatus struct {
	PaymentInfoID      string
	OriginalEndToEndID string
	Status             string
	Reason             string // R-transaction reason code, e.g. AM04
	Amount             lendkit.Money
	DueDate            lendkit.Date
	MandateID          string
}

// Rejected reports whether the transaction was rejected.
func (t TxStatus) Rejected() bool { return t.Status == StatusRejected }

// ReportLimits bound what ParsePain002 accepts; zero fields take defaults
// (64 MiB, depth 32, MaxBatch transactions).
type ReportLimits struct {
	MaxBytes        int64
	MaxDepth        int
	MaxTransactions int
}

// ParsePain002 streams a pain.002 status report (any version 001.02 or
// later). Hostile input — too large, too deep, DTDs, other namespaces,
// malformed XML or amounts — yields an error wrapping ErrInvalidReport.
func ParsePain002(r io.Reader, l ReportLimits) (*StatusReport, error) {
	if l.MaxTransactions <= 0 {
		l.MaxTransactions = MaxBatch
	}
	g := xmlguard.NewDecoder(r, xmlguard.Limits{MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth})
	rep := &StatusReport{}
	var (
		names   []string
		text    []byte
		ns      string
		ccy     string
		pmtInf  *GroupStatus
		tx      *TxStatus
		txDepth int
	)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w at /%s: %s", ErrInvalidReport, strings.Join(names, "/"), fmt.Sprintf(format, args...))
	}
	for {
		tok, err := g.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidReport, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			names = append(names, t.Name.Local)
			text = text[:0]
			depth := len(names)
			if depth == 1 {
				v, ok := strings.CutPrefix(t.Name.Space, "urn:iso:std:iso:20022:tech:xsd:pain.002.001.")
				if t.Name.Local != "Document" || !ok || len(v) != 2 || v < "02" || v > "99" {
					return nil, fail("not a pain.002 document (namespace %q)", t.Name.Space)
				}
				ns = t.Name.Space
				continue
			}
			if t.Name.Space != ns {
				return nil, fail("element <%s> in namespace %q", t.Name.Local, t.Name.Space)
			}
			if depth == 2 && t.Name.Local != "CstmrPmtStsRpt" {
				return nil, fail("<%s> is not CstmrPmtStsRpt", t.Name.Local)
			}
			for _, a := range t.Attr {
				if a.Name.Local == "Ccy" {
					ccy = a.Value
				}
			}
			if depth == 3 && t.Name.Local == "OrgnlPmtInfAndSts" {
				rep.Groups = append(rep.Groups, GroupStatus{})
				pmtInf = &rep.Groups[len(rep.Groups)-1]
			}
			if depth == 4 && pmtInf != nil && t.Name.Local == "TxInfAndSts" {
				if len(rep.Transactions) >= l.MaxTransactions {
					return nil, fail("more than %d transactions", l.MaxTransactions)
				}
				rep.Transactions = append(rep.Transactions, TxStatus{PaymentInfoID: pmtInf.PaymentInfoID})
				tx = &rep.Transactions[len(rep.Transactions)-1]
				txDepth = depth
			}
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			v := strings.TrimSpace(string(text))
			text = text[:0]
			path := strings.Join(names[min(2, len(names)):], "/")
			switch {
			case tx != nil && len(names) == txDepth:
				tx = nil
			case tx != nil:
				switch strings.Join(names[txDepth:], "/") {
				case "OrgnlEndToEndId":
					tx.OriginalEndToEndID = v
				case "TxSts":
					tx.Status = v
				case "StsRsnInf/Rsn/Cd":
					tx.Reason = v
				case "OrgnlTxRef/Amt/InstdAmt":
					c, err := lendkit.ParseCurrency(ccy)
					if err != nil {
						return nil, fail("%v", err)
					}
					if tx.Amount, err = lendkit.ParseMoney(v, c); err != nil || tx.Amount.IsNegative() {
						return nil, fail("amount %q: %v", v, err)
					}
				case "OrgnlTxRef/ReqdColltnDt":
					if tx.DueDate, err = lendkit.ParseDate(v); err != nil {
						return nil, fail("%v", err)
					}
				case "OrgnlTxRef/MndtRltdInf/MndtId":
					tx.MandateID = v
				}
			case pmtInf != nil && len(names) == 3:
				pmtInf = nil
			case pmtInf != nil:
				switch path {
				case "OrgnlPmtInfAndSts/OrgnlPmtInfId":
					pmtInf.PaymentInfoID = v
				case "OrgnlPmtInfAndSts/PmtInfSts":
					pmtInf.Status = v
				case "OrgnlPmtInfAndSts/StsRsnInf/Rsn/Cd":
					pmtInf.Reason = v
				}
			default:
				switch path {
				case "GrpHdr/MsgId":
					rep.MessageID = v
				case "GrpHdr/CreDtTm":
					for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
						if tm, err := time.Parse(layout, v); err == nil {
							rep.Created = tm
							break
						}
					}
					if rep.Created.IsZero() {
						return nil, fail("creation time %q", v)
					}
				case "OrgnlGrpInfAndSts/OrgnlMsgId":
					rep.OriginalMessageID = v
				case "OrgnlGrpInfAndSts/OrgnlMsgNmId":
					rep.OriginalMessageType = v
				case "OrgnlGrpInfAndSts/GrpSts":
					rep.GroupStatus = v
				case "OrgnlGrpInfAndSts/StsRsnInf/Rsn/Cd":
					rep.GroupReason = v
				}
			}
			names = names[:len(names)-1]
		}
	}
	if ns == "" {
		return nil, fmt.Errorf("%w: no document element", ErrInvalidReport)
	}
	if rep.MessageID == "" || rep.OriginalMessageID == "" {
		return nil, fmt.Errorf("%w: GrpHdr/MsgId and OrgnlGrpInfAndSts/OrgnlMsgId are required", ErrInvalidReport)
	}
	for i, t := range rep.Transactions {
		if t.OriginalEndToEndID == "" || t.Status == "" {
			return nil, fmt.Errorf("%w: transaction %d without OrgnlEndToEndId or TxSts", ErrInvalidReport, i+1)
		}
	}
	return rep, nil
}
