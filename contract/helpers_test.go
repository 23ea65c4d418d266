package contract

import (
	"errors"

	"github.com/shopspring/decimal"
)

func errorIs(err, target error) bool { return errors.Is(err, target) }

type decimalValue = decimal.Decimal

func decimalFromInt(n int64) decimal.Decimal { return decimal.NewFromInt(n) }
