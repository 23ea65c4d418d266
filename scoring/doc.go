// Package scoring decides whether to lend, how much at most, and explains why.
//
// It is pure: no database, network, file system or wall clock. Every input —
// including the decision date and an override's time — is a parameter, so the
// same input always gives the same decision, and a test in this package fails
// if that ever changes.
//
// # Affordability
//
// AffordabilityRules.Assess measures a household's budget with a new loan:
// debt service to income (DSTI) before and after (insurance included), the
// residual income ("reste à vivre") against a floor that grows with the
// household, and the largest monthly payment the rules allow. Incomes are
// counted after a haircut per kind (a fixed-term salary counts less than a
// permanent one). DefaultAffordabilityRules gives the French HCSF-style
// defaults: 35 % DSTI, floors of 800 + 400 per extra adult + 300 per child in
// the loan currency's units. MaxPrincipal turns a payment into the largest
// principal for a rate and term (the annuity present value, computed with apd
// to 50 digits and rounded down to the minor unit); Instalment goes the other
// way. BusinessRules.Capacity gives a company's maximum borrowing from its
// revenue, EBITDA margin, existing debt service, debt and cash.
//
// AccountHistory derives features from a bank account's dated transactions:
// average and minimum balance, days overdrawn, rejected debits, income
// regularity, and the share of spending on gambling and payday lenders
// (the caller says which categories those are).
//
// # Scorecards
//
// A Scorecard is plain data: characteristics, each with bins (numeric ranges,
// categories, a missing bin, an "other" bin for categories never seen) and
// points per bin; the score is the sum of the points. Scaling (points to
// double the odds, base score, base odds) converts scores to probabilities of
// default and back. Compile validates a scorecard into a Scorer, which scores
// Features and gives at most four Reasons: the characteristics whose points
// fall furthest below their maximum, each with a stable code and a sentence.
//
// Fit builds a scorecard from a Dataset: weights of evidence and information
// values per characteristic, monotonic binning where asked, a logistic
// regression on the WoE values (IRLS), then points. CrossValidate, AUC, Gini
// and KS measure it. The fitted scorecard round-trips through JSON
// (ParseScorecard). Scorecards are statistics and use float64; no money is
// ever computed from them.
//
// Sex, marital status and nationality (and their direct proxies such as the
// German credit data's personal status and foreign-worker status) are never
// used: fitting, loading and scoring refuse them with ErrProtectedAttribute
// (see IsProtected).
//
// # Policies and decisions
//
// A Policy is a versioned set of limits — amount, term, age, seniority,
// contract kinds, DSTI, residual income, minimum and refer scores, a rate
// grid — each with a RuleID. A partner company (employer) has its own policy;
// Effective combines it with the platform's, keeping the stricter limit and
// recording which policy it came from. A Decider gives the eligibility
// PreCheck from an application form and the full Decision: Approve, Refer (to
// a person) or Decline, as an immutable record holding the SHA-256 of the
// canonical input, the policy and model versions, the points per
// characteristic, the rules fired with the policy that bound, the reasons, and
// any Override (who, when, why).
//
// Money is lendkit.Money throughout; ratios are shopspring decimals; every
// rounding names its lendkit.Rounding mode.
package scoring
