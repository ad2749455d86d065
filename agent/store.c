// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model as the JSON body of the state file (lib/state.c frames it):
 *   {"version": 1, "next_rule_id": 42, "global_generation": 7,
 *    "always": scope, "global": scope, "sandboxes": [sandbox...]}
 *   scope: {"mode": "deny"|null, "profiles": [...],
 *           "rules": [{"id", "action", "pattern", "profile"}]}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "errmsg.h"
#include "names.h"
#include "rule.h"
#include "state.h"

/*
 * The body is written as text straight from the model, in the layout
 * cJSON_PrintUnformatted gives (same keys, order and escapes): a state of
 * a million rules is not first built as a million cJSON objects.
 */
struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static bool out_room(struct out *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 4096;
	char *b;

	if (o->failed)
		return false;
	if (o->len + more + 1 <= o->cap)
		return true;
	while (cap < o->len + more + 1)
		cap *= 2;
	b = realloc(o->buf, cap);
	if (!b) {
		o->failed = true;
		return false;
	}
	o->buf = b;
	o->cap = cap;
	return true;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (!out_room(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

#define out_lit(o, s) out_mem(o, s, sizeof(s) - 1)

static void out_u32(struct out *o, __u32 v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while ((v /= 10));
	if (!out_room(o, n))
		return;
	while (n)
		o->buf[o->len++] = tmp[--n];
}

/* A JSON string, escaped as cJSON escapes it. */
static void out_str(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);

	/* at most 6 bytes per input byte (\u00XX), and the quotes */
	if (!out_room(o, 6 * n + 2))
		return;
	o->buf[o->len++] = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char *w = o->buf + o->len;

		if (*c >= 32 && *c != '"' && *c != '\\') {
			*w = *c;
			o->len++;
			continue;
		}
		w[0] = '\\';
		o->len += 2;
		switch (*c) {
		case '"': w[1] = '"'; break;
		case '\\': w[1] = '\\'; break;
		case '\b': w[1] = 'b'; break;
		case '\f': w[1] = 'f'; break;
		case '\n': w[1] = 'n'; break;
		case '\r': w[1] = 'r'; break;
		case '\t': w[1] = 't'; break;
		default:
			memcpy(w + 1, "u00", 3);
			w[4] = hex[*c >> 4];
			w[5] = hex[*c & 15];
			o->len += 4;
		}
	}
	o->buf[o->len++] = '"';
}

static void scope_state(struct out *o, const struct scope *sc)
{
	out_lit(o, "{\"mode\":");
	if (sc->has_mode)
		out_str(o, egress_mode_name(sc->mode));
	else
		out_lit(o, "null");
	out_lit(o, ",\"profiles\":[");
	for (size_t i = 0; i < sc->n_profiles; i++) {
		if (i)
			out_lit(o, ",");
		out_str(o, sc->profiles[i]);
	}
	out_lit(o, "],\"rules\":[");
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct arule *r = &sc->rules[i];

		if (i)
			out_lit(o, ",");
		out_lit(o, "{\"id\":");
		out_u32(o, r->r.id);
		if (r->r.action == EGRESS_ACT_DENY)
			out_lit(o, ",\"action\":\"deny\",\"pattern\":");
		else
			out_lit(o, ",\"action\":\"allow\",\"pattern\":");
		out_str(o, r->r.pattern);
		out_lit(o, ",\"profile\":");
		out_str(o, r->profile);
		out_lit(o, "}");
	}
	out_lit(o, "]}");
}

static void addrs_state(struct out *o, const __u8 (*addrs)[16], size_t n)
{
	char buf[64];

	out_lit(o, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			out_lit(o, ",");
		out_str(o, egress_addr_str(addrs[i], buf, sizeof(buf)));
	}
	out_lit(o, "]");
}

static void sandbox_state(struct out *o, const struct sandbox *sb)
{
	char mac[32];

	out_lit(o, "{\"name\":");
	out_str(o, sb->name);
	out_lit(o, ",\"id\":");
	out_u32(o, sb->id);
	out_lit(o, ",\"iface\":");
	out_str(o, sb->iface);
	out_lit(o, ",\"ifindex\":");
	out_u32(o, sb->ifindex);
	out_lit(o, ",\"ips\":");
	addrs_state(o, (const __u8 (*)[16])sb->ips, sb->n_ips);
	if (sb->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", sb->mac[0],
			 sb->mac[1], sb->mac[2], sb->mac[3], sb->mac[4], sb->mac[5]);
		out_lit(o, ",\"mac\":");
		out_str(o, mac);
	}
	if (sb->has_resolvers) {
		out_lit(o, ",\"resolvers\":");
		addrs_state(o, (const __u8 (*)[16])sb->resolvers, sb->n_resolvers);
	}
	out_lit(o, ",\"xdp_mode\":");
	out_str(o, sb->xdp_mode);
	out_lit(o, ",\"generation\":");
	out_u32(o, sb->generation);
	out_lit(o, ",\"scope\":");
	scope_state(o, &sb->scope);
	out_lit(o, "}");
}

char *agent_state_json(const struct agent *a)
{
	struct out o = {};

	out_lit(&o, "{\"version\":");
	out_u32(&o, EGRESS_STATE_VERSION);
	out_lit(&o, ",\"next_rule_id\":");
	out_u32(&o, a->next_rule_id);
	out_lit(&o, ",\"global_generation\":");
	out_u32(&o, a->global_generation);
	out_lit(&o, ",\"always\":");
	scope_state(&o, &a->always);
	out_lit(&o, ",\"global\":");
	scope_state(&o, &a->global);
	out_lit(&o, ",\"sandboxes\":[");
	for (size_t i = 0; i < a->n_sbs; i++) {
		if (i)
			out_lit(&o, ",");
		sandbox_state(&o, a->sbs[i]);
	}
	out_lit(&o, "]}");
	if (o.failed || !out_room(&o, 0)) {
		free(o.buf);
		return NULL;
	}
	o.buf[o.len] = '\0';
	return o.buf;
}

static int get_u32(const cJSON *o, const char *key, __u32 *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 4294967295.0)
		return -EBADMSG;
	*out = (__u32)it->valuedouble;
	return 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int scope_parse(const cJSON *o, struct scope *sc, char *err, size_t errlen)
{
	const cJSON *it, *rules, *mode = cJSON_GetObjectItemCaseSensitive(o, "mode");
	char why[512];
	size_t n = 0, cap = 0;
	int ret;

	if (!cJSON_IsObject(o))
		return egress_errf(err, errlen, -EBADMSG, "a scope is not an object");
	if (cJSON_IsString(mode)) {
		if (egress_mode_parse(mode->valuestring, &sc->mode))
			return egress_errf(err, errlen, -EBADMSG, "bad mode '%s'", mode->valuestring);
		sc->has_mode = true;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "profiles")) {
		if (!cJSON_IsString(it) || !egress_profile_name_ok(it->valuestring))
			return egress_errf(err, errlen, -EBADMSG, "bad profile name");
		ret = scope_add_profile(sc, it->valuestring);
		if (ret)
			return ret;
	}
	rules = cJSON_GetObjectItemCaseSensitive(o, "rules");
	cJSON_ArrayForEach(it, rules)
		n++;
	/* room for all: scope_add one by one would reallocate a million times */
	if (n && !sc->n_rules) {
		free(sc->rules);
		sc->rules = malloc(n * sizeof(*sc->rules));
		if (!sc->rules)
			return -ENOMEM;
		cap = n;
	}
	cJSON_ArrayForEach(it, rules) {
		const char *act = get_str(it, "action"), *pat = get_str(it, "pattern");
		const char *prof = get_str(it, "profile");
		struct egress_rule r;

		if (!act || !pat || !prof || get_u32(it, "id", &r.id) ||
		    (strcmp(act, "allow") && strcmp(act, "deny")))
			return egress_errf(err, errlen, -EBADMSG, "a rule lacks id, action, pattern or profile");
		if (egress_rule_parse(pat, strcmp(act, "deny") ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY,
				      &r, why, sizeof(why)))
			return egress_errf(err, errlen, -EBADMSG, "rule '%s': %s", pat, why);
		get_u32(it, "id", &r.id);
		if (sc->n_rules < cap && strlen(prof) < sizeof(sc->rules->profile)) {
			struct arule *ar = &sc->rules[sc->n_rules++];

			ar->r = r;
			memset(ar->profile, 0, sizeof(ar->profile));
			memcpy(ar->profile, prof, strlen(prof));
			continue;
		}
		ret = scope_add(sc, &r, prof);
		if (ret)
			return ret;
	}
	return 0;
}

static int addrs_parse(const cJSON *arr, __u8 (*out)[16], size_t *n)
{
	const cJSON *it;
	char why[128];

	*n = 0;
	cJSON_ArrayForEach(it, arr) {
		if (*n >= SB_MAX_ADDRS || !cJSON_IsString(it) ||
		    egress_addr_parse(it->valuestring, out[*n], why, sizeof(why)))
			return -EBADMSG;
		(*n)++;
	}
	return 0;
}

static int sandbox_parse(struct agent *a, const cJSON *o, char *err, size_t errlen)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));
	const char *name = get_str(o, "name"), *iface = get_str(o, "iface");
	const char *mac = get_str(o, "mac"), *xdp = get_str(o, "xdp_mode");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "resolvers");
	int ret = -EBADMSG;

	if (!sb)
		return -ENOMEM;
	scope_init(&sb->scope, EGRESS_SCOPE_SANDBOX);
	if (!name || !sandbox_name_ok(name) || !iface || strlen(iface) >= IF_NAMESIZE ||
	    get_u32(o, "id", &sb->id) || !sb->id || sb->id >= EGRESS_MAX_SANDBOXES ||
	    get_u32(o, "ifindex", &sb->ifindex) || get_u32(o, "generation", &sb->generation) ||
	    !xdp || egressd_xdp_mode_check(xdp)) {
		egress_errf(err, errlen, ret, "a sandbox lacks name, id, iface, ifindex or generation");
		goto err;
	}
	if (agent_sandbox(a, name) || agent_sandbox_by_id(a, sb->id)) {
		egress_errf(err, errlen, ret, "sandbox '%s' or its id %u is there twice", name, sb->id);
		goto err;
	}
	strcpy(sb->name, name);
	strcpy(sb->iface, iface);
	strcpy(sb->xdp_mode, xdp);
	if (addrs_parse(cJSON_GetObjectItemCaseSensitive(o, "ips"), sb->ips, &sb->n_ips)) {
		egress_errf(err, errlen, ret, "sandbox '%s': bad ips", name);
		goto err;
	}
	if (res) {
		sb->has_resolvers = true;
		if (addrs_parse(res, sb->resolvers, &sb->n_resolvers)) {
			egress_errf(err, errlen, ret, "sandbox '%s': bad resolvers", name);
			goto err;
		}
	}
	if (mac) {
		if (sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &sb->mac[0], &sb->mac[1],
			   &sb->mac[2], &sb->mac[3], &sb->mac[4], &sb->mac[5]) != 6) {
			egress_errf(err, errlen, ret, "sandbox '%s': bad mac", name);
			goto err;
		}
		sb->has_mac = true;
	}
	ret = scope_parse(cJSON_GetObjectItemCaseSensitive(o, "scope"), &sb->scope, err, errlen);
	if (ret)
		goto err;
	ret = agent_sandbox_insert(a, sb);
	if (ret)
		goto err;
	return 0;
err:
	sandbox_free(sb);
	return ret;
}

int agent_state_parse(struct agent *a, const char *text, char *err, size_t errlen)
{
	cJSON *root = cJSON_Parse(text), *it;
	__u32 version;
	int ret;

	if (!root || !cJSON_IsObject(root)) {
		ret = egress_errf(err, errlen, -EBADMSG, "the state is not a JSON object");
		goto out;
	}
	if (get_u32(root, "version", &version) || version != EGRESS_STATE_VERSION) {
		ret = egress_errf(err, errlen, -EPROTONOSUPPORT, "the state is not of version %d",
				  EGRESS_STATE_VERSION);
		goto out;
	}
	if (get_u32(root, "next_rule_id", &a->next_rule_id) || !a->next_rule_id ||
	    get_u32(root, "global_generation", &a->global_generation)) {
		ret = egress_errf(err, errlen, -EBADMSG, "the state lacks next_rule_id");
		goto out;
	}
	ret = scope_parse(cJSON_GetObjectItemCaseSensitive(root, "always"), &a->always, err, errlen);
	if (!ret)
		ret = scope_parse(cJSON_GetObjectItemCaseSensitive(root, "global"), &a->global,
				  err, errlen);
	if (ret)
		goto out;
	if (!a->global.has_mode) {
		ret = egress_errf(err, errlen, -EBADMSG, "the global scope has no mode");
		goto out;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "sandboxes")) {
		ret = sandbox_parse(a, it, err, errlen);
		if (ret)
			goto out;
	}
out:
	cJSON_Delete(root);
	return ret;
}

int agent_state_load(struct agent *a, char *err, size_t errlen)
{
	char why[512];
	char *body;
	int ret;

	ret = egress_state_read(a->state_dir, &body, err, errlen);
	if (ret)
		return ret;
	ret = agent_state_parse(a, body, why, sizeof(why));
	free(body);
	if (ret)
		return egress_errf(err, errlen, ret, "%s/%s: %s", a->state_dir,
				   EGRESS_STATE_FILE, why);
	return 0;
}

int agent_state_save(struct agent *a, char *err, size_t errlen)
{
	char *body = agent_state_json(a);
	int ret;

	if (!body)
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	ret = egress_state_write(a->state_dir, body, err, errlen);
	free(body);
	return ret;
}
