package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/lendkit/lendkit"
)

// cmdServe is `platform serve`: the JSON HTTP API on -addr over -db, with
// migrations applied at start and demo users seeded on a fresh database
// unless -no-seed. SIGINT or SIGTERM stops it gracefully: no new
// connections, in-flight requests finish, then the database closes.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "listen address")
	dsn := fs.String("db", "lendkit.db", "SQLite file, or a postgres:// URL")
	noSeed := fs.Bool("no-seed", false, "do not create demo users on a fresh database")
	trustProxy := fs.Bool("trust-proxy", false, "take the client address from X-Forwarded-For (only behind a reverse proxy)")
	verbose := fs.Bool("v", false, "log every request")
	cycleEvery := fs.Duration("cycle-every", time.Hour, "run the servicing cycle this often on the real clock (0: only through POST /v1/servicing/run)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	clock := lendkit.SystemClock{}
	db, err := openDB(ctx, *dsn, clock)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrateAll(ctx, db); err != nil {
		return err
	}
	s, err := newServer(db, clock, log)
	if err != nil {
		return err
	}
	s.trustProxy = *trustProxy
	if err := s.start(ctx); err != nil {
		return err
	}
	if !*noSeed {
		creds, err := s.seed(ctx)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if creds != nil {
			fmt.Fprintln(stdout, "Seeded demo accounts (shown once; staff log in with the TOTP secret in an authenticator app):")
			for _, c := range creds {
				fmt.Fprintf(stdout, "  %-8s %-28s password %s", c.Role, c.Email, c.Password)
				if c.TOTPSecret != "" {
					fmt.Fprintf(stdout, "  totp secret %s", c.TOTPSecret)
				}
				fmt.Fprintln(stdout)
			}
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", ln.Addr().String(), "db", redactDSN(*dsn))
	cctx, stopCycles := context.WithCancel(ctx)
	var cycles *sync.WaitGroup
	if *cycleEvery > 0 {
		cycles = s.scheduleCycles(cctx, *cycleEvery)
	}
	err = runHTTP(ctx, ln, s.handler(), log)
	stopCycles()
	if cycles != nil {
		cycles.Wait() // a cycle in progress finishes before the database closes
	}
	if err == nil || errors.Is(err, context.Canceled) {
		log.Info("stopped")
		return nil
	}
	return err
}

// redactDSN hides a Postgres URL's password in logs.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return dsn
}
