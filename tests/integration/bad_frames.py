#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A corpus of malformed (and a few valid) frames for turnpike-dataplane.

    bad_frames.py generate FRAMES.pcap EXPECT.json [--mac MAC]
    bad_frames.py check-stats EXPECT.json STATS.json
    bad_frames.py check-tx EXPECT.json TX.pcap --mac MAC
    bad_frames.py list

generate writes a classic libpcap file (link type Ethernet) of named
frames addressed to the dataplane of tests/integration/pcap.conf.in, and
an expectation file:

    {"frames": N, "rx_bytes": B,
     "drops": {reason: count},          every drop reason expected (others 0)
     "counters": {name: value},         other /turnpike/stats counters
     "tx": [[kind, key...], ...],       every frame the dataplane must send
     "cases": [{"name", "len", "drop" | "tx" | "consumed"}, ...]}

Each case says where the code in dataplane/net_*.c, turn_io.c and
stun/turn_*.c puts it: under one drop reason, answered (the reply it
must produce), or consumed (an ARP reply or NA that taught the neighbour
table: counted as arp_learnt or nd_learnt).

check-stats compares a /turnpike/stats answer (the JSON printed by
dpdk-telemetry.py) with the expectation, exactly, drop reason by drop
reason, and checks that every frame received is accounted for once:
rx_pkts equals the drops plus the replies plus the frames learnt from. check-tx parses the tx pcap (microsecond or nanosecond classic
format) and checks that it holds exactly the expected replies, each with
correct checksums, our MAC as source, and the right addresses.

Standard library only.
"""

import argparse
import ipaddress
import json
import struct
import sys
import zlib
from collections import Counter

# ---- the dataplane's identity (pcap.conf.in) ------------------------------

PCAP_PORT_MAC = "02:70:63:61:70:00"  # net_pcap's MAC for the first pcap port
PORT_MAC = PCAP_PORT_MAC  # the one frames are built for (build() sets it)
CLIENT_MAC = "02:00:00:00:00:01"
US4, CLIENT4 = "198.18.0.2", "198.18.0.1"
US6, CLIENT6 = "2001:db8:1::2", "2001:db8:1::1"
LISTEN_PORT = 3478
RELAY_PORT_MIN = 49152
CLIENT_PORT = 40001
MBUF_DATA_ROOM = 2048  # RTE_MBUF_DEFAULT_DATAROOM: the largest single-segment frame

BROADCAST = "ff:ff:ff:ff:ff:ff"
ALL_NODES = "ff02::1"

ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_VLAN = 0x0800, 0x0806, 0x86DD, 0x8100
P_ICMP, P_TCP, P_UDP, P_ICMP6 = 1, 6, 17, 58

STUN_COOKIE = 0x2112A442
STUN_FP_XOR = 0x5354554E
M_BINDING, M_ALLOCATE, M_SEND = 0x001, 0x003, 0x006
C_REQUEST, C_INDICATION, C_SUCCESS, C_ERROR = 0, 1, 2, 3
A_USERNAME, A_MI, A_ERROR_CODE, A_LIFETIME = 0x0006, 0x0008, 0x0009, 0x000D
A_DATA, A_REALM, A_NONCE = 0x0013, 0x0014, 0x0015
A_REQ_TRANSPORT, A_XOR_MAPPED, A_PADDING = 0x0019, 0x0020, 0x0026
A_SOFTWARE, A_FINGERPRINT = 0x8022, 0x8028

# Counters of /turnpike/stats the expectation pins (besides rx, tx and drops).
PINNED = ("arp_replies", "arp_requests", "nd_adverts", "nd_solicits", "icmp_echo_replies",
          "icmp6_echo_replies", "rx_client_pkts", "rx_peer_pkts", "tx_reply_pkts",
          "tx_peer_pkts", "tx_client_pkts", "arp_learnt", "nd_learnt")
# What happens to a received frame, exactly one of: a drop (drops_total), or
# one of these. Frames the dataplane originates (arp_requests, nd_solicits)
# are not in it.
RX_FATES = ("arp_replies", "nd_adverts", "icmp_echo_replies", "icmp6_echo_replies",
            "tx_reply_pkts", "tx_peer_pkts", "tx_client_pkts", "arp_learnt", "nd_learnt")

# ---- byte helpers ---------------------------------------------------------


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return ipaddress.IPv4Address(s).packed


def ip6(s):
    return ipaddress.IPv6Address(s).packed


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    return fold(sum(struct.unpack("!%dH" % (len(data) // 2), data)))


def cksum(data):
    return ~ones_sum(data) & 0xFFFF


def eth(payload, etype, dst=None, src=CLIENT_MAC):
    return mac(dst or PORT_MAC) + mac(src) + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, *, ident=1, frag=0, ttl=64, ihl=5, options=b"",
         total=None, version=4, bad_cksum=False):
    if total is None:
        total = 4 * ihl + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, 0, total & 0xFFFF, ident, frag,
                      ttl, proto, 0, ip4(src), ip4(dst)) + options
    c = cksum(hdr)
    if bad_cksum:
        c ^= 0x5A5A
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def ipv6(src, dst, nh, payload, *, hlim=64, plen=None, version=6):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", version << 28, plen, nh, hlim, ip6(src),
                       ip6(dst)) + payload


def l4_cksum(family, src, dst, proto, seg):
    if family == 4:
        ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
    else:
        ph = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(seg), proto)
    return cksum(ph + seg)


def udp(family, src, dst, sport, dport, payload, *, length=None, csum="good"):
    """csum: "good", "bad" or "zero"."""
    ulen = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    if csum == "zero":
        return seg
    c = l4_cksum(family, src, dst, P_UDP, seg) or 0xFFFF
    if csum == "bad":
        c ^= 0x0101
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def udp4_frame(payload, *, dport=LISTEN_PORT, sport=CLIENT_PORT, src=CLIENT4, dst=US4, **kw):
    return eth(ipv4(src, dst, P_UDP, udp(4, src, dst, sport, dport, payload, **kw)), ETH_IPV4)


def udp6_frame(payload, *, dport=LISTEN_PORT, sport=CLIENT_PORT, src=CLIENT6, dst=US6, **kw):
    return eth(ipv6(src, dst, P_UDP, udp(6, src, dst, sport, dport, payload, **kw)), ETH_IPV6)


def icmp4(itype, code, ident, seq, data=b"", bad_cksum=False):
    msg = struct.pack("!BBHHH", itype, code, 0, ident, seq) + data
    c = cksum(msg) ^ (0x1111 if bad_cksum else 0)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def icmp6(src, dst, itype, code, body, bad_cksum=False):
    msg = struct.pack("!BBH", itype, code, 0) + body
    c = l4_cksum(6, src, dst, P_ICMP6, msg) ^ (0x1111 if bad_cksum else 0)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def arp(op, sha, spa, tha, tpa, *, htype=1, ptype=ETH_IPV4, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + mac(sha) + ip4(spa) + \
        mac(tha) + ip4(tpa)


def solicited_node(addr):
    a = ip6(addr)
    return str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + a[13:]))


def multicast_mac6(addr):
    return "33:33:" + ":".join("%02x" % b for b in ip6(addr)[12:])


def ns_body(target, options=b""):
    return b"\0\0\0\0" + ip6(target) + options


def lla_opt(kind, m):
    return struct.pack("!BB", kind, 1) + mac(m)


# ---- STUN -----------------------------------------------------------------


def stun_type(method, cls):
    return (method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2 | \
        (cls & 1) << 4 | (cls & 2) << 7


def stun_attr(atype, value, declared=None):
    alen = len(value) if declared is None else declared
    return struct.pack("!HH", atype, alen) + value + b"\0" * (-len(value) % 4)


TID_SEQ = [0]


def next_tid():
    TID_SEQ[0] += 1
    return b"bad-frames" + struct.pack("!H", TID_SEQ[0])


def stun(method, cls, attrs=b"", *, tid=None, cookie=STUN_COOKIE, length=None,
         fingerprint=None):
    """fingerprint: None, "good" or "bad" (appended last)."""
    tid = tid if tid is not None else next_tid()
    body = attrs
    if fingerprint:
        mlen = len(body) + 8
        head = struct.pack("!HHI", stun_type(method, cls), mlen, cookie) + tid
        crc = (zlib.crc32(head + body) ^ STUN_FP_XOR) & 0xFFFFFFFF
        if fingerprint == "bad":
            crc ^= 0x00010000
        body += stun_attr(A_FINGERPRINT, struct.pack("!I", crc))
    mlen = len(body) if length is None else length
    return struct.pack("!HHI", stun_type(method, cls), mlen, cookie) + tid + body


def tid_of(msg):
    return msg[8:20].hex()


# ---- the corpus -----------------------------------------------------------


class Corpus:
    def __init__(self):
        self.cases = []

    def add(self, name, frame, *, drop=None, tx=None, consumed=False, counters=None):
        assert (drop is not None) + (tx is not None) + consumed >= 1, name
        assert not any(c["name"] == name for c in self.cases), name
        self.cases.append({"name": name, "frame": frame, "drop": drop, "tx": tx or [],
                           "consumed": consumed, "counters": counters or {}})


def build(port_mac):
    global PORT_MAC
    PORT_MAC = port_mac
    c = Corpus()
    client = {"rx_client_pkts": 1}

    # -- Ethernet (net_eth.c: eth_input). Runts (no whole Ethernet header)
    # are eth_malformed; unicast to another MAC is not_for_us.
    c.add("eth_empty_frame", b"", drop="eth_malformed")
    c.add("eth_runt_13_bytes", eth(b"", ETH_IPV4)[:13], drop="eth_malformed")
    c.add("eth_unicast_to_other_mac_arp", eth(arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00",
                                                  US4), ETH_ARP, "02:00:00:00:00:98"),
          drop="not_for_us")
    c.add("eth_unknown_ethertype", eth(b"\0" * 46, 0x88B5), drop="eth_unsupported")
    c.add("eth_8023_length_field", eth(b"\xaa\xaa\x03" + b"\0" * 43, 46), drop="eth_unsupported")
    c.add("eth_vlan_tagged_icmp",
          eth(struct.pack("!HH", 5, ETH_IPV4) +
              ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 0, 1, 1, b"vlan")), ETH_VLAN),
          drop="eth_unsupported")
    c.add("eth_header_only_ipv4", eth(b"", ETH_IPV4), drop="ip_malformed")
    c.add("eth_header_only_ipv6", eth(b"", ETH_IPV6), drop="ip_malformed")
    c.add("eth_header_only_arp", eth(b"", ETH_ARP), drop="arp_invalid")

    # -- ARP (net_arp.c). Everything that is not about our address is
    # arp_invalid, malformed or not.
    req = arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00", US4)
    c.add("arp_truncated", eth(req[:20], ETH_ARP, BROADCAST), drop="arp_invalid")
    c.add("arp_bad_hardware_type", eth(arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00", US4,
                                           htype=6), ETH_ARP, BROADCAST), drop="arp_invalid")
    c.add("arp_bad_protocol_type", eth(arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00", US4,
                                           ptype=ETH_IPV6), ETH_ARP, BROADCAST),
          drop="arp_invalid")
    c.add("arp_bad_hlen", eth(arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00", US4, hlen=8),
                              ETH_ARP, BROADCAST), drop="arp_invalid")
    c.add("arp_bad_plen", eth(arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00", US4, plen=16),
                              ETH_ARP, BROADCAST), drop="arp_invalid")
    c.add("arp_target_not_ours", eth(arp(1, CLIENT_MAC, CLIENT4, "00:00:00:00:00:00",
                                         "198.18.0.99"), ETH_ARP, BROADCAST),
          drop="arp_invalid")
    c.add("arp_request_for_us", eth(req, ETH_ARP, BROADCAST),
          tx=[["arp_reply", CLIENT4, CLIENT_MAC]], counters={"arp_replies": 1})
    c.add("arp_request_padded", eth(req + b"\0" * 18, ETH_ARP, BROADCAST),
          tx=[["arp_reply", CLIENT4, CLIENT_MAC]], counters={"arp_replies": 1})
    c.add("arp_reply_to_us", eth(arp(2, CLIENT_MAC, CLIENT4, PORT_MAC, US4), ETH_ARP),
          consumed=True, counters={"arp_learnt": 1})
    # Only REQUEST (1) and REPLY (2): anything else is refused before
    # anything is learnt.
    c.add("arp_unknown_opcode", eth(arp(9, "02:00:00:00:00:66", "198.18.0.66", PORT_MAC, US4),
                                    ETH_ARP, BROADCAST, "02:00:00:00:00:66"), drop="arp_invalid")
    c.add("arp_rarp_opcode_3", eth(arp(3, "02:00:00:00:00:66", "198.18.0.66", PORT_MAC, US4),
                                   ETH_ARP, BROADCAST, "02:00:00:00:00:66"), drop="arp_invalid")
    c.add("arp_multicast_sender_mac", eth(arp(2, "01:00:5e:00:00:66", "198.18.0.66", PORT_MAC,
                                              US4), ETH_ARP), drop="arp_invalid")
    c.add("arp_reply_from_unspecified", eth(arp(2, CLIENT_MAC, "0.0.0.0", PORT_MAC, US4),
                                            ETH_ARP), drop="arp_invalid")
    # Someone claiming our own address, or a broadcast one: never learnt.
    c.add("arp_reply_claims_our_address", eth(arp(2, "02:00:00:00:00:67", US4, PORT_MAC, US4),
                                              ETH_ARP, src="02:00:00:00:00:67"),
          drop="bad_source")
    c.add("arp_request_from_subnet_broadcast",
          eth(arp(1, CLIENT_MAC, "198.18.0.255", "00:00:00:00:00:00", US4), ETH_ARP, BROADCAST),
          drop="bad_source")
    # An address probe (RFC 5227, sender 0.0.0.0) for our address is
    # answered so the prober sees it is taken; nothing is learnt.
    c.add("arp_probe_for_us",
          eth(arp(1, CLIENT_MAC, "0.0.0.0", "00:00:00:00:00:00", US4), ETH_ARP, BROADCAST),
          tx=[["arp_reply", "0.0.0.0", CLIENT_MAC]], counters={"arp_replies": 1})

    # -- IPv4 header (net_ipv4.c). Order of checks: length >= 20, version
    # and IHL >= 5, total length (>= IHL * 4, within the frame), IHL == 5
    # (options), fragment, checksum, destination, source.
    echo = icmp4(8, 0, 0x4242, 1, b"turnpike bad frames")
    good4 = ipv4(CLIENT4, US4, P_ICMP, echo)
    c.add("ipv4_truncated_header", eth(good4[:10], ETH_IPV4), drop="ip_malformed")
    c.add("ipv4_header_19_bytes", eth(good4[:19], ETH_IPV4), drop="ip_malformed")
    c.add("ipv4_version_6", eth(ipv4(CLIENT4, US4, P_ICMP, echo, version=6), ETH_IPV4),
          drop="ip_malformed")
    c.add("ipv4_ihl_4", eth(ipv4(CLIENT4, US4, P_ICMP, echo, ihl=4), ETH_IPV4),
          drop="ip_malformed")
    c.add("ipv4_options_nop", eth(ipv4(CLIENT4, US4, P_ICMP, echo, ihl=6, options=b"\1\1\1\0"),
                                  ETH_IPV4), drop="ip_options")
    c.add("ipv4_options_router_alert",
          eth(ipv4(CLIENT4, US4, P_UDP, udp(4, CLIENT4, US4, CLIENT_PORT, LISTEN_PORT, b"x"),
                   ihl=6, options=b"\x94\x04\0\0"), ETH_IPV4), drop="ip_options")
    # IHL 15 in a 34-byte frame: the lengths are checked before options,
    # so this truncated header is malformed, not ip_options.
    c.add("ipv4_ihl_15_truncated", eth(ipv4(CLIENT4, US4, P_ICMP, b"", ihl=15, total=60)[:20],
                                       ETH_IPV4), drop="ip_malformed")
    c.add("ipv4_total_length_below_ihl",
          eth(ipv4(CLIENT4, US4, P_ICMP, b"", ihl=6, options=b"\1\1\1\0", total=22), ETH_IPV4),
          drop="ip_malformed")
    c.add("ipv4_total_length_beyond_frame",
          eth(ipv4(CLIENT4, US4, P_ICMP, echo, total=20 + len(echo) + 1), ETH_IPV4),
          drop="ip_malformed")
    c.add("ipv4_total_length_65535", eth(ipv4(CLIENT4, US4, P_ICMP, echo, total=0xFFFF), ETH_IPV4),
          drop="ip_malformed")
    c.add("ipv4_total_length_below_header",
          eth(ipv4(CLIENT4, US4, P_ICMP, echo, total=12), ETH_IPV4), drop="ip_malformed")
    c.add("ipv4_fragment_first_mf", eth(ipv4(CLIENT4, US4, P_UDP,
                                             udp(4, CLIENT4, US4, CLIENT_PORT, LISTEN_PORT,
                                                 b"\0" * 32), frag=0x2000), ETH_IPV4),
          drop="ip_fragment")
    c.add("ipv4_fragment_offset", eth(ipv4(CLIENT4, US4, P_UDP, b"\0" * 24, frag=185), ETH_IPV4),
          drop="ip_fragment")
    c.add("ipv4_fragment_bad_checksum",
          eth(ipv4(CLIENT4, US4, P_UDP, b"\0" * 24, frag=0x2000 | 3, bad_cksum=True), ETH_IPV4),
          drop="ip_fragment")
    c.add("ipv4_bad_header_checksum", eth(ipv4(CLIENT4, US4, P_ICMP, echo, bad_cksum=True),
                                          ETH_IPV4), drop="ip_bad_checksum")
    c.add("ipv4_dst_not_ours", eth(ipv4(CLIENT4, "198.18.0.99", P_ICMP, echo), ETH_IPV4),
          drop="not_for_us")
    c.add("ipv4_dst_subnet_broadcast",
          eth(ipv4(CLIENT4, "198.18.0.255", P_UDP,
                   udp(4, CLIENT4, "198.18.0.255", CLIENT_PORT, LISTEN_PORT, b"hello")),
              ETH_IPV4, BROADCAST), drop="not_for_us")
    c.add("ipv4_dst_multicast_igmp",
          eth(ipv4(CLIENT4, "224.0.0.1", 2, b"\x11\x64\xee\x9b\0\0\0\0"), ETH_IPV4,
              "01:00:5e:00:00:01"), drop="not_for_us")
    c.add("ipv4_tcp_syn", eth(ipv4(CLIENT4, US4, P_TCP,
                                   struct.pack("!HHIIBBHHH", CLIENT_PORT, LISTEN_PORT, 1, 0,
                                               0x50, 0x02, 65535, 0, 0)), ETH_IPV4),
          drop="l4_unsupported")
    c.add("ipv4_protocol_253", eth(ipv4(CLIENT4, US4, 253, b"\0" * 8), ETH_IPV4),
          drop="l4_unsupported")

    # -- ICMP (net_icmp.c)
    c.add("icmp_truncated", eth(ipv4(CLIENT4, US4, P_ICMP, echo[:4]), ETH_IPV4),
          drop="ip_malformed")
    c.add("icmp_empty", eth(ipv4(CLIENT4, US4, P_ICMP, b""), ETH_IPV4), drop="ip_malformed")
    c.add("icmp_bad_checksum", eth(ipv4(CLIENT4, US4, P_ICMP,
                                        icmp4(8, 0, 1, 2, b"x", bad_cksum=True)), ETH_IPV4),
          drop="l4_bad_checksum")
    c.add("icmp_timestamp_request", eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(13, 0, 1, 3, b"\0" * 12)),
                                        ETH_IPV4), drop="l4_unsupported")
    c.add("icmp_echo_code_1", eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 1, 1, 4)), ETH_IPV4),
          drop="l4_unsupported")
    c.add("icmp_echo_reply_unsolicited", eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(0, 0, 1, 5)),
                                             ETH_IPV4), drop="l4_unsupported")
    c.add("icmp_echo_request", eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 0, 7, 1, b"ping")),
                                   ETH_IPV4),
          tx=[["icmp_echo_reply", CLIENT4, 7, 1, CLIENT_MAC]], counters={"icmp_echo_replies": 1})
    c.add("icmp_echo_odd_length_df",
          eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 0, 7, 2, b"odd"), frag=0x4000), ETH_IPV4),
          tx=[["icmp_echo_reply", CLIENT4, 7, 2, CLIENT_MAC]], counters={"icmp_echo_replies": 1})
    # Ethernet padding after the IP datagram is trimmed (the IP length is
    # the truth): the reply carries none of it.
    c.add("icmp_echo_with_eth_padding",
          eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 0, 7, 3)) + b"\xee" * 18, ETH_IPV4),
          tx=[["icmp_echo_reply", CLIENT4, 7, 3, CLIENT_MAC]], counters={"icmp_echo_replies": 1})
    # A frame unicast to another station's MAC is not ours, whatever its
    # IP destination says.
    c.add("icmp_echo_to_other_station_mac",
          eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 0, 7, 4)), ETH_IPV4, "02:00:00:00:00:99"),
          drop="not_for_us")
    # A reply to a source we cannot reach is dropped on output and counted
    # only there, not as a reply.
    c.add("icmp_echo_from_offlink_source",
          eth(ipv4("203.0.113.7", US4, P_ICMP, icmp4(8, 0, 7, 5)), ETH_IPV4),
          drop="no_route")
    # Sources no host sends from: never answered, never learnt.
    for nm, sa in (("limited_broadcast", "255.255.255.255"),
                   ("subnet_broadcast", "198.18.0.255"), ("multicast", "224.0.0.5"),
                   ("loopback", "127.0.0.1"), ("unspecified", "0.0.0.0"),
                   ("our_own_address", US4)):
        c.add("icmp_echo_from_" + nm,
              eth(ipv4(sa, US4, P_ICMP, icmp4(8, 0, 7, 6)), ETH_IPV4, src="02:00:00:00:00:68"),
              drop="bad_source")
    # On-link source behind a multicast source MAC: not learnt, so the
    # reply waits for ARP (sent) and is dropped.
    c.add("icmp_echo_multicast_src_mac",
          eth(ipv4("198.18.0.77", US4, P_ICMP, icmp4(8, 0, 7, 7)), ETH_IPV4,
              src="01:00:5e:00:00:05"),
          drop="no_neighbour", tx=[["arp_request", "198.18.0.77"]],
          counters={"arp_requests": 1})

    # -- UDP (net_udp.c): length, checksum, then listen port or relay range.
    bind = stun(M_BINDING, C_REQUEST)
    c.add("udp_header_truncated", eth(ipv4(CLIENT4, US4, P_UDP, b"\x9c\x41\x0d\x96"), ETH_IPV4),
          drop="ip_malformed")
    c.add("udp_length_above_ip", udp4_frame(bind, length=8 + len(bind) + 4), drop="ip_malformed")
    c.add("udp_length_below_ip", udp4_frame(bind, length=8 + len(bind) - 4), drop="ip_malformed")
    c.add("udp_length_zero", udp4_frame(bind, length=0), drop="ip_malformed")
    c.add("udp_bad_checksum", udp4_frame(stun(M_BINDING, C_REQUEST), csum="bad"),
          drop="l4_bad_checksum")
    b = stun(M_BINDING, C_REQUEST)
    c.add("udp_zero_checksum_ipv4_binding", udp4_frame(b, csum="zero"),
          tx=[["stun", tid_of(b), C_SUCCESS, 0, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    c.add("udp_port_no_service", udp4_frame(b"hello", dport=9), drop="udp_no_service")
    c.add("udp_port_below_relay_range", udp4_frame(b"hello", dport=RELAY_PORT_MIN - 1),
          drop="udp_no_service")
    c.add("udp_listen_port_on_other_address", udp4_frame(bind, dst="198.18.0.99"),
          drop="not_for_us")
    c.add("udp_relay_port_no_allocation", udp4_frame(b"peer data", dport=50000),
          drop="no_allocation", counters={"rx_peer_pkts": 1})
    c.add("udp_relay_port_v6_no_allocation", udp6_frame(b"peer data", dport=65535),
          drop="no_allocation", counters={"rx_peer_pkts": 1})
    c.add("udp_empty_payload_to_listen_port", udp4_frame(b""), drop="not_stun", counters=client)

    # -- STUN over UDP to the listen port (turn_server.c, stun_parse.c).
    b = stun(M_BINDING, C_REQUEST)
    c.add("stun_binding_request", udp4_frame(b),
          tx=[["stun", tid_of(b), C_SUCCESS, 0, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    b = stun(M_BINDING, C_REQUEST, fingerprint="good")
    c.add("stun_binding_good_fingerprint", udp4_frame(b),
          tx=[["stun", tid_of(b), C_SUCCESS, 0, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    # A header that does not hold (stun_parse -EINVAL: cookie, length
    # field against the datagram, size) is not STUN at all: not_stun.
    # Broken attributes behind a good header are malformed (below).
    c.add("stun_bad_magic_cookie", udp4_frame(stun(M_BINDING, C_REQUEST, cookie=0x2112A443)),
          drop="not_stun", counters=client)
    c.add("stun_header_truncated", udp4_frame(stun(M_BINDING, C_REQUEST)[:12]),
          drop="not_stun", counters=client)
    c.add("stun_length_not_multiple_of_4",
          udp4_frame(stun(M_BINDING, C_REQUEST, b"\0" * 6, length=6)), drop="not_stun",
          counters=client)
    c.add("stun_length_beyond_datagram",
          udp4_frame(stun(M_BINDING, C_REQUEST, b"", length=8)), drop="not_stun", counters=client)
    c.add("stun_length_short_of_datagram",
          udp4_frame(stun(M_BINDING, C_REQUEST, stun_attr(A_SOFTWARE, b"abcd"), length=0)),
          drop="not_stun", counters=client)
    # STUN_MAX_MSG_LEN is 1500: a longer message is not parsed at all.
    c.add("stun_longer_than_1500",
          udp4_frame(stun(M_BINDING, C_REQUEST, stun_attr(A_PADDING, b"\0" * 1500))),
          drop="not_stun", counters=client)
    b = stun(M_BINDING, C_REQUEST, stun_attr(A_SOFTWARE, b"x" * 12, declared=200))
    c.add("stun_attribute_overruns_message", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 400, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    b = stun(M_BINDING, C_REQUEST, stun_attr(A_LIFETIME, b"\0\0\x02"))
    c.add("stun_attribute_bad_length", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 400, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    b = stun(M_BINDING, C_REQUEST, stun_attr(A_XOR_MAPPED, b"\0\x03\0\0\0\0\0\0"))
    c.add("stun_address_bad_family", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 400, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    t = next_tid()
    b = stun(M_BINDING, C_REQUEST, stun_attr(A_FINGERPRINT, b"\0\0\0\0") +
             stun_attr(A_SOFTWARE, b"late"), tid=t)
    c.add("stun_fingerprint_not_last", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 400, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    c.add("stun_bad_fingerprint", udp4_frame(stun(M_BINDING, C_REQUEST, fingerprint="bad")),
          drop="bad_fingerprint", counters=client)
    c.add("stun_indication_attribute_overrun",
          udp4_frame(stun(M_BINDING, C_INDICATION, stun_attr(A_SOFTWARE, b"abcd", declared=64))),
          drop="malformed", counters=client)
    c.add("stun_error_response_broken_attribute",
          udp4_frame(stun(M_BINDING, C_ERROR, stun_attr(A_ERROR_CODE, b"\0\0\x09\x63"))),
          drop="malformed", counters=client)
    c.add("stun_binding_indication", udp4_frame(stun(M_BINDING, C_INDICATION)),
          drop="binding_indication", counters=client)
    c.add("stun_binding_success_response", udp4_frame(stun(M_BINDING, C_SUCCESS)),
          drop="unexpected_class", counters=client)
    c.add("stun_unknown_method_indication", udp4_frame(stun(0x0FF, C_INDICATION)),
          drop="unknown_method_indication", counters=client)
    c.add("stun_indication_unknown_attribute",
          udp4_frame(stun(M_BINDING, C_INDICATION, stun_attr(0x0031, b"\0" * 4))),
          drop="indication_unknown_attr", counters=client)
    c.add("stun_send_indication_no_allocation",
          udp4_frame(stun(M_SEND, C_INDICATION, stun_attr(A_DATA, b"payload"))),
          drop="no_allocation", counters=client)
    b = stun(0x0FF, C_REQUEST)
    c.add("stun_unknown_method_request", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 400, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    b = stun(M_BINDING, C_REQUEST, stun_attr(0x0031, b"\0" * 4))
    c.add("stun_unknown_required_attribute", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 420, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    b = stun(M_ALLOCATE, C_REQUEST, stun_attr(A_REQ_TRANSPORT, b"\x11\0\0\0"))
    c.add("stun_allocate_without_credentials", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 401, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    b = stun(M_ALLOCATE, C_REQUEST,
             stun_attr(A_REQ_TRANSPORT, b"\x11\0\0\0") + stun_attr(A_USERNAME, b"demo") +
             stun_attr(A_REALM, b"turnpike.test") + stun_attr(A_NONCE, b"obviouslyforged") +
             stun_attr(A_MI, b"\0" * 20))
    c.add("stun_allocate_forged_nonce", udp4_frame(b),
          tx=[["stun", tid_of(b), C_ERROR, 438, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    c.add("rtp_like_first_byte_0x80", udp4_frame(b"\x80\x60" + b"\0" * 30), drop="not_stun",
          counters=client)
    c.add("dtls_record_first_byte_0x16", udp4_frame(b"\x16\xfe\xfd" + b"\0" * 30),
          drop="not_stun", counters=client)
    c.add("first_byte_0xc0", udp4_frame(b"\xc0" + b"\0" * 19), drop="not_stun", counters=client)

    # -- ChannelData (turn_relay.c): framing and range, then allocation.
    # channel_unbound needs an allocation, which needs a nonce from this
    # run's secret: a static capture cannot reach it.
    c.add("channeldata_3_bytes", udp4_frame(b"\x40\x01\x00"), drop="bad_channel",
          counters=client)
    c.add("channeldata_length_overrun", udp4_frame(b"\x40\x01\x00\x64" + b"\0" * 8),
          drop="bad_channel", counters=client)
    c.add("channeldata_excess_trailer", udp4_frame(b"\x40\x01\x00\x04" + b"\0" * 12),
          drop="bad_channel", counters=client)
    c.add("channeldata_channel_above_max", udp4_frame(b"\x50\x00\x00\x04abcd"),
          drop="bad_channel", counters=client)
    c.add("channeldata_channel_0x7fff", udp4_frame(b"\x7f\xff\x00\x04abcd"),
          drop="bad_channel", counters=client)
    c.add("channeldata_no_allocation", udp4_frame(b"\x40\x01\x00\x05hello\0\0\0"),
          drop="no_allocation", counters=client)
    c.add("channeldata_no_allocation_v6", udp6_frame(b"\x40\x01\x00\x04abcd"),
          drop="no_allocation", counters=client)

    # -- IPv6 (net_ipv6.c)
    e6 = icmp6(CLIENT6, US6, 128, 0, struct.pack("!HH", 0x6666, 1) + b"ping6")
    good6 = ipv6(CLIENT6, US6, P_ICMP6, e6)
    c.add("ipv6_truncated_header", eth(good6[:30], ETH_IPV6), drop="ip_malformed")
    c.add("ipv6_version_4", eth(ipv6(CLIENT6, US6, P_ICMP6, e6, version=4), ETH_IPV6),
          drop="ip_malformed")
    c.add("ipv6_payload_length_beyond_frame",
          eth(ipv6(CLIENT6, US6, P_ICMP6, e6, plen=len(e6) + 1), ETH_IPV6), drop="ip_malformed")
    c.add("ipv6_dst_not_ours", eth(ipv6(CLIENT6, "2001:db8:1::99", P_ICMP6, e6), ETH_IPV6),
          drop="not_for_us")
    c.add("ipv6_dst_other_multicast_group",
          eth(ipv6(CLIENT6, "ff02::16", P_ICMP6, b"\x8f\0\0\0\0\0\0\0", hlim=1), ETH_IPV6,
              "33:33:00:00:00:16"), drop="not_for_us")
    c.add("ipv6_dst_other_solicited_node",
          eth(ipv6(CLIENT6, solicited_node("2001:db8:1::99"), P_ICMP6, e6), ETH_IPV6,
              multicast_mac6(solicited_node("2001:db8:1::99"))), drop="not_for_us")
    for nh, nm in ((0, "hop_by_hop"), (43, "routing"), (44, "fragment"), (60, "dest_options")):
        c.add("ipv6_ext_header_" + nm,
              eth(ipv6(CLIENT6, US6, nh, bytes([P_UDP, 0]) + b"\1\4\0\0\0\0" +
                       udp(6, CLIENT6, US6, CLIENT_PORT, LISTEN_PORT, b"x")), ETH_IPV6),
              drop="ipv6_ext_header")
    # MLD reports carry a hop-by-hop header: counted as such (all-nodes
    # destination, so they get that far).
    c.add("ipv6_hop_by_hop_to_all_nodes",
          eth(ipv6(CLIENT6, ALL_NODES, 0, b"\x3a\0\5\2\0\0\1\0" + b"\0" * 8, hlim=1), ETH_IPV6,
              multicast_mac6(ALL_NODES)), drop="ipv6_ext_header")
    # AH (51) is an extension header (RFC 8200 4.1); ESP (50) ends the
    # chain like an upper layer, which we do not handle.
    c.add("ipv6_next_header_ah", eth(ipv6(CLIENT6, US6, 51, b"\x11\x04" + b"\0" * 22), ETH_IPV6),
          drop="ipv6_ext_header")
    c.add("ipv6_next_header_esp", eth(ipv6(CLIENT6, US6, 50, b"\0" * 24), ETH_IPV6),
          drop="l4_unsupported")
    c.add("ipv6_no_next_header", eth(ipv6(CLIENT6, US6, 59, b""), ETH_IPV6),
          drop="l4_unsupported")
    c.add("ipv6_tcp", eth(ipv6(CLIENT6, US6, P_TCP, b"\0" * 20), ETH_IPV6), drop="l4_unsupported")
    c.add("ipv6_udp_to_all_nodes",
          eth(ipv6(CLIENT6, ALL_NODES, P_UDP,
                   udp(6, CLIENT6, ALL_NODES, CLIENT_PORT, LISTEN_PORT, b"hi")), ETH_IPV6,
              multicast_mac6(ALL_NODES)), drop="not_for_us")
    c.add("ipv6_udp_zero_checksum", udp6_frame(stun(M_BINDING, C_REQUEST), csum="zero"),
          drop="l4_bad_checksum")
    c.add("ipv6_udp_bad_checksum", udp6_frame(stun(M_BINDING, C_REQUEST), csum="bad"),
          drop="l4_bad_checksum")
    c.add("ipv6_udp_length_mismatch", udp6_frame(bind, length=8 + len(bind) + 2),
          drop="ip_malformed")
    c.add("ipv6_udp_payload_length_zero",
          eth(ipv6(CLIENT6, US6, P_UDP, udp(6, CLIENT6, US6, CLIENT_PORT, LISTEN_PORT, bind),
                   plen=0), ETH_IPV6), drop="ip_malformed")
    b = stun(M_BINDING, C_REQUEST, fingerprint="good")
    c.add("ipv6_stun_binding_request", udp6_frame(b),
          tx=[["stun", tid_of(b), C_SUCCESS, 0, CLIENT6, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    c.add("ipv6_stun_bad_fingerprint", udp6_frame(stun(M_BINDING, C_REQUEST, fingerprint="bad")),
          drop="bad_fingerprint", counters=client)
    # Requests from sources no host sends from are never answered (no
    # reflection to a group, the link or ourselves).
    for nm, sa in (("multicast", ALL_NODES), ("loopback", "::1"), ("unspecified", "::"),
                   ("our_own_address", US6)):
        c.add("ipv6_stun_binding_from_" + nm,
              udp6_frame(stun(M_BINDING, C_REQUEST, fingerprint="good"), src=sa),
              drop="bad_source")
    for nm, sa in (("limited_broadcast", "255.255.255.255"), ("our_own_address", US4)):
        c.add("stun_binding_from_" + nm, udp4_frame(stun(M_BINDING, C_REQUEST), src=sa),
              drop="bad_source")
    # A reply the output stage drops (no route) is counted there only.
    c.add("stun_binding_from_offlink_source",
          udp4_frame(stun(M_BINDING, C_REQUEST), src="203.0.113.8"),
          drop="no_route", counters={"rx_client_pkts": 1})

    # -- ICMPv6 (net_icmp.c)
    c.add("icmp6_truncated", eth(ipv6(CLIENT6, US6, P_ICMP6, e6[:4]), ETH_IPV6),
          drop="ip_malformed")
    c.add("icmp6_bad_checksum",
          eth(ipv6(CLIENT6, US6, P_ICMP6,
                   icmp6(CLIENT6, US6, 128, 0, b"\0\1\0\1", bad_cksum=True)), ETH_IPV6),
          drop="l4_bad_checksum")
    c.add("icmp6_echo_request", eth(good6, ETH_IPV6),
          tx=[["icmp6_echo_reply", CLIENT6, 0x6666, 1, CLIENT_MAC]],
          counters={"icmp6_echo_replies": 1})
    c.add("icmp6_echo_code_1",
          eth(ipv6(CLIENT6, US6, P_ICMP6, icmp6(CLIENT6, US6, 128, 1, b"\0\1\0\2")), ETH_IPV6),
          drop="l4_unsupported")
    c.add("icmp6_echo_from_multicast_source",
          eth(ipv6(ALL_NODES, US6, P_ICMP6, icmp6(ALL_NODES, US6, 128, 0, b"\x66\x66\0\2")),
              ETH_IPV6), drop="bad_source")
    c.add("icmp6_echo_from_offlink_source",
          eth(ipv6("2001:db8:2::1", US6, P_ICMP6,
                   icmp6("2001:db8:2::1", US6, 128, 0, b"\x66\x66\0\3")), ETH_IPV6),
          drop="no_route")
    c.add("icmp6_echo_to_all_nodes",
          eth(ipv6(CLIENT6, ALL_NODES, P_ICMP6, icmp6(CLIENT6, ALL_NODES, 128, 0, b"\0\1\0\3")),
              ETH_IPV6, multicast_mac6(ALL_NODES)), drop="l4_unsupported")
    c.add("icmp6_router_advertisement",
          eth(ipv6("fe80::1", ALL_NODES, P_ICMP6,
                   icmp6("fe80::1", ALL_NODES, 134, 0, b"\x40\0\x07\x08" + b"\0" * 8), hlim=255),
              ETH_IPV6, multicast_mac6(ALL_NODES)), drop="l4_unsupported")

    # -- Neighbour discovery (net_nd.c)
    sn = solicited_node(US6)
    snmac = multicast_mac6(sn)

    def ns(name, body, *, src=CLIENT6, dst=sn, dmac=snmac, hlim=255, code=0, **kw):
        c.add(name, eth(ipv6(src, dst, P_ICMP6, icmp6(src, dst, 135, code, body), hlim=hlim),
                        ETH_IPV6, dmac), **kw)

    ns("nd_ns_for_us", ns_body(US6, lla_opt(1, CLIENT_MAC)),
       tx=[["nd_na", US6, CLIENT6, CLIENT_MAC, True]], counters={"nd_adverts": 1})
    ns("nd_ns_for_us_without_slla", ns_body(US6), dst=US6, dmac=None,
       tx=[["nd_na", US6, CLIENT6, CLIENT_MAC, True]], counters={"nd_adverts": 1})
    ns("nd_dad_probe", ns_body(US6), src="::",
       tx=[["nd_na", US6, ALL_NODES, multicast_mac6(ALL_NODES), False]],
       counters={"nd_adverts": 1})
    ns("nd_ns_hop_limit_64", ns_body(US6, lla_opt(1, CLIENT_MAC)), hlim=64, drop="nd_invalid")
    ns("nd_ns_code_1", ns_body(US6, lla_opt(1, CLIENT_MAC)), code=1, drop="nd_invalid")
    ns("nd_ns_truncated", b"\0\0\0\0" + ip6(US6)[:8], drop="nd_invalid")
    ns("nd_ns_multicast_target", ns_body("ff02::1"), drop="nd_invalid")
    ns("nd_ns_option_length_zero", ns_body(US6, b"\x01\x00" + mac(CLIENT_MAC)),
       drop="nd_invalid")
    ns("nd_ns_option_overruns", ns_body(US6, b"\x01\x02" + mac(CLIENT_MAC)), drop="nd_invalid")
    ns("nd_ns_target_not_ours", ns_body("2001:db8:1::99", lla_opt(1, CLIENT_MAC)), dst=US6,
       dmac=None, drop="nd_invalid")
    ns("nd_dad_probe_with_slla", ns_body(US6, lla_opt(1, CLIENT_MAC)), src="::",
       drop="nd_invalid")
    body = ns_body(US6, lla_opt(1, CLIENT_MAC))
    c.add("nd_ns_bad_checksum",
          eth(ipv6(CLIENT6, sn, P_ICMP6, icmp6(CLIENT6, sn, 135, 0, body, bad_cksum=True),
                   hlim=255), ETH_IPV6, snmac), drop="l4_bad_checksum")
    # An NA nobody asked for, about another on-link host: not learnt
    # (nd_input learns only targets it solicited or already knows).
    na = b"\x20\0\0\0" + ip6("2001:db8:1::56") + lla_opt(2, "02:00:00:00:00:56")
    c.add("nd_na_unsolicited",
          eth(ipv6("fe80::55", ALL_NODES, P_ICMP6, icmp6("fe80::55", ALL_NODES, 136, 0, na),
                   hlim=255), ETH_IPV6, multicast_mac6(ALL_NODES), "02:00:00:00:00:55"),
          drop="nd_invalid")
    # An NA claiming one of our addresses: never learnt.
    na = b"\x20\0\0\0" + ip6(US6) + lla_opt(2, "02:00:00:00:00:57")
    c.add("nd_na_for_our_address",
          eth(ipv6("fe80::57", ALL_NODES, P_ICMP6, icmp6("fe80::57", ALL_NODES, 136, 0, na),
                   hlim=255), ETH_IPV6, multicast_mac6(ALL_NODES), "02:00:00:00:00:57"),
          drop="nd_invalid")
    c.add("nd_na_from_unspecified",
          eth(ipv6("::", ALL_NODES, P_ICMP6, icmp6("::", ALL_NODES, 136, 0, na), hlim=255),
              ETH_IPV6, multicast_mac6(ALL_NODES), "02:00:00:00:00:57"), drop="bad_source")
    # The NA we asked for is learnt: an echo from 2001:db8:1::77 behind a
    # multicast source MAC (so its source is not learnt) makes us solicit
    # it; the NA (from another address, so only the NA can teach the
    # entry) answers; a second echo is then answered to the NA's MAC.
    asked, asked_mac = "2001:db8:1::77", "02:00:00:00:00:77"
    for seq, kw in ((10, {"drop": "no_neighbour", "tx": [["nd_ns", asked]],
                          "counters": {"nd_solicits": 1}}), (11, None)):
        if kw is None:
            na = b"\x60\0\0\0" + ip6(asked) + lla_opt(2, asked_mac)
            c.add("nd_na_solicited_learnt",
                  eth(ipv6("fe80::78", US6, P_ICMP6, icmp6("fe80::78", US6, 136, 0, na),
                           hlim=255), ETH_IPV6, src="02:00:00:00:00:78"),
                  consumed=True, counters={"nd_learnt": 1})
            kw = {"tx": [["icmp6_echo_reply", asked, 0x6666, seq, asked_mac]],
                  "counters": {"icmp6_echo_replies": 1}}
        c.add("icmp6_echo_needs_nd_%d" % seq,
              eth(ipv6(asked, US6, P_ICMP6, icmp6(asked, US6, 128, 0,
                                                  struct.pack("!HH", 0x6666, seq))),
                  ETH_IPV6, src="33:33:00:00:00:77"), **kw)
    c.add("nd_na_truncated",
          eth(ipv6(CLIENT6, US6, P_ICMP6, icmp6(CLIENT6, US6, 136, 0, b"\0" * 12), hlim=255),
              ETH_IPV6), drop="nd_invalid")

    # -- Sizes: at the default MTU (1500) the mbufs keep DPDK's default
    # 2048-byte data room (port.c sizes it from the MTU, never below);
    # net_pcap chains larger frames into several segments, which eth_input
    # refuses (mbuf_layout). Nothing checks the port MTU on receive.
    def sized(total, dport):
        pay = total - 14 - 20 - 8
        return udp4_frame(b"\xee" * pay, dport=dport)

    c.add("frame_1600_over_mtu", sized(1600, 9), drop="udp_no_service")
    c.add("frame_2048_one_segment", sized(MBUF_DATA_ROOM, 9), drop="udp_no_service")
    c.add("frame_2049_two_segments", sized(MBUF_DATA_ROOM + 1, LISTEN_PORT), drop="mbuf_layout")
    c.add("frame_9000_jumbo", sized(9000, LISTEN_PORT), drop="mbuf_layout")
    c.add("frame_65535", eth(b"\0" * (65535 - 14), ETH_IPV4), drop="mbuf_layout")

    # -- After all that, the basics still work.
    c.add("arp_request_after_corpus", eth(req, ETH_ARP, BROADCAST),
          tx=[["arp_reply", CLIENT4, CLIENT_MAC]], counters={"arp_replies": 1})
    c.add("icmp_echo_after_corpus",
          eth(ipv4(CLIENT4, US4, P_ICMP, icmp4(8, 0, 7, 99, b"still alive")), ETH_IPV4),
          tx=[["icmp_echo_reply", CLIENT4, 7, 99, CLIENT_MAC]], counters={"icmp_echo_replies": 1})
    b = stun(M_BINDING, C_REQUEST, fingerprint="good")
    c.add("stun_binding_after_corpus", udp4_frame(b),
          tx=[["stun", tid_of(b), C_SUCCESS, 0, CLIENT4, CLIENT_PORT]],
          counters={"rx_client_pkts": 1, "tx_reply_pkts": 1})
    return c


# ---- pcap I/O -------------------------------------------------------------


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: %d bytes, no pcap header" % (path, len(data)))
    for endian in "<>":
        (magic,) = struct.unpack(endian + "I", data[:4])
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError("%s: not a classic pcap file" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, not Ethernet" % (path, linktype))
    off, frames = 24, []
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: truncated record header at %d" % (path, off))
        _, _, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if caplen != wirelen or off + caplen > len(data):
            raise ValueError("%s: truncated record at %d" % (path, off))
        frames.append(data[off:off + caplen])
        off += caplen
    return frames


# ---- checks ---------------------------------------------------------------


def expectation(c):
    drops, counters, tx = Counter(), Counter({k: 0 for k in PINNED}), []
    cases = []
    for case in c.cases:
        if case["drop"]:
            drops[case["drop"]] += 1
        counters.update(case["counters"])
        tx.extend(case["tx"])
        out = {"name": case["name"], "len": len(case["frame"])}
        if case["drop"]:
            out["drop"] = case["drop"]
        if case["tx"]:
            out["tx"] = case["tx"]
        if case["consumed"]:
            out["consumed"] = True
        cases.append(out)
    return {"frames": len(c.cases), "rx_bytes": sum(len(x["frame"]) for x in c.cases),
            "port_mac": PORT_MAC, "drops": dict(sorted(drops.items())),
            "counters": dict(counters), "tx": tx, "cases": cases}


def telemetry_stats(path):
    """The /turnpike/stats dict from dpdk-telemetry.py's output (or raw JSON)."""
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                return d.get("/turnpike/stats", d)
    raise ValueError("%s: no JSON telemetry answer" % path)


def check_stats(exp, st):
    errs = []

    def want(key, value):
        got = st.get(key)
        if got != value:
            errs.append("%s: expected %s, got %s" % (key, value, got))

    want("rx_pkts", exp["frames"])
    want("rx_bytes", exp["rx_bytes"])
    want("tx_pkts", len(exp["tx"]))
    for k, v in exp["counters"].items():
        want(k, v)
    reasons = [k[5:] for k in st if k.startswith("drop_")]
    for r in exp["drops"]:
        if r not in reasons:
            errs.append("drop reason %s expected but not reported by telemetry" % r)
    for r in reasons:
        want("drop_" + r, exp["drops"].get(r, 0))
    want("drops_total", sum(exp["drops"].values()))
    # Every received frame lands in exactly one place (no tx_full here).
    fates = st.get("drops_total", 0) + sum(st.get(k, 0) for k in RX_FATES)
    if fates != st.get("rx_pkts"):
        errs.append("accounting: rx_pkts %s, but drops + replies + learnt = %s" %
                    (st.get("rx_pkts"), fates))
    return errs


def parse_stun(payload):
    mtype, mlen, cookie = struct.unpack("!HHI", payload[:8])
    if cookie != STUN_COOKIE or mlen + 20 != len(payload):
        raise ValueError("bad STUN header")
    cls = (mtype & 0x0100) >> 7 | (mtype & 0x0010) >> 4
    tid = payload[8:20]
    attrs, off = {}, 20
    while off < len(payload):
        at, al = struct.unpack("!HH", payload[off:off + 4])
        attrs.setdefault(at, (off, payload[off + 4:off + 4 + al]))
        off += 4 + al + (-al % 4)
    if off != len(payload):
        raise ValueError("STUN attributes overrun")
    code = 0
    if A_ERROR_CODE in attrs:
        v = attrs[A_ERROR_CODE][1]
        code = (v[2] & 7) * 100 + v[3]
    if A_FINGERPRINT not in attrs:
        raise ValueError("response without FINGERPRINT")
    fo, fv = attrs[A_FINGERPRINT]
    if fo + 8 != len(payload):
        raise ValueError("FINGERPRINT not last")
    if struct.unpack("!I", fv)[0] != (zlib.crc32(payload[:fo]) ^ STUN_FP_XOR) & 0xFFFFFFFF:
        raise ValueError("bad FINGERPRINT in response")
    mapped = None
    if A_XOR_MAPPED in attrs:
        v = attrs[A_XOR_MAPPED][1]
        port = struct.unpack("!H", v[2:4])[0] ^ (STUN_COOKIE >> 16)
        key = struct.pack("!I", STUN_COOKIE) + tid
        raw = bytes(a ^ b for a, b in zip(v[4:], key))
        mapped = (str(ipaddress.ip_address(raw)), port)
    return tid.hex(), cls, code, mapped, attrs


def classify_tx(fr, port_mac):
    """The expectation key of one transmitted frame; raises on any defect."""
    if len(fr) < 14:
        raise ValueError("runt")
    dst, src = fr[:6], fr[6:12]
    etype = struct.unpack("!H", fr[12:14])[0]
    if src != mac(port_mac):
        raise ValueError("source MAC %s is not ours" % src.hex(":"))
    dmac = dst.hex(":")
    if etype == ETH_ARP:
        htype, ptype, hl, pl, op = struct.unpack("!HHBBH", fr[14:22])
        sha, spa, tha, tpa = fr[22:28], fr[28:32], fr[32:38], fr[38:42]
        if (htype, ptype, hl, pl) != (1, ETH_IPV4, 6, 4) or sha != mac(port_mac):
            raise ValueError("bad ARP header")
        if op == 2:
            if tha != dst or spa != ip4(US4):
                raise ValueError("ARP reply addresses")
            return ["arp_reply", str(ipaddress.IPv4Address(tpa)), dmac]
        if op == 1 and dmac == BROADCAST:
            return ["arp_request", str(ipaddress.IPv4Address(tpa))]
        raise ValueError("ARP opcode %d" % op)
    if etype == ETH_IPV4:
        ip = fr[14:]
        if ip[0] != 0x45 or cksum(ip[:20]) != 0:
            raise ValueError("bad IPv4 header or checksum")
        total = struct.unpack("!H", ip[2:4])[0]
        if total != len(ip):
            raise ValueError("IPv4 length %d, frame carries %d" % (total, len(ip)))
        s, d = str(ipaddress.IPv4Address(ip[12:16])), str(ipaddress.IPv4Address(ip[16:20]))
        l4 = ip[20:total]
        if ip[9] == P_ICMP:
            if cksum(l4) != 0 or l4[0] != 0 or s != US4:
                raise ValueError("bad ICMP echo reply")
            ident, seq = struct.unpack("!HH", l4[4:8])
            return ["icmp_echo_reply", d, ident, seq, dmac]
        if ip[9] == P_UDP:
            return udp_reply(4, s, d, l4, dmac)
        raise ValueError("IPv4 protocol %d" % ip[9])
    if etype == ETH_IPV6:
        ip = fr[14:]
        plen, nh, hlim = struct.unpack("!HBB", ip[4:8])
        if ip[0] >> 4 != 6 or plen != len(ip) - 40:
            raise ValueError("bad IPv6 header")
        s, d = str(ipaddress.IPv6Address(ip[8:24])), str(ipaddress.IPv6Address(ip[24:40]))
        l4 = ip[40:]
        if nh == P_UDP:
            return udp_reply(6, s, d, l4, dmac)
        if nh != P_ICMP6 or l4_cksum(6, s, d, P_ICMP6, l4) != 0:
            raise ValueError("bad ICMPv6 checksum or next header %d" % nh)
        if l4[0] == 129:
            ident, seq = struct.unpack("!HH", l4[4:8])
            if s != US6:
                raise ValueError("echo reply from %s" % s)
            return ["icmp6_echo_reply", d, ident, seq, dmac]
        if l4[0] == 135:
            target = str(ipaddress.IPv6Address(l4[8:24]))
            if hlim != 255 or s != US6 or d != solicited_node(target) or \
                    dmac != multicast_mac6(d) or l4[24:26] != b"\x01\x01" or \
                    l4[26:32] != mac(port_mac):
                raise ValueError("bad NS")
            return ["nd_ns", target]
        if l4[0] == 136:
            target = str(ipaddress.IPv6Address(l4[8:24]))
            if hlim != 255 or s != target or l4[24:26] != b"\x02\x01" or \
                    l4[26:32] != mac(port_mac):
                raise ValueError("bad NA")
            if d.startswith("ff") and dmac != multicast_mac6(d):
                raise ValueError("NA to %s sent to %s" % (d, dmac))
            return ["nd_na", target, d, dmac, bool(l4[4] & 0x40)]
        raise ValueError("ICMPv6 type %d" % l4[0])
    raise ValueError("ethertype 0x%04x" % etype)


def udp_reply(family, s, d, l4, dmac):
    sport, dport, ulen, uck = struct.unpack("!HHHH", l4[:8])
    if ulen != len(l4) or uck == 0 or l4_cksum(family, s, d, P_UDP, l4) != 0:
        raise ValueError("bad UDP length or checksum")
    if sport != LISTEN_PORT or s != (US4 if family == 4 else US6):
        raise ValueError("reply from %s:%d" % (s, sport))
    tid, cls, code, mapped, _ = parse_stun(l4[8:])
    if cls == C_SUCCESS and mapped != (d, dport):
        raise ValueError("XOR-MAPPED-ADDRESS %s for %s:%d" % (mapped, d, dport))
    if dmac != (multicast_mac6(d) if d.startswith("ff") else CLIENT_MAC):
        raise ValueError("STUN reply for %s sent to MAC %s" % (d, dmac))
    return ["stun", tid, cls, code, d, dport]


def check_tx(exp, frames, port_mac):
    errs, got = [], []
    for i, fr in enumerate(frames):
        try:
            got.append(json.dumps(classify_tx(fr, port_mac)))
        except (ValueError, struct.error, IndexError) as e:
            errs.append("tx frame %d (%d bytes): %s: %s" % (i, len(fr), e, fr[:64].hex()))
    want = Counter(json.dumps(t) for t in exp["tx"])
    have = Counter(got)
    for k in sorted((want - have).keys()):
        errs.append("missing from tx: %s (x%d)" % (k, (want - have)[k]))
    for k in sorted((have - want).keys()):
        errs.append("unexpected in tx: %s (x%d)" % (k, (have - want)[k]))
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("pcap")
    g.add_argument("expect")
    g.add_argument("--mac", default=PCAP_PORT_MAC, help="the dataplane port's MAC")
    s = sub.add_parser("check-stats")
    s.add_argument("expect")
    s.add_argument("stats")
    t = sub.add_parser("check-tx")
    t.add_argument("expect")
    t.add_argument("pcap")
    t.add_argument("--mac", required=True)
    lst = sub.add_parser("list")
    lst.add_argument("--mac", default=PCAP_PORT_MAC)
    a = ap.parse_args()

    if a.cmd in ("generate", "list"):
        c = build(a.mac)
        exp = expectation(c)
        if a.cmd == "list":
            for case in exp["cases"]:
                what = case.get("drop") or ("consumed" if case.get("consumed") else "answered")
                if case.get("drop") and case.get("tx"):
                    what += " (+ %s)" % case["tx"][0][0]
                print("%-40s %6d  %s" % (case["name"], case["len"], what))
            return 0
        write_pcap(a.pcap, [x["frame"] for x in c.cases])
        with open(a.expect, "w") as f:
            json.dump(exp, f, indent=1)
        print("%d frames, %d drops expected under %d reasons, %d frames to send" %
              (exp["frames"], sum(exp["drops"].values()), len(exp["drops"]), len(exp["tx"])))
        return 0
    with open(a.expect) as f:
        exp = json.load(f)
    if a.cmd == "check-stats":
        errs = check_stats(exp, telemetry_stats(a.stats))
    else:
        if a.mac.lower() != exp["port_mac"].lower():
            print("the port's MAC is %s; the frames were built for %s" % (a.mac, exp["port_mac"]),
                  file=sys.stderr)
            return 1
        errs = check_tx(exp, read_pcap(a.pcap), a.mac.lower())
    for e in errs:
        print(e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
