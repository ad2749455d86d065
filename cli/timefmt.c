// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

/* Reads exactly n digits; returns the position after them or NULL. */
static const char *digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return NULL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return s + n;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

int ctl_time_parse_rfc3339(const char *s, time_t *out)
{
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	struct tm tm = { 0 };
	const char *p = s;
	time_t t;

	if (!(p = digits(p, 4, &year)) || *p++ != '-' ||
	    !(p = digits(p, 2, &mon)) || *p++ != '-' ||
	    !(p = digits(p, 2, &day)))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (!(p = digits(p, 2, &hour)) || *p++ != ':' ||
	    !(p = digits(p, 2, &min)) || *p++ != ':' ||
	    !(p = digits(p, 2, &sec)))
		return -EINVAL;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!(p = digits(p, 2, &oh)) || *p++ != ':' || !(p = digits(p, 2, &om)))
			return -EINVAL;
		if (oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) ||
	    hour > 23 || min > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

int ctl_time_parse_since(const char *s, time_t now, time_t *out)
{
	unsigned long long n, unit;
	char *end;

	if (!ctl_time_parse_rfc3339(s, out))
		return 0;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || !end[0] || end[1])
		return -EINVAL;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -EINVAL;
	}
	if (n > (unsigned long long)now / unit)
		return -EINVAL;
	*out = now - (time_t)(n * unit);
	return 0;
}

const char *ctl_time_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const char *ctl_time_local(time_t t, char *buf, size_t len)
{
	char when[40], zone[8];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* +hhmm -> +hh:mm */
	snprintf(buf, len, "%s%.3s:%.2s", when, zone, zone + 3);
	return buf;
}
