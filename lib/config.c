// SPDX-License-Identifier: GPL-2.0-only
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <egress/ctl.h>

#include "config.h"
#include "errmsg.h"
#include "metrics.h"
#include "names.h"
#include "profile.h"

#define CONFIG_FILE_MAX (1 << 20)

void egressd_config_defaults(struct egressd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->default_mode = EGRESS_MODE_DENY;
	c->binding_grace_s = EGRESSD_DEFAULT_BINDING_GRACE_S;
	c->event_window_ms = EGRESSD_DEFAULT_EVENT_WINDOW_MS;
	snprintf(c->metrics, sizeof(c->metrics), "%s", EGRESS_METRICS_ADDR);
	snprintf(c->xdp_mode, sizeof(c->xdp_mode), "auto");
	c->log_max_bytes = EGRESSD_DEFAULT_LOG_MAX_BYTES;
	c->log_max_age_days = EGRESSD_DEFAULT_LOG_MAX_AGE;
	c->log_segment_bytes = EGRESSD_DEFAULT_LOG_SEGMENT_BYTES;
	c->log_segment_age_s = EGRESSD_DEFAULT_LOG_SEGMENT_AGE_S;
	c->journal = true;
}

bool egressd_metrics_off(const char *s)
{
	return !*s || !strcmp(s, "off");
}

int egressd_metrics_check(const char *s)
{
	struct sockaddr_storage ss;

	return egressd_metrics_off(s) ? 0 : egress_metrics_parse_addr(s, &ss);
}

void egressd_config_free(struct egressd_config *c)
{
	free(c->default_profiles);
	c->default_profiles = NULL;
	c->n_default_profiles = 0;
}

int egressd_xdp_mode_check(const char *s)
{
	return egress_attach_mode_valid(s) ? 0 : -EINVAL;
}

static int get_uint(const cJSON *it, __u64 max, __u64 *out, char *err, size_t errlen)
{
	double v = it->valuedouble;

	if (!cJSON_IsNumber(it) || v < 0 || v > (double)max || v != (double)(__u64)v)
		return egress_errf(err, errlen, -EINVAL,
				   "\"%s\" must be a whole number from 0 to %llu",
				   it->string, (unsigned long long)max);
	*out = (__u64)v;
	return 0;
}

static int get_string(const cJSON *it, char *out, size_t len, char *err, size_t errlen)
{
	const char *s = cJSON_GetStringValue(it);

	if (!s || strlen(s) >= len)
		return egress_errf(err, errlen, -EINVAL,
				   "\"%s\" must be a string of at most %zu bytes",
				   it->string, len - 1);
	strcpy(out, s);
	return 0;
}

static int get_profiles(const cJSON *it, struct egressd_config *c, char *err, size_t errlen)
{
	const cJSON *p;
	size_t n = 0;

	if (!cJSON_IsArray(it))
		return egress_errf(err, errlen, -EINVAL, "\"default_profiles\" must be an array of names");
	free(c->default_profiles);
	c->default_profiles = calloc(cJSON_GetArraySize(it) + 1, sizeof(*c->default_profiles));
	c->n_default_profiles = 0;
	if (!c->default_profiles)
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	cJSON_ArrayForEach(p, it) {
		const char *s = cJSON_GetStringValue(p);

		if (!s || !egress_profile_name_ok(s))
			return egress_errf(err, errlen, -EINVAL,
					   "\"default_profiles\": '%s' is not a profile name",
					   s ? s : "(not a string)");
		strcpy(c->default_profiles[n++], s);
	}
	c->n_default_profiles = n;
	return 0;
}

int egressd_config_parse(const char *text, struct egressd_config *c,
			 char *err, size_t errlen)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *it;
	__u64 v;
	int ret = 0;

	if (!root)
		return egress_errf(err, errlen, -EINVAL, "not valid JSON");
	if (!cJSON_IsObject(root)) {
		ret = egress_errf(err, errlen, -EINVAL, "must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		const char *k = it->string;

		if (!strcmp(k, "default_mode")) {
			const char *s = cJSON_GetStringValue(it);

			if (!s || egress_mode_parse(s, &c->default_mode))
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"default_mode\" must be allow-all, warn, deny or deny-all");
		} else if (!strcmp(k, "default_profiles")) {
			ret = get_profiles(it, c, err, errlen);
		} else if (!strcmp(k, "binding_grace_s")) {
			ret = get_uint(it, 86400, &v, err, errlen);
			c->binding_grace_s = v;
		} else if (!strcmp(k, "event_window_ms")) {
			ret = get_uint(it, 3600000, &v, err, errlen);
			c->event_window_ms = v;
		} else if (!strcmp(k, "metrics")) {
			ret = get_string(it, c->metrics, sizeof(c->metrics), err, errlen);
			if (!ret && egressd_metrics_check(c->metrics))
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"metrics\" must be ADDR:PORT ([ADDR6]:PORT), \"\" or \"off\"");
		} else if (!strcmp(k, "profile_dir")) {
			ret = get_string(it, c->profile_dir, sizeof(c->profile_dir), err, errlen);
		} else if (!strcmp(k, "xdp_mode")) {
			ret = get_string(it, c->xdp_mode, sizeof(c->xdp_mode), err, errlen);
			if (!ret && egressd_xdp_mode_check(c->xdp_mode))
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"xdp_mode\" must be " EGRESS_ATTACH_MODES);
		} else if (!strcmp(k, "log_max_bytes")) {
			ret = get_uint(it, 1ull << 50, &v, err, errlen);
			c->log_max_bytes = v;
		} else if (!strcmp(k, "log_max_age_days")) {
			ret = get_uint(it, 36500, &v, err, errlen);
			c->log_max_age_days = v;
		} else if (!strcmp(k, "log_segment_bytes")) {
			ret = get_uint(it, 1ull << 40, &v, err, errlen);
			if (!ret && v < 4096)
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"log_segment_bytes\" must be at least 4096");
			c->log_segment_bytes = v;
		} else if (!strcmp(k, "log_segment_age_s")) {
			ret = get_uint(it, 366 * 86400, &v, err, errlen);
			if (!ret && v < 1)
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"log_segment_age_s\" must be at least 1");
			c->log_segment_age_s = v;
		} else if (!strcmp(k, "journal")) {
			if (!cJSON_IsBool(it))
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"journal\" must be true or false");
			c->journal = cJSON_IsTrue(it);
		} else {
			ret = egress_errf(err, errlen, -EINVAL, "unknown key \"%s\"", k);
		}
		if (ret)
			break;
	}
out:
	cJSON_Delete(root);
	return ret;
}

int egressd_config_load(const char *path, struct egressd_config *c,
			char *err, size_t errlen)
{
	char why[512];
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int ret;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		return egress_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	}
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	fclose(f);
	if (n > CONFIG_FILE_MAX) {
		free(buf);
		return egress_errf(err, errlen, -EFBIG, "%s: larger than %d bytes", path,
				   CONFIG_FILE_MAX);
	}
	buf[n] = '\0';
	ret = egressd_config_parse(buf, c, why, sizeof(why));
	free(buf);
	if (ret)
		return egress_errf(err, errlen, ret, "%s: %s", path, why);
	return 0;
}
