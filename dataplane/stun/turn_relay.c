/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path: Send indications and ChannelData from clients to peers,
 * and datagrams from peers back to clients as ChannelData or Data
 * indications (RFC 8656 sections 10, 11, 12). Payloads are never copied:
 * toward a peer the verdict points into the received packet; toward a
 * client only a header is written and the payload follows it in place.
 */
#include <string.h>

#include "channeldata.h"
#include "turn_server_priv.h"

static void
to_peer(struct turn_allocation *a, struct turn_out *out, const struct stun_addr *relay,
	const struct stun_addr *peer, const uint8_t *payload, uint16_t len, bool df)
{
	out->verdict = TURN_TO_PEER;
	out->src = *relay;
	out->dst = *peer;
	out->hdr = NULL;
	out->hdr_len = 0;
	out->payload = payload;
	out->payload_len = len;
	out->pad = 0;
	out->dont_fragment = df;
	out->alloc = a;
	a->pkts_to_peer++;
	a->bytes_to_peer += len;
}

/*
 * Send indication (RFC 8656 10.2): no authentication, so every failure
 * is a silent, counted drop. The peer's family is checked before the
 * permission so that a peer of a family we do not relay is reported as
 * such (no permission of that family can exist).
 */
void
turn_send_indication(struct turn_req *r)
{
	struct turn_server *s = r->s;
	const struct stun_msg *m = r->m;
	struct turn_allocation *a = turn_alloc_find(s, r->ft, r->now);
	const struct stun_attr *data = stun_msg_attr(m, STUN_SLOT_DATA);
	const struct stun_addr *relay;
	struct stun_addr peer;

	if (a == NULL) {
		turn_drop(s, r->out, TP_DROP_NO_ALLOCATION);
		return;
	}
	if (data == NULL || m->n_peer == 0 || stun_msg_get_peer(m, 0, &peer) != 0) {
		turn_drop(s, r->out, TP_DROP_SEND_INVALID);
		return;
	}
	relay = turn_alloc_relay(a, peer.family);
	if (relay == NULL) {
		turn_drop(s, r->out, TP_DROP_PEER_FAMILY);
		return;
	}
	if (turn_perm_find(s, a, &peer, r->now) == NULL) {
		turn_drop(s, r->out, TP_DROP_NO_PERMISSION);
		return;
	}
	to_peer(a, r->out, relay, &peer, stun_attr_value(m, data), data->len,
		a->dont_fragment || stun_msg_attr(m, STUN_SLOT_DONT_FRAGMENT) != NULL);
}

/*
 * ChannelData from a client (RFC 8656 12.5): framing and range first,
 * as they cost nothing, then the allocation, a live binding and a live
 * permission for the bound peer.
 */
void
turn_channeldata(struct turn_server *s, const struct stun_5tuple *ft, const uint8_t *pkt,
		 size_t len, uint64_t now, struct turn_out *out)
{
	struct turn_allocation *a;
	const struct turn_channel *c;
	const struct stun_addr *relay;
	struct stun_addr peer;
	uint16_t number, plen;

	if (channeldata_parse(pkt, len, &number, &plen) != 0 || number < s->cfg.channel_min ||
	    number > s->cfg.channel_max) {
		turn_drop(s, out, TP_DROP_BAD_CHANNEL);
		return;
	}
	a = turn_alloc_find(s, ft, now);
	if (a == NULL) {
		turn_drop(s, out, TP_DROP_NO_ALLOCATION);
		return;
	}
	c = turn_chan_by_number(s, a, number, now);
	if (c == NULL) {
		turn_drop(s, out, TP_DROP_CHANNEL_UNBOUND);
		return;
	}
	turn_chan_peer(c, &peer);
	if (turn_perm_find(s, a, &peer, now) == NULL) {
		turn_drop(s, out, TP_DROP_NO_PERMISSION);
		return;
	}
	relay = turn_alloc_relay(a, peer.family);
	if (relay == NULL) {
		turn_drop(s, out, TP_DROP_PEER_FAMILY);
		return;
	}
	to_peer(a, out, relay, &peer, pkt + TURN_CHANNELDATA_HDR_LEN, plen, a->dont_fragment);
}

/*
 * Data indication header for @len payload bytes: STUN header,
 * XOR-PEER-ADDRESS, and the DATA attribute header, with the message
 * length covering the DATA padding the caller appends. Returns the
 * header length, or 0 if it does not fit.
 */
static size_t
data_indication_hdr(struct turn_server *s, const struct stun_addr *peer, size_t len,
		    uint8_t *obuf, size_t ocap, uint8_t *pad)
{
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;
	size_t hlen, mlen;
	uint8_t *p;

	turn_next_tid(s, tid);
	stun_build_init(&b, obuf, ocap, TURN_METHOD_DATA, STUN_CLASS_INDICATION, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	if (stun_build_finish(&b) < 0 || b.len + STUN_ATTR_HDR_LEN > ocap)
		return 0;
	*pad = (uint8_t)((4 - (len & 3)) & 3);
	hlen = b.len + STUN_ATTR_HDR_LEN;
	mlen = hlen - STUN_HEADER_LEN + len + *pad;
	if (mlen > UINT16_MAX)
		return 0;
	p = obuf + b.len;
	p[0] = (uint8_t)(STUN_ATTR_DATA >> 8);
	p[1] = (uint8_t)STUN_ATTR_DATA;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	obuf[2] = (uint8_t)(mlen >> 8);
	obuf[3] = (uint8_t)mlen;
	return hlen;
}

/*
 * A datagram from a peer to one of our relay addresses (RFC 8656 11.3,
 * 12.6). Without a live permission for the peer's IP it is dropped. A
 * live channel bound to exactly this peer address and port gets the
 * 4-byte ChannelData header (no padding over UDP); otherwise a Data
 * indication, without FINGERPRINT. Cost: a table lookup, a scan of the
 * inline slots (and of overflow blocks, for allocations that have them),
 * and at most one header written.
 */
enum turn_verdict
turn_server_handle_peer(struct turn_server *s, const struct stun_addr *peer_in,
			const struct stun_addr *relay, const uint8_t *pkt, size_t len,
			uint64_t now, uint8_t *obuf, size_t ocap, struct turn_out *out)
{
	/* Copied first: the caller may pass addresses from a previous
	 * verdict in @out, which is reset below. */
	const struct stun_addr peer_copy = *peer_in;
	const struct stun_addr *peer = &peer_copy;
	struct turn_allocation *a = s->tops->lookup_relay(s->table, relay);
	const struct turn_channel *c;

	memset(out, 0, sizeof(*out));
	out->verdict = TURN_DROP;
	if (a != NULL && a->expires <= now) {
		turn_alloc_remove(s, a, TURN_EVENT_EXPIRED);
		a = NULL;
	}
	if (a == NULL) {
		turn_drop(s, out, TP_DROP_NO_ALLOCATION);
		return out->verdict;
	}
	if (turn_perm_find(s, a, peer, now) == NULL) {
		turn_drop(s, out, TP_DROP_NO_PERMISSION);
		return out->verdict;
	}
	if (len > UINT16_MAX) {
		turn_drop(s, out, TP_DROP_TOO_BIG);
		return out->verdict;
	}
	c = turn_chan_by_peer(s, a, peer, now);
	if (c != NULL) {
		if (ocap < TURN_CHANNELDATA_HDR_LEN) {
			turn_drop(s, out, TP_DROP_TOO_BIG);
			return out->verdict;
		}
		channeldata_write_hdr(obuf, c->number, (uint16_t)len);
		out->hdr_len = TURN_CHANNELDATA_HDR_LEN;
		out->pad = 0;
	} else {
		size_t hlen = data_indication_hdr(s, peer, len, obuf, ocap, &out->pad);
		if (hlen == 0) {
			turn_drop(s, out, TP_DROP_TOO_BIG);
			return out->verdict;
		}
		out->hdr_len = (uint16_t)hlen;
	}
	out->verdict = TURN_TO_CLIENT;
	out->hdr = obuf;
	out->payload = pkt;
	out->payload_len = (uint16_t)len;
	out->src = a->ft.server;
	out->dst = a->ft.client;
	out->alloc = a;
	a->pkts_from_peer++;
	a->bytes_from_peer += len;
	return out->verdict;
}
