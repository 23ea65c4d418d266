// Package pgtest gives each test its own PostgreSQL schema to run lendkit's
// Postgres backend in, so tests can run in parallel against one server and
// leave nothing behind.
//
// The server is named by the LENDKIT_TEST_POSTGRES_URL environment variable
// (for instance postgres://postgres@127.0.0.1:5432/test?sslmode=disable). When
// it is unset, Open and URL skip the test with a message saying so: Postgres
// tests are opt-in, SQLite ones always run.
package pgtest
