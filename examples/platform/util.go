package main

import (
	"github.com/shopspring/decimal"

	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// microTime formats unix microseconds as RFC 3339 UTC with microseconds.
func microTime(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// formatCursor encodes a (time, id) keyset position as an opaque token.
func formatCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "|" + id))
}

// parseCursor decodes formatCursor's token.
func parseCursor(s string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, "", err
	}
	a, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return 0, "", errors.New("bad cursor")
	}
	at, err := strconv.ParseInt(a, 10, 64)
	return at, id, err
}

var decimalHundred = decimal.NewFromInt(100)
