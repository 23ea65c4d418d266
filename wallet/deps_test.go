package wallet

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPurePackagesStayPure guards the layering: the SEPA, statement, IBAN,
// reconciliation and PSP-port packages compute; they never reach a database,
// the network or the wall clock (time is an input).
func TestPurePackagesStayPure(t *testing.T) {
	t.Parallel()
	pure := []string{"iban", "rf", "camt", "sepa", "reconcile", "psp", "internal/xmlguard"}
	// database/sql/driver is allowed: shopspring/decimal (under lendkit.Money)
	// implements driver.Valuer; database/sql itself is not.
	forbidden := []string{"database/sql", "net/http", "github.com/lendkit/lendkit/store", "modernc.org/sqlite", "github.com/jackc/pgx/v5"}
	for _, p := range pure {
		out, err := exec.Command("go", "list", "-deps", "./"+p).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", p, err)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			for _, f := range forbidden {
				if d == f || (f != "database/sql" && strings.HasPrefix(d, f+"/")) {
					t.Errorf("%s depends on %s", p, d)
				}
			}
		}
		files, err := filepath.Glob(filepath.Join(p, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "time.Now(") {
				t.Errorf("%s reads the wall clock", f)
			}
		}
	}
}
