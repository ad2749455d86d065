/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HTTP/1.x request head parsing: the host a plain-HTTP TCP flow names. Works
 * on the first bytes of the stream, contiguous, and decides once the head
 * (request line and header fields, up to the empty line) is complete.
 *
 * Strict on purpose: whatever two servers could read differently (bare LF,
 * line folding, whitespace before a colon, two Host fields, a Host that
 * disagrees with an absolute-form target, userinfo in the target) fails.
 *
 * The byte scan is one eg_loop() callback, so BPF verifies it a few times
 * whatever the head's length. No byte at or past len is read (userspace
 * may pass exactly len bytes); in BPF, buf is a map value of at least
 * EG_HTTP_BUF bytes, and reads are at offsets masked with EG_HTTP_CAP - 1.
 *
 * eg_http_host_canon() uses tls.h's eg_host_canon(): one canonical form,
 * name_canon()'s, for SNI and Host alike.
 */
#ifndef EGRESS_BPF_HTTP_H
#define EGRESS_BPF_HTTP_H

#include "compat.h"
#include "tls.h"	/* eg_host_canon() */

#define EG_HTTP_CAP	8192	/* head bytes inspected at most (power of 2) */
#define EG_HTTP_BUF	(EG_HTTP_CAP + 512)
#define EG_HTTP_MASK	(EG_HTTP_CAP - 1)
#define EG_HTTP_METHOD_MAX 16

enum eg_http_status {
	EG_HTTP_MORE = 0,	/* incomplete: info->need = bytes to wait for */
	EG_HTTP_DONE,		/* a complete head naming a host */
	EG_HTTP_NOT_HTTP,	/* does not start with a method token and SP */
	EG_HTTP_MALFORMED,
	EG_HTTP_NO_HOST,	/* a complete head without Host (nor absolute-form target) */
	EG_HTTP_TOO_LARGE,	/* no complete head in EG_HTTP_CAP bytes */
	EG_HTTP_CONFLICT,	/* two Host fields, or Host != the target's host */
};

/*
 * need: with MORE, the length to wait for (> len); with DONE or NO_HOST,
 * the length of the head; otherwise 0. host_off/host_len: the host without
 * port (an IPv6 literal with its brackets), from the absolute-form target
 * when there is one (absolute_form set), else from the Host field.
 */
struct eg_http_info {
	__u32 need;
	__u16 host_off;
	__u16 host_len;
	__u8  absolute_form;
	__u8  pad[3];
};

enum http_state {
	HTTP_ST_METHOD = 0,
	HTTP_ST_TARGET_START,
	HTTP_ST_SCHEME,		/* matching "http://" */
	HTTP_ST_SCHEME_S,	/* matching "https://" */
	HTTP_ST_AUTHORITY,	/* the host[:port] of an absolute-form target */
	HTTP_ST_TARGET,
	HTTP_ST_VERSION,	/* "HTTP/1.x" CR LF */
	HTTP_ST_LINE,		/* start of a field line, or the final CR */
	HTTP_ST_NAME,
	HTTP_ST_VALUE,
	HTTP_ST_HOST,		/* the value of the Host field */
	HTTP_ST_LF,		/* the LF ending a field line */
	HTTP_ST_END_LF,		/* the LF ending the head */
};

/* Where the host scanner is in host[:port]. */
enum http_host_state {
	HTTP_H_LEAD = 0,	/* Host field: optional whitespace first */
	HTTP_H_START,
	HTTP_H_NAME,
	HTTP_H_V6,		/* inside [...] */
	HTTP_H_V6_END,		/* just after ] */
	HTTP_H_PORT,
	HTTP_H_TRAIL,		/* Host field: whitespace after the host */
};

#define HTTP_F_HAVE_HOST	(1U << 0)	/* a Host field was seen */
#define HTTP_F_ABSOLUTE		(1U << 1)	/* absolute-form target */
#define HTTP_F_DIFFERENT	(1U << 2)	/* Host differs from the target's host */

/*
 * The scan's state. Positions (start, mark) rather than counters: what a
 * step decides depends on i - start, a value BPF does not know. And only
 * bytes and halfwords after the two pointers, sharing 8-byte words, of
 * which BPF keeps no exact value from one step to the next: the verifier
 * checks the step for all states at once instead of once per state.
 */
struct http_scan {
	const __u8 *buf;
	struct eg_http_info *info;	/* filled in when the head is complete */
	__u16 start;		/* where the target, version or field name starts */
	__u16 mark;		/* where the host being scanned starts */
	__u16 host_off;		/* Host field */
	__u16 host_len;
	__u16 abs_off;		/* absolute-form target */
	__u16 abs_len;
	__u8  state;		/* enum http_state */
	__u8  hstate;		/* enum http_host_state */
	__u8  flags;		/* HTTP_F_* */
	__u8  result;		/* enum eg_http_status, once decided */
};

EG_INLINE __u32 http_lower(__u32 c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

EG_INLINE bool http_is_vchar(__u32 c)
{
	return c > 0x20 && c < 0x7f;
}

EG_INLINE bool http_is_ws(__u32 c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar: the bytes of a field name or method. */
EG_INLINE bool http_is_tchar(__u32 c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '.': case '^': case '_': case '`': case '|':
	case '~':
		return true;
	}
	return false;
}

EG_INLINE bool http_is_hex(__u32 c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A byte of a reg-name host: visible, and none of the URI delimiters. */
EG_INLINE bool http_is_host_char(__u32 c)
{
	if (!http_is_vchar(c))
		return false;
	switch (c) {
	case ':': case '@': case '[': case ']': case '/': case '?': case '#':
	case '\\':
		return false;
	}
	return true;
}

/* Byte k (0-based) of "http://" */
EG_INLINE __u32 http_scheme_char(__u32 k)
{
	switch (k) {
	case 0: return 'h';
	case 1: case 2: return 't';
	case 3: return 'p';
	case 4: return ':';
	default: return '/';
	}
}

/* Byte k of "HTTP/1.", the version without its last digit. */
EG_INLINE __u32 http_version_char(__u32 k)
{
	switch (k) {
	case 0: return 'H';
	case 1: case 2: return 'T';
	case 3: return 'P';
	case 4: return '/';
	case 5: return '1';
	default: return '.';
	}
}

EG_INLINE __u32 http_byte(const struct http_scan *s, __u32 off)
{
	return s->buf[off & EG_HTTP_MASK];
}

EG_INLINE long http_stop(struct http_scan *s, int result)
{
	s->result = result;
	return 1;
}

/* A byte of the Host field's host: compared with the target's host. */
EG_INLINE void http_host_byte(struct http_scan *s, __u32 i, __u32 c)
{
	__u32 k = i - s->mark;

	if (!(s->flags & HTTP_F_ABSOLUTE))
		return;
	if (k >= s->abs_len || http_lower(http_byte(s, s->abs_off + k)) != http_lower(c))
		s->flags |= HTTP_F_DIFFERENT;
}

/* The host ended just before end. */
EG_INLINE long http_host_end(struct http_scan *s, __u32 end, bool header)
{
	__u32 n = end - s->mark;

	if (n == 0)
		return http_stop(s, EG_HTTP_MALFORMED);
	if (!header) {
		s->abs_off = s->mark;
		s->abs_len = n;
		return 0;
	}
	if ((s->flags & HTTP_F_ABSOLUTE) &&
	    ((s->flags & HTTP_F_DIFFERENT) || n != s->abs_len))
		return http_stop(s, EG_HTTP_CONFLICT);
	s->host_off = s->mark;
	s->host_len = n;
	return 0;
}

/* After the host (and port): whitespace (Host field), or the end. */
EG_INLINE long http_host_tail(struct http_scan *s, __u32 c, bool ws, bool term,
			      bool *done)
{
	if (ws) {
		s->hstate = HTTP_H_TRAIL;
		return 0;
	}
	if (term) {
		*done = true;
		return 0;
	}
	return http_stop(s, EG_HTTP_MALFORMED);
}

/*
 * One byte c at i of host[:port], as an absolute-form authority (header
 * false: ends at '/', '?', '#' or SP) or a Host field value (header true:
 * ends at CR, whitespace around it allowed). Returns 1 to stop the scan;
 * sets *done when the authority/value has ended at c.
 */
EG_INLINE long http_host_step(struct http_scan *s, __u32 i, __u32 c, bool header,
			      bool *done)
{
	bool term, ws;

	if (header) {
		term = c == '\r';
		ws = http_is_ws(c);
	} else {
		term = c == '/' || c == '?' || c == '#' || c == ' ';
		ws = false;
	}
	*done = false;

	switch (s->hstate) {
	case HTTP_H_LEAD:
		if (ws)
			return 0;
		s->mark = i;
		/* fall through */
	case HTTP_H_START:
		if (c == '[') {
			s->hstate = HTTP_H_V6;
		} else if (http_is_host_char(c)) {
			s->hstate = HTTP_H_NAME;
		} else {
			return http_stop(s, EG_HTTP_MALFORMED);
		}
		if (header)
			http_host_byte(s, i, c);
		return 0;
	case HTTP_H_NAME:
		if (http_is_host_char(c)) {
			if (header)
				http_host_byte(s, i, c);
			return 0;
		}
		if (c == ':')
			s->hstate = HTTP_H_PORT;
		else if (ws)
			s->hstate = HTTP_H_TRAIL;
		else if (term)
			*done = true;
		else
			return http_stop(s, EG_HTTP_MALFORMED);
		return http_host_end(s, i, header);
	case HTTP_H_V6:
		if (c == ']' && i == s->mark + 1u)	/* "[]" */
			return http_stop(s, EG_HTTP_MALFORMED);
		if (c == ']') {
			s->hstate = HTTP_H_V6_END;
			if (header)
				http_host_byte(s, i, c);
			return http_host_end(s, i + 1, header);
		}
		if (!http_is_hex(c) && c != ':' && c != '.')
			return http_stop(s, EG_HTTP_MALFORMED);
		if (header)
			http_host_byte(s, i, c);
		return 0;
	case HTTP_H_V6_END:
		if (c == ':') {
			s->hstate = HTTP_H_PORT;
			return 0;
		}
		return http_host_tail(s, c, ws, term, done);
	case HTTP_H_PORT:
		if (c >= '0' && c <= '9')
			return 0;
		return http_host_tail(s, c, ws, term, done);
	default:	/* HTTP_H_TRAIL */
		return http_host_tail(s, c, ws, term, done);
	}
}

/* "http://" or, in HTTP_ST_SCHEME_S, "https://": k bytes after the 'h'. */
EG_INLINE long http_scheme(struct http_scan *s, __u32 i, __u32 c)
{
	__u32 k = i - s->start;

	if (s->state == HTTP_ST_SCHEME_S)
		k--;
	else if (k == 4 && http_lower(c) == 's') {
		s->state = HTTP_ST_SCHEME_S;
		return 0;
	}
	if (http_lower(c) != http_scheme_char(k))
		return -1;
	if (k == 6) {
		s->flags |= HTTP_F_ABSOLUTE;
		s->state = HTTP_ST_AUTHORITY;
		s->hstate = HTTP_H_START;
		s->mark = i + 1;
	}
	return 0;
}

/* The request line up to the version. */
EG_INLINE long http_request_line(struct http_scan *s, __u32 i, __u32 c)
{
	bool done;
	long ret;

	switch (s->state) {
	case HTTP_ST_METHOD:
		if (c >= 'A' && c <= 'Z') {
			if (i >= EG_HTTP_METHOD_MAX)
				return http_stop(s, EG_HTTP_NOT_HTTP);
			return 0;
		}
		if (c != ' ' || i == 0)
			return http_stop(s, EG_HTTP_NOT_HTTP);
		s->state = HTTP_ST_TARGET_START;
		return 0;
	case HTTP_ST_TARGET_START:
		if (!http_is_vchar(c))
			return http_stop(s, EG_HTTP_MALFORMED);
		s->start = i;
		s->state = http_lower(c) == 'h' ? HTTP_ST_SCHEME : HTTP_ST_TARGET;
		return 0;
	case HTTP_ST_SCHEME:
	case HTTP_ST_SCHEME_S:
		if (http_scheme(s, i, c) == 0)
			return 0;
		s->state = HTTP_ST_TARGET;
		break;	/* c is an ordinary target byte */
	case HTTP_ST_AUTHORITY:
		ret = http_host_step(s, i, c, false, &done);
		if (ret || !done)
			return ret;
		s->state = HTTP_ST_TARGET;
		break;	/* c ends the authority: a target byte or the SP */
	}

	/* HTTP_ST_TARGET */
	if (c == ' ') {
		s->state = HTTP_ST_VERSION;
		s->start = i + 1;
		return 0;
	}
	if (!http_is_vchar(c))
		return http_stop(s, EG_HTTP_MALFORMED);
	return 0;
}

EG_INLINE long http_version(struct http_scan *s, __u32 i, __u32 c)
{
	__u32 k = i - s->start;

	if (k < 7) {
		if (c != http_version_char(k))
			return http_stop(s, EG_HTTP_MALFORMED);
	} else if (k == 7) {
		if (c != '0' && c != '1')
			return http_stop(s, EG_HTTP_MALFORMED);
	} else if (k == 8) {
		if (c != '\r')
			return http_stop(s, EG_HTTP_MALFORMED);
	} else {
		if (c != '\n')
			return http_stop(s, EG_HTTP_MALFORMED);
		s->state = HTTP_ST_LINE;
	}
	return 0;
}

/* Whether the field name buf[start, i) is "host", in any case. */
EG_INLINE bool http_name_is_host(const struct http_scan *s, __u32 i)
{
	__u32 p = s->start;

	return i - p == 4 &&
	       http_lower(http_byte(s, p)) == 'h' &&
	       http_lower(http_byte(s, p + 1)) == 'o' &&
	       http_lower(http_byte(s, p + 2)) == 's' &&
	       http_lower(http_byte(s, p + 3)) == 't';
}

/*
 * The head is complete at i: which host does it name? Fills in the info
 * here rather than after the scan, so that BPF carries nothing of the
 * scan's state past it.
 */
EG_INLINE long http_head_end(struct http_scan *s, __u32 i)
{
	struct eg_http_info *info = s->info;

	info->need = i + 1;
	if (s->flags & HTTP_F_ABSOLUTE) {
		info->absolute_form = 1;
		info->host_off = s->abs_off;
		info->host_len = s->abs_len;
		return http_stop(s, EG_HTTP_DONE);
	}
	if (s->flags & HTTP_F_HAVE_HOST) {
		info->host_off = s->host_off;
		info->host_len = s->host_len;
		return http_stop(s, EG_HTTP_DONE);
	}
	return http_stop(s, EG_HTTP_NO_HOST);
}

/* Field lines and the empty line that ends the head. */
EG_INLINE long http_fields(struct http_scan *s, __u32 i, __u32 c)
{
	bool done;
	long ret;

	switch (s->state) {
	case HTTP_ST_LINE:
		if (c == '\r') {
			s->state = HTTP_ST_END_LF;
			return 0;
		}
		if (!http_is_tchar(c))	/* SP/HT here: obsolete line folding */
			return http_stop(s, EG_HTTP_MALFORMED);
		s->state = HTTP_ST_NAME;
		s->start = i;
		return 0;
	case HTTP_ST_NAME:
		if (http_is_tchar(c))
			return 0;
		if (c != ':')	/* whitespace before the colon included */
			return http_stop(s, EG_HTTP_MALFORMED);
		if (!http_name_is_host(s, i)) {
			s->state = HTTP_ST_VALUE;
			return 0;
		}
		if (s->flags & HTTP_F_HAVE_HOST)
			return http_stop(s, EG_HTTP_CONFLICT);
		s->flags |= HTTP_F_HAVE_HOST;
		s->state = HTTP_ST_HOST;
		s->hstate = HTTP_H_LEAD;
		return 0;
	case HTTP_ST_VALUE:
		if (c == '\r') {
			s->state = HTTP_ST_LF;
			return 0;
		}
		if (c != '\t' && (c < 0x20 || c == 0x7f))
			return http_stop(s, EG_HTTP_MALFORMED);
		return 0;
	case HTTP_ST_HOST:
		ret = http_host_step(s, i, c, true, &done);
		if (ret)
			return ret;
		if (done)
			s->state = HTTP_ST_LF;
		return 0;
	case HTTP_ST_LF:
		if (c != '\n')
			return http_stop(s, EG_HTTP_MALFORMED);
		s->state = HTTP_ST_LINE;
		return 0;
	default:	/* HTTP_ST_END_LF */
		if (c != '\n')
			return http_stop(s, EG_HTTP_MALFORMED);
		return http_head_end(s, i);
	}
}

EG_LOOP_CB http_step(__u32 i, void *arg)
{
	struct http_scan *s = arg;
	__u32 c = http_byte(s, i);

	if (s->state < HTTP_ST_VERSION)
		return http_request_line(s, i, c);
	if (s->state == HTTP_ST_VERSION)
		return http_version(s, i, c);
	return http_fields(s, i, c);
}

/*
 * Parses the request head at the start of buf[0..len). Returns an
 * enum eg_http_status; see struct eg_http_info for what it fills in.
 */
EG_INLINE int eg_http_parse(const __u8 *buf, __u32 len, struct eg_http_info *info)
{
	struct http_scan s = { .buf = buf, .info = info, .result = EG_HTTP_MORE };
	__u32 n = len < EG_HTTP_CAP ? len : EG_HTTP_CAP;

	eg_memset(info, 0, sizeof(*info));
	eg_loop(n, http_step, &s);
	if (s.result != EG_HTTP_MORE)
		return s.result;
	if (len >= EG_HTTP_CAP)
		return EG_HTTP_TOO_LARGE;
	info->need = len + 1;
	return EG_HTTP_MORE;
}

struct http_maybe {
	const __u8 *buf;
	__u32 verdict;		/* 0: letters so far, 1: a method and SP, 2: neither */
};

/*
 * One byte of the method token. An eg_loop() step rather than a bounded
 * loop: the exits of a loop would each tell BPF a different exact len,
 * and the verifier would check all that follows once for each.
 */
EG_LOOP_CB http_maybe_step(__u32 i, void *arg)
{
	struct http_maybe *m = arg;
	__u32 c = m->buf[i & EG_HTTP_MASK];

	if (c >= 'A' && c <= 'Z') {
		if (i < EG_HTTP_METHOD_MAX)
			return 0;
		m->verdict = 2;
	} else {
		m->verdict = c == ' ' && i > 0 ? 1 : 2;
	}
	return 1;
}

/*
 * Whether buf[0..len) can be the start of an HTTP request: a method token
 * of 1-16 upper-case letters and SP, or fewer bytes so far, all letters.
 */
EG_INLINE bool eg_http_maybe(const __u8 *buf, __u32 len)
{
	struct http_maybe m = { .buf = buf };

	eg_loop(len < EG_HTTP_METHOD_MAX + 1 ? len : EG_HTTP_METHOD_MAX + 1,
		http_maybe_step, &m);
	return m.verdict != 2;
}

/*
 * The host of a parsed request (info->host_off, info->host_len) in
 * canonical form, into out (room for 256 bytes): its length,
 * EG_HOST_IP_LITERAL for an address ([IPv6] or IPv4), or EG_HOST_INVALID.
 */
EG_INLINE int eg_http_host_canon_labels(const __u8 *buf, __u16 off, __u16 len,
					char *out, struct eg_name_labels *lab)
{
	if (lab)
		lab->len = 0;
	if (len && buf[off & EG_HTTP_MASK] == '[')
		return EG_HOST_IP_LITERAL;
	return eg_host_canon_labels(buf, off, len, out, lab);
}

EG_INLINE int eg_http_host_canon(const __u8 *buf, __u16 off, __u16 len, char *out)
{
	return eg_http_host_canon_labels(buf, off, len, out, NULL);
}

#endif /* EGRESS_BPF_HTTP_H */
