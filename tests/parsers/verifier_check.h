/* SPDX-License-Identifier: GPL-2.0-only */
/* What verifier_check.bpf.c leaves in its map: shared with test_bpf_parsers.c. */
#ifndef EGRESS_TEST_VERIFIER_CHECK_H
#define EGRESS_TEST_VERIFIER_CHECK_H

#include <linux/types.h>
#include "lib/tls.h"
#include "lib/name_hash.h"

#define CHECK_NAME_BUF	256	/* what eg_name_hashes() reads, masked */

/* One parser's results: its status and info, the name, its hashes. */
struct check_result {
	__s32 status;
	__u32 need;
	__u16 off;		/* sni_off / host_off */
	__u16 len;		/* sni_len / host_len */
	__u8  flag;		/* has_sni / absolute_form */
	__u8  has_ech;
	__u8  n_ext;
	__u8  maybe;		/* HTTP: eg_http_maybe() */
	__s32 canon;		/* eg_sni_canon() / eg_http_host_canon() */
	__u32 labels;		/* eg_name_hashes(); 0: not called */
	__u64 hash[EG_NAME_DEPTHS];
	char  name[CHECK_NAME_BUF];
	__u8  room[8];		/* eg_name_word() loads 8 bytes at a masked offset */
};

struct check_buf {
	__u8  data[EG_HELLO_BUF];
	__u64 key[2];
	__u32 len;		/* bytes copied from the frame */
	__u32 pad;
	__u64 sip;		/* eg_siphash(key, data, min(len, 80)) */
	struct check_result tls;
	struct check_result http;
};

#endif /* EGRESS_TEST_VERIFIER_CHECK_H */
