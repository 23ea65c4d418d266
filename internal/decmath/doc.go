// Package decmath holds the arbitrary-precision arithmetic that lendkit's
// schedule and yield maths need and that exact decimal types cannot give:
// powers with non-integer exponents, annuity factors, and root finding for
// APR, IRR and XIRR.
//
// Everything here runs on github.com/cockroachdb/apd/v3 with an explicit
// *apd.Context passed by the caller, so the precision of every result is
// stated at the call site, never taken from a package-level setting. Results
// are apd decimals; converting them to money is the caller's job, with a named
// lendkit.Rounding mode.
//
// The pieces:
//
//   - [NewContext] builds a context with a stated precision and traps on the
//     conditions that would make a result meaningless (division by zero,
//     invalid operation, overflow).
//   - [FromDecimal] and [ToDecimal] convert exactly between shopspring decimals
//     (lendkit's rates) and apd decimals.
//   - [Pow] computes x^y for x > 0, correctly rounded by apd: by repeated
//     squaring when y is an integer, by exp(y·ln x) otherwise.
//     [CompoundFactor] is (1+r)^y. [PowInt] is plain square-and-multiply at
//     the context's precision, with a stated error bound: several times
//     cheaper, for solvers that evaluate many powers.
//   - [AnnuityFactor] is r / (1 − (1+r)^−n), the level payment per unit of
//     principal; [DiscountFactor] is (1+r)^−n.
//   - [Solve] finds a root of a function with a known derivative inside a
//     bracket: Newton steps, each checked against the bracket and replaced by a
//     bisection step when it would leave it or converge too slowly. The
//     iteration count is bounded. [Newton] is the unguarded iteration, for
//     polishing at a higher precision a root Solve found at a lower one.
//
// This package is internal: its API may change with lendkit's needs.
package decmath
