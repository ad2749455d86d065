// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 4 step 1 (L2) and anti-spoofing, and the frames that always
 * pass (ARP, DHCP client, ICMPv6 neighbour discovery).
 */
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"

static const __u8 other_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x66 };

static const __u8 all_modes[] = {
	EGRESS_MODE_ALLOW_ALL, EGRESS_MODE_WARN, EGRESS_MODE_DENY,
	EGRESS_MODE_DENY_ALL,
};

/* ---- interfaces without a sandbox -------------------------------------- */

static void no_sandbox_passes_untouched(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);
	struct pkt_spec vlan = syn;
	size_t len;

	vlan.vlan_tpid = ETH_P_8021Q;
	vlan.vlan_tci = 7;

	len = frame_build(&syn, fx->frame, sizeof(fx->frame));
	assert_run(fx, fx_run_xdp(fx, fx->ifindex_bare, len), XDP_PASS);
	assert_no_event(fx);

	len = frame_build(&vlan, fx->frame, sizeof(fx->frame));
	assert_run(fx, fx_run_xdp(fx, fx->ifindex_bare, len), XDP_PASS);
	assert_no_event(fx);

	len = frame_ethertype(fx->frame, guest_mac, 0x88cc, 64);
	assert_run(fx, fx_run_xdp(fx, fx->ifindex_bare, len), XDP_PASS);
	assert_no_event(fx);

	len = frame_build(&syn, fx->frame, sizeof(fx->frame));
	assert_run_tc(fx, fx_run_tc(fx, fx->ifindex_bare, len), TC_ACT_OK);
	assert_no_event(fx);
}

/* ---- VLAN tags and ethertypes ------------------------------------------- */

static void vlan_tag_dropped(struct fx *fx, __u16 tpid)
{
	struct pkt_spec s = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);

	s.vlan_tpid = tpid;
	s.vlan_tci = 100;
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/15", 1);
	for (size_t i = 0; i < sizeof(all_modes); i++) {
		struct egress_event want;

		fx_mode(fx, all_modes[i]);
		assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
		want = ev_l2(&fx->a);
		ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_VLAN,
			  EGRESS_SCOPE_NONE, 0);
		assert_event(fx, &want);
	}
}

static void vlan_8021q_dropped_in_every_mode(void **state)
{
	vlan_tag_dropped(FX(state), ETH_P_8021Q);
}

static void vlan_8021ad_dropped_in_every_mode(void **state)
{
	vlan_tag_dropped(FX(state), ETH_P_8021AD);
}

static void ethertype_dropped(struct fx *fx, __u16 ethertype)
{
	for (size_t i = 0; i < sizeof(all_modes); i++) {
		struct egress_event want;
		size_t len;

		fx_mode(fx, all_modes[i]);
		len = frame_ethertype(fx->frame, guest_mac, ethertype, 80);
		assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_DROP);
		want = ev_l2(&fx->a);
		ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_ETHERTYPE,
			  EGRESS_SCOPE_NONE, 0);
		assert_event(fx, &want);
	}
}

static void ethertype_lldp_dropped(void **state)
{
	ethertype_dropped(FX(state), 0x88cc);
}

static void ethertype_mpls_dropped(void **state)
{
	ethertype_dropped(FX(state), 0x8847);
}

static void ethertype_pppoe_dropped(void **state)
{
	ethertype_dropped(FX(state), 0x8864);
}

/* ---- truncated frames --------------------------------------------------- */

static void parse_failure_of(struct fx *fx, size_t len, __u8 proto)
{
	struct egress_event want;

	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_DROP);
	want = ev_l2(&fx->a);
	want.proto = proto;
	ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
		  EGRESS_SCOPE_NONE, 0);
	assert_event(fx, &want);
}

static void ethernet_header_alone_dropped(void **state)
{
	struct fx *fx = FX(state);

	parse_failure_of(fx, frame_ethertype(fx->frame, guest_mac, ETH_P_IP, 14),
			 EGRESS_PROTO_L2);
	parse_failure_of(fx, frame_ethertype(fx->frame, guest_mac, ETH_P_IPV6, 14),
			 EGRESS_PROTO_L2);
}

static void ip_header_cut_short_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s4 = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);
	struct pkt_spec s6 = spec_tcp(GUEST6, 40000, PEER6, 443, TH_SYN);

	frame_build(&s4, fx->frame, sizeof(fx->frame));
	parse_failure_of(fx, 14 + 19, EGRESS_PROTO_L2);
	frame_build(&s6, fx->frame, sizeof(fx->frame));
	parse_failure_of(fx, 14 + 39, EGRESS_PROTO_L2);
}

/*
 * A frame of the ARP ethertype is reported as ARP, whole or not.
 */
static void arp_cut_short_dropped(void **state)
{
	struct fx *fx = FX(state);

	parse_failure_of(fx, frame_ethertype(fx->frame, guest_mac, ETH_P_ARP, 14),
			 EGRESS_PROTO_ARP);
	frame_arp(fx->frame, guest_mac, guest_mac, GUEST4, PEER4, 1);
	parse_failure_of(fx, 14 + 27, EGRESS_PROTO_ARP);
}

/* The IPv4 header is whole; the TCP header is cut: what was parsed is named. */
static void tcp_header_cut_short_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_proto(GUEST4, PEER4, IPPROTO_TCP, 12);

	s.raw_l4 = true;
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
			EGRESS_SCOPE_NONE, 0);
}

/* ---- ARP ---------------------------------------------------------------- */

static void arp_passes_in_every_mode(void **state)
{
	struct fx *fx = FX(state);

	for (size_t i = 0; i < sizeof(all_modes); i++) {
		size_t len = frame_arp(fx->frame, guest_mac, guest_mac, GUEST4,
				       PEER4, 1);

		fx_mode(fx, all_modes[i]);
		assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_PASS);
		assert_no_event(fx);
		len = frame_arp(fx->frame, guest_mac, guest_mac, GUEST4, PEER4, 2);
		assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_PASS);
		assert_no_event(fx);
	}
}

/* ---- anti-spoofing: MAC ------------------------------------------------- */

static void check_mac_wrong_source_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);

	memcpy(s.smac, other_mac, 6);
	fx_check_mac(fx, guest_mac);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 3);
	for (size_t i = 0; i < sizeof(all_modes); i++) {
		fx_mode(fx, all_modes[i]);
		assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
		assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
				EGRESS_SCOPE_NONE, 0);
	}
}

static void check_mac_right_source_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);

	fx_check_mac(fx, guest_mac);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 3);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_decision(fx, &s, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 3);
}

static struct egress_event arp_event(const struct fx *fx, const char *spa,
				     const char *tpa, __u8 reason)
{
	struct egress_event want = ev_l2(&fx->a);

	want.proto = EGRESS_PROTO_ARP;
	addr16(spa, want.saddr);
	addr16(tpa, want.daddr);
	ev_decide(&want, EGRESS_DENIED, 0, reason, EGRESS_SCOPE_NONE, 0);
	return want;
}

/*
 * An ARP frame refused for its sender names the protocol ARP (the ABI's
 * EGRESS_PROTO_ARP), with the sender and target addresses.
 */
static void arp_wrong_sender_mac_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct egress_event want;
	size_t len;

	fx_check_mac(fx, guest_mac);
	len = frame_arp(fx->frame, guest_mac, other_mac, GUEST4, PEER4, 2);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_DROP);
	want = arp_event(fx, GUEST4, PEER4, EGRESS_REASON_SPOOFED_SOURCE);
	assert_event(fx, &want);

	len = frame_arp(fx->frame, other_mac, other_mac, GUEST4, PEER4, 2);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_DROP);
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].reason, EGRESS_REASON_SPOOFED_SOURCE);

	len = frame_arp(fx->frame, guest_mac, guest_mac, GUEST4, PEER4, 2);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_PASS);
	assert_no_event(fx);
}

/* ---- anti-spoofing: IP -------------------------------------------------- */

static void check_ip_wrong_v4_source_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec bad = spec_tcp("198.18.0.3", 40000, PEER4, 443, TH_SYN);
	struct pkt_spec good = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);

	fx_src_addr(fx, GUEST4);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/15", 4);
	for (size_t i = 0; i < sizeof(all_modes); i++) {
		fx_mode(fx, all_modes[i]);
		assert_run(fx, fx_xdp(fx, &bad), XDP_DROP);
		assert_decision(fx, &bad, EGRESS_DENIED, 0,
				EGRESS_REASON_SPOOFED_SOURCE, EGRESS_SCOPE_NONE, 0);
	}
	fx_mode(fx, EGRESS_MODE_DENY);
	assert_run(fx, fx_xdp(fx, &good), XDP_PASS);
	assert_decision(fx, &good, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 4);
}

static void check_ip_wrong_v6_source_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec bad = spec_udp("fd00::3", 40000, PEER6, 4000);
	struct pkt_spec good = spec_udp(GUEST6, 40000, PEER6, 4000);

	fx_src_addr(fx, GUEST6);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00::/8", 5);
	assert_run(fx, fx_xdp(fx, &bad), XDP_DROP);
	assert_decision(fx, &bad, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &good), XDP_PASS);
	assert_decision(fx, &good, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 5);
}

static void check_ip_applies_to_fragments(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec first = spec_udp("198.18.0.3", 40000, PEER4, 4000);
	struct pkt_spec later = spec_proto("fd00::3", PEER6, IPPROTO_UDP, 64);

	first.ip_frag = IPV4_MF;
	spec_add_frag6(&later, 100, false);
	fx_src_addr(fx, GUEST4);
	fx_src_addr(fx, GUEST6);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 4);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 4);
	assert_run(fx, fx_xdp(fx, &first), XDP_DROP);
	assert_decision(fx, &first, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &later), XDP_DROP);
	assert_decision(fx, &later, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
			EGRESS_SCOPE_NONE, 0);
}

/*
 * Frames of an established flow pass without the source check (the flow was
 * recorded after its first packet passed it): a forged source on the same
 * ports and destination is no such frame and is still refused; nor is the
 * address a connection from outside was sent to, which the sandbox need not
 * own.
 */
static void check_ip_holds_beside_established_flows(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);
	struct pkt_spec data = spec_tcp(GUEST4, 40000, PEER4, 443, TH_ACK);
	struct pkt_spec forged = spec_tcp("198.18.0.3", 40000, PEER4, 443, TH_ACK);
	struct pkt_spec syn_in = spec_tcp(PEER4, 50000, "198.18.0.3", 22, TH_SYN);
	struct pkt_spec reply = spec_tcp("198.18.0.3", 22, PEER4, 50000, TH_ACK);

	fx_src_addr(fx, GUEST4);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/15", 4);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_decision(fx, &syn, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 4);
	for (int i = 0; i < 3; i++) {
		assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
		assert_no_event(fx);
		assert_run(fx, fx_xdp(fx, &forged), XDP_DROP);
		assert_decision(fx, &forged, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
				EGRESS_SCOPE_NONE, 0);
	}
	assert_run_tc(fx, fx_tc(fx, &syn_in), TC_ACT_OK);
	assert_run(fx, fx_xdp(fx, &reply), XDP_DROP);
	assert_decision(fx, &reply, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
			EGRESS_SCOPE_NONE, 0);
}

/* Likewise for a wrong sender address. */
static void arp_wrong_sender_ip_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct egress_event want;
	size_t len;

	fx_src_addr(fx, GUEST4);
	len = frame_arp(fx->frame, guest_mac, guest_mac, "198.18.0.9", PEER4, 1);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_DROP);
	want = arp_event(fx, "198.18.0.9", PEER4, EGRESS_REASON_SPOOFED_SOURCE);
	assert_event(fx, &want);

	len = frame_arp(fx->frame, guest_mac, guest_mac, GUEST4, PEER4, 1);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_PASS);
	assert_no_event(fx);
}

static void arp_probe_passes(void **state)
{
	struct fx *fx = FX(state);
	size_t len;

	fx_src_addr(fx, GUEST4);
	fx_check_mac(fx, guest_mac);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	len = frame_arp(fx->frame, guest_mac, guest_mac, "0.0.0.0", GUEST4, 1);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len), XDP_PASS);
	assert_no_event(fx);
}

/* ---- DHCP and neighbour discovery --------------------------------------- */

static void dhcp_client_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_udp("0.0.0.0", 68, "255.255.255.255", 67);

	s.payload_len = 300;
	fx_src_addr(fx, GUEST4);
	fx_check_mac(fx, guest_mac);
	for (size_t i = 0; i < sizeof(all_modes); i++) {
		fx_mode(fx, all_modes[i]);
		assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
		assert_no_event(fx);
	}
}

static void dhcpv6_client_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_udp("fe80::2", 546, "ff02::1:2", 547);

	s.payload_len = 64;
	fx_src_addr(fx, GUEST6);
	for (size_t i = 0; i < sizeof(all_modes); i++) {
		fx_mode(fx, all_modes[i]);
		assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
		assert_no_event(fx);
	}
}

/*
 * The DHCP exemption is for DHCP on the link: a datagram from port 68 to
 * port 67 of an address off the link is ordinary UDP, or any guest could
 * send anything anywhere by picking those ports.
 */
static void dhcp_ports_to_unicast_address_not_exempt(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_udp(GUEST4, 68, "198.19.0.10", 67);
	struct pkt_spec v6 = spec_udp(GUEST6, 546, "fd00::99", 547);

	assert_run(fx, fx_xdp(fx, &v4), XDP_DROP);
	assert_decision(fx, &v4, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_decision(fx, &v6, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

/* What always passes still comes from the guest's own MAC. */
static void check_mac_applies_to_dhcp_and_nd(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec dhcp = spec_udp("0.0.0.0", 68, "255.255.255.255", 67);
	struct pkt_spec ns = spec_icmp("::", "ff02::1:ff00:2", 135, 0);

	memcpy(dhcp.smac, other_mac, 6);
	memcpy(ns.smac, other_mac, 6);
	ns.payload_len = 16;
	fx_check_mac(fx, guest_mac);
	assert_run(fx, fx_xdp(fx, &dhcp), XDP_DROP);
	assert_decision(fx, &dhcp, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &ns), XDP_DROP);
	assert_decision(fx, &ns, EGRESS_DENIED, 0, EGRESS_REASON_SPOOFED_SOURCE,
			EGRESS_SCOPE_NONE, 0);
}

static void neighbour_discovery_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec nd[] = {
		spec_icmp("fe80::2", "ff02::2", 133, 0),		/* RS */
		spec_icmp("::", "ff02::1:ff00:2", 135, 0),		/* NS, DAD */
		spec_icmp("fe80::2", "fe80::1", 135, 0),		/* NS */
		spec_icmp("fe80::2", "fe80::1", 136, 0),		/* NA */
		spec_icmp("fe80::2", "ff02::16", 143, 0),		/* MLDv2 */
	};

	for (size_t i = 0; i < sizeof(nd) / sizeof(nd[0]); i++)
		nd[i].payload_len = 16;
	fx_src_addr(fx, GUEST6);
	fx_check_mac(fx, guest_mac);
	for (size_t m = 0; m < sizeof(all_modes); m++) {
		fx_mode(fx, all_modes[m]);
		for (size_t i = 0; i < sizeof(nd) / sizeof(nd[0]); i++) {
			assert_run(fx, fx_xdp(fx, &nd[i]), XDP_PASS);
			assert_no_event(fx);
		}
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest l2[] = {
		fx_test(no_sandbox_passes_untouched),
		fx_test(vlan_8021q_dropped_in_every_mode),
		fx_test(vlan_8021ad_dropped_in_every_mode),
		fx_test(ethertype_lldp_dropped),
		fx_test(ethertype_mpls_dropped),
		fx_test(ethertype_pppoe_dropped),
		fx_test(ethernet_header_alone_dropped),
		fx_test(ip_header_cut_short_dropped),
		fx_test(arp_cut_short_dropped),
		fx_test(tcp_header_cut_short_dropped),
		fx_test(arp_passes_in_every_mode),
	};
	const struct CMUnitTest spoofing[] = {
		fx_test(check_mac_wrong_source_dropped),
		fx_test(check_mac_right_source_passes),
		fx_test(arp_wrong_sender_mac_dropped),
		fx_test(check_ip_wrong_v4_source_dropped),
		fx_test(check_ip_wrong_v6_source_dropped),
		fx_test(check_ip_applies_to_fragments),
		fx_test(check_ip_holds_beside_established_flows),
		fx_test(arp_wrong_sender_ip_dropped),
		fx_test(arp_probe_passes),
	};
	const struct CMUnitTest always_pass[] = {
		fx_test(dhcp_client_passes),
		fx_test(dhcpv6_client_passes),
		fx_test(dhcp_ports_to_unicast_address_not_exempt),
		fx_test(check_mac_applies_to_dhcp_and_nd),
		fx_test(neighbour_discovery_passes),
	};
	const struct fx_group groups[] = {
		FX_GROUP("l2", l2),
		FX_GROUP("anti-spoofing", spoofing),
		FX_GROUP("always-pass", always_pass),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
