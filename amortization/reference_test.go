package amortization

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/shopspring/decimal"
)

// references is testdata/references.json: public figures (Fineract, the EU
// directive, Excel's documentation) with their sources.
type references struct {
	Schedules []struct {
		Name  string    `json:"name"`
		Terms termsSpec `json:"terms"`
		Rows  []struct {
			N         int    `json:"n"`
			Payment   string `json:"payment"`
			Interest  string `json:"interest"`
			Principal string `json:"principal"`
			Balance   string `json:"balance"`
		} `json:"rows"`
		TotalInterest     string `json:"total_interest"`
		APRMonths         string `json:"apr_months"`
		LastPrincipalNear *struct {
			Want        string `json:"want"`
			WithinMinor int64  `json:"within_minor"`
		} `json:"last_principal_near"`
	} `json:"schedules"`
	Yields []struct {
		Name    string      `json:"name"`
		Func    string      `json:"func"`
		Flows   [][2]string `json:"flows"`
		Amounts []string    `json:"amounts"`
		Want    string      `json:"want"`
		Display string      `json:"display"`
	} `json:"yields"`
}

func loadReferences(t *testing.T) references {
	t.Helper()
	b, err := os.ReadFile("testdata/references.json")
	if err != nil {
		t.Fatal(err)
	}
	var r references
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReferenceSchedules(t *testing.T) {
	t.Parallel()
	refs := loadReferences(t)
	if len(refs.Schedules) == 0 {
		t.Fatal("no reference schedules")
	}
	for _, tc := range refs.Schedules {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			terms := tc.Terms.terms(t)
			s := mustGenerate(t, terms)
			if len(s.Rows) != terms.Periods {
				t.Fatalf("%d rows, want %d", len(s.Rows), terms.Periods)
			}
			c := terms.Principal.Currency()
			for _, want := range tc.Rows {
				got := s.Rows[want.N-1]
				for _, f := range []struct {
					name, want string
					got        lendkit.Money
				}{
					{"payment", want.Payment, got.Payment},
					{"interest", want.Interest, got.Interest},
					{"principal", want.Principal, got.Principal},
					{"balance", want.Balance, got.Balance},
				} {
					if f.want == "" {
						continue
					}
					if w := lendkit.MustParseMoney(f.want, c.Code()); w != f.got {
						t.Errorf("row %d %s = %s, want %s", want.N, f.name, f.got.Amount(), f.want)
					}
				}
			}
			if tc.TotalInterest != "" {
				tot, err := s.Totals()
				if err != nil {
					t.Fatal(err)
				}
				if got := tot.Interest.Amount(); got != tc.TotalInterest {
					t.Errorf("total interest %s, want %s", got, tc.TotalInterest)
				}
			}
			if tc.APRMonths != "" {
				apr, err := s.APR(EqualPeriods)
				if err != nil {
					t.Fatal(err)
				}
				if got := FormatPercent(apr, 2); got != tc.APRMonths {
					t.Errorf("APR %s, want %s", got, tc.APRMonths)
				}
			}
			if n := tc.LastPrincipalNear; n != nil {
				last := s.Rows[len(s.Rows)-1].Principal
				w := lendkit.MustParseMoney(n.Want, c.Code())
				if d := last.Minor() - w.Minor(); d > n.WithinMinor || d < -n.WithinMinor {
					t.Errorf("last principal %s, want %s within %d minor units", last.Amount(), n.Want, n.WithinMinor)
				}
			}
		})
	}
}

func TestReferenceYields(t *testing.T) {
	t.Parallel()
	refs := loadReferences(t)
	if len(refs.Yields) == 0 {
		t.Fatal("no reference yields")
	}
	// 34 significant digits are computed; agreement to 10^-30 leaves room
	// for the last digits' rounding only.
	tol := decimal.New(1, -30)
	for _, tc := range refs.Yields {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			var got decimal.Decimal
			var err error
			switch tc.Func {
			case "irr":
				amounts := make([]lendkit.Money, len(tc.Amounts))
				for i, a := range tc.Amounts {
					amounts[i] = lendkit.MustParseMoney(a, "USD")
				}
				got, err = IRR(amounts)
			default:
				flows := make([]CashFlow, len(tc.Flows))
				for i, f := range tc.Flows {
					flows[i] = CashFlow{Date: date(f[0]), Amount: lendkit.MustParseMoney(f[1], "USD")}
				}
				if tc.Func == "xirr" {
					got, err = XIRR(flows)
				} else {
					got, err = AnnualRate(flows, ActualDays, 0)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			want := decimal.RequireFromString(tc.Want)
			if got.Sub(want).Abs().GreaterThan(tol) {
				t.Errorf("got %s, want %s (to 1e-30)", got, want)
			}
			if d := FormatPercent(got, 2); d != tc.Display {
				t.Errorf("shown as %s %%, want %s %%", d, tc.Display)
			}
		})
	}
}
