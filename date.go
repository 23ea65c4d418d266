package lendkit

import (
	"fmt"
	"time"
)

// Date is a civil date — a day in the proleptic Gregorian calendar with no time
// zone — as schedules use them. The zero Date is "unset" (IsZero); valid dates
// run from year 1 to 9999. Date is comparable; order with Compare, Before and
// After.
type Date struct {
	y int32
	m uint8
	d uint8
}

// NewDate returns the date y-m-d, or ErrInvalidDate if it does not exist.
func NewDate(y int, m time.Month, d int) (Date, error) {
	if y < 1 || y > 9999 || m < time.January || m > time.December || d < 1 || d > DaysInMonth(y, m) {
		return Date{}, fmt.Errorf("%w: %04d-%02d-%02d", ErrInvalidDate, y, int(m), d)
	}
	return Date{y: int32(y), m: uint8(m), d: uint8(d)}, nil
}

// MustDate is NewDate for constants in programs and tests: it panics on error.
func MustDate(y int, m time.Month, d int) Date {
	dt, err := NewDate(y, m, d)
	if err != nil {
		panic(err)
	}
	return dt
}

// ParseDate parses an ISO 8601 calendar date, "2027-01-15".
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%w: %q is not YYYY-MM-DD", ErrInvalidDate, s)
	}
	num := func(t string) (int, bool) {
		n := 0
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return 0, false
			}
			n = n*10 + int(t[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%w: %q is not YYYY-MM-DD", ErrInvalidDate, s)
	}
	return NewDate(y, time.Month(m), d)
}

// MustParseDate is ParseDate for constants in programs and tests.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y: int32(y), m: uint8(m), d: uint8(d)}
}

// Year returns the year.
func (d Date) Year() int { return int(d.y) }

// Month returns the month.
func (d Date) Month() time.Month { return time.Month(d.m) }

// Day returns the day of the month.
func (d Date) Day() int { return int(d.d) }

// IsZero reports whether d is the zero (unset) Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as ISO 8601, "2027-01-15".
func (d Date) String() string {
	b := make([]byte, 0, 10)
	return string(d.appendISO(b))
}

func (d Date) appendISO(b []byte) []byte {
	y := int(d.y)
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+d.m/10), byte('0'+d.m%10), '-')
	return append(b, byte('0'+d.d/10), byte('0'+d.d%10))
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time {
	return time.Date(int(d.y), time.Month(d.m), int(d.d), 0, 0, 0, 0, time.UTC)
}

// Compare returns -1 if d is before e, 0 if equal, +1 if after.
func (d Date) Compare(e Date) int {
	switch {
	case d.y != e.y:
		return cmpInt(int(d.y), int(e.y))
	case d.m != e.m:
		return cmpInt(int(d.m), int(e.m))
	}
	return cmpInt(int(d.d), int(e.d))
}

func cmpInt(a, b int) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// AddDays returns d plus n days (n may be negative).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + int64(n)) }

// AddMonths returns d plus n months (n may be negative) by the end-of-month
// rule: the day of d is kept where the target month has it, otherwise the
// target month's last day is used. The rule applies from d, the anchor, so
// Jan 31 + 1 month = Feb 28 (29 in a leap year) and Jan 31 + 2 months = Mar 31;
// schedules therefore compute every due date from the same anchor rather than
// from the previous due date.
func (d Date) AddMonths(n int) Date {
	total := int(d.y)*12 + int(d.m) - 1 + n
	y, m := total/12, time.Month(total%12+1)
	day := min(int(d.d), DaysInMonth(y, m))
	return Date{y: int32(y), m: uint8(m), d: uint8(day)}
}

// AddYears returns d plus n years by the end-of-month rule (Feb 29 + 1 year =
// Feb 28).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// DaysBetween returns the number of days from a to b: positive when b is after a.
func DaysBetween(a, b Date) int { return int(b.days() - a.days()) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01, day 0, was a Thursday.
	w := (d.days() + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// IsLeapYear reports whether y is a leap year in the Gregorian calendar.
func IsLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DaysInMonth returns the number of days of month m of year y.
func DaysInMonth(y int, m time.Month) int {
	switch m {
	case time.February:
		if IsLeapYear(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// DaysInYear returns 366 for a leap year, 365 otherwise.
func DaysInYear(y int) int {
	if IsLeapYear(y) {
		return 366
	}
	return 365
}

// EndOfMonth returns the last day of d's month.
func (d Date) EndOfMonth() Date {
	return Date{y: d.y, m: d.m, d: uint8(DaysInMonth(int(d.y), time.Month(d.m)))}
}

// days returns the number of days since 1970-01-01 (Howard Hinnant's
// days_from_civil, exact over the whole proleptic Gregorian calendar).
func (d Date) days() int64 {
	y, m, dd := int64(d.y), int64(d.m), int64(d.d)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + dd - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days (civil_from_days).
func fromDays(z int64) Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y: int32(y), m: uint8(m), d: uint8(d)}
}

// MarshalText encodes d as "2027-01-15" (so JSON gets a string); the zero Date
// encodes as "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return d.appendISO(make([]byte, 0, 10)), nil
}

// UnmarshalText decodes "2027-01-15"; "" decodes as the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
