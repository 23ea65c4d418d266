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
	"github.com/lendkit/lendkit/examples/platform/notify"
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
	notifyEvery := fs.Duration("notify-every", 5*time.Second, "send due notifications and webhook deliveries this often (0: never)")
	reminderDays := fs.Int("reminder-days", defaultReminderDays, "days before each due date the reminder goes, unless a borrower chose otherwise (0: no reminders)")
	smtpAddr := fs.String("smtp", "", "SMTP relay host:port for emails (empty: emails go to the log)")
	smtpFrom := fs.String("smtp-from", "Lendkit <no-reply@lendkit.example>", "sender address of emails")
	loopbackHooks := fs.Bool("allow-loopback-webhooks", false, "accept http:// webhook URLs on 127.0.0.1 (development only)")
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
	if *reminderDays < 0 || *reminderDays > 30 {
		return usageErrorf("serve: -reminder-days %d is not between 0 and 30", *reminderDays)
	}
	s.reminderDays = *reminderDays
	s.allowLoopbackWebhooks = *loopbackHooks
	s.seedDemoData = true
	var email notify.Email = notify.Log{Logger: log}
	if *smtpAddr != "" {
		email = &notify.SMTP{Addr: *smtpAddr, From: *smtpFrom}
	}
	s.signer.Sender = codeSender{email: email, sms: notify.Log{Logger: log}}
	sender := newOutboxSender(db, clock, email, notify.Log{Logger: log}, log)
	hooks := newDeliverer(db, clock, s.wallets, log)
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
	var workers []*sync.WaitGroup
	if *notifyEvery > 0 {
		workers = append(workers, sender.loop(cctx, *notifyEvery), hooks.loop(cctx, *notifyEvery))
	}
	err = runHTTP(ctx, ln, s.handler(), log)
	stopCycles()
	if cycles != nil {
		cycles.Wait() // a cycle in progress finishes before the database closes
	}
	for _, w := range workers {
		w.Wait() // so does a batch of notifications or deliveries
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
