// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_build.h"

static void room(struct dmsg *m, size_t n)
{
	if (m->len + n > DM_MAX) {
		fprintf(stderr, "dns_build: message over %d bytes\n", DM_MAX);
		abort();
	}
}

void dm_init(struct dmsg *m)
{
	memset(m, 0, sizeof(*m));
}

void dm_u8(struct dmsg *m, unsigned int v)
{
	room(m, 1);
	m->b[m->len++] = (uint8_t)v;
}

void dm_u16(struct dmsg *m, unsigned int v)
{
	dm_u8(m, v >> 8);
	dm_u8(m, v);
}

void dm_u32(struct dmsg *m, uint32_t v)
{
	dm_u16(m, v >> 16);
	dm_u16(m, v & 0xffff);
}

void dm_bytes(struct dmsg *m, const void *p, size_t n)
{
	room(m, n);
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

void dm_fill(struct dmsg *m, unsigned int byte, size_t n)
{
	room(m, n);
	memset(m->b + m->len, (int)byte, n);
	m->len += n;
}

void dm_set16(struct dmsg *m, size_t off, unsigned int v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

void dm_header(struct dmsg *m, unsigned int id, unsigned int flags, unsigned int qd,
	       unsigned int an, unsigned int ns, unsigned int ar)
{
	dm_u16(m, id);
	dm_u16(m, flags);
	dm_u16(m, qd);
	dm_u16(m, an);
	dm_u16(m, ns);
	dm_u16(m, ar);
}

size_t dm_labels(struct dmsg *m, const char *name)
{
	size_t start = m->len;
	const char *p = name;

	while (*p && strcmp(p, ".")) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		dm_label(m, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return start;
}

size_t dm_name(struct dmsg *m, const char *name)
{
	size_t start = dm_labels(m, name);

	dm_u8(m, 0);
	return start;
}

void dm_label(struct dmsg *m, const void *bytes, size_t n)
{
	dm_u8(m, (unsigned int)n);
	dm_bytes(m, bytes, n);
}

void dm_ptr(struct dmsg *m, unsigned int off)
{
	dm_u16(m, 0xc000 | off);
}

size_t dm_name_ptr(struct dmsg *m, const char *name, unsigned int off)
{
	size_t start = dm_labels(m, name);

	dm_ptr(m, off);
	return start;
}

size_t dm_question(struct dmsg *m, const char *name, unsigned int type,
		   unsigned int class)
{
	size_t at = dm_name(m, name);

	dm_u16(m, type);
	dm_u16(m, class);
	return at;
}

void dm_opt(struct dmsg *m, unsigned int udp, unsigned int version,
	    unsigned int flags, const void *rdata, size_t rdlen)
{
	dm_u8(m, 0);
	dm_u16(m, 41);
	dm_u16(m, udp);
	dm_u8(m, 0);
	dm_u8(m, version);
	dm_u16(m, flags);
	dm_u16(m, (unsigned int)rdlen);
	if (rdlen)
		dm_bytes(m, rdata, rdlen);
}

void dm_rr(struct dmsg *m, unsigned int type, unsigned int class, uint32_t ttl,
	   unsigned int rdlen)
{
	dm_u16(m, type);
	dm_u16(m, class);
	dm_u32(m, ttl);
	dm_u16(m, rdlen);
}

void dm_addr_rr(struct dmsg *m, unsigned int owner, const char *addr, uint32_t ttl)
{
	uint8_t a[16];

	dm_ptr(m, owner);
	if (inet_pton(AF_INET, addr, a) == 1) {
		dm_rr(m, 1, 1, ttl, 4);
		dm_bytes(m, a, 4);
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		dm_rr(m, 28, 1, ttl, 16);
		dm_bytes(m, a, 16);
	} else {
		abort();
	}
}

size_t dm_cname_rr(struct dmsg *m, unsigned int owner, const char *target, uint32_t ttl)
{
	size_t rdlen_at, at;

	dm_ptr(m, owner);
	dm_rr(m, 5, 1, ttl, 0);
	rdlen_at = m->len - 2;
	at = dm_name(m, target);
	dm_set16(m, rdlen_at, (unsigned int)(m->len - at));
	return at;
}

void dm_addr16(const char *addr, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, addr, out + 12) == 1) {
		out[10] = out[11] = 0xff;
		return;
	}
	if (inet_pton(AF_INET6, addr, out) != 1)
		abort();
}
