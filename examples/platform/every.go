package main

import (
	"context"
	"sync"
	"time"
)

// runEvery calls fn every interval until ctx ends, and returns a WaitGroup
// that is done once it has stopped. fn gets a context that the shutdown does
// not cancel: a run in progress finishes (a servicing cycle, an outbox batch,
// a webhook round must not stop half-way); the next one does not start.
func runEvery(ctx context.Context, every time.Duration, fn func(ctx context.Context)) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(context.WithoutCancel(ctx))
			}
		}
	}()
	return &wg
}
