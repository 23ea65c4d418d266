package postgres_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cpuClock reads the CPU time used so far by this process (the client: the
// ledger, pgx) and by the local Postgres server (every process named
// "postgres", with the postmaster's reaped children), so that a benchmark can
// report CPU per operation beside wall-clock throughput: on 2 shared cores
// throughput is bounded by CPU per operation, not by latency. The server
// figure is 0 when the server is not local (or /proc is unavailable); it
// includes anything else the server runs meanwhile.
type cpuClock struct{ client, server time.Duration }

func readCPU() cpuClock {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c := cpuClock{client: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	pm := postmaster()
	if pm == "" {
		return c
	}
	// The postmaster with its reaped children, and its live children (the
	// backends and auxiliary processes), listed by the kernel.
	ticks := procTicks(pm, true)
	kids, _ := os.ReadFile("/proc/" + pm + "/task/" + pm + "/children")
	for _, k := range strings.Fields(string(kids)) {
		ticks += procTicks(k, false)
	}
	c.server = time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	return c
}

var (
	postmasterOnce sync.Once
	postmasterPID  string
)

// postmaster finds the pid of the oldest process named postgres whose
// parent is not named postgres.
func postmaster() string {
	postmasterOnce.Do(func() {
		procs, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, p := range procs {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			name, f := statFields(string(b))
			if name != "postgres" || len(f) < 2 {
				continue
			}
			pb, _ := os.ReadFile("/proc/" + f[1] + "/stat")
			if parent, _ := statFields(string(pb)); parent != "postgres" {
				postmasterPID = filepath.Base(filepath.Dir(p))
				return
			}
		}
	})
	return postmasterPID
}

// statFields splits /proc/pid/stat into the command name and the fields
// after it (f[0] is field 3, the state).
func statFields(s string) (string, []string) {
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open || close+2 > len(s) {
		return "", nil
	}
	return s[open+1 : close], strings.Fields(s[close+2:])
}

// procTicks returns utime+stime of pid (and cutime+cstime when children).
func procTicks(pid string, children bool) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	_, f := statFields(string(b))
	if len(f) < 15 {
		return 0
	}
	n := func(field int) int64 { v, _ := strconv.ParseInt(f[field-3], 10, 64); return v }
	t := n(14) + n(15)
	if children {
		t += n(16) + n(17)
	}
	return t
}

// cpuSince adds the CPU used since start to acc.
func (acc *cpuClock) since(start cpuClock) {
	now := readCPU()
	acc.client += now.client - start.client
	acc.server += now.server - start.server
}

// report reports the client and server CPU microseconds per unit, over ops
// units, as prefix+"client-µs/"+unit and prefix+"server-µs/"+unit.
func (acc cpuClock) report(b *testing.B, ops float64, prefix, unit string) {
	b.ReportMetric(float64(acc.client.Microseconds())/ops, prefix+"client-µs/"+unit)
	b.ReportMetric(float64(acc.server.Microseconds())/ops, prefix+"server-µs/"+unit)
}
