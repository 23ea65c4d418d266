package contract

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/lendkit/lendkit"
)

// LenderShare is one lender's part of a P2P project: who lends, how much,
// and the lender's own schedule (capital, interest and tax withheld on the
// lender's share).
type LenderShare struct {
	Reference string // this lender's contract reference
	Lender    Person
	Amount    lendkit.Money
	Schedule  Schedule
	Locale    string // the lender's language; the project's when empty
}

// maxBulk bounds one Bulk call (a project has at most a few thousand
// lenders); larger batches are split by the caller.
const maxBulk = 100_000

// Bulk renders the LenderAgreement of every lender of a project: project
// holds what all the contracts share (borrower, platform, project, rate,
// term, late payment, issue date, place, locale), each share what is the
// lender's own. Every lender's data is validated before anything is
// rendered, so bad input fails the whole call with the lender named and no
// documents. Rendering runs on a pool of workers goroutines (GOMAXPROCS
// when workers ≤ 0); the documents come back in the order of shares, whatever
// order the workers finish in. Cancelling ctx stops the pool.
func (r *Renderer) Bulk(ctx context.Context, project *Data, shares []LenderShare, workers int) ([]Document, error) {
	if project.Kind != LenderAgreement {
		return nil, fmt.Errorf("%w: Bulk renders %s contracts, project is %q", ErrInvalidData, LenderAgreement, project.Kind)
	}
	if len(shares) > maxBulk {
		return nil, fmt.Errorf("%w: %d lenders in one call (at most %d)", ErrInvalidData, len(shares), maxBulk)
	}
	views := make([]*View, len(shares))
	seen := make(map[string]int, len(shares))
	for i, s := range shares {
		d := *project
		person := s.Lender
		d.Lender = Party{Person: &person}
		d.Reference = s.Reference
		d.Loan.Amount = s.Amount
		d.Schedule = s.Schedule
		if s.Locale != "" {
			d.Locale = s.Locale
		}
		v, err := d.view()
		if err != nil {
			return nil, fmt.Errorf("contract: lender %d (%s): %w", i, s.Reference, err)
		}
		if j, dup := seen[s.Reference]; dup {
			return nil, fmt.Errorf("%w: lenders %d and %d share the reference %q", ErrInvalidData, j, i, s.Reference)
		}
		seen[s.Reference] = i
		views[i] = v
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(views))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	docs := make([]Document, len(views))
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				doc, err := r.renderView(views[i])
				if err != nil {
					fail(fmt.Errorf("contract: lender %d (%s): %w", i, shares[i].Reference, err))
					continue
				}
				docs[i] = doc
			}
		}()
	}
feed:
	for i := range views {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("contract: bulk rendering: %w", err)
	}
	return docs, nil
}
