/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS messages built byte by byte for the tests: a header, names as labels
 * (with or without the root label, or ending in a pointer), questions,
 * records and OPT records, and offsets to patch afterwards.
 */
#ifndef EGRESS_TEST_DNS_BUILD_H
#define EGRESS_TEST_DNS_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define DM_MAX	8192

struct dmsg {
	uint8_t b[DM_MAX];
	size_t len;
};

void dm_init(struct dmsg *m);
void dm_u8(struct dmsg *m, unsigned int v);
void dm_u16(struct dmsg *m, unsigned int v);
void dm_u32(struct dmsg *m, uint32_t v);
void dm_bytes(struct dmsg *m, const void *p, size_t n);
void dm_fill(struct dmsg *m, unsigned int byte, size_t n);
void dm_set16(struct dmsg *m, size_t off, unsigned int v);

/* The header: flags as on the wire (QR 0x8000, RD 0x0100, ...). */
void dm_header(struct dmsg *m, unsigned int id, unsigned int flags, unsigned int qd,
	       unsigned int an, unsigned int ns, unsigned int ar);

/*
 * The labels of a dotted name ("www.example.com"; "" or "." for none),
 * without the root label. Returns the offset of the first.
 */
size_t dm_labels(struct dmsg *m, const char *name);
/* ... and the root label: a whole name. */
size_t dm_name(struct dmsg *m, const char *name);
/* One label of n raw bytes (any length byte, any contents). */
void dm_label(struct dmsg *m, const void *bytes, size_t n);
/* A compression pointer to off. */
void dm_ptr(struct dmsg *m, unsigned int off);
/* The labels of name and a pointer to off (name "": the pointer alone). */
size_t dm_name_ptr(struct dmsg *m, const char *name, unsigned int off);

/* A question: the name, QTYPE, QCLASS. Returns the name's offset. */
size_t dm_question(struct dmsg *m, const char *name, unsigned int type,
		   unsigned int class);

/* An OPT record: root owner, UDP size, extended rcode, version, flags, options. */
void dm_opt(struct dmsg *m, unsigned int udp, unsigned int version,
	    unsigned int flags, const void *rdata, size_t rdlen);

/* After an owner name: type, class, TTL, RDLENGTH. */
void dm_rr(struct dmsg *m, unsigned int type, unsigned int class, uint32_t ttl,
	   unsigned int rdlen);
/* An A or AAAA record (by the address's form) with owner pointer owner. */
void dm_addr_rr(struct dmsg *m, unsigned int owner, const char *addr, uint32_t ttl);
/* A CNAME record, owner pointer owner, target labels then root. Returns the target's offset. */
size_t dm_cname_rr(struct dmsg *m, unsigned int owner, const char *target, uint32_t ttl);

/* IPv4-mapped or plain IPv6 form of an address, as eg_dns_addr holds it. */
void dm_addr16(const char *addr, uint8_t out[16]);

#endif /* EGRESS_TEST_DNS_BUILD_H */
