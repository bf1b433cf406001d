/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Codec cases: parsing a 100-byte Binding request, its FINGERPRINT, and
 * MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 verification of a typical
 * authenticated Allocate request with a pre-keyed HMAC.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bench_cases.h"
#include "stun_integrity.h"
#include "stun_msg.h"

struct codec_state {
	uint8_t msg[256];
	size_t len;
	struct stun_msg m;
	struct stun_hmac_key key;
};

static const uint8_t bench_tid[STUN_TID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* 20 header + SOFTWARE (4 + 60) + PRIORITY (8) + FINGERPRINT (8) = 100 bytes. */
static void *
binding_setup(unsigned int ops)
{
	(void)ops;
	struct codec_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	struct stun_builder b;
	char sw[61];
	memset(sw, 'x', 60);
	sw[60] = 0;
	stun_build_init(&b, st->msg, sizeof(st->msg), STUN_METHOD_BINDING, STUN_CLASS_REQUEST,
			bench_tid);
	stun_put_attr(&b, STUN_ATTR_SOFTWARE, sw, 60);
	stun_put_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ffu);
	stun_put_fingerprint(&b);
	int len = stun_build_finish(&b);
	if (len != 100 || stun_parse(&st->m, st->msg, (size_t)len) != 0) {
		free(st);
		errno = EPROTO;
		return NULL;
	}
	st->len = (size_t)len;
	return st;
}

static uint64_t
parse_run(void *arg, unsigned int ops)
{
	struct codec_state *st = arg;
	uint64_t acc = 0;
	uint64_t t0 = bench_cycles();
	for (unsigned int i = 0; i < ops; i++) {
		/* The barrier makes every iteration parse memory afresh. */
		__asm__ volatile("" : : : "memory");
		acc += (uint64_t)stun_parse(&st->m, st->msg, st->len) == 0;
	}
	uint64_t t1 = bench_cycles();
	return acc == ops ? t1 - t0 : 0;
}

static uint64_t
fingerprint_run(void *arg, unsigned int ops)
{
	struct codec_state *st = arg;
	uint64_t acc = 0;
	uint64_t t0 = bench_cycles();
	for (unsigned int i = 0; i < ops; i++) {
		__asm__ volatile("" : : : "memory");
		acc += stun_check_fingerprint(&st->m) == 0;
	}
	uint64_t t1 = bench_cycles();
	return acc == ops ? t1 - t0 : 0;
}

/* A typical authenticated Allocate request: REQUESTED-TRANSPORT, USERNAME,
 * REALM, a 37-byte NONCE, MESSAGE-INTEGRITY(-SHA256), FINGERPRINT. */
static void *
allocate_msg_setup(bool sha256)
{
	struct codec_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	static const uint8_t k[16] = {0x7d, 0xa2, 0x27, 0x0c, 0xcf, 0xa4, 0x97, 0x86,
				      0xe0, 0x11, 0x53, 0x66, 0xd3, 0xa3, 0xd1, 0x4d};
	stun_hmac_key_init(&st->key, k, sizeof(k));
	struct stun_builder b;
	const uint8_t transport[4] = {TURN_TRANSPORT_UDP, 0, 0, 0};
	stun_build_init(&b, st->msg, sizeof(st->msg), TURN_METHOD_ALLOCATE, STUN_CLASS_REQUEST,
			bench_tid);
	stun_put_attr(&b, STUN_ATTR_REQUESTED_TRANSPORT, transport, 4);
	stun_put_attr(&b, STUN_ATTR_USERNAME, "gorst", 5);
	stun_put_attr(&b, STUN_ATTR_REALM, "north.gov", 9);
	stun_put_attr(&b, STUN_ATTR_NONCE, "obMatJos2gAAAAAAAAAAAAAAAAAAAAAAAAAAA", 37);
	if (sha256)
		stun_put_integrity_sha256(&b, &st->key);
	else
		stun_put_integrity_sha1(&b, &st->key);
	stun_put_fingerprint(&b);
	int len = stun_build_finish(&b);
	if (len < 0 || stun_parse(&st->m, st->msg, (size_t)len) != 0 ||
	    stun_check_integrity(&st->m, &st->key) != 0) {
		free(st);
		errno = EPROTO;
		return NULL;
	}
	st->len = (size_t)len;
	return st;
}

static void *
sha1_setup(unsigned int ops)
{
	(void)ops;
	return allocate_msg_setup(false);
}

static void *
sha256_setup(unsigned int ops)
{
	(void)ops;
	return allocate_msg_setup(true);
}

static uint64_t
integrity_run(void *arg, unsigned int ops)
{
	struct codec_state *st = arg;
	uint64_t acc = 0;
	uint64_t t0 = bench_cycles();
	for (unsigned int i = 0; i < ops; i++) {
		__asm__ volatile("" : : : "memory");
		acc += stun_check_integrity(&st->m, &st->key) == 0;
	}
	uint64_t t1 = bench_cycles();
	return acc == ops ? t1 - t0 : 0;
}

const struct bench_case bench_stun_parse_binding = {
	.name = "stun_parse_binding",
	.ops = 1000000,
	.setup = binding_setup,
	.run = parse_run,
	.teardown = free,
};

const struct bench_case bench_fingerprint = {
	.name = "fingerprint",
	.ops = 1000000,
	.setup = binding_setup,
	.run = fingerprint_run,
	.teardown = free,
};

const struct bench_case bench_integrity_sha1_verify = {
	.name = "integrity_sha1_verify",
	.ops = 200000,
	.setup = sha1_setup,
	.run = integrity_run,
	.teardown = free,
};

const struct bench_case bench_integrity_sha256_verify = {
	.name = "integrity_sha256_verify",
	.ops = 200000,
	.setup = sha256_setup,
	.run = integrity_run,
	.teardown = free,
};
