/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building responses: the header, the attributes every response ends
 * with (SOFTWARE, then MESSAGE-INTEGRITY or -SHA256 when the request was
 * authenticated, then FINGERPRINT), error responses and the 401/438
 * challenges. Everything is written into the caller's output buffer.
 */
#include <errno.h>
#include <string.h>

#include "stun_integrity.h"
#include "stun_nonce.h"
#include "turn_server_priv.h"

void
turn_reply_begin(struct turn_req *r, struct stun_builder *b, uint8_t cls)
{
	stun_build_init(b, r->obuf, r->ocap, r->m->method, cls, r->m->tid);
}

/*
 * RFC 8489 9.2.4: a response to an authenticated request carries the
 * integrity type of the request under the same key, whatever the outcome
 * (so 437, 403, 486, 508 are signed too). 401/438 are built before
 * r->authed is set and so are never signed.
 */
void
turn_reply_finish(struct turn_req *r, struct stun_builder *b, uint16_t error)
{
	struct turn_out *out = r->out;
	int len;

	if (r->s->cfg.software != NULL)
		stun_put_attr(b, STUN_ATTR_SOFTWARE, r->s->cfg.software, r->s->software_len);
	if (r->authed) {
		if (r->sha256)
			stun_put_integrity_sha256(b, &r->key);
		else
			stun_put_integrity_sha1(b, &r->key);
	}
	if (r->fingerprint)
		stun_put_fingerprint(b);
	len = stun_build_finish(b);
	if (len < 0) {
		turn_drop(r->s, out, TP_DROP_TOO_BIG);
		return;
	}
	out->verdict = TURN_REPLY;
	out->src = r->ft->server;
	out->dst = r->ft->client;
	out->hdr = r->obuf;
	out->hdr_len = (uint16_t)len;
	out->payload = NULL;
	out->payload_len = 0;
	out->pad = 0;
	out->error = error;
	if (error != 0)
		r->s->stats.errors[(error / 100) % 6][error % 100]++;
}

void
turn_reply_error(struct turn_req *r, uint16_t code, const char *reason)
{
	struct stun_builder b;

	turn_reply_begin(r, &b, STUN_CLASS_ERROR);
	stun_put_error(&b, code, reason);
	turn_reply_finish(r, &b, code);
}

void
turn_reply_unknown(struct turn_req *r, const uint16_t *types, size_t n)
{
	struct stun_builder b;

	turn_reply_begin(r, &b, STUN_CLASS_ERROR);
	stun_put_error(&b, STUN_ERR_UNKNOWN_ATTRIBUTE, NULL);
	stun_put_unknown(&b, types, n);
	turn_reply_finish(r, &b, STUN_ERR_UNKNOWN_ATTRIBUTE);
}

/*
 * 401 and 438 (RFC 8489 9.2.3, 9.2.4): REALM, a nonce bound to the
 * client's address, and PASSWORD-ALGORITHMS when we offer any. Never
 * signed, since the client's key is not known to be good.
 */
void
turn_reply_challenge(struct turn_req *r, uint16_t code)
{
	struct turn_server *s = r->s;
	char nonce[STUN_NONCE_LEN + 1];
	struct stun_builder b;
	size_t n;

	r->authed = false;
	if (s->hooks.challenge_admit != NULL &&
	    !s->hooks.challenge_admit(s->ctx, &r->ft->client)) {
		turn_drop(s, r->out, TP_DROP_RATE_LIMITED);
		return;
	}
	n = stun_nonce_make(&s->nonce, r->now, &r->ft->client, s->nonce_features, nonce);
	turn_reply_begin(r, &b, STUN_CLASS_ERROR);
	stun_put_error(&b, code, NULL);
	stun_put_attr(&b, STUN_ATTR_REALM, s->cfg.realm, s->realm_len);
	stun_put_attr(&b, STUN_ATTR_NONCE, nonce, n);
	if (s->pw_algs_len > 0)
		stun_put_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, s->pw_algs, s->pw_algs_len);
	turn_reply_finish(r, &b, code);
}

void
turn_reply_ok(struct turn_req *r)
{
	struct stun_builder b;

	turn_reply_begin(r, &b, STUN_CLASS_SUCCESS);
	turn_reply_finish(r, &b, 0);
}
