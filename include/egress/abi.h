/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF/userspace ABI of egressd: every struct, constant and map name that
 * the BPF programs and the userspace code (egressd, egressctl, egress-replay,
 * tests) share. Fixed-width types and explicit padding only; userspace checks
 * the sizes below at compile time.
 *
 * Addresses are always 16 bytes: IPv6 as is, IPv4 as an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d), so one LPM trie and one flow table serve both.
 */
#ifndef EGRESS_ABI_H
#define EGRESS_ABI_H

#include <linux/types.h>

/* ---- sizes: every map and program limit lives here ---------------------- */

#define EGRESS_MAX_SANDBOXES		4096	/* sandbox ids 1..MAX-1 */
#define EGRESS_MAX_RULE_SLOTS		(2 * EGRESS_MAX_SANDBOXES + 16)
#define EGRESS_MAX_IP_RULES		(1 << 21) /* per slot and action */
#define EGRESS_FLOWS_PER_SANDBOX	16384
#define EGRESS_MAX_SRC_ADDRS		(8 * EGRESS_MAX_SANDBOXES)
#define EGRESS_RATELIMIT_ENTRIES	65536
#define EGRESS_RINGBUF_BYTES		(8 << 20)
#define EGRESS_MAX_EXT_HDRS		8	/* IPv6 extension headers walked */
#define EGRESS_HOST_MAX			256	/* 253 + NUL, rounded */
#define EGRESS_MAX_NAME_RULES		(1 << 21) /* per slot */
#define EGRESS_NAME_TABLE_MIN		1024	/* a slot's name table starts this big */
#define EGRESS_HELLOS_PER_SANDBOX	64	/* ClientHellos/requests in flight */
#define EGRESS_HELLO_RAW_CAP		8192	/* stream bytes inspected per flow */
#define EGRESS_HELLO_MAX_SEGS		4096	/* payload segments before a verdict */
#define EGRESS_FLOW_NAME_DEPTHS		8	/* suffix hashes a flow remembers */
#define EGRESS_BINDINGS_PER_SANDBOX	8192	/* addresses bound by DNS answers */
#define EGRESS_BINDING_NAMES		6	/* names one address keeps at once */
#define EGRESS_DNS_PENDING		65536	/* allowed queries awaiting answers, all sandboxes */
#define EGRESS_BINDING_TEXTS		8192	/* bound names kept as text, for explain */
#define EGRESS_BINDING_GRACE_S		300	/* default grace past a record's TTL */
#define EGRESS_BINDING_MAX_TTL_S	86400	/* longer TTLs are cut to this */

/* Pinned objects (egressd): directory under the bpffs mount. */
#define EGRESS_PIN_DIR			"/sys/fs/bpf/egressd"

/* Map names as created by the BPF object (and pinned under EGRESS_PIN_DIR). */
#define EGRESS_MAP_SANDBOXES		"sandboxes"
#define EGRESS_MAP_IP_RULES		"ip_rules"
#define EGRESS_MAP_FLOWS		"flows"
#define EGRESS_MAP_SRC_ADDRS		"src_addrs"
#define EGRESS_MAP_RATELIMIT		"event_rl"
#define EGRESS_MAP_EVENTS		"events"
#define EGRESS_MAP_STATS		"stats"
#define EGRESS_MAP_NAME_RULES		"name_rules"
#define EGRESS_MAP_SLOT_INFO		"slot_info"
#define EGRESS_MAP_HELLOS		"hellos"
#define EGRESS_MAP_CONFIG		"config"
#define EGRESS_MAP_RESOLVERS		"resolvers"
#define EGRESS_MAP_BINDINGS		"bindings"
#define EGRESS_MAP_DNS_PENDING		"dns_pending"
#define EGRESS_MAP_BINDING_TEXT		"binding_text"

/* ---- policy vocabulary --------------------------------------------------- */

enum egress_mode {
	EGRESS_MODE_ALLOW_ALL	= 0,
	EGRESS_MODE_WARN	= 1,
	EGRESS_MODE_DENY	= 2,
	EGRESS_MODE_DENY_ALL	= 3,
	EGRESS_MODE__MAX,
};

enum egress_verdict {
	EGRESS_ALLOWED	= 0,
	EGRESS_DENIED	= 1,
};

enum egress_action {
	EGRESS_ACT_ALLOW = 0,
	EGRESS_ACT_DENY	 = 1,
	EGRESS_ACT__MAX,
};

/* Which scope a deciding rule came from. */
enum egress_scope {
	EGRESS_SCOPE_NONE	= 0,	/* the mode's default decided */
	EGRESS_SCOPE_ALWAYS	= 1,
	EGRESS_SCOPE_GLOBAL	= 2,
	EGRESS_SCOPE_SANDBOX	= 3,
	EGRESS_SCOPE__MAX,
};

/* Why a decision came out as it did. Names in lib/names.c. */
enum egress_reason {
	EGRESS_REASON_ALLOW_RULE = 0,	/* an allow rule matched */
	EGRESS_REASON_MODE_ALLOW,	/* allow-all mode */
	EGRESS_REASON_ICMP,		/* ICMP is allowed */
	EGRESS_REASON_INBOUND,		/* reply on a connection opened from outside */
	EGRESS_REASON_NOT_ALLOWLISTED,	/* default deny */
	EGRESS_REASON_DENY_RULE,
	EGRESS_REASON_DENY_ALL,
	EGRESS_REASON_FRAGMENT,
	EGRESS_REASON_PARSE_FAILURE,
	EGRESS_REASON_SPOOFED_SOURCE,
	EGRESS_REASON_VLAN,
	EGRESS_REASON_ETHERTYPE,
	EGRESS_REASON_SOURCE_ROUTE,
	EGRESS_REASON_IP_OPTIONS,
	EGRESS_REASON_FLOW_TABLE_FULL,
	EGRESS_REASON_UNBOUND_ADDRESS,
	EGRESS_REASON_INVALID_NAME,
	EGRESS_REASON_HELLO_TOO_LARGE,
	EGRESS_REASON_QUIC_BLOCKED,
	EGRESS_REASON_DOT_BLOCKED,
	EGRESS_REASON_NO_NAME,		/* needed a name, the flow carries none */
	EGRESS_REASON_REWRITE,		/* a segment rewrote inspected bytes */
	EGRESS_REASON_HELLO_TABLE_FULL,	/* no room to inspect another hello */
	EGRESS_REASON__MAX,
};

/* The protocol an event names: what the flow turned out to carry. */
enum egress_proto {
	EGRESS_PROTO_OTHER = 0,	/* any other IP protocol: see l4proto */
	EGRESS_PROTO_TCP,
	EGRESS_PROTO_UDP,
	EGRESS_PROTO_ICMP,
	EGRESS_PROTO_TLS,
	EGRESS_PROTO_HTTP,
	EGRESS_PROTO_DNS,
	EGRESS_PROTO_QUIC,
	EGRESS_PROTO_DOT,
	EGRESS_PROTO_ARP,
	EGRESS_PROTO_L2,	/* a frame rejected before L3 */
	EGRESS_PROTO__MAX,
};

/* ---- maps ----------------------------------------------------------------- */

/*
 * sandboxes: HASH, key = host-side ifindex (__u32). The value is replaced
 * whole by userspace, so a packet always sees one consistent version of it.
 * Rule slots are indexes into ip_rules (slot * 2 + action); a policy change
 * that touches many rules is built in a fresh slot and switched to by one
 * update of this value.
 */
#define EGRESS_SB_F_CHECK_MAC	(1U << 0)	/* source MAC must equal mac */
#define EGRESS_SB_F_CHECK_IP	(1U << 1)	/* source IP must be in src_addrs */
#define EGRESS_SB_F_ANY_RESOLVER (1U << 2)	/* DNS to any address counts as to a resolver */

#define EGRESS_SLOT_NONE	0xffff

struct egress_sandbox {
	__u32 id;		/* 1..EGRESS_MAX_SANDBOXES-1 */
	__u32 generation;	/* policy generation, bumped on every change */
	__u8  mode;		/* enum egress_mode, resolved (never "inherit") */
	__u8  flags;		/* EGRESS_SB_F_* */
	__u8  mac[6];
	__u16 slot[EGRESS_SCOPE__MAX];	/* indexed by enum egress_scope; [0] unused */
	__u32 event_window_ms;	/* repeats within this window collapse; 0 = off */
};

/*
 * ip_rules: ARRAY_OF_MAPS, index = slot * 2 + action, inner map an LPM trie
 * keyed by egress_lpm_key with an egress_ip_rule value. An empty index means
 * no rules of that action in that slot.
 */
struct egress_lpm_key {
	__u32 prefixlen;	/* 0..128; IPv4 /n is 96 + n */
	__u8  addr[16];
};

struct egress_ip_rule {
	__u32 rule_id;
	/*
	 * An IPv6 prefix that covers ::ffff:0:0/96, where IPv4 lives: it must
	 * not match IPv4 (any IPv4 rule is longer, so it would have won).
	 */
	__u8  v6_only;
	__u8  pad[3];
};

/*
 * name_rules: ARRAY_OF_MAPS, index = slot, inner map a hash of name rules
 * keyed by a SipHash of the canonical name under the per-boot key in
 * config: an exact rule under the whole name's hash, *.example.com under
 * the hash of example.com (matching proper suffixes only), * as kind ANY
 * with hash 0. One entry holds both actions.
 */
enum egress_name_kind {
	EGRESS_NAME_EXACT = 0,
	EGRESS_NAME_WILDCARD,
	EGRESS_NAME_ANY,
};

struct egress_name_key {
	__u64 hash;
	__u8  kind;		/* enum egress_name_kind */
	__u8  pad[7];
};

struct egress_name_rule {
	__u32 rule_id[EGRESS_ACT__MAX];	/* 0: no rule of that action */
};

/*
 * slot_info: ARRAY indexed by slot: what a slot's name table holds, so a
 * lookup skips what cannot match. Bit d (1..63) of wild_depths: wildcard
 * rules whose suffix has d labels exist; bit 0: some have 64 or more.
 */
struct egress_slot_info {
	__u64 wild_depths;
	__u32 n_names[EGRESS_ACT__MAX];		/* name rules per action */
	__u32 any_rule_id[EGRESS_ACT__MAX];	/* the * rules */
};

/*
 * config: ARRAY with one entry, written when the maps are created; the
 * agent may change binding_grace_s later (egress_dp_binding_grace_set).
 */
struct egress_config {
	__u64 hash_key[2];	/* SipHash key of name_rules, from getrandom */
	__u32 binding_grace_s;	/* a DNS binding lives TTL + this many seconds */
	__u32 pad;
};

/*
 * resolvers: HASH keyed like src_addrs: the addresses a sandbox's DNS
 * queries may go to (policy key "resolvers").
 */

/* src_addrs: HASH, the source addresses a sandbox may use (--ip). */
struct egress_src_key {
	__u32 sandbox_id;
	__u8  addr[16];
};

/*
 * flows: ARRAY_OF_MAPS indexed by sandbox id; each inner map is an LRU hash
 * of that sandbox's flows alone, so one sandbox cannot evict another's.
 * The key is oriented from the sandbox: saddr/sport are the guest's side.
 */
struct egress_flow_key {
	__u8  saddr[16];
	__u8  daddr[16];
	__u16 sport;		/* host byte order; ICMP echo: identifier */
	__u16 dport;
	__u8  l4proto;
	__u8  pad[3];
};

enum egress_flow_state {
	EGRESS_FLOW_DECIDED = 0,
	EGRESS_FLOW_PENDING,	/* TCP: waiting for the first payload's name */
};

#define EGRESS_FLOW_F_INBOUND	(1U << 0)	/* opened from outside (tc saw it) */
#define EGRESS_FLOW_F_WOULD_DENY (1U << 1)
#define EGRESS_FLOW_F_NAMED	(1U << 2)	/* name_hash holds the flow's name */
#define EGRESS_FLOW_F_HELLO	(1U << 3)	/* a hellos entry holds its bytes */
#define EGRESS_FLOW_F_SYN	(1U << 4)	/* seen from its SYN */
#define EGRESS_FLOW_F_ISN	(1U << 5)	/* isn is known: its bytes can be inspected */
#define EGRESS_FLOW_F_BOUND	(1U << 6)	/* admitted by a DNS binding: name_hash
						 * holds the bound name (not NAMED) */

struct egress_flow {
	__u64 decided_ns;		/* when the verdict was made (ktime) */
	__u32 generation;	/* sandbox generation the verdict was made under */
	__u32 rule_id;
	__u8  verdict;		/* enum egress_verdict, as enforced */
	__u8  reason;
	__u8  scope;
	__u8  state;		/* enum egress_flow_state */
	__u8  flags;		/* EGRESS_FLOW_F_* */
	__u8  proto;		/* enum egress_proto */
	__u8  n_labels;		/* labels of the name (EGRESS_FLOW_F_NAMED) */
	__u8  peer;		/* DNS over TCP: peer_next is known (tc's alone) */
	__u16 segs;		/* payload segments inspected */
	__u8  pad1[2];
	__u32 isn;		/* sequence number of the first payload byte */
	__u32 inspected;	/* stream bytes inspected from isn */
	/*
	 * DNS over TCP (proto EGRESS_PROTO_DNS, inspected for the flow's
	 * whole life): the peer's sequence number of the length prefix of
	 * its next answer (when peer is set).
	 */
	__u32 peer_next;
	/* [0]: the whole name; [d]: its suffix of d labels (d < n_labels) */
	__u64 name_hash[EGRESS_FLOW_NAME_DEPTHS];
};

/*
 * dns_pending: LRU hash of the DNS queries XDP let through to a resolver,
 * waiting for their answer. tc makes bindings only from an answer that
 * matches one (same sandbox, ID, guest port, resolver, question name), and
 * consumes it.
 */
struct egress_dns_pending_key {
	__u32 sandbox_id;
	__u16 id;		/* the query's ID */
	__u16 guest_port;	/* host byte order */
	__u8  resolver[16];
};

struct egress_dns_pending {
	__u64 name_hash;	/* keyed hash of the canonical question name */
	__u64 sent_ns;		/* ktime of the query */
};

/*
 * bindings: ARRAY_OF_MAPS indexed by sandbox id; each inner map a hash
 * keyed by a 16-byte address, holding the names DNS answers (to that
 * sandbox's allowed queries) bound to it: the question name and every name
 * of its CNAME chain, as the suffix hashes a flow keeps of its name, each
 * until its expiry (ktime, CLOCK_MONOTONIC ns: TTL + grace). A name slot
 * with expires_ns 0 or in the past is empty. The map never evicts: when
 * it is full a new address stays unbound (EGRESS_STAT_BINDING_INSERT_FAILED);
 * egress_dp_bindings_expire() removes what has expired.
 */
struct egress_binding_name {
	__u64 expires_ns;
	__u64 name_hash[EGRESS_FLOW_NAME_DEPTHS];	/* as egress_flow.name_hash */
	__u8  n_labels;
	__u8  pad[7];
};

struct egress_binding {
	struct egress_binding_name names[EGRESS_BINDING_NAMES];
};

/*
 * binding_text: LRU hash from a bound name's keyed hash (name_hash[0]) to
 * its text (NUL terminated), so userspace can say which names are bound.
 * Only for display: enforcement never reads it.
 */

/*
 * hellos: ARRAY_OF_MAPS indexed by sandbox id; each inner map is an LRU
 * hash, keyed like flows, of the first bytes of that sandbox's TCP flows
 * whose verdict waits for a name, and after the verdict until the peer
 * has acknowledged them (to drop segments that rewrite inspected bytes).
 * A DNS over TCP flow keeps its entry for its whole life: raw is then a
 * ring of its stream (byte at stream offset o at raw[o % RAW_CAP]), raw_len
 * the stream bytes taken in order, rec_pos the stream offset of the next
 * query's length prefix. A TLS flow's handshake bytes are not held apart:
 * the record walk only counts them (hs_len), and the parser reads them in
 * place when one record holds them all, else from a per-CPU copy.
 */
#define EGRESS_HELLO_BUF	(EGRESS_HELLO_RAW_CAP + 512)	/* + slack */

enum egress_app {
	EGRESS_APP_UNKNOWN = 0,
	EGRESS_APP_TLS,
	EGRESS_APP_HTTP,
	EGRESS_APP_NONE,	/* neither */
};

struct egress_hello {
	__u32 raw_len;		/* stream bytes held, from isn */
	__u32 hs_len;		/* TLS: handshake bytes (record bodies) walked */
	__u32 rec_pos;		/* TLS: raw offset the record walk reached */
	__u32 rec_left;		/* TLS: body bytes left in the current record */
	__u32 need;		/* parse again once this many bytes are held */
	__u16 n_records;
	__u8  app;		/* enum egress_app */
	__u8  pad;
	__u8  raw[EGRESS_HELLO_BUF];
};

/*
 * event_rl: LRU hash that collapses repeated events of one sandbox (same
 * verdict, reason, protocol, destination, port and host name). The first
 * event of a key in a window is emitted; repeats within the window
 * are counted and the next emitted event of that key carries them in
 * `count`.
 */
struct egress_rl_key {
	__u32 sandbox_id;
	__u8  verdict;
	__u8  reason;
	__u8  proto;
	__u8  l4proto;
	__u8  daddr[16];
	__u16 dport;
	__u8  pad[6];
	__u64 host_hash;	/* keyed hash of the host name, 0: none */
};

struct egress_rl_val {
	__u64 window_start_ns;
	__u64 suppressed;	/* repeats not yet reported */
};

/* stats: PERCPU_ARRAY of __u64, indexed by enum egress_stat. */
enum egress_stat {
	EGRESS_STAT_EVENTS_EMITTED = 0,	/* events written to the ring */
	EGRESS_STAT_EVENTS_LOST,	/* ring reservation failed */
	EGRESS_STAT_EVENTS_SUPPRESSED,	/* collapsed into a later event */
	EGRESS_STAT_FLOW_INSERT_FAILED,
	EGRESS_STAT_RL_INSERT_FAILED,
	EGRESS_STAT_NO_FLOW_TABLE,	/* sandbox without a flow map */
	EGRESS_STAT_RST_SENT,
	EGRESS_STAT_BINDING_INSERT_FAILED,	/* a full binding map: address left unbound */
	EGRESS_STAT_DNS_ANSWERS_BOUND,		/* answers that made or refreshed bindings */
	EGRESS_STAT_DNS_ANSWERS_UNSOLICITED,	/* answers to no recorded query: ignored */
	EGRESS_STAT_DNS_ANSWERS_MALFORMED,	/* answers that could not be parsed: ignored */
	EGRESS_STAT_DNS_PENDING_INSERT_FAILED,
	EGRESS_STAT__MAX,
};

/* ---- events (ring buffer "events") ---------------------------------------- */

#define EGRESS_EV_F_WOULD_DENY	(1U << 0)	/* warn mode: denied if enforced */

struct egress_event {
	__u64 ts_boot_ns;	/* bpf_ktime_get_boot_ns() */
	__u32 sandbox_id;
	__u32 generation;
	__u32 rule_id;		/* 0: the mode's default */
	__u32 count;		/* decisions this event stands for (>= 1) */
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u8  verdict;		/* enum egress_verdict, as enforced */
	__u8  flags;		/* EGRESS_EV_F_* */
	__u8  mode;
	__u8  proto;		/* enum egress_proto */
	__u8  l4proto;		/* IPPROTO_* (0 for non-IP) */
	__u8  family;		/* 4, 6 or 0 for non-IP */
	__u8  reason;
	__u8  scope;		/* enum egress_scope of the deciding rule */
	__u8  saddr[16];
	__u8  daddr[16];
	__u16 host_len;		/* bytes of host used, 0: none */
	__u8  pad[10];
	char  host[EGRESS_HOST_MAX];
};

#ifndef __bpf__
#include <assert.h>
static_assert(sizeof(struct egress_sandbox) == 28, "egress_sandbox ABI");
static_assert(sizeof(struct egress_lpm_key) == 20, "egress_lpm_key ABI");
static_assert(sizeof(struct egress_src_key) == 20, "egress_src_key ABI");
static_assert(sizeof(struct egress_flow_key) == 40, "egress_flow_key ABI");
static_assert(sizeof(struct egress_flow) == 104, "egress_flow ABI");
static_assert(sizeof(struct egress_name_key) == 16, "egress_name_key ABI");
static_assert(sizeof(struct egress_slot_info) == 24, "egress_slot_info ABI");
static_assert(sizeof(struct egress_hello) == 24 + EGRESS_HELLO_BUF, "egress_hello ABI");
static_assert(sizeof(struct egress_rl_key) == 40, "egress_rl_key ABI");
static_assert(sizeof(struct egress_config) == 24, "egress_config ABI");
static_assert(sizeof(struct egress_dns_pending_key) == 24, "egress_dns_pending_key ABI");
static_assert(sizeof(struct egress_dns_pending) == 16, "egress_dns_pending ABI");
static_assert(sizeof(struct egress_binding_name) == 80, "egress_binding_name ABI");
static_assert(sizeof(struct egress_binding) == 80 * EGRESS_BINDING_NAMES,
	      "egress_binding ABI");
static_assert(sizeof(struct egress_rl_val) == 16, "egress_rl_val ABI");
static_assert(sizeof(struct egress_event) == 80 + EGRESS_HOST_MAX,
	      "egress_event ABI");
#endif

#endif /* EGRESS_ABI_H */
