package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

// commandFunc runs one subcommand with its arguments (the command name
// removed). A returned error is printed as one line on stderr; an *exitError
// also chooses the exit status.
type commandFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// command is a subcommand and its one-line summary for the usage text.
type command struct {
	summary string
	run     commandFunc
}

// commands is the dispatch table. To add a command, write its function in
// its own file and register it here.
var commands = map[string]command{
	"serve":    {"JSON HTTP API and agents' dashboard", cmdServe},
	"demo":     {"the P2P lending scenario end to end", cmdDemo},
	"simulate": {"a loan schedule and its APR from the command line", runSimulate},
	"verify":   {"ledger and invariants check of a database", cmdVerify},
	"migrate":  {"apply the database migrations", cmdMigrate},
}

// exitError is an error with a chosen exit status: 2 for usage errors, 1
// (the default for other errors) for failures.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf returns an exit-status-2 error for bad command-line input.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs the command named by args[0] and returns the exit status.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "platform: unknown command %q (run platform -h for the list)\n", args[0])
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	if err == nil {
		return 0
	}
	// One line, whatever the error's text: scripts read stderr line by line.
	fmt.Fprintln(stderr, strings.ReplaceAll(err.Error(), "\n", " "))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: platform <command> [flags]")
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
}
