package postgres_test

import (
	"testing"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/postgres/pgtest"
	"github.com/lendkit/lendkit/store/storetest"
)

// TestConformance runs the behaviour every backend shares, each test in a
// fresh schema of its own.
func TestConformance(t *testing.T) {
	t.Parallel()
	pgtest.URL(t) // skip the whole suite, with the reason, when no server is configured
	storetest.Exercise(t, func(t *testing.T, clock lendkit.Clock) store.DB {
		return pgtest.OpenUnmigrated(t, postgres.WithClock(clock))
	})
}
