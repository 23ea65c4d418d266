package contract

import (
	"fmt"
	"html/template"
	"reflect"
	"text/template/parse"
)

// checker walks a parsed template and resolves every field and method
// reference against the Go type the template will execute on, so that a
// template naming a field that does not exist ({{.Borrower.Birthday}}) or a
// message key the catalog lacks ({{t "withdrawl"}}) fails when it is loaded,
// in every branch, not only in the branches one sample happens to take.
// Where the type is not static (an interface value), checking stops for that
// expression; the sample executions done at load time cover the rest.
type checker struct {
	set   *template.Template
	funcs template.FuncMap
	seen  map[string]bool // "template name|dot type" already checked
	depth int
}

// maxTemplateDepth bounds {{template}} recursion in the checker, as
// text/template bounds it at execution.
const maxTemplateDepth = 100

func checkTemplate(set *template.Template, root string, dot reflect.Type, funcs template.FuncMap) error {
	c := &checker{set: set, funcs: funcs, seen: map[string]bool{}}
	return c.template(root, dot)
}

func (c *checker) template(name string, dot reflect.Type) error {
	key := name + "|" + typeName(dot)
	if c.seen[key] {
		return nil
	}
	c.seen[key] = true
	t := c.set.Lookup(name)
	if t == nil || t.Tree == nil {
		return fmt.Errorf("no template named %q", name)
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxTemplateDepth {
		return fmt.Errorf("template %q: {{template}} calls nest deeper than %d", name, maxTemplateDepth)
	}
	vars := map[string]reflect.Type{"$": dot}
	return c.list(t.Tree, t.Tree.Root, dot, vars)
}

type scope = map[string]reflect.Type

func copyScope(s scope) scope {
	out := make(scope, len(s))
	for k, v := range s {
		out[k] = v
	}
	return out
}

func (c *checker) list(tree *parse.Tree, l *parse.ListNode, dot reflect.Type, vars scope) error {
	if l == nil {
		return nil
	}
	for _, n := range l.Nodes {
		if err := c.node(tree, n, dot, vars); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) node(tree *parse.Tree, n parse.Node, dot reflect.Type, vars scope) error {
	fail := func(err error) error {
		loc, _ := tree.ErrorContext(n)
		return fmt.Errorf("%s: %w", loc, err)
	}
	switch n := n.(type) {
	case *parse.ActionNode:
		if _, err := c.pipe(n.Pipe, dot, vars); err != nil {
			return fail(err)
		}
	case *parse.IfNode:
		return c.branch(tree, &n.BranchNode, dot, vars, false)
	case *parse.WithNode:
		return c.branch(tree, &n.BranchNode, dot, vars, true)
	case *parse.RangeNode:
		inner := copyScope(vars)
		t, err := c.pipeNoDecl(n.Pipe, dot, vars)
		if err != nil {
			return fail(err)
		}
		key, elem := rangeTypes(t)
		switch len(n.Pipe.Decl) {
		case 1:
			inner[n.Pipe.Decl[0].Ident[0]] = elem
		case 2:
			inner[n.Pipe.Decl[0].Ident[0]] = key
			inner[n.Pipe.Decl[1].Ident[0]] = elem
		}
		if err := c.list(tree, n.List, elem, inner); err != nil {
			return err
		}
		return c.list(tree, n.ElseList, dot, copyScope(vars))
	case *parse.TemplateNode:
		arg := reflect.Type(nil)
		if n.Pipe != nil {
			t, err := c.pipe(n.Pipe, dot, vars)
			if err != nil {
				return fail(err)
			}
			arg = t
		}
		if err := c.template(n.Name, arg); err != nil {
			return fail(err)
		}
	}
	return nil
}

func (c *checker) branch(tree *parse.Tree, b *parse.BranchNode, dot reflect.Type, vars scope, with bool) error {
	inner := copyScope(vars)
	t, err := c.pipe(b.Pipe, dot, inner)
	if err != nil {
		loc, _ := tree.ErrorContext(b)
		return fmt.Errorf("%s: %w", loc, err)
	}
	body := dot
	if with {
		body = t
	}
	if err := c.list(tree, b.List, body, inner); err != nil {
		return err
	}
	return c.list(tree, b.ElseList, dot, copyScope(vars))
}

// pipe checks a pipeline and returns its result type (nil when unknown); a
// declaration binds the variable in vars.
func (c *checker) pipe(p *parse.PipeNode, dot reflect.Type, vars scope) (reflect.Type, error) {
	t, err := c.pipeNoDecl(p, dot, vars)
	if err != nil {
		return nil, err
	}
	for _, v := range p.Decl {
		vars[v.Ident[0]] = t
	}
	return t, nil
}

func (c *checker) pipeNoDecl(p *parse.PipeNode, dot reflect.Type, vars scope) (reflect.Type, error) {
	if p == nil {
		return nil, nil
	}
	var last reflect.Type
	for _, cmd := range p.Cmds {
		t, err := c.command(cmd, dot, vars)
		if err != nil {
			return nil, err
		}
		last = t
	}
	return last, nil
}

func (c *checker) command(cmd *parse.CommandNode, dot reflect.Type, vars scope) (reflect.Type, error) {
	for _, a := range cmd.Args[1:] {
		if _, err := c.arg(a, dot, vars); err != nil {
			return nil, err
		}
	}
	switch first := cmd.Args[0].(type) {
	case *parse.IdentifierNode:
		if first.Ident == "t" && len(cmd.Args) > 1 {
			if s, ok := cmd.Args[1].(*parse.StringNode); ok && !hasMessage(s.Text) {
				return nil, fmt.Errorf("unknown message key %q", s.Text)
			}
		}
		return c.funcResult(first.Ident), nil
	}
	return c.arg(cmd.Args[0], dot, vars)
}

// funcResult returns the first result type of a template function, or nil
// for builtins whose result depends on their arguments.
func (c *checker) funcResult(name string) reflect.Type {
	f, ok := c.funcs[name]
	if !ok {
		switch name {
		case "and", "or", "index", "slice", "call":
			return nil
		case "not", "eq", "ne", "lt", "le", "gt", "ge":
			return reflect.TypeFor[bool]()
		case "len":
			return reflect.TypeFor[int]()
		}
		return reflect.TypeFor[string]() // print, printf, println, html, js, urlquery
	}
	ft := reflect.TypeOf(f)
	if ft.NumOut() == 0 {
		return nil
	}
	return ft.Out(0)
}

func (c *checker) arg(n parse.Node, dot reflect.Type, vars scope) (reflect.Type, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot, nil
	case *parse.FieldNode:
		return fieldChain(dot, n.Ident)
	case *parse.VariableNode:
		t, ok := vars[n.Ident[0]]
		if !ok {
			return nil, nil // declared in a scope the checker does not track
		}
		return fieldChain(t, n.Ident[1:])
	case *parse.ChainNode:
		var base reflect.Type
		var err error
		if p, ok := n.Node.(*parse.PipeNode); ok {
			base, err = c.pipeNoDecl(p, dot, copyScope(vars))
		} else {
			base, err = c.arg(n.Node, dot, vars)
		}
		if err != nil {
			return nil, err
		}
		return fieldChain(base, n.Field)
	case *parse.PipeNode:
		return c.pipeNoDecl(n, dot, copyScope(vars))
	case *parse.IdentifierNode:
		return c.funcResult(n.Ident), nil
	case *parse.StringNode:
		return reflect.TypeFor[string](), nil
	case *parse.BoolNode:
		return reflect.TypeFor[bool](), nil
	case *parse.NumberNode:
		return nil, nil
	}
	return nil, nil
}

// fieldChain resolves .A.B.C from t, as text/template does: through
// pointers, struct fields (promoted ones too), methods (value or pointer
// receiver) and map values. A nil t (unknown) resolves to unknown.
func fieldChain(t reflect.Type, names []string) (reflect.Type, error) {
	for _, name := range names {
		if t == nil {
			return nil, nil
		}
		if m, ok := methodOf(t, name); ok {
			if m.Type.NumOut() == 0 {
				return nil, fmt.Errorf("method %s.%s returns nothing", typeName(t), name)
			}
			t = m.Type.Out(0)
			continue
		}
		base := t
		for base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		switch base.Kind() {
		case reflect.Struct:
			f, ok := base.FieldByName(name)
			if !ok || !f.IsExported() {
				return nil, fmt.Errorf("%s has no field or method %s", typeName(base), name)
			}
			t = f.Type
		case reflect.Map:
			t = base.Elem()
		case reflect.Interface:
			return nil, nil
		default:
			return nil, fmt.Errorf("can't evaluate field %s in type %s", name, typeName(base))
		}
	}
	return t, nil
}

func methodOf(t reflect.Type, name string) (reflect.Method, bool) {
	if m, ok := t.MethodByName(name); ok {
		return m, true
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		return reflect.PointerTo(t).MethodByName(name)
	}
	return reflect.Method{}, false
}

func rangeTypes(t reflect.Type) (key, elem reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return nil, nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return reflect.TypeFor[int](), t.Elem()
	case reflect.Map:
		return t.Key(), t.Elem()
	case reflect.Int:
		return t, t
	}
	return nil, nil
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "?"
	}
	return t.String()
}
