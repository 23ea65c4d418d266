package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/amortization"
	"github.com/shopspring/decimal"
)

// simulateUsage is the first line of "platform simulate -h".
const simulateUsage = "usage: platform simulate -principal 10000 -currency EUR -rate 5 -periods 36 -start 2027-01-15 [flags]"

// runSimulate prints a loan's schedule and APR: the loan officer's offer
// simulation. It reads no database and no clock; the same flags always
// print the same schedule. Bad input is an exit-status-2 error whose one
// line names the flag at fault.
func runSimulate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	// flag would print its whole usage on a parse error; the contract is one
	// line on stderr, so usage is printed only for -h.
	fs.SetOutput(io.Discard)
	var (
		principal    = fs.String("principal", "", "amount lent, e.g. 10000 or 10000.00 (required)")
		currencyCode = fs.String("currency", "EUR", "ISO 4217 currency code")
		rate         = fs.String("rate", "", "annual nominal rate in percent, e.g. 5 or 4.75 (required)")
		periods      = fs.Int("periods", 0, "number of instalments, grace included, 1 to 1200 (required)")
		frequency    = fs.String("frequency", "monthly", "weekly, biweekly, monthly, quarterly, semi-annual or annual")
		method       = fs.String("method", "annuity", "annuity, linear, bullet, interest-only or flat")
		start        = fs.String("start", "", "disbursement date, YYYY-MM-DD (required)")
		firstDue     = fs.String("first-due", "", "first due date when not one period after -start (odd first period)")
		fee          = fs.String("fee", "", "upfront fee, kept at disbursement (enters the APR)")
		instFee      = fs.String("installment-fee", "", "fee added to every instalment")
		insurance    = fs.String("insurance", "", "borrower insurance, annual percent of the -insurance-basis")
		insBasis     = fs.String("insurance-basis", "initial", "initial or outstanding principal")
		grace        = fs.Int("grace", 0, "number of leading grace periods")
		graceKind    = fs.String("grace-kind", "partial", "partial (interest paid) or total (interest capitalised)")
		ioPeriods    = fs.Int("interest-only-periods", 0, "interest-only periods of the interest-only method")
		balloon      = fs.String("balloon", "", "principal paid with the last instalment, interest-only method")
		dayCount     = fs.String("day-count", "periodic", "periodic, 30/360-eu, 30/360-us, act/360, act/365f or act/act-isda")
		conversion   = fs.String("conversion", "proportional", "periodic rate: proportional (annual/n) or equivalent ((1+annual)^(1/n)-1)")
		multiple     = fs.String("payment-multiple", "", "round the level payment to a multiple of this amount, e.g. 1")
		aprBasis     = fs.String("apr-basis", "months", "APR time basis: months (equal periods) or days (actual/365)")
		format       = fs.String("format", "table", "table, csv or json")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, simulateUsage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil
		}
		return usageErrorf("simulate: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("simulate: unexpected argument %q", fs.Arg(0))
	}
	for _, req := range []struct{ name, v string }{{"principal", *principal}, {"rate", *rate}, {"start", *start}} {
		if req.v == "" {
			return usageErrorf("simulate: -%s is required", req.name)
		}
	}
	if *periods == 0 {
		return usageErrorf("simulate: -periods must be between 1 and %d, got 0", amortization.MaxPeriods)
	}

	cur, err := lendkit.ParseCurrency(*currencyCode)
	if err != nil {
		return usageErrorf("simulate: -currency: %q is not an ISO 4217 currency code", *currencyCode)
	}
	t := amortization.Terms{Periods: *periods, Grace: *grace, InterestOnlyPeriods: *ioPeriods}
	if t.Principal, err = parseAmount("principal", *principal, cur); err != nil {
		return err
	}
	if t.Rate, err = parsePercent("rate", *rate); err != nil {
		return err
	}
	if t.Frequency, err = amortization.ParseFrequency(*frequency); err != nil {
		return usageErrorf("simulate: -frequency: unknown %q (want weekly, biweekly, monthly, quarterly, semi-annual or annual)", *frequency)
	}
	if t.Method, err = amortization.ParseMethod(*method); err != nil {
		return usageErrorf("simulate: -method: unknown %q (want annuity, linear, bullet, interest-only or flat)", *method)
	}
	if t.Start, err = parseDate("start", *start); err != nil {
		return err
	}
	if *firstDue != "" {
		if t.FirstDue, err = parseDate("first-due", *firstDue); err != nil {
			return err
		}
	}
	for _, a := range []struct {
		name, v string
		dst     *lendkit.Money
	}{{"fee", *fee, &t.UpfrontFee}, {"installment-fee", *instFee, &t.InstallmentFee}, {"balloon", *balloon, &t.Balloon}} {
		if a.v == "" {
			continue
		}
		if *a.dst, err = parseAmount(a.name, a.v, cur); err != nil {
			return err
		}
	}
	if *insurance != "" {
		r, err := parsePercent("insurance", *insurance)
		if err != nil {
			return err
		}
		t.Insurance.Rate = r.Decimal()
	}
	switch *insBasis {
	case "initial":
		t.Insurance.Basis = amortization.InsuranceOnInitial
	case "outstanding":
		t.Insurance.Basis = amortization.InsuranceOnOutstanding
	default:
		return usageErrorf("simulate: -insurance-basis: unknown %q (want initial or outstanding)", *insBasis)
	}
	if t.GraceKind, err = amortization.ParseGraceKind(*graceKind); err != nil {
		return usageErrorf("simulate: -grace-kind: unknown %q (want partial or total)", *graceKind)
	}
	if t.DayCount, err = amortization.ParseDayCount(*dayCount); err != nil {
		return usageErrorf("simulate: -day-count: unknown %q (want periodic, 30/360-eu, 30/360-us, act/360, act/365f or act/act-isda)", *dayCount)
	}
	switch *conversion {
	case "proportional":
		t.Conversion = amortization.Proportional
	case "equivalent":
		t.Conversion = amortization.Equivalent
	default:
		return usageErrorf("simulate: -conversion: unknown %q (want proportional or equivalent)", *conversion)
	}
	if *multiple != "" {
		m, err := parseAmount("payment-multiple", *multiple, cur)
		if err != nil {
			return err
		}
		if !m.IsPositive() {
			return usageErrorf("simulate: -payment-multiple must be positive, got %s", m.Amount())
		}
		t.Rules.PaymentMultiple = m.Minor()
	}
	basis, err := amortization.ParseTimeBasis(*aprBasis)
	if err != nil {
		return usageErrorf("simulate: -apr-basis: unknown %q (want months or days)", *aprBasis)
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return usageErrorf("simulate: -format: unknown %q (want table, csv or json)", *format)
	}

	s, err := amortization.Generate(t)
	if err != nil {
		var te *amortization.TermsError
		if errors.As(err, &te) {
			return usageErrorf("simulate: %s %s", flagFor(te.Field), te.Reason)
		}
		return fmt.Errorf("simulate: %w", err)
	}
	apr, err := s.APR(basis)
	if err != nil {
		return fmt.Errorf("simulate: APR: %w", err)
	}
	totals, err := s.Totals()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	out := simulation{schedule: s, apr: apr, basis: *aprBasis, totals: totals}
	switch *format {
	case "json":
		return out.writeJSON(stdout)
	case "csv":
		return out.writeCSV(stdout)
	}
	return out.writeTable(stdout)
}

// flagFor maps an amortization.Terms field to the flag that sets it, so the
// error line names what the user typed.
func flagFor(field string) string {
	flags := map[string]string{
		"Principal": "-principal", "Rate": "-rate", "Periods": "-periods", "Frequency": "-frequency",
		"Method": "-method", "Start": "-start", "FirstDue": "-first-due", "Conversion": "-conversion",
		"DayCount": "-day-count", "Grace": "-grace", "GraceKind": "-grace-kind",
		"InterestOnlyPeriods": "-interest-only-periods", "Balloon": "-balloon", "UpfrontFee": "-fee",
		"InstallmentFee": "-installment-fee", "Insurance.Rate": "-insurance",
		"Insurance.Basis": "-insurance-basis", "Rules.PaymentMultiple": "-payment-multiple",
	}
	if f, ok := flags[field]; ok {
		return f
	}
	return field
}

func parseAmount(name, s string, c lendkit.Currency) (lendkit.Money, error) {
	m, err := lendkit.ParseMoney(strings.TrimSpace(s), c)
	if err != nil {
		return lendkit.Money{}, usageErrorf("simulate: -%s: %q is not an amount in %s (at most %d decimals, no separators)", name, s, c.Code(), c.Exponent())
	}
	return m, nil
}

func parsePercent(name, s string) (lendkit.Rate, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "%")
	d, err := decimal.NewFromString(t)
	if err != nil || strings.ContainsAny(t, "eE") {
		return lendkit.Rate{}, usageErrorf("simulate: -%s: %q is not a percentage such as 4.75", name, s)
	}
	return lendkit.RateFromPercent(d), nil
}

func parseDate(name, s string) (lendkit.Date, error) {
	d, err := lendkit.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return lendkit.Date{}, usageErrorf("simulate: -%s: %q is not a valid date YYYY-MM-DD", name, s)
	}
	return d, nil
}

// simulation is a generated schedule with what the outputs print about it.
type simulation struct {
	schedule *amortization.Schedule
	apr      decimal.Decimal
	basis    string
	totals   amortization.Totals
}

// simulationJSON is the JSON contract of "simulate -format json": amounts
// are strings with exactly the currency's decimals, the APR a percentage
// with two decimals. Fields may be added; none will be renamed or removed.
type simulationJSON struct {
	Currency       string            `json:"currency"`
	Principal      string            `json:"principal"`
	Rate           string            `json:"rate"`
	Method         string            `json:"method"`
	Frequency      string            `json:"frequency"`
	Periods        int               `json:"periods"`
	APR            string            `json:"apr"`
	APRBasis       string            `json:"apr_basis"`
	UpfrontFee     string            `json:"upfront_fee"`
	TotalPayment   string            `json:"total_payment"`
	TotalInterest  string            `json:"total_interest"`
	TotalFees      string            `json:"total_fees"`
	TotalInsurance string            `json:"total_insurance"`
	Installments   []installmentJSON `json:"installments"`
}

type installmentJSON struct {
	N         int    `json:"n"`
	Due       string `json:"due"`
	Payment   string `json:"payment"`
	Interest  string `json:"interest"`
	Principal string `json:"principal"`
	Fee       string `json:"fee"`
	Insurance string `json:"insurance"`
	Balance   string `json:"balance"`
}

func (sim simulation) upfrontFee() string {
	t := sim.schedule.Terms
	if t.UpfrontFee.Currency().IsZero() {
		return lendkit.Zero(t.Principal.Currency()).Amount()
	}
	return t.UpfrontFee.Amount()
}

func (sim simulation) writeJSON(w io.Writer) error {
	s := sim.schedule
	t := s.Terms
	out := simulationJSON{
		Currency:       s.Currency().Code(),
		Principal:      t.Principal.Amount(),
		Rate:           t.Rate.Percent().String(),
		Method:         t.Method.String(),
		Frequency:      t.Frequency.String(),
		Periods:        t.Periods,
		APR:            amortization.FormatPercent(sim.apr, 2),
		APRBasis:       sim.basis,
		UpfrontFee:     sim.upfrontFee(),
		TotalPayment:   sim.totals.Payment.Amount(),
		TotalInterest:  sim.totals.Interest.Amount(),
		TotalFees:      sim.totals.Fee.Amount(),
		TotalInsurance: sim.totals.Insurance.Amount(),
		Installments:   make([]installmentJSON, len(s.Rows)),
	}
	for i, r := range s.Rows {
		out.Installments[i] = installmentJSON{
			N: r.N, Due: r.Due.String(), Payment: r.Payment.Amount(), Interest: r.Interest.Amount(),
			Principal: r.Principal.Amount(), Fee: r.Fee.Amount(), Insurance: r.Insurance.Amount(), Balance: r.Balance.Amount(),
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("simulate: writing JSON: %w", err)
	}
	return nil
}

func (sim simulation) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"n", "due", "payment", "interest", "principal", "fee", "insurance", "balance"})
	for _, r := range sim.schedule.Rows {
		_ = cw.Write([]string{strconv.Itoa(r.N), r.Due.String(), r.Payment.Amount(), r.Interest.Amount(),
			r.Principal.Amount(), r.Fee.Amount(), r.Insurance.Amount(), r.Balance.Amount()})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("simulate: writing CSV: %w", err)
	}
	return nil
}

func (sim simulation) writeTable(w io.Writer) error {
	s := sim.schedule
	t := s.Terms
	fmt.Fprintf(w, "%s %s at %s a year, %d %s instalments, %s; APR %s %% (%s)\n",
		t.Principal.Amount(), s.Currency().Code(), t.Rate, t.Periods, t.Frequency, t.Method,
		amortization.FormatPercent(sim.apr, 2), sim.basis)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "n\tdue\tpayment\tinterest\tprincipal\tfee\tinsurance\tbalance\t")
	for _, r := range s.Rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.N, r.Due, r.Payment.Amount(), r.Interest.Amount(),
			r.Principal.Amount(), r.Fee.Amount(), r.Insurance.Amount(), r.Balance.Amount())
	}
	tt := sim.totals
	fmt.Fprintf(tw, "total\t\t%s\t%s\t%s\t%s\t%s\t\t\n", tt.Payment.Amount(), tt.Interest.Amount(),
		tt.Principal.Amount(), tt.Fee.Amount(), tt.Insurance.Amount())
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("simulate: writing table: %w", err)
	}
	if !t.UpfrontFee.IsZero() {
		fmt.Fprintf(w, "upfront fee %s kept at disbursement\n", t.UpfrontFee.Amount())
	}
	return nil
}
