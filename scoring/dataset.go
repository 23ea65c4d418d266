package scoring

import (
	"fmt"
	"math"
)

// Column is one characteristic's values over a data set: Num for a numeric
// column (NaN is missing), Cat for a categorical one ("" is missing).
type Column struct {
	Name string
	Kind Kind
	Num  []float64
	Cat  []string
}

// Dataset is a development sample: columns of equal length and, for each row,
// whether the loan went bad (defaulted). Values are float64: this is the
// statistics side of scoring (see the note on Scorecard).
type Dataset struct {
	Columns []Column
	Bad     []bool
}

// Len returns the number of rows.
func (d *Dataset) Len() int { return len(d.Bad) }

// Validate reports whether every column has one value per row, of its kind,
// and names are unique.
func (d *Dataset) Validate() error {
	n := len(d.Bad)
	seen := map[string]bool{}
	for _, c := range d.Columns {
		if c.Name == "" || seen[c.Name] {
			return fmt.Errorf("%w: column name %q empty or repeated", ErrInvalidInput, c.Name)
		}
		seen[c.Name] = true
		switch c.Kind {
		case Numeric:
			if len(c.Num) != n || c.Cat != nil {
				return fmt.Errorf("%w: numeric column %q has %d values for %d rows", ErrInvalidInput, c.Name, len(c.Num), n)
			}
			for i, v := range c.Num {
				if math.IsInf(v, 0) {
					return fmt.Errorf("%w: column %q row %d is infinite", ErrInvalidInput, c.Name, i)
				}
			}
		case Categorical:
			if len(c.Cat) != n || c.Num != nil {
				return fmt.Errorf("%w: categorical column %q has %d values for %d rows", ErrInvalidInput, c.Name, len(c.Cat), n)
			}
		default:
			return fmt.Errorf("%w: column %q has unknown kind %q", ErrInvalidInput, c.Name, c.Kind)
		}
	}
	return nil
}

// Column returns the column named name.
func (d *Dataset) Column(name string) (*Column, bool) {
	for i := range d.Columns {
		if d.Columns[i].Name == name {
			return &d.Columns[i], true
		}
	}
	return nil, false
}

// value returns row i of column c as a Value.
func (c *Column) value(i int) Value {
	if c.Kind == Numeric {
		return Num(c.Num[i])
	}
	return Cat(c.Cat[i])
}

// Row returns row i as Features, every column included.
func (d *Dataset) Row(i int) Features {
	f := make(Features, len(d.Columns))
	for k := range d.Columns {
		f[d.Columns[k].Name] = d.Columns[k].value(i)
	}
	return f
}

// Subset returns the rows idx (in that order) as a new data set.
func (d *Dataset) Subset(idx []int) Dataset {
	out := Dataset{Bad: make([]bool, len(idx)), Columns: make([]Column, len(d.Columns))}
	for k, i := range idx {
		out.Bad[k] = d.Bad[i]
	}
	for c, col := range d.Columns {
		nc := Column{Name: col.Name, Kind: col.Kind}
		if col.Kind == Numeric {
			nc.Num = make([]float64, len(idx))
			for k, i := range idx {
				nc.Num[k] = col.Num[i]
			}
		} else {
			nc.Cat = make([]string, len(idx))
			for k, i := range idx {
				nc.Cat[k] = col.Cat[i]
			}
		}
		out.Columns[c] = nc
	}
	return out
}
