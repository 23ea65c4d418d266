package amortization

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPurePackage guards the architecture (tailscale's tstest/deptest
// style): amortization is pure maths, so neither it nor the lendkit code it
// builds on may import a database, the network or the file system, or read
// the wall clock. Transitive standard-library imports that come with fmt
// (os) or with decimal types (database/sql/driver, for their Scanner
// methods) are allowed: they are not used here.
func TestPurePackage(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not found (%v): cannot list dependencies", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \",\"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbiddenDirect := map[string]bool{"database/sql": true, "net/http": true, "os": true, "os/exec": true}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg == "database/sql" || strings.HasPrefix(pkg, "net/") || pkg == "net" {
			t.Errorf("amortization depends on %s", pkg)
		}
		// lendkit's own pure packages may not import these directly (the
		// root's clock.go uses time, which is fine: it is not a call here).
		if pkg == "github.com/lendkit/lendkit/amortization" || pkg == "github.com/lendkit/lendkit/internal/decmath" {
			for _, imp := range strings.Split(imports, ",") {
				if forbiddenDirect[imp] {
					t.Errorf("%s imports %s", pkg, imp)
				}
			}
		}
	}
	for _, dir := range []string{".", "../internal/decmath"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			checkNoTimeNow(t, name)
		}
	}
}

// checkNoTimeNow fails if file calls time.Now (under any import name).
func checkNoTimeNow(t *testing.T, file string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	timeName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"time"` {
			timeName = "time"
			if imp.Name != nil {
				timeName = imp.Name.Name
			}
		}
	}
	if timeName == "" {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == timeName && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
			t.Errorf("%s uses %s.%s: pure packages take dates as arguments", file, timeName, sel.Sel.Name)
		}
		return true
	})
}
