/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN state machine's verdicts, applied to the mbuf that carried the
 * request, so nothing is allocated and relayed payloads are never copied:
 *
 *   TURN_REPLY      the response (small, in w->obuf) replaces the packet
 *   TURN_TO_PEER    the payload stays where it is; the mbuf is trimmed
 *                   around it and new Ethernet/IP/UDP headers are written
 *                   in front (stripping the ChannelData header or the Send
 *                   indication's attributes)
 *   TURN_TO_CLIENT  as above with out->hdr_len bytes (ChannelData header
 *                   or Data indication) copied in front and out->pad zero
 *                   bytes after
 *
 * The L3 header may change size on the way (IPv4 client, IPv6 relay):
 * the window arithmetic below is by absolute offsets, so it does not care.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "authq.h"
#include "l4sum.h"
#include "net.h"

/* Make @m's data exactly [@start, @start + @len) relative to its current
 * data start; @start may be negative (into the headroom). */
static int
mbuf_window(struct rte_mbuf *m, int start, uint16_t len)
{
	if (start >= 0) {
		if (rte_pktmbuf_adj(m, (uint16_t)start) == NULL)
			return -1;
	} else if (rte_pktmbuf_prepend(m, (uint16_t)-start) == NULL) {
		return -1;
	}
	if (m->pkt_len >= len)
		return rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - len));
	return rte_pktmbuf_append(m, (uint16_t)(len - m->pkt_len)) == NULL ? -1 : 0;
}

/*
 * The sum of the outgoing UDP data (l4sum.h) when the checksum is
 * computed in software and the received one was verified: the payload's
 * share of the received data's sum, plus the header the verdict puts in
 * front (pad bytes are zeros and add nothing). -1 when unknown. Must run
 * before the mbuf is rewritten.
 */
static int32_t
out_dsum(const struct worker *w, const struct turn_out *o, const uint8_t *data, uint16_t dlen)
{
	uint32_t s;

	if (!w->rx_dsum_ok)
		return -1;
	s = l4sum_region(w->rx_dsum, data, dlen, (size_t)(o->payload - data), o->payload_len);
	if (o->verdict == TURN_TO_CLIENT)
		/* The header length is a multiple of 4: the payload stays
		 * word-aligned. */
		s = l4sum_add(s, l4sum_bytes(o->hdr, o->hdr_len));
	return (int32_t)s;
}

static void
verdict_apply(struct worker *w, struct rte_mbuf *m, const struct turn_out *o,
	      const uint8_t *data, uint16_t dlen)
{
	uint16_t hdrs = ETH_HLEN + l3_hlen(o->dst.family) + UDP_HLEN;
	uint8_t *base = rte_pktmbuf_mtod(m, uint8_t *);
	int32_t dsum;
	int off;

	switch (o->verdict) {
	case TURN_REPLY:
		/* The request is no longer needed: the response is in obuf. */
		rte_pktmbuf_reset(m);
		if (rte_pktmbuf_append(m, hdrs + o->hdr_len) == NULL) {
			dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
			return;
		}
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hdrs), o->hdr, o->hdr_len);
		/* Counted only once queued: the output stage may drop it (no
		 * route, no neighbour) and counts that drop itself. */
		if (udp_output(w, m, &o->src, &o->dst, false, -1) == 0) {
			w->cnt.tx_reply_pkts++;
			w->cnt.tx_reply_bytes += o->hdr_len;
		}
		return;
	case TURN_TO_PEER:
		dsum = out_dsum(w, o, data, dlen);
		off = (int)(o->payload - base);
		if (mbuf_window(m, off - hdrs, hdrs + o->payload_len) != 0) {
			dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
			return;
		}
		if (unlikely(udp_is_hairpin_dst(w, &o->dst))) {
			/* The peer is another allocation of ours. */
			w->cnt.tx_peer_pkts++;
			w->cnt.tx_peer_bytes += o->payload_len;
			udp_hairpin(w, m, &o->src, &o->dst);
			return;
		}
		if (udp_output(w, m, &o->src, &o->dst, o->dont_fragment != 0, dsum) == 0) {
			w->cnt.tx_peer_pkts++;
			w->cnt.tx_peer_bytes += o->payload_len;
		}
		return;
	case TURN_TO_CLIENT: {
		uint16_t len = hdrs + o->hdr_len + o->payload_len;

		dsum = (o->hdr_len & 3) == 0 ? out_dsum(w, o, data, dlen) : -1;
		off = (int)(o->payload - base);
		if (mbuf_window(m, off - hdrs - o->hdr_len, len) != 0) {
			dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
			return;
		}
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hdrs), o->hdr, o->hdr_len);
		if (o->pad != 0) {
			uint8_t *pad = (uint8_t *)rte_pktmbuf_append(m, o->pad);

			if (pad == NULL) {
				dp_drop(w, m, TP_DROP_MBUF_LAYOUT);
				return;
			}
			memset(pad, 0, o->pad);
		}
		if (udp_output(w, m, &o->src, &o->dst, false, dsum) == 0) {
			w->cnt.tx_client_pkts++;
			w->cnt.tx_client_bytes +=
				(uint64_t)o->hdr_len + o->payload_len + o->pad;
		}
		return;
	}
	case TURN_PENDING:
		/* Only client requests are authenticated, and turn_client_input
		 * parks those before getting here. */
		dp_drop(w, m, TP_DROP_AUTH_PENDING);
		return;
	case TURN_DROP:
	default:
		dp_drop(w, m, o->drop < TP_DROP_MAX ? o->drop : TP_DROP_MALFORMED);
		return;
	}
}

void
turn_client_input(struct worker *w, struct rte_mbuf *m, const struct stun_5tuple *ft,
		  const uint8_t *payload, uint16_t len)
{
	struct turn_out o;

	turn_server_handle_client(w->ts, ft, payload, len, w->now_s, w->obuf, sizeof(w->obuf),
				  &o);
	/* A key cache miss: nothing was sent or stored; authq_poll runs the
	 * same bytes through here again once the main lcore has answered. */
	if (o.verdict == TURN_PENDING) {
		authq_park(w, m, ft, payload, len);
		return;
	}
	verdict_apply(w, m, &o, payload, len);
}

void
turn_peer_input(struct worker *w, struct rte_mbuf *m, const struct stun_addr *peer,
		const struct stun_addr *relay, const uint8_t *payload, uint16_t len)
{
	struct turn_out o;

	turn_server_handle_peer(w->ts, peer, relay, payload, len, w->now_s, w->obuf,
				sizeof(w->obuf), &o);
	verdict_apply(w, m, &o, payload, len);
}
