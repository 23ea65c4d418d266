package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateSimulate = flag.Bool("update-simulate", false, "rewrite testdata/simulate-*.golden from the current output")

// simulate runs "platform simulate args…" in-process through the dispatcher
// and returns its exit status, stdout and stderr.
func simulate(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), append([]string{"simulate"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

var issueExample = []string{"-principal", "10000", "-currency", "EUR", "-rate", "5", "-periods", "36",
	"-frequency", "monthly", "-method", "annuity", "-start", "2027-01-15"}

// TestSimulateJSONContract checks the contract of issue 3 on its example:
// field names, amounts as strings with the currency's decimals, the APR in
// percent with two decimals.
func TestSimulateJSONContract(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := simulate(t, append(issueExample, "-format", "json")...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got struct {
		Currency      string `json:"currency"`
		Principal     string `json:"principal"`
		APR           string `json:"apr"`
		TotalInterest string `json:"total_interest"`
		Installments  []struct {
			N         int    `json:"n"`
			Due       string `json:"due"`
			Payment   string `json:"payment"`
			Interest  string `json:"interest"`
			Principal string `json:"principal"`
			Balance   string `json:"balance"`
		} `json:"installments"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if len(got.Installments) != 36 {
		t.Fatalf("%d installments, want 36", len(got.Installments))
	}
	type row struct{ N, Due, Payment, Interest, Principal, Balance string }
	first := got.Installments[0]
	want := row{"1", "2027-02-15", "299.71", "41.67", "258.04", "9741.96"}
	if diff := cmp.Diff(want, row{"1", first.Due, first.Payment, first.Interest, first.Principal, first.Balance}); diff != "" || first.N != 1 {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	head := [4]string{got.Currency, got.Principal, got.APR, got.TotalInterest}
	if diff := cmp.Diff([4]string{"EUR", "10000.00", "5.12", "789.54"}, head); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if last := got.Installments[35].Balance; last != "0.00" {
		t.Errorf("last balance %q, want 0.00", last)
	}
}

// TestSimulateGolden pins the three formats and a few options.
func TestSimulateGolden(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"simulate-table":       issueExample,
		"simulate-csv-linear":  {"-principal", "1200", "-rate", "12", "-periods", "3", "-method", "linear", "-start", "2027-01-31", "-format", "csv"},
		"simulate-json-jpy":    {"-principal", "1000000", "-currency", "JPY", "-rate", "1.5", "-periods", "6", "-frequency", "quarterly", "-start", "2027-04-01", "-format", "json"},
		"simulate-table-fees":  {"-principal", "5000", "-rate", "7.9", "-periods", "12", "-start", "2027-01-10", "-first-due", "2027-02-25", "-fee", "75", "-installment-fee", "1.50", "-insurance", "0.36", "-insurance-basis", "outstanding", "-apr-basis", "days"},
		"simulate-table-grace": {"-principal", "20000", "-rate", "4", "-periods", "8", "-frequency", "quarterly", "-grace", "2", "-grace-kind", "total", "-day-count", "act/360", "-start", "2027-01-01"},
		"simulate-json-balloon": {"-principal", "30000", "-rate", "6", "-periods", "6", "-method", "interest-only", "-interest-only-periods", "2",
			"-balloon", "10000", "-start", "2027-01-15", "-format", "json"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := simulate(t, args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			path := filepath.Join("testdata", name+".golden")
			if *updateSimulate {
				if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update-simulate to create it)", err)
			}
			if diff := cmp.Diff(string(want), stdout); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestSimulateBadInput: every bad input exits non-zero with exactly one
// line on stderr that names what is wrong, nothing on stdout and no trace.
func TestSimulateBadInput(t *testing.T) {
	t.Parallel()
	with := func(flag, value string) []string {
		args := append([]string(nil), issueExample...)
		for i := range args {
			if args[i] == flag {
				args[i+1] = value
				return args
			}
		}
		return append(args, flag, value)
	}
	tests := []struct {
		name string
		args []string
		want string // a substring of the error line
	}{
		{"negative principal", with("-principal", "-5"), "-principal must be positive"},
		{"zero principal", with("-principal", "0"), "-principal must be positive"},
		{"too many decimals", with("-principal", "10.001"), "-principal"},
		{"not a number", with("-principal", "ten"), "-principal"},
		{"zero periods", with("-periods", "0"), "-periods must be between 1 and 1200"},
		{"too many periods", with("-periods", "1201"), "-periods must be between 1 and 1200"},
		{"negative rate", with("-rate", "-1"), "-rate must not be negative"},
		{"unknown currency", with("-currency", "XYZ"), "-currency"},
		{"unknown method", with("-method", "french"), "-method"},
		{"unknown frequency", with("-frequency", "daily"), "-frequency"},
		{"impossible date", with("-start", "2027-02-30"), "-start"},
		{"first due before start", with("-first-due", "2027-01-01"), "-first-due must be after"},
		{"unknown day count", with("-day-count", "act/999"), "-day-count"},
		{"unknown format", with("-format", "xml"), "-format"},
		{"unknown flag", with("-colour", "red"), "flag provided but not defined"},
		{"missing start", []string{"-principal", "100", "-rate", "5", "-periods", "3"}, "-start is required"},
		{"stray argument", append(append([]string(nil), issueExample...), "extra"), "unexpected argument"},
		{"grace too long", with("-grace", "36"), "-grace"},
		{"interest-only without phase", with("-method", "interest-only"), "-interest-only-periods"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := simulate(t, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want non-zero")
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "simulate: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q, want one line starting simulate: and containing %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr: %q", stderr)
			}
		})
	}
}
