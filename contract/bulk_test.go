package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
)

// projectShares returns n lenders of a project with months-long schedules,
// amounts from 50 € to about 5,000 €, names and birth places varying.
func projectShares(n, months int) (*Data, []LenderShare) {
	project := Sample(LenderAgreement, "fr")
	rate := *project.Loan.Rate
	project.Loan.TermMonths = months
	first := lendkit.MustParseDate("2027-02-15")
	places := []string{"Lyon", "Lille", "Nantes", "Marseille", "Bordeaux", "Roma", "Milano"}
	shares := make([]LenderShare, n)
	for i := range shares {
		amount := lendkit.New(int64(5_000+(i*7919)%495_000), lendkit.EUR)
		shares[i] = LenderShare{
			Reference: fmt.Sprintf("LK-2027-P42-L%05d", i+1),
			Lender: Person{FirstName: fmt.Sprintf("Prêteur%d", i+1), LastName: "Durand",
				BirthDate: lendkit.MustParseDate("1970-01-01").AddDays(i * 37), BirthPlace: places[i%len(places)],
				Address: Address{Street: fmt.Sprintf("%d rue des Lilas", i%200+1), PostalCode: "75011", City: "Paris", Country: "France"}},
			Amount:   amount,
			Schedule: sampleSchedule(amount, rate, first, months, false, true),
		}
		if i%3 == 1 {
			shares[i].Locale = "it"
		}
	}
	return project, shares
}

func TestBulkOrderAndEquality(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	project, shares := projectShares(40, 24)
	one, err := r.Bulk(context.Background(), project, shares, 1)
	if err != nil {
		t.Fatal(err)
	}
	many, err := r.Bulk(context.Background(), project, shares, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range shares {
		if one[i].Reference != shares[i].Reference || many[i].Reference != shares[i].Reference {
			t.Fatalf("document %d is %s / %s, want %s", i, one[i].Reference, many[i].Reference, shares[i].Reference)
		}
		if !bytes.Equal(one[i].PDF, many[i].PDF) || one[i].Fingerprint != many[i].Fingerprint {
			t.Fatalf("document %d differs between 1 and 4 workers", i)
		}
		// The same as rendering that lender alone.
		d := *project
		p := shares[i].Lender
		d.Lender, d.Reference, d.Loan.Amount, d.Schedule = Party{Person: &p}, shares[i].Reference, shares[i].Amount, shares[i].Schedule
		if shares[i].Locale != "" {
			d.Locale = shares[i].Locale
		}
		alone, err := r.Render(&d)
		if err != nil {
			t.Fatal(err)
		}
		if alone.Fingerprint != many[i].Fingerprint || !bytes.Equal(alone.PDF, many[i].PDF) {
			t.Fatalf("document %d differs from rendering it alone", i)
		}
		if !strings.Contains(string(many[i].HTML), shares[i].Lender.FirstName) || many[i].Locale != d.Locale {
			t.Fatalf("document %d is not lender %d's", i, i)
		}
	}
}

func TestBulkRefusesBadInputWhole(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	project, shares := projectShares(10, 12)
	shares[7].Lender.BirthPlace = ""
	docs, err := r.Bulk(context.Background(), project, shares, 2)
	var mf *MissingFieldError
	if docs != nil || !errors.As(err, &mf) || mf.Fields[0] != "Lender.Person.BirthPlace" || !strings.Contains(err.Error(), "lender 7 (LK-2027-P42-L00008)") {
		t.Errorf("docs %d, err = %v", len(docs), err)
	}
	_, shares = projectShares(10, 12)
	shares[9].Reference = shares[2].Reference
	if _, err := r.Bulk(context.Background(), project, shares, 2); !errors.Is(err, ErrInvalidData) {
		t.Errorf("duplicate reference: %v", err)
	}
	_, shares = projectShares(10, 12)
	shares[4].Amount = lendkit.New(1, lendkit.EUR) // schedule no longer repays it
	if _, err := r.Bulk(context.Background(), project, shares, 2); !errors.Is(err, ErrInvalidData) {
		t.Errorf("inconsistent share: %v", err)
	}
	consumer := Sample(ConsumerLoan, "en")
	if _, err := r.Bulk(context.Background(), consumer, shares, 2); !errors.Is(err, ErrInvalidData) {
		t.Errorf("wrong kind: %v", err)
	}
}

func TestBulkCancelled(t *testing.T) {
	t.Parallel()
	r := NewRenderer(defaults(t))
	project, shares := projectShares(200, 12)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	if docs, err := r.Bulk(ctx, project, shares, 2); !errors.Is(err, context.DeadlineExceeded) || docs != nil {
		t.Errorf("docs %d, err = %v", len(docs), err)
	}
}
