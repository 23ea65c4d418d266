package contract

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPurePackage keeps contract pure, as DESIGN.md requires: no database,
// no network client, no wall clock in non-test code.
func TestPurePackage(t *testing.T) {
	t.Parallel()
	forbidden := []string{"database/sql", "net/http", "os/exec", "github.com/jackc/pgx/v5", "modernc.org/sqlite", "github.com/lendkit/lendkit/store/sqlite", "github.com/lendkit/lendkit/store/postgres"}
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			for _, bad := range forbidden {
				if strings.Trim(imp.Path.Value, `"`) == bad {
					t.Errorf("%s imports %s", path, bad)
				}
			}
		}
		if strings.Contains(string(src), "time.Now(") {
			t.Errorf("%s reads the wall clock; take a lendkit.Clock", path)
		}
	}
}
