// Package dispatch splits a borrower's repayments among the holders of a
// loan — hundreds or thousands of lenders, a fund, the platform, an employer
// — exactly to the cent, withholding each holder's tax.
//
// It is the computing half of repayment servicing and is pure: no database,
// no network, no wall clock. Every function takes dated inputs and returns
// values; persisting them is the job of dispatch/servicing, which writes
// through the store's unit of work, and posting money is the ledger's.
//
// # The flow
//
// A funded loan is described by [Terms]: its schedule (build it from an
// amortization schedule with [FromSchedule]), the stakes of its funders,
// and the servicing rules. [Open] returns its [Book]. Each month:
//
//	collected cash → Waterfall → PlatformFee → pro-rata split → tax → Entry
//
// Step by step:
//
//   - The [Waterfall] applies cash to what is due, penalties, fees, interest
//     then principal by default, past-due instalments before the current one
//     ([OldestFirst]; [ComponentFirst] pays each component across
//     instalments). What is left is kept as the borrower's credit or prepays
//     principal ([Overpayment]).
//   - The [PlatformFee] (a share of interest, of outstanding principal, or a
//     fixed amount per instalment) is taken from the interest before the
//     holders share the rest.
//   - Principal, interest and penalty are each split among the holders in
//     proportion to their outstanding principal with [lendkit.Allocate], the
//     project's only splitting primitive: the parts always sum to the whole,
//     and when the last principal is repaid each holder receives exactly what
//     it still has outstanding. Holders are always walked in [HolderID]
//     order, so the result never depends on the order callers list them in.
//   - Tax is withheld per holder per payment by its [TaxProfile], a
//     date-effective table ([FranceIndividual]: 12.8 % + 17.2 % on interest
//     paid until 2025-12-31, 12.8 % + 18.6 % from 2026-01-01;
//     [FranceExempt]; [ItalyIndividual]; none for companies and funds; or
//     [NewTaxProfile]), each tax rounded half-up and shown on its own line.
//   - The result is a [Dispersal], and [Dispersal.Entry] is its balanced
//     ledger transaction as data: the borrower's wallet pays each holder's
//     wallet, each tax authority and the platform.
//
// # Events
//
// [Book.Pay] handles on-time, partial, late (penalty interest accrues by
// [Terms.PenaltyRate] and is dispersed) and advance payments, and recoveries
// after [Book.Default] (acceleration) or [Book.WriteOff] (losses recorded).
// [Book.Repay] repays early, [Book.Reschedule] replaces future instalments,
// and [Book.Transfer] sells holdings at a cut-off date (a securitisation
// fund, a secondary market) without changing servicing: the register's
// dated [Holding] lines say who owned how much from which date.
//
// # Projections and portfolios
//
// [Book.Project] derives every holder's future repayments (due date,
// capital, interest, each tax, net) by running the same code on the
// assumption that each instalment is paid on its due date, so an on-time
// payment disperses exactly what was projected. [Book.Position] and
// [Summarise] give a holder's figures: outstanding, received capital and
// interest, tax withheld, projects, amounts at risk by days past due, and the
// IRR of its cash flows (amortization.XIRR).
//
// [Book.ProjectEach] streams the projection one instalment at a time, for
// writers of 180,000 rows. [Book.MarshalBinary] and [Restore] carry a book's
// complete state between events (dispatch/servicing stores it).
//
// Every event is all-or-nothing: on error the book is unchanged, and every
// dispersal is checked ([Dispersal.Check]) before it is returned, so a wrong
// figure never reaches the ledger.
package dispatch
