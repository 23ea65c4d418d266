package amortization

import (
	"fmt"
	"strings"

	"github.com/lendkit/lendkit"
)

// DayCount is the convention that turns the days between two dates into a
// fraction of a year for interest. The zero value, Periodic, means the
// schedule is not day-based: every regular period is exactly 1/n of a year.
type DayCount uint8

const (
	// Periodic is not a day count: each regular period accrues the periodic
	// rate, whatever its length in days (the usual consumer-credit convention).
	Periodic DayCount = iota
	// Thirty360EU is 30E/360 (Eurobond basis): day 31 becomes day 30 on both
	// ends; every month counts 30 days.
	Thirty360EU
	// Thirty360US is 30/360 US (bond basis with the end-of-February rule):
	// the last day of February counts as day 30 at the start (and at the end
	// when the start is also the last day of February); an end day 31 becomes
	// 30 only when the start day is 30 or 31.
	Thirty360US
	// Act360 is actual days / 360.
	Act360
	// Act365F is actual days / 365, leap years included (fixed).
	Act365F
	// ActActISDA splits the days by calendar year: days in a leap year count
	// 1/366, other days 1/365.
	ActActISDA
)

var dayCountNames = [...]string{"periodic", "30/360-eu", "30/360-us", "act/360", "act/365f", "act/act-isda"}

// String returns the name ParseDayCount accepts ("act/365f", …).
func (dc DayCount) String() string {
	if int(dc) < len(dayCountNames) {
		return dayCountNames[dc]
	}
	return fmt.Sprintf("DayCount(%d)", uint8(dc))
}

// ParseDayCount returns the day count named s, case-insensitively:
// "periodic", "30/360-eu" (or "30e/360"), "30/360-us" (or "30/360"),
// "act/360", "act/365f" (or "act/365"), "act/act-isda" (or "act/act").
func ParseDayCount(s string) (DayCount, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "periodic":
		return Periodic, nil
	case "30/360-eu", "30e/360":
		return Thirty360EU, nil
	case "30/360-us", "30/360":
		return Thirty360US, nil
	case "act/360":
		return Act360, nil
	case "act/365f", "act/365":
		return Act365F, nil
	case "act/act-isda", "act/act":
		return ActActISDA, nil
	}
	return 0, fmt.Errorf("%w: unknown day count %q (want periodic, 30/360-eu, 30/360-us, act/360, act/365f or act/act-isda)", ErrInvalidArgument, s)
}

// YearFraction returns the fraction of a year from from to to under dc as an
// exact ratio num/den (den > 0); num is negative when to is before from. For
// Periodic it uses ACT/365F, the convention for a broken period when the
// schedule itself is not day-based.
func YearFraction(dc DayCount, from, to lendkit.Date) (num, den int64) {
	if to.Before(from) {
		n, d := YearFraction(dc, to, from)
		return -n, d
	}
	switch dc {
	case Thirty360EU:
		d1, d2 := min(from.Day(), 30), min(to.Day(), 30)
		return days360(from, to, d1, d2), 360
	case Thirty360US:
		d1, d2 := from.Day(), to.Day()
		lastFeb := func(d lendkit.Date) bool { return d.Month() == 2 && d.Day() == lendkit.DaysInMonth(d.Year(), 2) }
		if lastFeb(from) && lastFeb(to) {
			d2 = 30
		}
		if lastFeb(from) {
			d1 = 30
		}
		if d2 == 31 && d1 >= 30 {
			d2 = 30
		}
		if d1 == 31 {
			d1 = 30
		}
		return days360(from, to, d1, d2), 360
	case Act360:
		return int64(lendkit.DaysBetween(from, to)), 360
	case ActActISDA:
		// Σ days in leap years / 366 + Σ other days / 365, over one denominator.
		var leap, common int64
		for y := from.Year(); y <= to.Year(); y++ {
			a := from
			if y > from.Year() {
				a = lendkit.MustDate(y, 1, 1)
			}
			b := to
			if y < to.Year() {
				b = lendkit.MustDate(y+1, 1, 1)
			}
			n := int64(lendkit.DaysBetween(a, b))
			if lendkit.IsLeapYear(y) {
				leap += n
			} else {
				common += n
			}
		}
		return common*366 + leap*365, 365 * 366
	default: // Act365F, Periodic
		return int64(lendkit.DaysBetween(from, to)), 365
	}
}

func days360(from, to lendkit.Date, d1, d2 int) int64 {
	return int64(360*(to.Year()-from.Year()) + 30*(int(to.Month())-int(from.Month())) + d2 - d1)
}
