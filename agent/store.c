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
 * Written straight to text, not built as a cJSON tree first: a scope of
 * 100k rules is a few MB, and allocating and freeing an object per field
 * cost most of a save.
 */
static void json_str(FILE *f, const char *s)
{
	fputc_unlocked('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fputc_unlocked('\\', f);
			fputc_unlocked(c, f);
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc_unlocked(c, f);
		}
	}
	fputc_unlocked('"', f);
}

static void scope_state(FILE *f, const struct scope *sc)
{
	fputs_unlocked("{\"mode\":", f);
	if (sc->has_mode)
		json_str(f, egress_mode_name(sc->mode));
	else
		fputs_unlocked("null", f);
	fputs_unlocked(",\"profiles\":[", f);
	for (size_t i = 0; i < sc->n_profiles; i++) {
		if (i)
			fputc_unlocked(',', f);
		json_str(f, sc->profiles[i]);
	}
	fputs_unlocked("],\"rules\":[", f);
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct arule *r = &sc->rules[i];

		fprintf(f, "%s{\"id\":%u,\"action\":\"%s\",\"pattern\":", i ? "," : "",
			r->r.id, r->r.action == EGRESS_ACT_DENY ? "deny" : "allow");
		json_str(f, r->r.pattern);
		fputs_unlocked(",\"profile\":", f);
		json_str(f, r->profile);
		fputc_unlocked('}', f);
	}
	fputs_unlocked("]}", f);
}

static void addrs_state(FILE *f, const __u8 (*addrs)[16], size_t n)
{
	char buf[64];

	fputc_unlocked('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc_unlocked(',', f);
		json_str(f, egress_addr_str(addrs[i], buf, sizeof(buf)));
	}
	fputc_unlocked(']', f);
}

char *agent_state_json(const struct agent *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "{\"version\":%d,\"next_rule_id\":%u,\"global_generation\":%u,\"always\":",
		EGRESS_STATE_VERSION, a->next_rule_id, a->global_generation);
	scope_state(f, &a->always);
	fputs_unlocked(",\"global\":", f);
	scope_state(f, &a->global);
	fputs_unlocked(",\"sandboxes\":[", f);
	for (size_t i = 0; i < a->n_sbs; i++) {
		const struct sandbox *sb = a->sbs[i];

		fputs_unlocked(i ? ",{\"name\":" : "{\"name\":", f);
		json_str(f, sb->name);
		fprintf(f, ",\"id\":%u,\"iface\":", sb->id);
		json_str(f, sb->iface);
		fprintf(f, ",\"ifindex\":%u,\"ips\":", sb->ifindex);
		addrs_state(f, (const __u8 (*)[16])sb->ips, sb->n_ips);
		if (sb->has_mac)
			fprintf(f, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"", sb->mac[0],
				sb->mac[1], sb->mac[2], sb->mac[3], sb->mac[4], sb->mac[5]);
		if (sb->has_resolvers) {
			fputs_unlocked(",\"resolvers\":", f);
			addrs_state(f, (const __u8 (*)[16])sb->resolvers, sb->n_resolvers);
		}
		fputs_unlocked(",\"xdp_mode\":", f);
		json_str(f, sb->xdp_mode);
		fprintf(f, ",\"generation\":%u,\"scope\":", sb->generation);
		scope_state(f, &sb->scope);
		fputc_unlocked('}', f);
	}
	fputs_unlocked("]}", f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
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
	const cJSON *it, *mode = cJSON_GetObjectItemCaseSensitive(o, "mode");
	char why[512];
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
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "rules")) {
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
