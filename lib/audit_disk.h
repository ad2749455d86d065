/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit log's on-disk format, shared by its writer (auditlog.c) and
 * its readers (audit_read.c). Internal to libegress.
 */
#ifndef EGRESS_AUDIT_DISK_H
#define EGRESS_AUDIT_DISK_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auditlog.h"

/*
 * On disk, all integers little-endian.
 *
 * Segment header (24 bytes): "EGAUDIT\n", u32 version, u32 0, u64 the
 * sequence number of the segment's first record.
 *
 * Record header (32 bytes): u32 REC_MAGIC, u32 crc32 of bytes 8.. of the
 * header and of the payload, u32 payload length, u16 kind, u16 0,
 * u64 seq, u64 time (CLOCK_REALTIME ns); then the payload.
 *
 * Event payload: u64 ts_boot_ns, u32 sandbox_id, generation, rule_id,
 * count, u16 sport, dport, u8 verdict, flags, mode, proto, l4proto,
 * family, reason, scope, saddr[16], daddr[16], u16 host_len, sandbox_len,
 * rule_len, 0, then the three strings without NULs.
 * Lost payload: u64 n. Notice payload: the text without NUL.
 */
#define SEG_MAGIC	"EGAUDIT\n"
#define SEG_VERSION	1
#define SEG_HDR		24
#define REC_MAGIC	0x52444145u	/* "EADR" */
#define REC_HDR		32
#define EV_FIXED	76
#define REC_MAX_PAYLOAD	4096
#define LOAD_MAX	(512ULL << 20)	/* a segment read into memory */

static inline void put16(unsigned char *p, uint16_t v) { v = htole16(v); memcpy(p, &v, 2); }
static inline void put32(unsigned char *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static inline void put64(unsigned char *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static inline uint16_t get16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return le16toh(v); }
static inline uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static inline uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }

/* Copies n bytes and a NUL, cut to room. */
static inline void copy_str(char *dst, size_t room, const unsigned char *src, size_t n)
{
	if (n >= room)
		n = room - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* seg-<16 hex digits>.log, or .log.gz */
void audit_seg_name(char *buf, size_t len, uint64_t no, bool gz);

struct seg {
	uint64_t no;
	bool plain, gz;
	uint64_t size;		/* of the file a reader takes */
	int64_t mtime;
};

struct seg_list {
	struct seg *v;
	size_t n, cap;
};

/* Lists the segments of dirfd in order; temporary files are removed when tmp_rm. */
int audit_seg_list(int dirfd, struct seg_list *l, bool tmp_rm);
/*
 * Loads a whole segment (decompressed) into *buf; a damaged or foreign one
 * is -EBADMSG and why says so. A plain one shorter than its header loads.
 */
int audit_load_seg(int dirfd, const struct seg *s, unsigned char **buf, size_t *len,
	     char *why, size_t whylen);
/*
 * Walks the records of a loaded segment, calling fn (when set) for those f
 * lets through. *good_end: where the last intact record ends; *last_seq,
 * *first_ns (optional): of the records seen; *skipped: damaged bytes
 * between intact records; *done: nothing later can match f.
 */
int audit_seg_walk(const unsigned char *buf, size_t len, const struct egress_audit_filter *f,
	     egress_audit_record_fn fn, void *ctx, struct egress_audit_record *r,
	     size_t *good_end, uint64_t *last_seq, uint64_t *first_ns,
	     uint64_t *skipped, bool *done);
/* The CRC of a record (header from byte 8, and payload). */
uint32_t audit_rec_crc(const unsigned char *rec, uint32_t len);

#endif /* EGRESS_AUDIT_DISK_H */
