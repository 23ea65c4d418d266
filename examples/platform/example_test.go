package main

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lendkit/lendkit"
)

// The one-time codes agents type at login are RFC 4226/6238 codes; these are
// the first values of RFC 4226 Appendix D.
func Example_hotp() {
	key := []byte("12345678901234567890")
	for counter := uint64(0); counter < 3; counter++ {
		fmt.Println(hotp(sha1.New, key, counter, 6))
	}
	// Output:
	// 755224
	// 287082
	// 359152
}

// A loan calculator on a website calls the public simulation endpoint.
func Example_simulationEndpoint() {
	s, err := newServer(nil, lendkit.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	res, err := http.Post(srv.URL+"/v1/simulations", "application/json",
		strings.NewReader(`{"principal":"10000","currency":"EUR","rate":"5","periods":36,"start":"2027-01-15"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var sim simulationJSON
	if err := json.NewDecoder(res.Body).Decode(&sim); err != nil {
		fmt.Println(err)
		return
	}
	first := sim.Installments[0]
	fmt.Println(res.StatusCode, sim.APR, first.Due, first.Payment, first.Interest, first.Principal)
	// Output:
	// 200 5.12 2027-02-15 299.71 41.67 258.04
}
