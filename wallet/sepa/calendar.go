package sepa

import (
	"time"

	"github.com/lendkit/lendkit"
)

// IsTargetDay reports whether d is a TARGET2 business day, the calendar SEPA
// interbank settlement follows: every weekday except 1 January, Good Friday,
// Easter Monday, 1 May, 25 and 26 December.
func IsTargetDay(d lendkit.Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	m, day := d.Month(), d.Day()
	switch {
	case m == time.January && day == 1, m == time.May && day == 1,
		m == time.December && (day == 25 || day == 26):
		return false
	}
	easter := Easter(d.Year())
	return d != easter.AddDays(-2) && d != easter.AddDays(1)
}

// Easter returns Easter Sunday of year y in the Gregorian calendar (the
// anonymous Gregorian algorithm, Meeus/Jones/Butcher).
func Easter(y int) lendkit.Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return lendkit.MustDate(y, time.Month(month), day)
}

// NextTargetDay returns d if it is a TARGET2 business day, otherwise the next
// one. A collection due on a closing day settles on the next business day.
func NextTargetDay(d lendkit.Date) lendkit.Date {
	for range 10 { // at most 4 consecutive closing days (Good Friday to Easter Monday)
		if IsTargetDay(d) {
			return d
		}
		d = d.AddDays(1)
	}
	return d
}

// AddTargetDays moves d by n TARGET2 business days (n may be negative); the
// result is a business day. AddTargetDays(d, -1) is "D-1".
func AddTargetDays(d lendkit.Date, n int) lendkit.Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if IsTargetDay(d) {
			n--
		}
	}
	return d
}
