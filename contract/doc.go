// Package contract generates loan contracts, fingerprints them and records
// their signatures — for one borrower or for the 3,000 lenders of a P2P
// project at once.
//
// # Data, templates, documents
//
// A contract starts as Data: its Kind (ConsumerLoan, BusinessLoan,
// LenderAgreement, EmployerLoan), locale ("en", "fr", "it"), parties, loan
// terms and schedule. FromAmortization turns an amortization.Schedule into
// the Loan and Schedule parts. Data.Validate refuses a contract that lacks
// what its kind requires — a consumer contract without an APR or a
// withdrawal right, a lender agreement without the lender's birth place —
// with a *MissingFieldError naming the fields, and refuses figures that
// contradict each other (a schedule that does not repay the amount). The
// totals a contract prints (total cost of credit, total payable, tax
// withheld) are computed from the schedule, never typed in.
//
// Templates are Go html/template documents, one per kind, written once and
// translated through a message catalog (golang.org/x/text/message), with
// functions that format amounts, rates and dates for the locale
// (golang.org/x/text CLDR data): "1 234,56 €" in French, with U+202F
// NARROW NO-BREAK SPACE between groups and U+00A0 before the symbol.
// DefaultTemplates returns the built-in set; Templates.With adds a
// user-supplied template. Every template is checked when it is loaded —
// statically against the type it executes on (an unknown field fails even
// in a branch no sample takes), then by executing samples in every locale
// — so a broken template fails at load, not when a customer signs.
//
// A Renderer renders Data to a Document: the HTML (the canonical text), its
// SHA-256 Fingerprint, and a PDF laid out from that HTML by
// github.com/go-pdf/fpdf with schedules that run over pages under repeated
// headers, page numbers, and the fingerprint at the foot of every page.
// Rendering is deterministic — no clock, no random ids, the PDF's dates are
// the contract's issue date — so the same data always gives the same bytes
// and the fingerprint identifies the contract. Verify and Document.Verify
// detect any changed byte.
//
// # Writing a template
//
// A template executes on a *View (the Data plus the computed Totals), may
// call the built-in blocks ("head", "header", "party", "person", "company",
// "terms", "schedule", "withdrawal", "late", "signatures") and the
// functions listed in FuncNames. Its HTML is also the source of the PDF,
// whose layout understands html, head, title, meta, style (ignored), body,
// header, footer, section, article, div, h1–h3, p, br, strong, b, em, i,
// span, small, ul, ol, li, table, thead, tbody, tfoot, tr, th and td (with
// colspan), and three classes: "num" right-aligns a cell, "kv" makes a
// two-column label/value table, "schedule" sets a table in the smaller
// font and shrinks it further (down to 4.5 pt) when its amounts could not
// otherwise fit side by side, so a number is never cut in two. Any other element is refused when the template is loaded. Header
// rows (thead) repeat on every page a table runs over.
//
// Renderer.Bulk renders the contracts of every lender of a project on a
// bounded pool of goroutines and returns them in input order.
//
// # Signatures
//
// SimpleSigner runs a simple electronic signature: the identified signer
// receives a one-time code through the CodeSender port (SMS, e-mail), types
// it back within a bounded number of attempts before it expires, and
// Confirm returns sealed Evidence binding the signer, the consent text, the
// time (from a lendkit.Clock), the IP address, the user agent and the
// document's fingerprint. QualifiedProvider is the port to providers of
// advanced or qualified signatures (Yousign, DocuSign); QualifiedEvidence
// turns their answer into the same Evidence.
//
// # Persistence
//
// Save stores rendered documents (HTML, PDF, data, fingerprints) through
// the store seam (store.ContractStore) inside the caller's unit of work:
// at a project's funding close, render with Bulk first (pure CPU, outside
// the transaction, which Postgres may retry), then call Save in the same
// db.InTx as the ledger postings. RecordSignature stores evidence after
// checking it against the stored document; a signed version is immutable
// (the schema refuses updates and deletes too), and a change is a new
// version that supersedes it. VerifyStored re-renders a stored version from
// its data and compares fingerprints.
//
// The package is pure: it reads no clock, opens no connection and touches
// no database (a test guards this).
package contract
