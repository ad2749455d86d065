// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <egress/ctl.h>
#include "args.h"
#include "errmsg.h"
#include "names.h"
#include "policy.h"
#include "rule.h"
#include "timefmt.h"

enum opt_id {
	OPT_JSON = 1,
	OPT_SOCKET,
	OPT_HELP,
	OPT_VERSION,
	OPT_SANDBOX,
	OPT_PROFILE,
	OPT_IFACE,
	OPT_IP,
	OPT_RESOLVER,
	OPT_MAC,
	OPT_MODE,
	OPT_FOLLOW,
	OPT_SINCE,
	OPT_VERDICT,
	OPT_ATTACH,
};

struct opt_def {
	const char *lng;
	char shrt;
	bool arg;
	bool repeat;
	enum opt_id id;
};

#define OPT_END { NULL, 0, false, false, 0 }

/* Accepted everywhere, before or after the command. */
static const struct opt_def global_opts[] = {
	{ "json", 'j', false, false, OPT_JSON },
	{ "socket", 0, true, false, OPT_SOCKET },
	{ "help", 'h', false, false, OPT_HELP },
	{ "version", 'V', false, false, OPT_VERSION },
	OPT_END,
};

static const struct opt_def no_opts[] = { OPT_END };
static const struct opt_def sandbox_opt[] = {
	{ "sandbox", 's', true, false, OPT_SANDBOX },
	OPT_END,
};
static const struct opt_def allow_opts[] = {
	{ "sandbox", 's', true, false, OPT_SANDBOX },
	{ "profile", 'p', true, true, OPT_PROFILE },
	OPT_END,
};
static const struct opt_def sandbox_add_opts[] = {
	{ "iface", 'i', true, false, OPT_IFACE },
	{ "ip", 0, true, true, OPT_IP },
	{ "resolver", 0, true, true, OPT_RESOLVER },
	{ "mac", 0, true, false, OPT_MAC },
	{ "mode", 'm', true, false, OPT_MODE },
	{ "profile", 'p', true, true, OPT_PROFILE },
	{ "attach", 0, true, false, OPT_ATTACH },
	OPT_END,
};
static const struct opt_def audit_opts[] = {
	{ "follow", 'f', false, false, OPT_FOLLOW },
	{ "since", 0, true, false, OPT_SINCE },
	{ "verdict", 0, true, false, OPT_VERDICT },
	OPT_END,
};

struct opt_val {
	enum opt_id id;
	const char *arg;
};

/* A command line after the command words: options and positionals. */
struct cmdline {
	char **pos;
	int npos;
	struct opt_val *vals;
	int nvals;
	time_t now;		/* what relative --since values count back from */
};

struct command;
typedef int (*build_fn)(const struct command *c, struct ctl_invocation *inv,
			cJSON *args, const struct cmdline *cl, char *err,
			size_t errlen);

struct command {
	const char *name;
	const char *sub;	/* the second word: "sandbox add" */
	const char *cmd;	/* the request */
	enum ctl_view view;
	const struct opt_def *opts;
	int min_pos, max_pos;	/* max_pos -1: any number */
	build_fn build;
	const char *synopsis;
	const char *what;
};

static const char *opt_get(const struct cmdline *cl, enum opt_id id)
{
	const char *v = NULL;

	for (int i = 0; i < cl->nvals; i++)
		if (cl->vals[i].id == id)
			v = cl->vals[i].arg;
	return v;
}

static int opt_count(const struct cmdline *cl, enum opt_id id)
{
	int n = 0;

	for (int i = 0; i < cl->nvals; i++)
		n += cl->vals[i].id == id;
	return n;
}

bool ctl_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' &&
		    s[i] != '-')
			return false;
	return true;
}

static int check_name(const char *s, const char *what, char *err, size_t errlen)
{
	if (ctl_name_valid(s))
		return 0;
	return egress_errf(err, errlen, -EINVAL,
			   "'%s' is not a valid %s name (1-64 of A-Z a-z 0-9 _ . -, "
			   "not starting with . or -)", s, what);
}

/* As the kernel's dev_valid_name(). */
static int check_iface(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);
	bool ok = n > 0 && n < IFNAMSIZ && strcmp(s, ".") && strcmp(s, "..");

	for (size_t i = 0; ok && i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]))
			ok = false;
	if (ok)
		return 0;
	return egress_errf(err, errlen, -EINVAL,
			   "'%s' is not a valid interface name (1-%d characters, "
			   "no '/', ':' or spaces)", s, IFNAMSIZ - 1);
}

static int parse_mac(const char *s, char out[18], char *err, size_t errlen)
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		goto bad;
	for (int i = 0; i < 6; i++)
		if (!isxdigit((unsigned char)s[i * 3]) ||
		    !isxdigit((unsigned char)s[i * 3 + 1]))
			goto bad;
	if (b[0] & 1)
		return egress_errf(err, errlen, -EINVAL,
				   "'%s' is a multicast MAC address, not a sandbox's", s);
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return egress_errf(err, errlen, -EINVAL,
				   "'%s' is not a usable MAC address", s);
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0] & 0xff, b[1] & 0xff,
		 b[2] & 0xff, b[3] & 0xff, b[4] & 0xff, b[5] & 0xff);
	return 0;
bad:
	return egress_errf(err, errlen, -EINVAL,
			   "'%s' is not a MAC address (like 02:00:00:00:00:01)", s);
}

static int parse_mode(const char *s, const char **out, char *err, size_t errlen)
{
	__u8 mode = 0;

	if (egress_mode_parse(s, &mode))
		return egress_errf(err, errlen, -EINVAL,
				   "'%s' is not a mode (allow-all, warn, deny, enforce, deny-all)",
				   s);
	*out = egress_mode_name(mode);
	return 0;
}

static int add_string(cJSON *obj, const char *key, const char *val)
{
	return cJSON_AddStringToObject(obj, key, val) ? 0 : -ENOMEM;
}

static int add_array(cJSON *obj, const char *key, cJSON **arr)
{
	*arr = cJSON_AddArrayToObject(obj, key);
	return *arr ? 0 : -ENOMEM;
}

static int push_string(cJSON *arr, const char *s)
{
	cJSON *item = cJSON_CreateString(s);

	if (!item)
		return -ENOMEM;
	cJSON_AddItemToArray(arr, item);
	return 0;
}

/* --sandbox NAME, when given, into args and inv->scope. */
static int add_sandbox_opt(struct ctl_invocation *inv, cJSON *args,
			   const struct cmdline *cl, char *err, size_t errlen)
{
	const char *sb = opt_get(cl, OPT_SANDBOX);
	int ret;

	if (!sb)
		return 0;
	ret = check_name(sb, "sandbox", err, errlen);
	if (ret)
		return ret;
	inv->scope = sb;
	return add_string(args, "sandbox", sb);
}

static int add_profiles(cJSON *args, const struct cmdline *cl, char *err,
			size_t errlen)
{
	cJSON *arr;
	int ret;

	if (!opt_count(cl, OPT_PROFILE))
		return 0;
	ret = add_array(args, "profiles", &arr);
	for (int i = 0; !ret && i < cl->nvals; i++) {
		if (cl->vals[i].id != OPT_PROFILE)
			continue;
		ret = check_name(cl->vals[i].arg, "profile", err, errlen);
		if (!ret)
			ret = push_string(arr, cl->vals[i].arg);
	}
	return ret;
}

static int build_none(const struct command *c, struct ctl_invocation *inv,
		      cJSON *args, const struct cmdline *cl, char *err, size_t errlen)
{
	return 0;
}

/* A command whose one positional is a sandbox name, under key. */
static int build_named(const struct command *c, struct ctl_invocation *inv,
		       cJSON *args, const struct cmdline *cl, const char *key,
		       const char *what, char *err, size_t errlen)
{
	int ret = check_name(cl->pos[0], what, err, errlen);

	if (ret)
		return ret;
	if (!strcmp(what, "sandbox"))
		inv->scope = cl->pos[0];
	return add_string(args, key, cl->pos[0]);
}

static int build_sandbox_add(const struct command *c, struct ctl_invocation *inv,
			     cJSON *args, const struct cmdline *cl, char *err,
			     size_t errlen)
{
	const char *iface = opt_get(cl, OPT_IFACE), *mac = opt_get(cl, OPT_MAC);
	const char *mode = opt_get(cl, OPT_MODE), *attach = opt_get(cl, OPT_ATTACH);
	char canon[INET6_ADDRSTRLEN + 8], macbuf[18];
	__u8 addr[16];
	cJSON *ips;
	int ret;

	ret = build_named(c, inv, args, cl, "name", "sandbox", err, errlen);
	if (ret)
		return ret;
	if (!iface)
		return egress_errf(err, errlen, -EINVAL,
				   "sandbox add: --iface IFACE is required");
	ret = check_iface(iface, err, errlen);
	if (!ret)
		ret = add_string(args, "iface", iface);
	if (!ret && opt_count(cl, OPT_IP)) {
		ret = add_array(args, "ips", &ips);
		for (int i = 0; !ret && i < cl->nvals; i++) {
			if (cl->vals[i].id != OPT_IP)
				continue;
			ret = egress_addr_parse(cl->vals[i].arg, addr, err, errlen);
			if (!ret)
				ret = push_string(ips, egress_addr_str(addr, canon,
								       sizeof(canon)));
		}
	}
	if (!ret && opt_count(cl, OPT_RESOLVER)) {
		ret = add_array(args, "resolvers", &ips);
		for (int i = 0; !ret && i < cl->nvals; i++) {
			if (cl->vals[i].id != OPT_RESOLVER)
				continue;
			ret = egress_addr_parse(cl->vals[i].arg, addr, err, errlen);
			if (!ret)
				ret = push_string(ips, egress_addr_str(addr, canon,
								       sizeof(canon)));
		}
	}
	if (!ret && mac) {
		ret = parse_mac(mac, macbuf, err, errlen);
		if (!ret)
			ret = add_string(args, "mac", macbuf);
	}
	if (!ret && mode) {
		ret = parse_mode(mode, &mode, err, errlen);
		if (!ret)
			ret = add_string(args, "mode", mode);
	}
	if (!ret && attach) {
		if (!egress_attach_mode_valid(attach))
			ret = egress_errf(err, errlen, -EINVAL,
					  "sandbox add: --attach '%s': must be " EGRESS_ATTACH_MODES,
					  attach);
		else
			ret = add_string(args, "xdp_mode", attach);
	}
	if (!ret)
		ret = add_profiles(args, cl, err, errlen);
	return ret;
}

static int build_sandbox_del(const struct command *c, struct ctl_invocation *inv,
			     cJSON *args, const struct cmdline *cl, char *err,
			     size_t errlen)
{
	return build_named(c, inv, args, cl, "name", "sandbox", err, errlen);
}

static int build_rule_add(const struct command *c, struct ctl_invocation *inv,
			  cJSON *args, const struct cmdline *cl, char *err,
			  size_t errlen)
{
	bool allow = !strcmp(c->name, "allow");
	struct egress_rule r;
	cJSON *arr;
	int ret;

	if (!cl->npos && !opt_count(cl, OPT_PROFILE))
		return egress_errf(err, errlen, -EINVAL, "%s: no rule given%s",
				   c->name, allow ? " (RULE... or --profile P)" : "");
	ret = add_string(args, "action", allow ? "allow" : "deny");
	if (!ret && cl->npos) {
		ret = add_array(args, "rules", &arr);
		for (int i = 0; !ret && i < cl->npos; i++) {
			ret = egress_rule_parse(cl->pos[i], allow ? EGRESS_ACT_ALLOW :
					 EGRESS_ACT_DENY, &r, err, errlen);
			if (!ret)
				ret = push_string(arr, r.pattern);
		}
	}
	if (!ret)
		ret = add_profiles(args, cl, err, errlen);
	if (!ret)
		ret = add_sandbox_opt(inv, args, cl, err, errlen);
	return ret;
}

static int build_rule_remove(const struct command *c, struct ctl_invocation *inv,
			     cJSON *args, const struct cmdline *cl, char *err,
			     size_t errlen)
{
	struct egress_rule r;
	cJSON *arr, *item;
	int ret;

	ret = add_array(args, "items", &arr);
	for (int i = 0; !ret && i < cl->npos; i++) {
		const char *s = cl->pos[i];
		size_t ndig = strspn(s, "0123456789");

		if (ndig && !s[ndig]) {
			unsigned long long id = strtoull(s, NULL, 10);

			if (ndig > 10 || !id || id > 0xffffffffULL)
				return egress_errf(err, errlen, -EINVAL,
						   "'%s' is not a rule id (1-4294967295)", s);
			item = cJSON_CreateNumber((double)id);
			if (!item)
				return -ENOMEM;
			cJSON_AddItemToArray(arr, item);
		} else if (!strncmp(s, "profile:", 8)) {
			ret = check_name(s + 8, "profile", err, errlen);
			if (!ret)
				ret = push_string(arr, s);
		} else {
			ret = egress_rule_parse(s, EGRESS_ACT_ALLOW, &r, err, errlen);
			if (!ret)
				ret = push_string(arr, r.pattern);
		}
	}
	if (!ret)
		ret = add_sandbox_opt(inv, args, cl, err, errlen);
	return ret;
}

static int build_sandbox_scope(const struct command *c, struct ctl_invocation *inv,
			       cJSON *args, const struct cmdline *cl, char *err,
			       size_t errlen)
{
	return add_sandbox_opt(inv, args, cl, err, errlen);
}

static int build_mode(const struct command *c, struct ctl_invocation *inv,
		      cJSON *args, const struct cmdline *cl, char *err,
		      size_t errlen)
{
	cJSON *cmd = cJSON_GetObjectItemCaseSensitive(inv->request, "cmd");
	const char *mode = NULL;
	int ret;

	ret = add_sandbox_opt(inv, args, cl, err, errlen);
	if (ret || !cl->npos)
		return ret;
	ret = parse_mode(cl->pos[0], &mode, err, errlen);
	if (ret)
		return ret;
	inv->view = CTL_VIEW_MODE_SET;
	if (!cJSON_SetValuestring(cmd, "mode.set"))
		return -ENOMEM;
	return add_string(args, "mode", mode);
}

static int build_audit(const struct command *c, struct ctl_invocation *inv,
		       cJSON *args, const struct cmdline *cl, char *err,
		       size_t errlen)
{
	const char *since = opt_get(cl, OPT_SINCE), *verdict = opt_get(cl, OPT_VERDICT);
	char buf[40];
	time_t t;
	int ret;

	ret = build_named(c, inv, args, cl, "sandbox", "sandbox", err, errlen);
	if (ret)
		return ret;
	if (since) {
		if (ctl_time_parse_since(since, cl->now, &t))
			return egress_errf(err, errlen, -EINVAL,
					   "--since: '%s' is neither an RFC 3339 time "
					   "(2026-02-19T16:41:54-07:00) nor a duration "
					   "(30s, 10m, 2h, 1d, 1w)", since);
		ret = add_string(args, "since", ctl_time_utc(t, buf, sizeof(buf)));
		if (ret)
			return ret;
	}
	if (verdict) {
		if (!strcasecmp(verdict, "allowed"))
			verdict = "allowed";
		else if (!strcasecmp(verdict, "denied"))
			verdict = "denied";
		else
			return egress_errf(err, errlen, -EINVAL,
					   "--verdict: '%s' is not allowed or denied",
					   verdict);
		ret = add_string(args, "verdict", verdict);
		if (ret)
			return ret;
	}
	if (opt_count(cl, OPT_FOLLOW)) {
		inv->follow = true;
		if (!cJSON_AddTrueToObject(args, "follow"))
			return -ENOMEM;
	}
	return 0;
}

static int build_explain(const struct command *c, struct ctl_invocation *inv,
			 cJSON *args, const struct cmdline *cl, char *err,
			 size_t errlen)
{
	const char *target = cl->pos[1];
	struct egress_rule r;
	char why[256];
	int ret;

	ret = build_named(c, inv, args, cl, "sandbox", "sandbox", err, errlen);
	if (ret)
		return ret;
	if (egress_rule_parse(target, EGRESS_ACT_ALLOW, &r, why, sizeof(why)) ||
	    r.kind == EGRESS_RULE_WILDCARD || r.kind == EGRESS_RULE_ANY_NAME ||
	    (r.kind == EGRESS_RULE_IP && r.prefix.prefixlen != 128))
		return egress_errf(err, errlen, -EINVAL,
				   "explain: '%s' is not a host name or an address",
				   target);
	ret = add_string(args, "target", r.pattern);
	if (ret || cl->npos < 3)
		return ret;
	{
		const char *p = cl->pos[2];
		size_t n = strspn(p, "0123456789");
		long port = n && !p[n] && n <= 5 ? strtol(p, NULL, 10) : 0;

		if (port < 1 || port > 65535)
			return egress_errf(err, errlen, -EINVAL,
					   "explain: '%s' is not a port (1-65535)", p);
		if (!cJSON_AddNumberToObject(args, "port", port))
			return -ENOMEM;
	}
	return 0;
}

static int build_profile_show(const struct command *c, struct ctl_invocation *inv,
			      cJSON *args, const struct cmdline *cl, char *err,
			      size_t errlen)
{
	return build_named(c, inv, args, cl, "name", "profile", err, errlen);
}

static int build_policy_export(const struct command *c, struct ctl_invocation *inv,
			       cJSON *args, const struct cmdline *cl, char *err,
			       size_t errlen)
{
	if (!cl->npos)
		return 0;
	return build_named(c, inv, args, cl, "sandbox", "sandbox", err, errlen);
}

/* The whole file (or standard input for "-"), at most max bytes. */
static char *read_file(const char *path, size_t max, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;

	if (!f) {
		egress_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				egress_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > max) {
			egress_errf(err, errlen, -E2BIG, "%s: larger than %zu bytes",
				    path, max);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		egress_errf(err, errlen, -EIO, "%s: read error", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		egress_errf(err, errlen, -EINVAL, "%s: not a text file", path);
		free(buf);
		return NULL;
	}
	return buf;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return NULL;
}

static int build_policy_import(const struct command *c, struct ctl_invocation *inv,
			       cJSON *args, const struct cmdline *cl, char *err,
			       size_t errlen)
{
	const char *path = cl->pos[0];
	struct egress_policy p;
	char why[512];
	cJSON *doc;
	char *text;
	int ret;

	if (cl->npos > 1) {
		ret = check_name(cl->pos[1], "sandbox", err, errlen);
		if (ret)
			return ret;
		inv->scope = cl->pos[1];
		ret = add_string(args, "sandbox", cl->pos[1]);
		if (ret)
			return ret;
	}
	text = read_file(path, EGRESS_CTL_REQUEST_MAX - 1024, err, errlen);
	if (!text)
		return -EINVAL;
	/* parsed once; the rules checked, not kept (a million would be 300 MB) */
	doc = cJSON_ParseWithOpts(text, NULL, true);
	if (doc && !strstr(text, "\\u0000")) {
		ret = egress_policy_check(doc, why, sizeof(why));
	} else {
		ret = egress_policy_parse(text, 1, &p, why, sizeof(why));
		if (!ret)
			egress_policy_free(&p);
	}
	free(text);
	if (ret || !doc) {
		cJSON_Delete(doc);
		return ret ? egress_errf(err, errlen, -EINVAL, "%s: %s", path, why) : -ENOMEM;
	}
	cJSON_AddItemToObject(args, "policy", doc);
	return 0;
}

static const struct command commands[] = {
	{ "status", NULL, "status", CTL_VIEW_STATUS, no_opts, 0, 0, build_none,
	  "status",
	  "the daemon, its sandboxes, interfaces and attach modes, map fill, lost events" },
	{ "sandbox", "add", "sandbox.add", CTL_VIEW_SANDBOX, sandbox_add_opts, 1, 1,
	  build_sandbox_add,
	  "sandbox add NAME --iface IFACE [--ip ADDR]... [--resolver ADDR]... [--mac MAC] [--mode MODE] [--profile P]... [--attach MODE]",
	  "registers a sandbox; returns once its interface is enforced" },
	{ "sandbox", "del", "sandbox.del", CTL_VIEW_NONE, no_opts, 1, 1,
	  build_sandbox_del,
	  "sandbox del NAME",
	  "removes a sandbox, its rules and its enforcement" },
	{ "sandbox", "list", "sandbox.list", CTL_VIEW_SANDBOXES, no_opts, 0, 0,
	  build_none,
	  "sandbox list",
	  "the registered sandboxes" },
	{ "allow", NULL, "rule.add", CTL_VIEW_RULES_ADDED, allow_opts, 0, -1,
	  build_rule_add,
	  "allow RULE... [--sandbox NAME] [--profile P]...",
	  "allows names, *.wildcards, * or addresses/CIDRs (global without --sandbox)" },
	{ "deny", NULL, "rule.add", CTL_VIEW_RULES_ADDED, sandbox_opt, 1, -1,
	  build_rule_add,
	  "deny RULE... [--sandbox NAME]",
	  "denies them; deny wins over allow" },
	{ "remove", NULL, "rule.remove", CTL_VIEW_RULES_REMOVED, sandbox_opt, 1, -1,
	  build_rule_remove,
	  "remove ID|RULE|profile:P... [--sandbox NAME]",
	  "removes rules by id or text, or a profile" },
	{ "list", NULL, "rule.list", CTL_VIEW_RULE_LIST, sandbox_opt, 0, 0,
	  build_sandbox_scope,
	  "list [--sandbox NAME]",
	  "the rules and profiles of a scope, with their ids" },
	{ "mode", NULL, "mode.get", CTL_VIEW_MODE, sandbox_opt, 0, 1, build_mode,
	  "mode [--sandbox NAME] [allow-all|warn|deny|enforce|deny-all]",
	  "shows or sets the mode (global: the default of every sandbox)" },
	{ "audit", NULL, "audit", CTL_VIEW_AUDIT, audit_opts, 1, 1, build_audit,
	  "audit NAME [-f|--follow] [--since TIME] [--verdict allowed|denied]",
	  "a sandbox's audit events; --follow streams new ones until interrupted" },
	{ "explain", NULL, "explain", CTL_VIEW_EXPLAIN, no_opts, 2, 3, build_explain,
	  "explain NAME HOST|ADDR [PORT]",
	  "the verdict, deciding rule and reason for a destination, sending nothing" },
	{ "profile", "list", "profile.list", CTL_VIEW_PROFILES, no_opts, 0, 0,
	  build_none,
	  "profile list",
	  "the profiles installed" },
	{ "profile", "show", "profile.show", CTL_VIEW_PROFILE, no_opts, 1, 1,
	  build_profile_show,
	  "profile show NAME",
	  "the rules of a profile" },
	{ "policy", "export", "policy.export", CTL_VIEW_POLICY, no_opts, 0, 1,
	  build_policy_export,
	  "policy export [NAME]",
	  "writes a scope's policy as JSON (what egress-replay --policy reads)" },
	{ "policy", "import", "policy.import", CTL_VIEW_IMPORTED, no_opts, 1, 2,
	  build_policy_import,
	  "policy import FILE [NAME]",
	  "replaces a scope's policy with FILE's (- for standard input), all at once" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const pos_names[][3] = {
	/* what a missing positional is called, by command */
	{ "sandbox add", "NAME" }, { "sandbox del", "NAME" },
	{ "deny", "RULE" }, { "remove", "ID or RULE" }, { "audit", "NAME" },
	{ "explain", "NAME", "HOST or ADDR" }, { "profile show", "NAME" },
	{ "policy import", "FILE" },
};

static const char *full_name(const struct command *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->name, c->sub ? " " : "", c->sub ? c->sub : "");
	return buf;
}

static const char *missing_name(const char *cmd, int i)
{
	for (size_t k = 0; k < sizeof(pos_names) / sizeof(pos_names[0]); k++)
		if (!strcmp(pos_names[k][0], cmd) && pos_names[k][1 + (i > 0)])
			return pos_names[k][1 + (i > 0)];
	return "an argument";
}

static const struct opt_def *find_opt(const struct opt_def *defs, const char *lng,
				      size_t lnglen, char shrt)
{
	for (; defs && defs->lng; defs++) {
		if (lng && strlen(defs->lng) == lnglen && !strncmp(defs->lng, lng, lnglen))
			return defs;
		if (!lng && shrt && defs->shrt == shrt)
			return defs;
	}
	return NULL;
}

static const struct command *find_command(const char *name, const char *sub,
					  bool *needs_sub)
{
	*needs_sub = false;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i].name, name))
			continue;
		if (!commands[i].sub)
			return &commands[i];
		*needs_sub = true;
		if (sub && !strcmp(commands[i].sub, sub))
			return &commands[i];
	}
	return NULL;
}

static void subs_of(const char *name, char *buf, size_t len)
{
	size_t n = 0, k = 0, total = 0;

	for (size_t i = 0; i < N_COMMANDS; i++)
		total += !strcmp(commands[i].name, name);
	buf[0] = '\0';
	for (size_t i = 0; i < N_COMMANDS && n < len; i++) {
		if (strcmp(commands[i].name, name))
			continue;
		k++;
		n += snprintf(buf + n, len - n, "%s%s", k == 1 ? "" :
			      k == total ? " or " : ", ", commands[i].sub);
	}
}

static int set_option(const struct opt_def *d, const char *val,
		      struct cmdline *cl, struct ctl_invocation *inv)
{
	switch (d->id) {
	case OPT_JSON:
		inv->json = true;
		break;
	case OPT_SOCKET:
		inv->socket = val;
		break;
	case OPT_HELP:
		inv->action = CTL_HELP;
		break;
	case OPT_VERSION:
		if (inv->action != CTL_HELP)
			inv->action = CTL_VERSION;
		break;
	default:
		cl->vals[cl->nvals++] = (struct opt_val){ d->id, val };
	}
	return 0;
}

struct scan {
	const struct opt_def *cmd_opts;	/* NULL before the command is known */
	const char *cmd_name;		/* for messages */
};

/*
 * Takes one option at argv[*i]; advances *i past its value. Returns 0,
 * or -EINVAL with err set.
 */
static int take_option(int argc, char **argv, int *i, const struct scan *sc,
		       struct cmdline *cl, struct ctl_invocation *inv, char *err,
		       size_t errlen)
{
	const char *a = argv[*i];
	const struct opt_def *d;
	const char *val = NULL;
	char shown[64];
	int ret;

	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);

		d = find_opt(global_opts, name, n, 0);
		if (!d)
			d = find_opt(sc->cmd_opts, name, n, 0);
		snprintf(shown, sizeof(shown), "--%.*s", (int)(n > 40 ? 40 : n), name);
		if (!d)
			goto unknown;
		if (eq && !d->arg)
			return egress_errf(err, errlen, -EINVAL,
					   "%s takes no value", shown);
		if (eq)
			val = eq + 1;
	} else {
		/* -j; -s NAME or -sNAME; a cluster of flags: -jf */
		for (const char *p = a + 1; *p; p++) {
			d = find_opt(global_opts, NULL, 0, *p);
			if (!d)
				d = find_opt(sc->cmd_opts, NULL, 0, *p);
			snprintf(shown, sizeof(shown), "-%c", *p);
			if (!d)
				goto unknown;
			if (d->arg) {
				if (p != a + 1)
					return egress_errf(err, errlen, -EINVAL,
							   "%s needs a value", shown);
				if (p[1])
					val = p + 1;
				break;
			}
			if (!p[1])
				break;
			ret = set_option(d, NULL, cl, inv);
			if (ret)
				return ret;
		}
	}
	if (d->arg && !val) {
		if (*i + 1 >= argc)
			return egress_errf(err, errlen, -EINVAL, "%s needs a value",
					   shown);
		val = argv[++*i];
	}
	if (d->arg && !*val)
		return egress_errf(err, errlen, -EINVAL, "%s needs a value", shown);
	if (!d->repeat && d->arg) {
		bool seen = d->id == OPT_SOCKET ? inv->socket != NULL : false;

		for (int k = 0; k < cl->nvals; k++)
			seen |= cl->vals[k].id == d->id;
		if (seen)
			return egress_errf(err, errlen, -EINVAL, "%s given twice", shown);
	}
	return set_option(d, val, cl, inv);
unknown:
	if (sc->cmd_name)
		return egress_errf(err, errlen, -EINVAL,
				   "%s: unknown option '%s' (see egressctl help %s)",
				   sc->cmd_name, shown, sc->cmd_name);
	return egress_errf(err, errlen, -EINVAL,
			   "unknown option '%s' (see egressctl --help)", shown);
}

static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

int ctl_args_parse(int argc, char **argv, time_t now, struct ctl_invocation *inv,
		   char *err, size_t errlen)
{
	struct cmdline cl = { .now = now };
	const struct command *c = NULL;
	struct scan sc = { 0 };
	char name[64];
	char *words[2] = { NULL, NULL };
	int nwords = 0, ret = 0;
	bool help_cmd = false, dashdash = false, needs_sub = false;
	cJSON *args = NULL;

	memset(inv, 0, sizeof(*inv));
	inv->socket = NULL;
	cl.pos = calloc(argc + 1, sizeof(*cl.pos));
	cl.vals = calloc(argc + 1, sizeof(*cl.vals));
	if (!cl.pos || !cl.vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && !strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash && is_option(a)) {
			ret = take_option(argc, argv, &i, &sc, &cl, inv, err, errlen);
			if (ret)
				goto out;
			continue;
		}
		if (help_cmd) {
			if (nwords < 2)
				words[nwords++] = argv[i];
			continue;
		}
		if (!c) {
			if (!nwords && !strcmp(a, "help")) {
				help_cmd = true;
				continue;
			}
			words[nwords++] = argv[i];
			c = find_command(words[0], words[1], &needs_sub);
			if (!c && !needs_sub) {
				ret = egress_errf(err, errlen, -EINVAL,
						  "'%s' is not a command (see egressctl --help)",
						  words[0]);
				goto out;
			}
			if (!c && nwords == 2) {
				char subs[128];

				subs_of(words[0], subs, sizeof(subs));
				ret = egress_errf(err, errlen, -EINVAL,
						  "%s: '%s' is not a subcommand (%s)",
						  words[0], words[1], subs);
				goto out;
			}
			if (c) {
				sc.cmd_opts = c->opts;
				sc.cmd_name = full_name(c, name, sizeof(name));
			}
			continue;
		}
		cl.pos[cl.npos++] = argv[i];
	}
	if (help_cmd || inv->action == CTL_HELP) {
		inv->action = CTL_HELP;
		if (help_cmd)
			c = nwords ? find_command(words[0], words[1], &needs_sub) : NULL;
		inv->help_topic = c ? c->synopsis : nwords ? words[0] : NULL;
		goto out;
	}
	if (inv->action == CTL_VERSION)
		goto out;
	if (!nwords) {
		ret = egress_errf(err, errlen, -EINVAL,
				  "no command given (see egressctl --help)");
		goto out;
	}
	if (!c) {
		char subs[128];

		subs_of(words[0], subs, sizeof(subs));
		ret = egress_errf(err, errlen, -EINVAL, "%s: expected %s", words[0], subs);
		goto out;
	}
	if (cl.npos < c->min_pos) {
		ret = egress_errf(err, errlen, -EINVAL, "%s: %s is missing", sc.cmd_name,
				  missing_name(sc.cmd_name, cl.npos));
		goto out;
	}
	if (c->max_pos >= 0 && cl.npos > c->max_pos) {
		ret = egress_errf(err, errlen, -EINVAL, "%s: unexpected argument '%s'",
				  sc.cmd_name, cl.pos[c->max_pos]);
		goto out;
	}
	inv->view = c->view;
	inv->request = cJSON_CreateObject();
	args = cJSON_CreateObject();
	if (!inv->request || !args ||
	    !cJSON_AddNumberToObject(inv->request, "v", EGRESS_CTL_VERSION) ||
	    !cJSON_AddStringToObject(inv->request, "cmd", c->cmd)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = c->build(c, inv, args, &cl, err, errlen);
	if (ret)
		goto out;
	if (args->child) {
		cJSON_AddItemToObject(inv->request, "args", args);
		args = NULL;
	}
out:
	if (ret == -ENOMEM)
		egress_errf(err, errlen, ret, "out of memory");
	if (ret) {
		cJSON_Delete(inv->request);
		inv->request = NULL;
	}
	if (!inv->socket)
		inv->socket = EGRESS_CTL_SOCKET;
	cJSON_Delete(args);
	free(cl.pos);
	free(cl.vals);
	return ret;
}

void ctl_invocation_free(struct ctl_invocation *inv)
{
	cJSON_Delete(inv->request);
	inv->request = NULL;
}

static void usage_of(FILE *out, const struct command *c)
{
	fprintf(out, "  %s\n      %s\n", c->synopsis, c->what);
}

void ctl_usage(FILE *out, const char *topic)
{
	size_t n = topic ? strlen(topic) : 0;
	bool found = false;

	for (size_t i = 0; topic && i < N_COMMANDS; i++) {
		const char *s = commands[i].synopsis;

		/* a synopsis, a command word, or "sandbox" for all of its own */
		if (!strcmp(topic, s) || (!strncmp(s, topic, n) &&
					  (s[n] == ' ' || s[n] == '\0'))) {
			if (!found)
				fprintf(out, "Usage: egressctl [-j|--json] [--socket PATH]\n");
			usage_of(out, &commands[i]);
			found = true;
		}
	}
	if (found)
		return;
	fprintf(out,
"Usage: egressctl [-j|--json] [--socket PATH] COMMAND [ARGUMENTS]\n"
"       egressctl help [COMMAND] | --help | --version\n"
"\n"
"Manages egressd, the egress enforcer of sandboxes, over its control socket.\n"
"\n"
"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		usage_of(out, &commands[i]);
	fprintf(out,
"\n"
"Options (anywhere on the line):\n"
"  -j, --json         print the daemon's JSON result instead of tables\n"
"      --socket PATH  egressd's control socket (default " EGRESS_CTL_SOCKET ")\n"
"  -h, --help         this text, or a command's with it\n"
"  -V, --version      the version of egressctl\n"
"\n"
"A RULE is a host name (api.github.com), a wildcard below a name\n"
"(*.example.com, not example.com itself), * (every name), or an IPv4/IPv6\n"
"address or CIDR. Without --sandbox, rules and modes are global.\n"
"Modes: allow-all, warn, deny (or enforce), deny-all.\n"
"\n"
"Exit status: 0 on success, 1 on any failure (one line on stderr).\n");
}
