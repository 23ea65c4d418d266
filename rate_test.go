package lendkit_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/lendkit/lendkit"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, fraction, str string }{
		{"5.25%", "0.0525", "5.25%"},
		{"0.0525", "0.0525", "5.25%"},
		{" 12 % ", "0.12", "12%"},
		{"0%", "0", "0%"},
		{"-0.5%", "-0.005", "-0.5%"},
		{"9.4822%", "0.094822", "9.4822%"},
	}
	for _, tt := range tests {
		r, err := lendkit.ParseRate(tt.in)
		if err != nil {
			t.Fatalf("ParseRate(%q): %v", tt.in, err)
		}
		if !r.Decimal().Equal(decimal.RequireFromString(tt.fraction)) || r.String() != tt.str {
			t.Errorf("ParseRate(%q) = %s (%s), want %s (%s)", tt.in, r.Decimal(), r, tt.fraction, tt.str)
		}
		if back := lendkit.MustParseRate(r.String()); !back.Equal(r) {
			t.Errorf("ParseRate(%q) does not round-trip: %s", r.String(), back)
		}
	}
	for _, bad := range []string{"", "%", "abc", "5,25%", "1e-2", "5.25%%", "0x10"} {
		if _, err := lendkit.ParseRate(bad); !errors.Is(err, lendkit.ErrInvalidRate) {
			t.Errorf("ParseRate(%q) error = %v, want ErrInvalidRate", bad, err)
		}
	}
	var v struct{ R lendkit.Rate }
	if err := json.Unmarshal([]byte(`{"R":"3.5%"}`), &v); err != nil || v.R.String() != "3.5%" {
		t.Errorf("JSON rate = %v, %v", v.R, err)
	}
}
