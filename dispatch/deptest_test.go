package dispatch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPure guards the architecture (tailscale's deptest): the computing half
// of dispatch never reaches a database, the network, the file system or the
// wall clock, directly or through what it imports.
func TestPure(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{
		"database/sql", "net", "net/http", "net/rpc", "crypto/tls", "os/exec", "log/slog",
		"github.com/lendkit/lendkit/store", "github.com/lendkit/lendkit/ledger",
		"modernc.org/sqlite", "github.com/jackc/pgx/v5",
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "database/sql/driver" {
			// Interfaces only (Valuer, Scanner), pulled in by shopspring/decimal;
			// it opens no connection.
			continue
		}
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("dispatch depends on %s", dep)
			}
		}
	}
	// Its own files must not read the clock or the environment either (time
	// and os are reachable through the standard library, so check calls).
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{
		"time.Now": true, "time.Since": true, "time.Until": true, "time.Sleep": true, "time.After": true,
		"time.Tick": true, "time.NewTimer": true, "time.NewTicker": true, "time.AfterFunc": true,
		"lendkit.SystemClock": true, "lendkit.Today": true,
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); p == "os" || p == "math/rand" || p == "math/rand/v2" || p == "crypto/rand" {
				t.Errorf("%s imports %s", name, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && banned[id.Name+"."+sel.Sel.Name] {
					t.Errorf("%s: uses %s.%s", fset.Position(sel.Pos()), id.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
}
