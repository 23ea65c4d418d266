package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store"
)

// cmdMigrate is `platform migrate`: brings lendkit's schema and the
// platform's to their newest versions (the default), or shows them
// (-status), or moves the platform's own tables to -platform-to (0 drops
// them) and lendkit's to -to.
func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "lendkit.db", "SQLite file, or a postgres:// URL")
	status := fs.Bool("status", false, "print the schema versions and change nothing")
	to := fs.Int("to", -1, "move lendkit's schema to this version (-1: newest); the platform's tables are removed first when going below them")
	platformTo := fs.Int("platform-to", -1, "move the platform's schema to this version (-1: newest, 0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0))
	}
	db, err := openDB(ctx, *dsn, lendkit.SystemClock{})
	if err != nil {
		return err
	}
	defer db.Close()
	if !*status {
		if *to >= 0 || *platformTo >= 0 {
			// Platform tables reference nothing of lendkit's, but they are
			// meaningless without it: take them down first, bring them up last.
			if *platformTo >= 0 {
				if err := migratePlatformTo(ctx, db, *platformTo); err != nil {
					return err
				}
			}
			if *to >= 0 {
				if err := db.MigrateTo(ctx, *to); err != nil {
					return err
				}
			}
		} else if err := migrateAll(ctx, db); err != nil {
			return err
		}
	}
	cur, latest, err := db.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	var pv int
	if err := db.InTx(ctx, func(tx store.Tx) error {
		q, err := sqlOf(tx)
		if err != nil {
			return err
		}
		pv, err = platformVersion(ctx, q)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lendkit schema %d (newest %d); platform schema %d\n", cur, latest, pv)
	return nil
}
