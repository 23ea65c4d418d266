package scoring

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strconv"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// canonicalVersion heads the canonical encoding: change it whenever the
// encoding changes, so that old and new hashes can never be confused.
const canonicalVersion = "lendkit/scoring.Application/v1"

// canon builds the canonical encoding of an application: every field in a
// fixed order, each as name, length and value, so that no two different
// applications share an encoding (a value cannot run into the next field).
// It is hand-written rather than encoding/json because JSON leaves number and
// key formatting to the encoder, and because it is on the decision hot path.
type canon struct{ b []byte }

func (c *canon) field(name, value string) {
	c.b = append(c.b, name...)
	c.b = append(c.b, ':')
	c.b = strconv.AppendInt(c.b, int64(len(value)), 10)
	c.b = append(c.b, ':')
	c.b = append(c.b, value...)
	c.b = append(c.b, ';')
}

func (c *canon) int(name string, v int) {
	var tmp [24]byte
	c.field(name, string(strconv.AppendInt(tmp[:0], int64(v), 10)))
}

func (c *canon) money(name string, m lendkit.Money) {
	// The zero Money (no currency) encodes as empty, distinct from "0.00 EUR".
	if m.Currency().IsZero() {
		c.field(name, "")
		return
	}
	c.field(name, m.String())
}

func (c *canon) date(name string, d lendkit.Date) { c.field(name, d.String()) }

func (c *canon) decimal(name string, d decimal.Decimal) {
	// 0.35 and 0.350 are the same input: encode the normalised value.
	c.field(name, d.String())
}

func (c *canon) value(name string, v Value) {
	switch v.Kind() {
	case Numeric:
		var tmp [32]byte
		s := strconv.AppendFloat(tmp[:0], v.Number(), 'g', -1, 64)
		if v.Number() == 0 && math.Signbit(v.Number()) {
			s = append(s[:0], '0') // −0 and 0 fall in the same bin
		}
		c.field(name, "n"+string(s))
	case Categorical:
		c.field(name, "c"+v.Category())
	default:
		c.field(name, "m")
	}
}

// InputHash returns the hex SHA-256 of the application's canonical encoding.
// Two applications have the same hash exactly when every field is equal
// (amounts by value and currency, decimals by value, features as a set).
func (a *Application) InputHash() string {
	sum := sha256.Sum256(a.canonical())
	return hex.EncodeToString(sum[:])
}

func (a *Application) canonical() []byte {
	c := canon{b: make([]byte, 0, 512)}
	c.field("v", canonicalVersion)
	c.field("id", a.ID)
	c.date("asOf", a.AsOf)
	c.date("birth", a.BirthDate)
	c.field("contract", string(a.Contract))
	c.int("seniority", a.SeniorityMonths)
	c.field("employer", a.Employer)
	c.int("incomes", len(a.Budget.Incomes))
	for _, in := range a.Budget.Incomes {
		c.field("kind", string(in.Kind))
		c.money("monthly", in.Monthly)
	}
	c.money("debtService", a.Budget.DebtService)
	c.money("livingCosts", a.Budget.LivingCosts)
	c.int("adults", a.Budget.Household.Adults)
	c.int("children", a.Budget.Household.Children)
	c.money("amount", a.Amount)
	c.int("term", a.TermMonths)
	c.decimal("insurance", a.InsuranceRate)
	keys := make([]string, 0, len(a.Features))
	for k := range a.Features {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	c.int("features", len(keys))
	for _, k := range keys {
		c.field("name", k)
		c.value("value", a.Features[k])
	}
	return c.b
}
