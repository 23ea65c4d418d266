package servicing_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyStoreInterfaces: servicing persists through store's interfaces and
// the ledger only; it never reaches a database driver or database/sql.
func TestOnlyStoreInterfaces(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range []string{"database/sql", "modernc.org/sqlite", "github.com/jackc/pgx/v5",
			"github.com/lendkit/lendkit/store/sqlite", "github.com/lendkit/lendkit/store/postgres", "net/http"} {
			if dep == f || strings.HasPrefix(dep, f+"/") && dep != "database/sql/driver" {
				t.Errorf("servicing depends on %s", dep)
			}
		}
	}
}
