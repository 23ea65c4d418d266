package scoring

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// scoring is pure (DESIGN.md): no database, no network, no file system, no
// wall clock. These tests turn that rule into a failure, the way tailscale's
// tstest/deptest does.

// forbiddenImports may not be imported by any non-test file of scoring or its
// subpackages.
var forbiddenImports = []string{"database/sql", "database/sql/driver", "net", "net/http", "os", "os/exec", "syscall", "io/ioutil"}

// clockReaders are the time functions that read the wall clock.
var clockReaders = []string{"Now", "Since", "Until"}

func TestNoImpureImportsOrClock(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		timeName := ""
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbiddenImports {
				if ip == bad {
					t.Errorf("%s imports %q: scoring must stay pure", p, ip)
				}
			}
			if ip == "time" {
				timeName = "time"
				if imp.Name != nil {
					timeName = imp.Name.Name
				}
			}
		}
		if timeName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == timeName {
				for _, r := range clockReaders {
					if sel.Sel.Name == r {
						t.Errorf("%s: %s.%s reads the wall clock; take the time as an input", fset.Position(sel.Pos()), timeName, r)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 5 {
		t.Fatalf("checked only %d files: the walk is broken", files)
	}
}

// The transitive dependencies must not reach a database driver layer or the
// network either. (os is reachable through fmt, so only the direct import is
// checked above.) database/sql/driver is allowed transitively: shopspring
// decimal and apd implement its Valuer interface.
func TestNoImpureTransitiveDependencies(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not on PATH (%v): transitive dependency check needs it", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-json", "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var pkg struct{ ImportPath string }
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		switch pkg.ImportPath {
		case "database/sql", "net/http", "net", "os/exec":
			t.Errorf("scoring depends on %s", pkg.ImportPath)
		}
		if path.Base(pkg.ImportPath) == "pgx" || strings.Contains(pkg.ImportPath, "sqlite") {
			t.Errorf("scoring depends on database driver %s", pkg.ImportPath)
		}
	}
	if seen < 10 {
		t.Fatalf("go list reported %d packages: the check is broken", seen)
	}
}
