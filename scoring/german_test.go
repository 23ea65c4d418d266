package scoring

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// germanColumns names the 20 attributes of the UCI Statlog German Credit data
// (testdata/german-credit/NOTICE.md gives the coding) and says which are
// numeric.
var germanColumns = []struct {
	name    string
	numeric bool
}{
	{"checking_status", false}, {"duration_months", true}, {"credit_history", false},
	{"purpose", false}, {"credit_amount", true}, {"savings", false},
	{"employment_since", false}, {"instalment_rate", true},
	{"personal_status_sex", false}, // A9: sex and marital status — protected
	{"other_debtors", false}, {"residence_since", true}, {"property", false},
	{"age", true}, {"other_instalment_plans", false}, {"housing", false},
	{"existing_credits", true}, {"job", false}, {"people_liable", true},
	{"telephone", false},
	{"foreign_worker", false}, // A20: a nationality proxy — protected
}

// loadGerman reads testdata/german-credit/german.data into a Dataset with all
// 20 attributes; the class 2 (bad) is Bad.
func loadGerman(tb testing.TB) Dataset {
	tb.Helper()
	f, err := os.Open("testdata/german-credit/german.data")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d := Dataset{Columns: make([]Column, len(germanColumns))}
	for i, c := range germanColumns {
		d.Columns[i] = Column{Name: c.name, Kind: Categorical}
		if c.numeric {
			d.Columns[i].Kind = Numeric
		}
	}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 21 {
			tb.Fatalf("line %d: %d fields, want 21", line, len(fields))
		}
		for i, c := range germanColumns {
			if c.numeric {
				v, err := strconv.ParseFloat(fields[i], 64)
				if err != nil {
					tb.Fatalf("line %d field %d: %v", line, i+1, err)
				}
				d.Columns[i].Num = append(d.Columns[i].Num, v)
			} else {
				d.Columns[i].Cat = append(d.Columns[i].Cat, fields[i])
			}
		}
		switch fields[20] {
		case "1":
			d.Bad = append(d.Bad, false)
		case "2":
			d.Bad = append(d.Bad, true)
		default:
			tb.Fatalf("line %d: class %q", line, fields[20])
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return d
}

// germanOptions fits every attribute except the two protected ones:
// personal_status_sex (A9, sex and marital status) and foreign_worker (A20,
// nationality-like). Numeric characteristics with a known risk direction are
// binned monotonically.
func germanOptions() FitOptions {
	monotonic := map[string]bool{"duration_months": true, "age": true, "credit_amount": true}
	var specs []CharacteristicSpec
	for _, c := range germanColumns {
		if IsProtected(c.name) {
			continue
		}
		specs = append(specs, CharacteristicSpec{Name: c.name, Monotonic: monotonic[c.name]})
	}
	return FitOptions{Name: "german-credit", Version: "1", Characteristics: specs}
}

func TestGermanCredit(t *testing.T) {
	t.Parallel()
	d := loadGerman(t)
	card, rep, err := Fit(d, germanOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Characteristics {
		t.Logf("%-24s IV %.4f bins %d selected %v coef %.4f %s", c.Name, c.IV, c.Bins, c.Selected, c.Coefficient, c.Dropped)
	}
	t.Logf("train AUC %.4f, %d characteristics", rep.TrainAUC, len(card.Characteristics))
	v, err := CrossValidate(d, germanOptions(), 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("5-fold AUC %.4f %v Gini %.4f KS %.4f", v.AUC, v.FoldAUC, v.Gini, v.KS)
}
