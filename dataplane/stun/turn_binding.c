/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN Binding (RFC 8489) with the RFC 5780 NAT behaviour discovery
 * attributes: RESPONSE-ORIGIN, OTHER-ADDRESS, CHANGE-REQUEST (honoured
 * by answering from the other address when one is configured) and
 * RESPONSE-PORT. No authentication: Binding is how clients learn their
 * reflexive address before they have credentials.
 */
#include <string.h>

#include "turn_server_priv.h"

static void
add_unknown(uint16_t *list, size_t *n, size_t cap, uint16_t type)
{
	if (*n < cap)
		list[(*n)++] = type;
}

/*
 * Without RFC 5780, CHANGE-REQUEST and RESPONSE-PORT are attributes we
 * do not implement, so they earn a 420 like any unknown
 * comprehension-required attribute: that is how a client learns the
 * server does not do behaviour discovery (RFC 5780 7.2).
 */
void
turn_binding(struct turn_req *r)
{
	const struct turn_config *c = &r->s->cfg;
	const struct stun_msg *m = r->m;
	const struct stun_attr *cr = stun_msg_attr(m, STUN_SLOT_CHANGE_REQUEST);
	const struct stun_attr *rp = stun_msg_attr(m, STUN_SLOT_RESPONSE_PORT);
	uint16_t unknown[STUN_MAX_UNKNOWN + 2];
	size_t n = 0;
	struct stun_addr src = r->ft->server;
	struct stun_addr dst = r->ft->client;
	struct stun_builder b;

	for (unsigned int i = 0; i < m->n_unknown && i < STUN_MAX_UNKNOWN; i++)
		add_unknown(unknown, &n, sizeof(unknown) / sizeof(unknown[0]), m->unknown[i]);
	if (!c->rfc5780) {
		if (cr != NULL)
			add_unknown(unknown, &n, sizeof(unknown) / sizeof(unknown[0]),
				    STUN_ATTR_CHANGE_REQUEST);
		if (rp != NULL)
			add_unknown(unknown, &n, sizeof(unknown) / sizeof(unknown[0]),
				    STUN_ATTR_RESPONSE_PORT);
	} else {
		if (cr != NULL && cr->len >= 4) {
			const struct stun_addr *o = &c->other_address;
			uint8_t flags = stun_attr_value(m, cr)[3];

			flags &= STUN_CHANGE_IP | STUN_CHANGE_PORT;

			if (flags != 0 && (o->family == 0 || o->family != src.family)) {
				add_unknown(unknown, &n, sizeof(unknown) / sizeof(unknown[0]),
					    STUN_ATTR_CHANGE_REQUEST);
			} else {
				if (flags & STUN_CHANGE_IP)
					memcpy(src.ip, o->ip, sizeof(src.ip));
				if (flags & STUN_CHANGE_PORT)
					src.port = o->port;
			}
		}
		if (rp != NULL && rp->len >= 2) {
			const uint8_t *v = stun_attr_value(m, rp);
			dst.port = (uint16_t)(v[0] << 8 | v[1]);
		}
	}
	if (n > 0) {
		turn_reply_unknown(r, unknown, n);
		return;
	}

	turn_reply_begin(r, &b, STUN_CLASS_SUCCESS);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &r->ft->client);
	if (c->rfc5780) {
		stun_put_addr(&b, STUN_ATTR_RESPONSE_ORIGIN, &src);
		if (c->other_address.family != 0)
			stun_put_addr(&b, STUN_ATTR_OTHER_ADDRESS, &c->other_address);
	}
	turn_reply_finish(r, &b, 0);
	if (r->out->verdict == TURN_REPLY) {
		r->out->src = src;
		r->out->dst = dst;
	}
}
