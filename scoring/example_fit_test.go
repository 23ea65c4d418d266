package scoring_test

import (
	"encoding/json"
	"fmt"

	"github.com/lendkit/lendkit/scoring"
)

// ExampleFit fits a scorecard to a small synthetic development sample, prints
// each characteristic's information value and bins, and reloads it from JSON.
func ExampleFit() {
	// A tiny xorshift generator: the sample is the same on every Go version.
	x := uint64(88172645463325252)
	uniform := func() float64 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return float64(x>>11) / (1 << 53)
	}
	d := scoring.Dataset{Columns: []scoring.Column{
		{Name: "dsti", Kind: scoring.Numeric},
		{Name: "housing", Kind: scoring.Categorical},
	}}
	housing := []string{"owner", "tenant", "family"}
	for range 2000 {
		dsti := uniform() * 0.6
		h := housing[int(uniform()*3)]
		// Risk rises with the DSTI; owners repay better.
		pBad := 0.05 + 0.4*dsti
		if h == "owner" {
			pBad -= 0.04
		}
		d.Columns[0].Num = append(d.Columns[0].Num, float64(int(dsti*100))/100)
		d.Columns[1].Cat = append(d.Columns[1].Cat, h)
		d.Bad = append(d.Bad, uniform() < pBad)
	}
	card, report, err := scoring.Fit(d, scoring.FitOptions{Name: "synthetic", Version: "1", MaxBins: 4,
		Characteristics: []scoring.CharacteristicSpec{
			{Name: "dsti", Monotonic: true, ReasonCode: "DSTI", Reason: "Your debt payments are high for your income."},
			{Name: "housing", ReasonCode: "HOUSING", Reason: "Your housing situation carries more risk."},
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range report.Characteristics {
		fmt.Printf("%s: IV %.3f, selected %v\n", c.Name, c.IV, c.Selected)
	}
	for _, b := range card.Characteristics[0].Bins {
		fmt.Printf("  %-13s %4d points\n", b.Label, b.Points)
	}
	b, _ := json.Marshal(card)
	loaded, err := scoring.ParseScorecard(b)
	fmt.Println("reloaded:", err == nil && loaded.Characteristics[0].Bins[1].Points == card.Characteristics[0].Bins[1].Points)
	// Output:
	// dsti: IV 0.411, selected true
	// housing: IV 0.049, selected true
	//   missing        269 points
	//   < 0.32         289 points
	//   [0.32, 0.47)   263 points
	//   [0.47, 0.56)   248 points
	//   ≥ 0.56         235 points
	// reloaded: true
}
