package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lendkit/lendkit"
)

// childEnv makes the test binary run `platform <args>` instead of the tests,
// so a test can start a real server process and kill it.
const childEnv = "LENDKIT_PLATFORM_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(dispatch(context.Background(), argv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startServe starts `platform serve` on dbPath in a child process and
// returns it with its base URL once it listens.
func startServe(t *testing.T, dbPath string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	args, _ := json.Marshal(append([]string{"serve", "-db", dbPath, "-addr", "127.0.0.1:0", "-cycle-every", "0"}, extra...))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+string(args))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addrRE := regexp.MustCompile(`msg=serving addr=(\S+)`)
	sc := bufio.NewScanner(stderr)
	deadline := time.After(60 * time.Second)
	found := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-found:
		return cmd, "http://" + a
	case <-deadline:
		t.Fatal("server did not start")
	}
	return nil, ""
}

func post(c *http.Client, url, token, key string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set(idempotencyHeader, key)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// TestKillAndRestart: a server killed with SIGKILL in the middle of a
// stream of pay-ins restarts on the same database with every acknowledged
// pay-in in its wallet, none counted twice, and `verify` passes.
func TestKillAndRestart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	cmd, base := startServe(t, dbPath)
	client := &http.Client{Timeout: 10 * time.Second}

	const lenders = 6
	tokens := make([]string, lenders)
	for i := range lenders {
		email := fmt.Sprintf("crash%d@example.com", i)
		if st, b, err := post(client, base+"/v1/auth/signup", "", "", map[string]string{"email": email, "password": "crash test pw 1", "name": email, "role": "lender"}); err != nil || st != 201 {
			t.Fatalf("signup: %d %s %v", st, b, err)
		}
		st, b, err := post(client, base+"/v1/auth/login", "", "", map[string]string{"email": email, "password": "crash test pw 1"})
		if err != nil || st != 200 {
			t.Fatalf("login: %d %s %v", st, b, err)
		}
		var lr loginResponse
		if err := json.Unmarshal(b, &lr); err != nil {
			t.Fatal(err)
		}
		tokens[i] = lr.Token
	}
	acked := make([]int64, lenders) // cents acknowledged per lender
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range lenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				st, _, err := post(client, base+"/v1/wallet/payins", tokens[i], fmt.Sprintf("k%d", n), map[string]string{"amount": "10.00"})
				if err != nil {
					return // the server died under us
				}
				if st == 201 {
					acked[i] += 1000
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	wg.Wait()

	_, base = startServe(t, dbPath, "-no-seed")
	var total int64
	for i := range lenders {
		req, _ := http.NewRequest("GET", base+"/v1/wallet", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[i]) // sessions survive the restart
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var w walletView
		err = json.NewDecoder(res.Body).Decode(&w)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := w.Balance.Minor()
		// Every acknowledged pay-in is there; at most the one in flight at
		// the kill may have committed without its acknowledgement.
		if got < acked[i] || got > acked[i]+1000 {
			t.Errorf("lender %d: wallet %s after restart, %s acknowledged", i, w.Balance, lendkit.New(acked[i], lendkit.EUR))
		}
		total += acked[i]
	}
	if total == 0 {
		t.Fatal("no pay-in was acknowledged before the kill: the test proved nothing")
	}
	var out, errb bytes.Buffer
	// verify on the live database: SQLite's WAL lets it read beside the server.
	if code := dispatch(context.Background(), []string{"verify", "-db", dbPath}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "ok") {
		t.Fatalf("verify after the crash: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
