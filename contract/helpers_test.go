package contract

import (
	"errors"

	"github.com/google/go-cmp/cmp"
	"github.com/lendkit/lendkit"

	"github.com/shopspring/decimal"
)

func errorIs(err, target error) bool { return errors.Is(err, target) }

type decimalValue = decimal.Decimal

func decimalFromInt(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// moneyEqual lets cmp compare lendkit.Money (unexported fields) by value.
var moneyEqual = cmp.Comparer(func(a, b lendkit.Money) bool { return a == b })
