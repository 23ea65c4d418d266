package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPI validates openapi.json structurally (OpenAPI 3.1 shape, unique
// operation ids, described responses, declared path parameters, every $ref
// resolving) and checks it against the route table both ways: every served
// route is documented with its roles and idempotency requirement, and every
// documented operation is served.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi version %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if s, _ := info["title"].(string); s == "" {
		t.Error("info.title is empty")
	}
	if s, _ := info["version"].(string); s == "" {
		t.Error("info.version is empty")
	}
	// Every $ref resolves to something in the document.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if _, err := resolvePointer(doc, ref); err != nil {
					t.Errorf("%s: $ref %q: %v", path, ref, err)
				}
			}
			for k, c := range x {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", path, i), c)
			}
		}
	}
	walk("#", doc)
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name, s := range schemas {
		if m, _ := s.(map[string]any); m["type"] == nil {
			t.Errorf("schema %s has no type", name)
		}
	}

	type op struct {
		roles []string
		money string
		idem  bool
	}
	documented := map[string]op{}
	ids := map[string]string{}
	paramRE := regexp.MustCompile(`\{(\w+)\}`)
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		if !strings.HasPrefix(p, "/") {
			t.Errorf("path %q does not start with /", p)
		}
		for method, o := range item.(map[string]any) {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				t.Errorf("%s: unknown method %q", p, method)
				continue
			}
			where := strings.ToUpper(method) + " " + p
			m := o.(map[string]any)
			id, _ := m["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("operationId %s on %s and %s", id, prev, where)
			}
			ids[id] = where
			resps, _ := m["responses"].(map[string]any)
			if len(resps) == 0 {
				t.Errorf("%s: no responses", where)
			}
			for code, r := range resps {
				rm, _ := r.(map[string]any)
				if d, _ := rm["description"].(string); d == "" {
					t.Errorf("%s: response %s has no description", where, code)
				}
			}
			var o2 op
			declared := map[string]bool{}
			params, _ := m["parameters"].([]any)
			for _, prm := range params {
				pm := prm.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					r, err := resolvePointer(doc, ref)
					if err != nil {
						continue // reported by the walk
					}
					pm = r.(map[string]any)
				}
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v not required", where, pm["name"])
					}
				}
				if pm["in"] == "header" && pm["name"] == idempotencyHeader && pm["required"] == true {
					o2.idem = true
				}
			}
			for _, mm := range paramRE.FindAllStringSubmatch(p, -1) {
				if !declared[mm[1]] {
					t.Errorf("%s: path parameter %s not declared", where, mm[1])
				}
				delete(declared, mm[1])
			}
			for n := range declared {
				t.Errorf("%s: declares path parameter %s absent from the path", where, n)
			}
			if rs, ok := m["x-roles"].([]any); ok {
				for _, r := range rs {
					o2.roles = append(o2.roles, r.(string))
				}
			}
			o2.money, _ = m["x-money"].(string)
			documented[where] = o2
		}
	}

	s, err := newServer(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, rt := range s.routes() {
		where := rt.method + " " + rt.path
		served[where] = true
		d, ok := documented[where]
		if !ok {
			t.Errorf("served route %s is not documented", where)
			continue
		}
		var want []string
		for _, r := range rt.roles {
			want = append(want, string(r))
		}
		if diff := cmp.Diff(want, d.roles, cmpSorted); diff != "" {
			t.Errorf("%s: x-roles differ from the route's roles (-route +doc):\n%s", where, diff)
		}
		wantMoney := ""
		switch {
		case rt.money:
			wantMoney = "money"
		case rt.keyed:
			wantMoney = "keyed"
		}
		if d.money != wantMoney || d.idem != (wantMoney != "") {
			t.Errorf("%s: x-money %q, Idempotency-Key required %v; the route moves money: %q", where, d.money, d.idem, wantMoney)
		}
	}
	var extra []string
	for where := range documented {
		if !served[where] {
			extra = append(extra, where)
		}
	}
	sort.Strings(extra)
	for _, w := range extra {
		t.Errorf("documented operation %s is not served", w)
	}
}

// resolvePointer resolves a local JSON pointer ("#/components/schemas/X").
func resolvePointer(doc map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("not a local reference")
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not an object", tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
	}
	return cur, nil
}

// TestOpenAPIServed: the document the server serves is the file.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	tb := setup(t, backends[0])
	r := tb.do(t, "GET", "/openapi.json", "", nil).must(t, 200)
	if strings.TrimSpace(string(r.body)) != strings.TrimSpace(string(openAPISpec)) {
		t.Error("served /openapi.json differs from openapi.json")
	}
}
