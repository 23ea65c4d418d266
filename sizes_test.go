package lendkit_test

import (
	"testing"
	"unsafe"

	"github.com/lendkit/lendkit"
)

// TestSizes keeps the vocabulary small: schedules, projections and dispersals
// hold hundreds of thousands of these values.
func TestSizes(t *testing.T) {
	t.Parallel()
	if got := unsafe.Sizeof(lendkit.Money{}); got != 16 {
		t.Errorf("Money is %d bytes, want 16", got)
	}
	if got := unsafe.Sizeof(lendkit.Currency{}); got != 2 {
		t.Errorf("Currency is %d bytes, want 2", got)
	}
	if got := unsafe.Sizeof(lendkit.Date{}); got != 8 {
		t.Errorf("Date is %d bytes, want 8", got)
	}
}
