package scoring

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Arbitrary, often invalid, applications never panic: they give either a
// decision with a valid outcome or an error wrapping one of the package's or
// lendkit's sentinels.
func TestDecideNeverPanics(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	currencies := []lendkit.Currency{lendkit.EUR, lendkit.EUR, lendkit.EUR, lendkit.USD, {}}
	money := func(t *rapid.T, label string) lendkit.Money {
		c := rapid.SampledFrom(currencies).Draw(t, label+"-cur")
		return lendkit.New(rapid.Int64Range(-1_000_000_00, 1_000_000_00).Draw(t, label), c)
	}
	rapid.Check(t, func(t *rapid.T) {
		app := Application{
			ID:              rapid.SampledFrom([]string{"", "a"}).Draw(t, "id"),
			AsOf:            rapid.SampledFrom([]lendkit.Date{{}, day("2026-06-15")}).Draw(t, "asOf"),
			BirthDate:       rapid.SampledFrom([]lendkit.Date{{}, day("1980-02-29"), day("2030-01-01")}).Draw(t, "birth"),
			Contract:        rapid.SampledFrom([]ContractKind{"", ContractPermanent, "astronaut"}).Draw(t, "contract"),
			SeniorityMonths: rapid.IntRange(-5, 500).Draw(t, "seniority"),
			Employer:        rapid.SampledFrom([]string{"", "ACME", "??"}).Draw(t, "employer"),
			Budget: Budget{
				DebtService: money(t, "debt"), LivingCosts: money(t, "living"),
				Household: Household{Adults: rapid.IntRange(-1, 3).Draw(t, "adults"), Children: rapid.IntRange(-1, 3).Draw(t, "children")},
			},
			Amount:        money(t, "amount"),
			TermMonths:    rapid.IntRange(-1, 2000).Draw(t, "term"),
			InsuranceRate: decimal.New(rapid.Int64Range(-10, 100).Draw(t, "ins"), -4),
			Features:      Features{},
		}
		for range rapid.IntRange(0, 3).Draw(t, "incomes") {
			app.Budget.Incomes = append(app.Budget.Incomes, Income{rapid.SampledFrom([]IncomeKind{IncomePermanent, "gift"}).Draw(t, "kind"), money(t, "income")})
		}
		for _, name := range rapid.SliceOfN(rapid.SampledFrom([]string{"dsti", "purpose", "checking_status", "sex", "whatever"}), 0, 4).Draw(t, "features") {
			if rapid.Bool().Draw(t, "numeric") {
				app.Features[name] = Num(rapid.Float64().Draw(t, "num"))
			} else {
				app.Features[name] = Cat(rapid.String().Draw(t, "cat"))
			}
		}
		dec, err := d.Decide(app)
		if err != nil {
			for _, s := range []error{ErrInvalidInput, ErrProtectedAttribute, ErrValueKind, lendkit.ErrCurrencyMismatch, lendkit.ErrOverflow} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if !dec.Outcome().Valid() {
			t.Fatalf("outcome %q", dec.Outcome())
		}
	})
}

// FuzzParseScorecard: any bytes either parse into a scorecard that compiles,
// scores and re-encodes, or give ErrInvalidScorecard / ErrProtectedAttribute.
func FuzzParseScorecard(f *testing.F) {
	good, err := json.Marshal(demoCard())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"name":"x","version":"1","scaling":{"pdo":20,"baseScore":600,"baseOdds":50},"characteristics":[{"name":"a","kind":"numeric","reasonCode":"A","reason":"a","bins":[{"label":"m","missing":true,"points":1},{"label":"all","points":2}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseScorecard(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidScorecard) && !errors.Is(err, ErrProtectedAttribute) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		s, err := c.Compile()
		if err != nil {
			t.Fatalf("parsed but does not compile: %v", err)
		}
		if _, err := s.Score(Features{}); err != nil {
			t.Fatalf("an all-missing applicant cannot be scored: %v", err)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("does not re-encode: %v", err)
		}
	})
}

// One Decider serves many goroutines (run with -race to check).
func TestDecideConcurrent(t *testing.T) {
	t.Parallel()
	d := demoDecider(t)
	want, err := d.Decide(demoApplication())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				app := demoApplication()
				app.TermMonths = 12 + (g*50+i)%48
				if _, err := d.Decide(app); err != nil {
					errs <- err
					return
				}
			}
			got, err := d.Decide(demoApplication())
			if err != nil || got.Record().InputHash != want.Record().InputHash || got.Record().Offer.Instalment != want.Record().Offer.Instalment {
				errs <- errors.New("concurrent decision differs")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
