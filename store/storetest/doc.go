// Package storetest is the conformance suite every lendkit storage backend
// runs: the behaviour of store's interfaces, specified once.
//
// A backend's test calls Exercise with an Opener that returns a fresh,
// unmigrated database (a new SQLite file, a new Postgres schema) for each
// test:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		storetest.Exercise(t, func(t *testing.T, clock lendkit.Clock) store.DB {
//			db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), sqlite.WithClock(clock))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// One file per area: ledger.go (every rule of the ledger, including
// concurrent writers on hot accounts and replays), model.go (a rapid state
// machine of random ledger operations checked against a model after every
// step; given two Openers it also checks that two backends end in the same
// State), migration.go (up, down, up again with data), and the other domains'
// files. New behaviour lands here first, so every backend inherits the test.
//
// Snapshot reads a ledger into a backend-independent State, for comparing
// backends and for checking that a failed call wrote nothing.
package storetest
