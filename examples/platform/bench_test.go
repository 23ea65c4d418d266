package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
	"github.com/lendkit/lendkit/store/sqlite"
)

// BenchmarkSimulationEndpoint measures POST /v1/simulations over loopback
// HTTP/1.1 with keep-alive, from parallel clients (GOMAXPROCS × 4
// goroutines): a 36-month annuity with its APR, the offer a loan site
// simulates. It reports req/s.
func BenchmarkSimulationEndpoint(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := migrateAll(ctx, db); err != nil {
		b.Fatal(err)
	}
	s, err := newServer(db, lendkit.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	body := []byte(`{"principal":"10000","currency":"EUR","rate":"5","periods":36,"start":"2027-01-15"}`)
	url := srv.URL + "/v1/simulations"
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	// The machine is shared: CPU time per request (client and server, both
	// in this process) says what two dedicated cores would serve.
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(2*float64(b.N)/cpu.Seconds(), "req/s-on-2-cores")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
