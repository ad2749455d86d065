// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "event_fmt.h"
#include "render.h"
#include "table.h"
#include "timefmt.h"

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *it = get(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* A number as text ("-" when missing), integers without a fraction. */
static const char *num(const cJSON *obj, const char *key, char *buf, size_t len)
{
	const cJSON *it = get(obj, key);

	if (!cJSON_IsNumber(it))
		return "-";
	if (it->valuedouble == floor(it->valuedouble) && fabs(it->valuedouble) < 1e18)
		snprintf(buf, len, "%lld", (long long)it->valuedouble);
	else
		snprintf(buf, len, "%g", it->valuedouble);
	return buf;
}

/* The strings of an array joined by sep; "-" when empty or missing. */
static char *join(const cJSON *arr, const char *sep)
{
	size_t len = 2;
	const cJSON *it;
	char *s;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it))
			len += strlen(it->valuestring) + strlen(sep);
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		if (s[0])
			strcat(s, sep);
		strcat(s, it->valuestring);
	}
	if (!s[0])
		strcpy(s, "-");
	return s;
}

static int print_json(const cJSON *result, FILE *out)
{
	char *text = result ? cJSON_PrintUnformatted(result) : strdup("{}");

	if (!text)
		return -ENOMEM;
	fprintf(out, "%s\n", text);
	free(text);
	return 0;
}

static const char *const sandbox_header[] = {
	"NAME", "ID", "IFACE", "XDP", "TC", "MODE", "RULES", "GENERATION", "IPS",
	"PROFILES",
};

static int sandbox_row(struct table *t, const cJSON *sb)
{
	char id[24], rules[24], gen[24], mode[48];
	const cJSON *attach = get(sb, "attach");
	char *ips, *profiles;
	int ret;

	snprintf(mode, sizeof(mode), "%s%s", str(sb, "mode") ? str(sb, "mode") : "-",
		 cJSON_IsTrue(get(sb, "mode_inherited")) ? " (global)" : "");
	ips = join(get(sb, "ips"), ",");
	profiles = join(get(sb, "profiles"), ",");
	{
		const char *row[] = {
			str(sb, "name"), num(sb, "id", id, sizeof(id)),
			str(sb, "iface"), str(attach, "xdp"), str(attach, "tc"), mode,
			num(sb, "rules", rules, sizeof(rules)),
			num(sb, "generation", gen, sizeof(gen)), ips, profiles,
		};

		ret = ips && profiles ? table_add(t, row) : -ENOMEM;
	}
	free(ips);
	free(profiles);
	return ret;
}

static int print_sandboxes(const cJSON *arr, FILE *out)
{
	const cJSON *sb;
	struct table t;
	int ret;

	if (!cJSON_IsArray(arr))
		return -EPROTO;
	if (!cJSON_GetArraySize(arr)) {
		fprintf(out, "no sandboxes\n");
		return 0;
	}
	ret = table_init(&t, sizeof(sandbox_header) / sizeof(sandbox_header[0]),
			 sandbox_header);
	cJSON_ArrayForEach(sb, arr)
		if (!ret)
			ret = sandbox_row(&t, sb);
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static int print_status(const cJSON *r, FILE *out)
{
	static const char *const map_header[] = { "MAP", "ENTRIES", "MAX", "FILL" };
	const cJSON *ev = get(r, "events"), *m;
	char pid[24], events[160], e[4][24];
	struct table t;
	int ret;

	if (!cJSON_IsArray(get(r, "sandboxes")))
		return -EPROTO;
	snprintf(events, sizeof(events), "%s emitted, %s lost, %s suppressed, %s written",
		 num(ev, "emitted", e[0], 24), num(ev, "lost", e[1], 24),
		 num(ev, "suppressed", e[2], 24), num(ev, "written", e[3], 24));
	{
		const char *rows[][2] = {
			{ "version", str(r, "version") },
			{ "pid", num(r, "pid", pid, sizeof(pid)) },
			{ "started", str(r, "started") },
			{ "bpffs", str(r, "bpffs") },
			{ "state dir", str(r, "state_dir") },
			{ "global mode", str(r, "mode") },
			{ "events", events },
		};

		ret = table_init(&t, 2, NULL);
		for (size_t i = 0; !ret && i < sizeof(rows) / sizeof(rows[0]); i++)
			ret = table_add(&t, rows[i]);
		if (!ret)
			table_print(&t, out);
		table_free(&t);
	}
	if (ret)
		return ret;
	fputc('\n', out);
	ret = print_sandboxes(get(r, "sandboxes"), out);
	if (ret || !cJSON_GetArraySize(get(r, "maps")))
		return ret;
	fputc('\n', out);
	ret = table_init(&t, 4, map_header);
	cJSON_ArrayForEach(m, get(r, "maps")) {
		const cJSON *n = get(m, "entries"), *max = get(m, "max_entries");
		char a[24], b[24], fill[24] = "-";

		if (cJSON_IsNumber(n) && cJSON_IsNumber(max) && max->valuedouble > 0)
			snprintf(fill, sizeof(fill), "%.1f%%",
				 100.0 * n->valuedouble / max->valuedouble);
		{
			const char *row[] = {
				str(m, "name"), num(m, "entries", a, sizeof(a)),
				num(m, "max_entries", b, sizeof(b)), fill,
			};

			if (!ret)
				ret = table_add(&t, row);
		}
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static const char *const rule_header[] = {
	"ID", "ACTION", "PATTERN", "KIND", "SCOPE", "SANDBOX", "PROFILE",
};

static int print_rules(const cJSON *arr, const char *none, FILE *out)
{
	const cJSON *rule;
	struct table t;
	int ret;

	if (!cJSON_IsArray(arr))
		return -EPROTO;
	if (!cJSON_GetArraySize(arr)) {
		fprintf(out, "%s\n", none);
		return 0;
	}
	ret = table_init(&t, 7, rule_header);
	cJSON_ArrayForEach(rule, arr) {
		char id[24];
		const char *row[] = {
			num(rule, "id", id, sizeof(id)), str(rule, "action"),
			str(rule, "pattern"), str(rule, "kind"), str(rule, "scope"),
			str(rule, "sandbox"), str(rule, "profile"),
		};

		if (!ret)
			ret = table_add(&t, row);
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static int print_rule_list(const cJSON *r, FILE *out)
{
	static const char *const header[] = { "PROFILE", "SCOPE", "SANDBOX" };
	const cJSON *profiles = get(r, "profiles"), *p;
	struct table t;
	int ret;

	ret = print_rules(get(r, "rules"), "no rules", out);
	if (ret || !cJSON_GetArraySize(profiles))
		return ret;
	fputc('\n', out);
	ret = table_init(&t, 3, header);
	cJSON_ArrayForEach(p, profiles) {
		const char *row[] = { str(p, "name"), str(p, "scope"), str(p, "sandbox") };

		if (!ret)
			ret = table_add(&t, row);
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static int print_kv(const char *const (*rows)[2], size_t n, FILE *out)
{
	struct table t;
	int ret = table_init(&t, 2, NULL);

	for (size_t i = 0; !ret && i < n; i++)
		ret = table_add(&t, rows[i]);
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static int print_explain(const cJSON *r, FILE *out)
{
	const cJSON *rule = get(r, "rule");
	const char *verdict = str(r, "verdict");
	char v[64], rtext[320], id[24];
	char *bound;
	int ret;

	if (!verdict)
		return -EPROTO;
	snprintf(v, sizeof(v), "%s%s", verdict,
		 cJSON_IsTrue(get(r, "would_deny")) && strcmp(verdict, "DENIED") ?
		 " (would be denied)" : "");
	if (cJSON_IsObject(rule))
		snprintf(rtext, sizeof(rtext), "%s %s (id %s%s%s)",
			 str(rule, "action") ? str(rule, "action") : "-",
			 str(rule, "pattern") ? str(rule, "pattern") : "-",
			 num(rule, "id", id, sizeof(id)),
			 str(rule, "profile") ? ", profile " : "",
			 str(rule, "profile") ? str(rule, "profile") : "");
	else
		snprintf(rtext, sizeof(rtext), "default of the mode");
	bound = join(get(r, "bound"), ", ");
	if (!bound)
		return -ENOMEM;
	{
		const char *const rows[][2] = {
			{ "verdict", v },
			{ "mode", str(r, "mode") },
			{ "rule", rtext },
			{ "scope", str(r, "scope") },
			{ "reason", str(r, "reason") },
			{ "bound", bound },
			{ "why", str(r, "why") },
		};

		ret = print_kv(rows, sizeof(rows) / sizeof(rows[0]), out);
	}
	free(bound);
	return ret;
}

static int print_profiles(const cJSON *r, FILE *out)
{
	static const char *const header[] = { "NAME", "RULES", "DESCRIPTION" };
	const cJSON *arr = get(r, "profiles"), *p;
	struct table t;
	int ret;

	if (!cJSON_IsArray(arr))
		return -EPROTO;
	if (!cJSON_GetArraySize(arr)) {
		fprintf(out, "no profiles\n");
		return 0;
	}
	ret = table_init(&t, 3, header);
	cJSON_ArrayForEach(p, arr) {
		const cJSON *rules = get(p, "rules");
		char n[24] = "-";

		if (cJSON_IsArray(rules))
			snprintf(n, sizeof(n), "%d", cJSON_GetArraySize(rules));
		else
			num(p, "rules", n, sizeof(n));
		{
			const char *row[] = { str(p, "name"), n, str(p, "description") };

			if (!ret)
				ret = table_add(&t, row);
		}
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

static int print_profile(const cJSON *r, FILE *out)
{
	static const char *const header[] = { "ACTION", "PATTERN" };
	static const char *const actions[] = { "allow", "deny" };
	struct table t;
	int ret;

	if (!str(r, "name") || !cJSON_IsArray(get(r, "allow")))
		return -EPROTO;
	fprintf(out, "%s: %s\n\n", str(r, "name"),
		str(r, "description") ? str(r, "description") : "");
	ret = table_init(&t, 2, header);
	for (int a = 0; a < 2; a++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, get(r, actions[a])) {
			const char *row[] = { actions[a], it->valuestring };

			if (!ret && cJSON_IsString(it))
				ret = table_add(&t, row);
		}
	}
	if (!ret)
		table_print(&t, out);
	table_free(&t);
	return ret;
}

const char *ctl_event_text(const cJSON *ev, char *buf, size_t len)
{
	const char *time = str(ev, "time"), *verdict = str(ev, "verdict");
	const char *host = str(ev, "host"), *mode = str(ev, "mode");
	char when[48];
	time_t t;

	if (time && !ctl_time_parse_rfc3339(time, &t))
		time = ctl_time_local(t, when, sizeof(when));
	return egress_audit_line(buf, len, time ? time : "-", verdict ? verdict : "-",
				 host ? host : "-", mode ? mode : "-");
}

static int print_event(const cJSON *ev, FILE *out)
{
	char line[1024];

	fprintf(out, "%s\n", ctl_event_text(ev, line, sizeof(line)));
	return 0;
}

static void print_notice(const cJSON *n, FILE *out)
{
	const char *t = cJSON_GetStringValue(get(n, "time"));
	const char *text = cJSON_GetStringValue(get(n, "notice"));
	char line[1024], when[48];
	time_t v;

	/* local time, as the events around it */
	if (t && !ctl_time_parse_rfc3339(t, &v))
		t = ctl_time_local(v, when, sizeof(when));

	if (text)
		fprintf(out, "%s\n", egress_audit_line(line, sizeof(line), t ? t : "-", "NOTICE",
							text, NULL));
}

/* When an audit record happened, in seconds; 0 when it cannot be read. */
static double item_time(const cJSON *item)
{
	const char *t = cJSON_GetStringValue(get(item, "time"));
	double frac = 0;
	time_t v;

	if (!t || ctl_time_parse_rfc3339(t, &v))
		return 0;
	/* "YYYY-MM-DDTHH:MM:SS.fff...": the fraction the parser skips */
	if (strlen(t) > 20 && t[19] == '.')
		frac = strtod(t + 19, NULL);
	return (double)v + frac;
}

/* Events and the log's notices about itself, merged in time order. */
static int print_audit(const cJSON *r, FILE *out)
{
	const cJSON *ev = NULL, *no = NULL, *lost;

	if (!cJSON_IsArray(get(r, "events")))
		return -EPROTO;
	ev = get(r, "events")->child;
	if (cJSON_IsArray(get(r, "notices")))
		no = get(r, "notices")->child;
	while (ev || no) {
		if (ev && (!no || item_time(ev) <= item_time(no))) {
			print_event(ev, out);
			ev = ev->next;
		} else {
			print_notice(no, out);
			no = no->next;
		}
	}
	lost = get(r, "lost");
	if (cJSON_IsNumber(lost) && lost->valuedouble > 0)
		fprintf(out, "%lld events lost (the ring buffer was full)\n",
			(long long)lost->valuedouble);
	return 0;
}

int ctl_render(enum ctl_view view, const cJSON *r, bool json, FILE *out)
{
	char a[24], b[24];

	if (json)
		return print_json(r, out);
	switch (view) {
	case CTL_VIEW_STATUS:
		return print_status(r, out);
	case CTL_VIEW_SANDBOX: {
		const cJSON *sb = get(r, "sandbox");
		cJSON *arr;
		int ret;

		if (!cJSON_IsObject(sb))
			return -EPROTO;
		arr = cJSON_CreateArray();
		if (!arr || !cJSON_AddItemReferenceToArray(arr, (cJSON *)sb)) {
			cJSON_Delete(arr);
			return -ENOMEM;
		}
		ret = print_sandboxes(arr, out);
		cJSON_Delete(arr);
		return ret;
	}
	case CTL_VIEW_SANDBOXES:
		return print_sandboxes(get(r, "sandboxes"), out);
	case CTL_VIEW_NONE:
		return 0;
	case CTL_VIEW_RULES_ADDED:
		return print_rules(get(r, "rules"), "no rules added", out);
	case CTL_VIEW_RULES_REMOVED:
		return print_rules(get(r, "removed"), "no rules removed", out);
	case CTL_VIEW_RULE_LIST:
		return print_rule_list(r, out);
	case CTL_VIEW_MODE:
		if (!str(r, "mode"))
			return -EPROTO;
		fprintf(out, "%s%s\n", str(r, "mode"),
			cJSON_IsTrue(get(r, "inherited")) ? " (inherited from global)" : "");
		return 0;
	case CTL_VIEW_MODE_SET:
		if (!str(r, "mode"))
			return -EPROTO;
		fprintf(out, "mode %s (policy generation %s)\n", str(r, "mode"),
			num(r, "generation", a, sizeof(a)));
		return 0;
	case CTL_VIEW_EXPLAIN:
		return print_explain(r, out);
	case CTL_VIEW_PROFILES:
		return print_profiles(r, out);
	case CTL_VIEW_PROFILE:
		return print_profile(r, out);
	case CTL_VIEW_POLICY: {
		char *text;

		if (!cJSON_IsObject(r))
			return -EPROTO;
		text = cJSON_Print(r);
		if (!text)
			return -ENOMEM;
		fprintf(out, "%s\n", text);
		free(text);
		return 0;
	}
	case CTL_VIEW_IMPORTED:
		if (!cJSON_IsNumber(get(r, "rules")))
			return -EPROTO;
		fprintf(out, "%s rules imported (policy generation %s)\n",
			num(r, "rules", a, sizeof(a)), num(r, "generation", b, sizeof(b)));
		return 0;
	case CTL_VIEW_AUDIT:
		return print_audit(r, out);
	}
	return -EPROTO;
}

int ctl_render_stream(const cJSON *line, bool json, FILE *out)
{
	const cJSON *ev = get(line, "event"), *lost = get(line, "lost");

	if (!cJSON_IsObject(ev) && !cJSON_IsNumber(lost))
		return 0;
	if (json)
		return print_json(line, out);
	if (cJSON_IsObject(ev))
		return print_event(ev, out);
	fprintf(out, "%lld events lost\n", (long long)lost->valuedouble);
	return 0;
}
