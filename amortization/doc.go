// Package amortization computes loan schedules and what servicing derives
// from them, exact to the minor unit: every amount is a lendkit.Money and
// every rounding names its lendkit.Rounding mode.
//
// It is a pure package: no database, no network, no wall clock. Dates come
// in as arguments; a test (deps_test.go) fails if it ever imports
// database/sql, net/http or os, or calls time.Now.
//
// # Schedules
//
// Describe an offer with [Terms] and call [Generate]:
//
//	s, err := amortization.Generate(amortization.Terms{
//		Principal: lendkit.MustParseMoney("10000", "EUR"),
//		Rate:      lendkit.MustParseRate("5%"),
//		Periods:   36,
//		Start:     lendkit.MustParseDate("2027-01-15"),
//	})
//
// The zero values choose the common loan: an [Annuity] (level payment),
// [Monthly], the [Proportional] periodic rate (annual / 12), no day count,
// no grace, no fees, and the default rounding convention (each period's
// interest and the level payment rounded half-up to the minor unit, the last
// row paying what is left). The other methods are [Linear], [Bullet],
// [InterestOnly] (with a balloon) and [Flat]; the frequencies run from
// [Weekly] to [Annual]; [Terms.DayCount] makes a schedule day-based
// (30/360 EU and US, ACT/360, ACT/365F, ACT/ACT ISDA); [Terms.FirstDue]
// gives an odd first period; [Terms.Grace] defers principal (partial) or
// everything (total, interest capitalised); fees and a borrower insurance on
// the initial or outstanding principal join the instalments.
//
// A [Schedule] is a plain value whose [Row]s (N, Due, Payment, Interest,
// Principal, Fee, Insurance, Balance) other packages read directly: dispatch
// splits each row's principal and interest among a loan's holders, contract
// prints them.
//
// # Yields
//
// [Schedule.APR] is the annual percentage rate of charge by the EU Consumer
// Credit Directive (2008/48/EC, Annex I), on equal months or actual days;
// [FormatPercent] shows it rounded half-up. [XIRR] and [IRR] are Excel's
// functions on any cash flows (dispatch calls XIRR for lender portfolios),
// [AnnualRate] the directive's formula on any dated flows. All of them are
// solved to 34 significant digits: the search in 64-bit binary arithmetic,
// the polishing at 192 bits, X rounded half-even from its exact binary value
// (fastsolve.go: ~20 µs to ~60 µs an APR); whenever that path cannot vouch
// for its result, the safeguarded apd solver (internal/decmath) runs instead.
//
// # Servicing
//
// [Quote] prices an early repayment as of a date (principal, accrued
// interest, indemnity); [Prepay] applies a partial prepayment keeping the
// term or the payment; [Reschedule] restructures the rest of a loan with new
// terms, capitalising arrears or not; [LateInterest] prices penalty interest
// on an overdue amount by days past due.
package amortization
