package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lendkit/lendkit/store"
	"github.com/lendkit/lendkit/store/postgres"
	"github.com/lendkit/lendkit/store/sqlite"
)

// The platform keeps its own tables (users, sessions, API keys, applications,
// loans, the audit log, idempotency records) next to lendkit's, and writes
// them in the same unit of work as the library's stores through each
// backend's escape hatch (postgres.PgxTx, sqlite.SQLTx). Why not
// a store.PlatformStore in the library: these tables belong to this
// application, not to a lending library, and a vendor who forks the platform
// changes them freely; putting them in lendkit's migration sequence would make
// every library user carry a users table. The platform's SQL is written once,
// in the subset both SQLite and Postgres accept ($n parameters, TEXT and
// BIGINT/INTEGER columns, ON CONFLICT DO NOTHING), with dialect-specific DDL
// only where the two differ (see migrations/).

// dialect names the backend under a store.Tx.
type dialect string

const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
)

// sqlq is what the platform's queries need from a unit of work.
type sqlq interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (sqlRows, error)
	dialect() dialect
}

// sqlRows iterates a result set; Close is idempotent.
type sqlRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// errNoRow is returned by queryRow when the query matched nothing; callers
// turn it into store.ErrNotFound with their own context.
var errNoRow = store.ErrNotFound

// queryRow runs q and scans its single row into dest; errNoRow when empty.
func queryRow(ctx context.Context, s sqlq, q string, args []any, dest ...any) error {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errNoRow
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// queryIDs runs q, which selects one text column, and returns its values.
// The rows are closed on return, so the caller may query again at once
// (SQLite's unit of work has one connection).
func queryIDs(ctx context.Context, s sqlq, q string, args ...any) ([]string, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// pgq runs the platform's SQL on the pgx transaction of a Postgres unit of
// work. Errors are returned wrapped with %w so that a serialization failure
// reaches the store's retry loop.
type pgq struct{ tx pgx.Tx }

func (p pgq) dialect() dialect { return dialectPostgres }

func (p pgq) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("platform sql: %w", err)
	}
	return tag.RowsAffected(), nil
}

func (p pgq) query(ctx context.Context, q string, args ...any) (sqlRows, error) {
	rows, err := p.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("platform sql: %w", err)
	}
	return rows, nil
}

// sqliteq runs the platform's SQL in a SQLite unit of work (sqlite.SQLTx).
type sqliteq struct{ tx sqlite.Querier }

func (s sqliteq) dialect() dialect { return dialectSQLite }

func (s sqliteq) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("platform sql: %w", err)
	}
	return res.RowsAffected()
}

func (s sqliteq) query(ctx context.Context, q string, args ...any) (sqlRows, error) {
	rows, err := s.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("platform sql: %w", err)
	}
	return sqlRowsAdapter{rows}, nil
}

type sqlRowsAdapter struct{ *sql.Rows }

func (r sqlRowsAdapter) Close() { _ = r.Rows.Close() }

// sqlOf returns the platform's SQL access to the unit of work tx.
func sqlOf(tx store.Tx) (sqlq, error) {
	if p, ok := postgres.PgxTx(tx); ok {
		return pgq{p}, nil
	}
	if s, ok := sqlite.SQLTx(tx); ok {
		return sqliteq{s}, nil
	}
	return nil, fmt.Errorf("platform: unit of work %T comes from a backend the platform does not know", tx)
}
