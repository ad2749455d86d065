// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

void egress_prom_init(struct egress_prom *p)
{
	memset(p, 0, sizeof(*p));
}

void egress_prom_free(struct egress_prom *p)
{
	for (int i = 0; i < p->n_families; i++)
		free(p->families[i]);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

int egress_prom_error(const struct egress_prom *p)
{
	return p->err;
}

const char *egress_prom_text(const struct egress_prom *p)
{
	return p->buf ? p->buf : "";
}

size_t egress_prom_len(const struct egress_prom *p)
{
	return p->len;
}

static int fail(struct egress_prom *p, int err)
{
	if (!p->err)
		p->err = err;
	return p->err;
}

static int reserve(struct egress_prom *p, size_t more)
{
	size_t cap;
	char *b;

	if (p->len + more + 1 <= p->cap)
		return 0;
	cap = p->cap ? p->cap : 4096;
	while (cap < p->len + more + 1)
		cap *= 2;
	b = realloc(p->buf, cap);
	if (!b)
		return fail(p, -ENOMEM);
	p->buf = b;
	p->cap = cap;
	return 0;
}

static int put(struct egress_prom *p, const char *s, size_t n)
{
	if (p->err || reserve(p, n))
		return p->err;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

static int puts_(struct egress_prom *p, const char *s)
{
	return put(p, s, strlen(s));
}

static int printf_(struct egress_prom *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int printf_(struct egress_prom *p, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return fail(p, -EINVAL);
	return put(p, tmp, (size_t)n);
}

/*
 * Escapes for HELP (backslash, newline) and, with quote, for label values
 * (also the double quote).
 */
static int put_escaped(struct egress_prom *p, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(p, "\\\\");
		else if (*s == '\n')
			puts_(p, "\\n");
		else if (*s == '"' && quote)
			puts_(p, "\\\"");
		else
			put(p, s, 1);
	}
	return p->err;
}

int egress_prom_valid_name(const char *s, int label)
{
	if (!s || !*s)
		return 0;
	for (const char *c = s; *c; c++) {
		int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			 *c == '_' || (*c == ':' && !label) ||
			 (c != s && *c >= '0' && *c <= '9');

		if (!ok)
			return 0;
	}
	/* label names starting with __ are reserved */
	return !(label && s[0] == '_' && s[1] == '_');
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int egress_prom_family(struct egress_prom *p, const char *name, enum egress_prom_type type,
		       const char *help)
{
	static const char *const types[] = { "counter", "gauge", "untyped" };

	if (p->err)
		return p->err;
	if (!egress_prom_valid_name(name, 0) || strlen(name) >= sizeof(p->family) ||
	    (unsigned int)type > EGRESS_PROM_UNTYPED ||
	    (type == EGRESS_PROM_COUNTER) != ends_with(name, "_total"))
		return fail(p, -EINVAL);
	for (int i = 0; i < p->n_families; i++)
		if (!strcmp(p->families[i], name))
			return fail(p, -EEXIST);
	if (p->n_families == EGRESS_PROM_MAX_FAMILIES)
		return fail(p, -E2BIG);
	p->families[p->n_families] = strdup(name);
	if (!p->families[p->n_families])
		return fail(p, -ENOMEM);
	p->n_families++;
	strcpy(p->family, name);

	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	put_escaped(p, help ? help : "", 0);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, types[type]);
	return puts_(p, "\n");
}

static int put_labels(struct egress_prom *p, const char *const *labels)
{
	if (!labels || !labels[0])
		return 0;
	puts_(p, "{");
	for (int i = 0; labels[i]; i += 2) {
		if (!labels[i + 1] || !egress_prom_valid_name(labels[i], 1))
			return fail(p, -EINVAL);
		/* a label name twice in one sample is invalid */
		for (int j = 0; j < i; j += 2)
			if (!strcmp(labels[i], labels[j]))
				return fail(p, -EINVAL);
		if (i)
			puts_(p, ",");
		puts_(p, labels[i]);
		puts_(p, "=\"");
		put_escaped(p, labels[i + 1], 1);
		puts_(p, "\"");
	}
	return puts_(p, "}");
}

static int sample_begin(struct egress_prom *p, const char *const *labels)
{
	if (p->err)
		return p->err;
	if (!p->family[0])
		return fail(p, -EINVAL);
	puts_(p, p->family);
	put_labels(p, labels);
	return puts_(p, " ");
}

int egress_prom_sample(struct egress_prom *p, const char *const *labels, double value)
{
	if (sample_begin(p, labels))
		return p->err;
	if (isnan(value))
		puts_(p, "NaN");
	else if (isinf(value))
		puts_(p, value > 0 ? "+Inf" : "-Inf");
	else if (value == (double)(int64_t)value && fabs(value) < 9007199254740992.0)
		printf_(p, "%" PRId64, (int64_t)value);
	else
		printf_(p, "%.17g", value);
	return puts_(p, "\n");
}

int egress_prom_sample_u64(struct egress_prom *p, const char *const *labels,
			   uint64_t value)
{
	if (sample_begin(p, labels))
		return p->err;
	printf_(p, "%" PRIu64, value);
	return puts_(p, "\n");
}
