// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define FLOW_BUCKETS_INIT	1024

/* How the client of a flow was learnt; a stronger source overrides. */
enum client_source {
	CLIENT_UNKNOWN,
	CLIENT_GUESSED,
	CLIENT_SYNACK,
	CLIENT_SYN,
};

struct endpoint {
	uint8_t addr[16];
	uint16_t port;
};

/* An endpoint pair in canonical order: lo sorts before hi. */
struct flow_key {
	int version;
	struct endpoint lo;
	struct endpoint hi;
};

struct flow {
	struct flow *next;
	struct flow_key key;
	struct endpoint client;
	enum client_source source;
};

static void endpoint_set(struct endpoint *e, const uint8_t *addr,
			 unsigned int addr_len, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, addr, addr_len);
	e->port = port;
}

static int endpoint_cmp(const struct endpoint *a, const struct endpoint *b)
{
	int r = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

static int endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return endpoint_cmp(a, b) == 0;
}

static void flow_key_set(struct flow_key *k, const struct tcp_seg *s,
			 struct endpoint *src, struct endpoint *dst)
{
	endpoint_set(src, s->saddr, s->addr_len, s->sport);
	endpoint_set(dst, s->daddr, s->addr_len, s->dport);
	memset(k, 0, sizeof(*k));
	k->version = s->version;
	if (endpoint_cmp(src, dst) <= 0) {
		k->lo = *src;
		k->hi = *dst;
	} else {
		k->lo = *dst;
		k->hi = *src;
	}
}

static int flow_key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return a->version == b->version && endpoint_eq(&a->lo, &b->lo) &&
	       endpoint_eq(&a->hi, &b->hi);
}

/* FNV-1a over the key bytes; the key is zero-filled, so padding is stable. */
static size_t flow_key_hash(const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

int flow_table_init(struct flow_table *t)
{
	t->buckets = calloc(FLOW_BUCKETS_INIT, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->nbuckets = FLOW_BUCKETS_INIT;
	t->count = 0;
	return 0;
}

void flow_table_free(struct flow_table *t)
{
	struct flow *f, *next;
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		for (f = t->buckets[i]; f; f = next) {
			next = f->next;
			free(f);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
}

static int flow_table_grow(struct flow_table *t)
{
	size_t n = t->nbuckets * 2, i, b;
	struct flow **buckets, *f, *next;

	buckets = calloc(n, sizeof(*buckets));
	if (!buckets)
		return -ENOMEM;
	for (i = 0; i < t->nbuckets; i++) {
		for (f = t->buckets[i]; f; f = next) {
			next = f->next;
			b = flow_key_hash(&f->key) & (n - 1);
			f->next = buckets[b];
			buckets[b] = f;
		}
	}
	free(t->buckets);
	t->buckets = buckets;
	t->nbuckets = n;
	return 0;
}

static int flow_get(struct flow_table *t, const struct flow_key *k,
		    struct flow **out)
{
	size_t b = flow_key_hash(k) & (t->nbuckets - 1);
	struct flow *f;
	int err;

	for (f = t->buckets[b]; f; f = f->next) {
		if (flow_key_eq(&f->key, k)) {
			*out = f;
			return 0;
		}
	}
	if (t->count >= t->nbuckets * 2) {
		err = flow_table_grow(t);
		if (err)
			return err;
		b = flow_key_hash(k) & (t->nbuckets - 1);
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->key = *k;
	f->source = CLIENT_UNKNOWN;
	f->next = t->buckets[b];
	t->buckets[b] = f;
	t->count++;
	*out = f;
	return 0;
}

static void flow_learn(struct flow *f, const struct tcp_seg *s,
		       const struct endpoint *src, const struct endpoint *dst)
{
	uint8_t syn_ack = s->flags & (TCPH_SYN | TCPH_ACK);

	if (syn_ack == TCPH_SYN) {
		f->client = *src;
		f->source = CLIENT_SYN;
	} else if (syn_ack == (TCPH_SYN | TCPH_ACK) &&
		   f->source < CLIENT_SYNACK) {
		f->client = *dst;
		f->source = CLIENT_SYNACK;
	}
}

static void flow_guess(struct flow *f, const struct endpoint *src,
		       const struct endpoint *dst)
{
	if (f->source != CLIENT_UNKNOWN)
		return;
	f->client = src->port >= dst->port ? *src : *dst;
	f->source = CLIENT_GUESSED;
}

int flow_from_client(struct flow_table *t, const struct tcp_seg *s,
		     bool *from_client)
{
	struct endpoint src, dst;
	struct flow_key key;
	struct flow *f;
	int err;

	flow_key_set(&key, s, &src, &dst);
	err = flow_get(t, &key, &f);
	if (err)
		return err;
	flow_learn(f, s, &src, &dst);
	flow_guess(f, &src, &dst);
	*from_client = endpoint_eq(&f->client, &src);
	return 0;
}
