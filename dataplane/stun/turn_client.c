/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN client message layer: see turn_client.h. Requests are built
 * with the core builder and signed with a key derived once per learned
 * realm and algorithm; responses and peer data are read with the core
 * parser. Nothing here allocates, blocks or keeps more than the one
 * outstanding transaction.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "channeldata.h"
#include "stun_bytes.h"
#include "stun_msg.h"
#include "turn_client.h"

/* ---- set-up ---- */

/* splitmix64: transaction ids need to be unpredictable enough not to
 * collide across sessions, not cryptographically strong (RFC 8489 6
 * asks for randomness; a seeded generator per session gives it). */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void
next_tid(struct turn_client *c, uint8_t tid[STUN_TID_LEN])
{
	uint64_t a = rng_next(&c->rng), b = rng_next(&c->rng);

	memcpy(tid, &a, 8);
	memcpy(tid + 8, &b, 4);
}

int
turn_client_init(struct turn_client *c, const char *user, const char *password)
{
	struct timespec ts;
	uint64_t seed;
	size_t ulen, plen;

	if (c == NULL || user == NULL || password == NULL)
		return -EINVAL;
	ulen = strlen(user);
	plen = strlen(password);
	if (!stun_username_valid((const uint8_t *)user, ulen))
		return -EINVAL;
	if (plen > TURN_CLIENT_PASSWORD_MAX)
		return -ENAMETOOLONG;
	memset(c, 0, sizeof(*c));
	memcpy(c->user, user, ulen);
	c->user_len = (uint16_t)ulen;
	memcpy(c->pass, password, plen);
	c->pass_len = (uint16_t)plen;
	c->prefer_alg = STUN_PWALG_SHA256;
	c->alg = STUN_PWALG_MD5;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		/* Only uniqueness across sessions matters here. */
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
		       (uint64_t)(uintptr_t)c;
	}
	c->rng = seed;
	return 0;
}

int
turn_client_init_rest(struct turn_client *c, const uint8_t *secret, size_t secret_len,
		      const char *user_id, uint64_t expiry, char sep)
{
	char name[STUN_USERNAME_MAX + 1];
	char pw[STUN_REST_PASSWORD_LEN + 1];
	int n, rc;

	if (secret == NULL || secret_len == 0 || secret_len > STUN_REST_SECRET_MAX)
		return -EINVAL;
	if (user_id != NULL && user_id[0] != 0)
		n = snprintf(name, sizeof(name), "%llu%c%s", (unsigned long long)expiry,
			     sep != 0 ? sep : ':', user_id);
	else
		n = snprintf(name, sizeof(name), "%llu", (unsigned long long)expiry);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -EINVAL;
	stun_rest_password(secret, secret_len, name, (size_t)n, pw);
	rc = turn_client_init(c, name, pw);
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

void
turn_client_seed(struct turn_client *c, uint64_t seed)
{
	c->rng = seed;
}

void
turn_client_fini(struct turn_client *c)
{
	explicit_bzero(c->pass, sizeof(c->pass));
	explicit_bzero(c->key, sizeof(c->key));
	explicit_bzero(&c->hkey, sizeof(c->hkey));
	c->pass_len = 0;
	c->key_len = 0;
}

/* ---- building ---- */

static bool
method_authenticated(uint16_t method)
{
	return method == TURN_METHOD_ALLOCATE || method == TURN_METHOD_REFRESH ||
	       method == TURN_METHOD_CREATE_PERMISSION || method == TURN_METHOD_CHANNEL_BIND;
}

/* An attribute whose 4-byte value is three bytes and a reserved zero
 * (REQUESTED-TRANSPORT, the address-family ones, CHANNEL-NUMBER's two). */
static void
put_u8x4(struct stun_builder *b, uint16_t type, uint8_t v0, uint8_t v1)
{
	uint8_t v[4] = { v0, v1, 0, 0 };

	stun_put_attr(b, type, v, sizeof(v));
}

static void
req_begin(struct turn_client *c, struct stun_builder *b, uint8_t *buf, size_t cap,
	  uint16_t method)
{
	next_tid(c, c->tid);
	c->method = method;
	c->authed = false;
	stun_build_init(b, buf, cap, method, STUN_CLASS_REQUEST, c->tid);
}

/*
 * RFC 8489 9.2.3 (long-term credentials, as the client): USERNAME,
 * REALM, NONCE, then, when the server's nonce announced the
 * password-algorithms feature, its PASSWORD-ALGORITHMS echoed and our
 * PASSWORD-ALGORITHM; last the integrity matching the key's algorithm.
 */
static void
put_auth(struct turn_client *c, struct stun_builder *b)
{
	stun_put_attr(b, STUN_ATTR_USERNAME, c->user, c->user_len);
	stun_put_attr(b, STUN_ATTR_REALM, c->realm, c->realm_len);
	stun_put_attr(b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
	if (c->pw_algs_len > 0) {
		stun_put_attr(b, STUN_ATTR_PASSWORD_ALGORITHMS, c->pw_algs, c->pw_algs_len);
		put_u8x4(b, STUN_ATTR_PASSWORD_ALGORITHM, (uint8_t)(c->alg >> 8), (uint8_t)c->alg);
	}
	if (c->alg == STUN_PWALG_SHA256)
		stun_put_integrity_sha256(b, &c->hkey);
	else
		stun_put_integrity_sha1(b, &c->hkey);
}

static int
req_finish(struct turn_client *c, struct stun_builder *b)
{
	if (method_authenticated(c->method) && c->nonce_len > 0 && c->key_len > 0) {
		put_auth(c, b);
		c->authed = true;
	}
	if (c->fingerprint)
		stun_put_fingerprint(b);
	return stun_build_finish(b);
}

int
turn_client_binding(struct turn_client *c, uint8_t *buf, size_t cap)
{
	struct stun_builder b;

	req_begin(c, &b, buf, cap, STUN_METHOD_BINDING);
	return req_finish(c, &b);
}

int
turn_client_allocate(struct turn_client *c, const struct turn_client_alloc_opts *o, uint8_t *buf,
		     size_t cap)
{
	static const struct turn_client_alloc_opts none;
	struct stun_builder b;

	if (o == NULL)
		o = &none;
	req_begin(c, &b, buf, cap, TURN_METHOD_ALLOCATE);
	put_u8x4(&b, STUN_ATTR_REQUESTED_TRANSPORT,
		 o->transport != 0 ? o->transport : TURN_TRANSPORT_UDP, 0);
	if (o->family != 0)
		put_u8x4(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, o->family, 0);
	if (o->additional_family != 0)
		put_u8x4(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, o->additional_family, 0);
	if (o->even_port) {
		uint8_t v = o->reserve ? TURN_EVEN_PORT_RESERVE : 0;
		stun_put_attr(&b, STUN_ATTR_EVEN_PORT, &v, 1);
	}
	if (o->reservation_token != 0) {
		uint8_t t[8];
		for (int i = 0; i < 8; i++)
			t[i] = (uint8_t)(o->reservation_token >> (56 - 8 * i));
		stun_put_attr(&b, STUN_ATTR_RESERVATION_TOKEN, t, sizeof(t));
	}
	if (o->dont_fragment)
		stun_put_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	if (o->has_lifetime)
		stun_put_u32(&b, STUN_ATTR_LIFETIME, o->lifetime);
	return req_finish(c, &b);
}

int
turn_client_refresh(struct turn_client *c, bool has_lifetime, uint32_t lifetime, uint8_t *buf,
		    size_t cap)
{
	struct stun_builder b;

	req_begin(c, &b, buf, cap, TURN_METHOD_REFRESH);
	if (has_lifetime)
		stun_put_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	return req_finish(c, &b);
}

int
turn_client_create_permission(struct turn_client *c, const struct stun_addr *peers,
			      unsigned int n, uint8_t *buf, size_t cap)
{
	struct stun_builder b;

	if (peers == NULL || n == 0)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (peers[i].family != STUN_FAMILY_IPV4 && peers[i].family != STUN_FAMILY_IPV6)
			return -EINVAL;
	req_begin(c, &b, buf, cap, TURN_METHOD_CREATE_PERMISSION);
	for (unsigned int i = 0; i < n; i++)
		stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peers[i]);
	return req_finish(c, &b);
}

int
turn_client_channel_bind(struct turn_client *c, uint16_t number, const struct stun_addr *peer,
			 uint8_t *buf, size_t cap)
{
	struct stun_builder b;

	if (peer == NULL || (peer->family != STUN_FAMILY_IPV4 && peer->family != STUN_FAMILY_IPV6))
		return -EINVAL;
	req_begin(c, &b, buf, cap, TURN_METHOD_CHANNEL_BIND);
	put_u8x4(&b, STUN_ATTR_CHANNEL_NUMBER, (uint8_t)(number >> 8), (uint8_t)number);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	return req_finish(c, &b);
}

int
turn_client_send(struct turn_client *c, const struct stun_addr *peer, const uint8_t *data,
		 size_t len, bool dont_fragment, uint8_t *buf, size_t cap)
{
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;

	if (peer == NULL || (peer->family != STUN_FAMILY_IPV4 && peer->family != STUN_FAMILY_IPV6))
		return -EINVAL;
	if (data == NULL && len > 0)
		return -EINVAL;
	next_tid(c, tid);
	stun_build_init(&b, buf, cap, TURN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
	stun_put_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	if (dont_fragment)
		stun_put_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	stun_put_attr(&b, STUN_ATTR_DATA, data, len);
	if (c->fingerprint)
		stun_put_fingerprint(&b);
	return stun_build_finish(&b);
}

int
turn_client_channeldata(uint8_t *buf, size_t cap, uint16_t channel, const uint8_t *data,
			size_t len, bool pad)
{
	if (data == NULL && len > 0)
		return -EINVAL;
	return channeldata_build(buf, cap, channel, data, len, pad);
}

/* ---- learning from 401 / 438 ---- */

/* The 24 feature bits of a nonce that starts with the RFC 8489 cookie,
 * 0 for any other nonce (RFC 5389 servers, opaque nonces). */
static uint32_t
nonce_features(const uint8_t *nonce, size_t len)
{
	uint8_t f[3];

	if (len < STUN_NONCE_COOKIE_LEN + 4 ||
	    memcmp(nonce, STUN_NONCE_COOKIE, STUN_NONCE_COOKIE_LEN) != 0)
		return 0;
	if (stun_base64_decode((const char *)nonce + STUN_NONCE_COOKIE_LEN, 4, f, sizeof(f)) != 3)
		return 0;
	return (uint32_t)f[0] << 16 | (uint32_t)f[1] << 8 | f[2];
}

/*
 * Our algorithm from a PASSWORD-ALGORITHMS value (shape checked by the
 * parser): @prefer when offered, else the other one we know, else 0.
 */
static uint16_t
pick_alg(const uint8_t *v, size_t len, uint16_t prefer)
{
	bool md5 = false, sha256 = false;

	for (size_t off = 0; off + 4 <= len;) {
		uint16_t alg = stun_rd16(v + off);
		size_t plen = stun_rd16(v + off + 2);

		md5 |= alg == STUN_PWALG_MD5;
		sha256 |= alg == STUN_PWALG_SHA256;
		off += 4 + ((plen + 3) & ~(size_t)3);
	}
	if (prefer == STUN_PWALG_MD5 && md5)
		return STUN_PWALG_MD5;
	if (sha256)
		return STUN_PWALG_SHA256;
	return md5 ? STUN_PWALG_MD5 : 0;
}

static int
derive_key(struct turn_client *c)
{
	if (c->alg == STUN_PWALG_SHA256) {
		stun_key_sha256(c->user, c->user_len, c->realm, c->realm_len, c->pass, c->pass_len,
				c->key);
		c->key_len = STUN_KEY_SHA256_LEN;
	} else {
		stun_key_md5(c->user, c->user_len, c->realm, c->realm_len, c->pass, c->pass_len,
			     c->key);
		c->key_len = STUN_KEY_MD5_LEN;
	}
	return stun_hmac_key_init(&c->hkey, c->key, c->key_len);
}

/*
 * RFC 8489 9.2.5, the client side of a challenge. The nonce's feature
 * bits decide: with the password-algorithms bit the response must carry
 * PASSWORD-ALGORITHMS (if an attacker stripped it, retrying would hand
 * them a downgrade), and we must know one of its algorithms; without it
 * MD5 and neither attribute. Nothing is changed unless everything can be
 * taken. Returns true if the client can answer the challenge.
 */
static bool
learn(struct turn_client *c, const struct stun_msg *m)
{
	const struct stun_attr *realm = stun_msg_attr(m, STUN_SLOT_REALM);
	const struct stun_attr *nonce = stun_msg_attr(m, STUN_SLOT_NONCE);
	const struct stun_attr *list = stun_msg_attr(m, STUN_SLOT_PASSWORD_ALGORITHMS);
	uint16_t alg = STUN_PWALG_MD5;

	if (realm == NULL || nonce == NULL || nonce->len == 0 ||
	    realm->len > STUN_MAX_REALM_LEN || nonce->len > STUN_MAX_NONCE_LEN ||
	    !stun_text_valid(stun_attr_value(m, realm), realm->len, STUN_MAX_REALM_LEN))
		return false;
	if (nonce_features(stun_attr_value(m, nonce), nonce->len) &
	    STUN_FEATURE_PASSWORD_ALGORITHMS) {
		if (list == NULL || list->len > TURN_CLIENT_PWALGS_MAX)
			return false;
		alg = pick_alg(stun_attr_value(m, list), list->len, c->prefer_alg);
		if (alg == 0)
			return false;
		memcpy(c->pw_algs, stun_attr_value(m, list), list->len);
		c->pw_algs_len = list->len;
	} else {
		c->pw_algs_len = 0;
	}
	memcpy(c->realm, stun_attr_value(m, realm), realm->len);
	c->realm[realm->len] = 0;
	c->realm_len = realm->len;
	memcpy(c->nonce, stun_attr_value(m, nonce), nonce->len);
	c->nonce[nonce->len] = 0;
	c->nonce_len = nonce->len;
	c->alg = alg;
	return derive_key(c) == 0;
}

/* ---- parsing responses ---- */

static void
copy_reason(char *out, const char *in, size_t len)
{
	if (len >= TURN_CLIENT_REASON_MAX)
		len = TURN_CLIENT_REASON_MAX - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7F ? in[i] : '?';
	out[len] = 0;
}

/*
 * Every XOR-RELAYED-ADDRESS (a dual allocation has two; the parser
 * indexes only the first). The parser has checked the framing, so this
 * walk stays inside the message; it stops at the integrity attributes,
 * after which nothing counts.
 */
static void
get_relayed(const struct stun_msg *m, struct turn_client_result *r)
{
	for (size_t off = STUN_HEADER_LEN; off + STUN_ATTR_HDR_LEN <= m->len && r->n_relayed < 2;) {
		uint16_t t = stun_rd16(m->buf + off), l = stun_rd16(m->buf + off + 2);

		if (t == STUN_ATTR_MESSAGE_INTEGRITY || t == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 ||
		    t == STUN_ATTR_FINGERPRINT || off + STUN_ATTR_HDR_LEN + l > m->len)
			break;
		const uint8_t *v = m->buf + off + STUN_ATTR_HDR_LEN;
		if (t == STUN_ATTR_XOR_RELAYED_ADDRESS &&
		    stun_addr_decode_xor(&r->relayed[r->n_relayed], v, l, m->tid) == 0)
			r->n_relayed++;
		off += STUN_ATTR_HDR_LEN + ((l + 3u) & ~3u);
	}
}

static void
get_attrs(const struct stun_msg *m, struct turn_client_result *r)
{
	const struct stun_attr *a;

	get_relayed(m, r);
	r->has_mapped = stun_msg_get_addr(m, STUN_SLOT_XOR_MAPPED_ADDRESS, &r->mapped) == 0;
	r->has_lifetime = stun_msg_get_u32(m, STUN_SLOT_LIFETIME, &r->lifetime) == 0;
	r->has_alternate = stun_msg_get_addr(m, STUN_SLOT_ALTERNATE_SERVER, &r->alternate) == 0;
	a = stun_msg_attr(m, STUN_SLOT_RESERVATION_TOKEN);
	if (a != NULL && a->len == 8) {
		r->has_token = true;
		for (int i = 0; i < 8; i++)
			r->token = r->token << 8 | stun_attr_value(m, a)[i];
	}
	/* RFC 8656 18.13: family, reserved, class (3 bits), number. */
	a = stun_msg_attr(m, STUN_SLOT_ADDRESS_ERROR_CODE);
	if (a != NULL && a->len >= 4) {
		const uint8_t *v = stun_attr_value(m, a);
		r->addr_error_family = v[0];
		r->addr_error = (uint16_t)((v[2] & 7) * 100 + v[3]);
	}
	a = stun_msg_attr(m, STUN_SLOT_UNKNOWN_ATTRIBUTES);
	if (a != NULL)
		for (unsigned int i = 0; i + 1 < a->len && r->n_unknown < 8; i += 2)
			r->unknown[r->n_unknown++] = stun_rd16(stun_attr_value(m, a) + i);
}

/*
 * See turn_client.h. The transaction is matched before anything is
 * believed, so a stray or forged answer to another transaction can
 * neither teach a nonce nor pass as a result.
 */
int
turn_client_parse_response(struct turn_client *c, const uint8_t *buf, size_t len,
			   struct turn_client_result *r)
{
	struct stun_msg m;
	const char *reason;
	size_t rlen;
	int rc;

	memset(r, 0, sizeof(*r));
	r->integrity = -ENOENT;
	rc = stun_parse(&m, buf, len);
	if (rc == -EINVAL)
		return -EINVAL;
	if (m.cls != STUN_CLASS_SUCCESS && m.cls != STUN_CLASS_ERROR)
		return -ENOMSG;
	r->method = m.method;
	r->cls = m.cls;
	memcpy(r->tid, m.tid, STUN_TID_LEN);
	if (m.method != c->method || memcmp(m.tid, c->tid, STUN_TID_LEN) != 0)
		return -ESRCH;
	if (rc != 0)
		return -EBADMSG;
	if (m.fp_hdr_off != 0 && stun_check_fingerprint(&m) != 0)
		return -EBADMSG;
	/* RFC 8489 6.3.3: such a success cannot be understood. */
	if (m.cls == STUN_CLASS_SUCCESS && m.n_unknown > 0)
		return -EBADMSG;
	if (m.cls == STUN_CLASS_ERROR) {
		if (stun_msg_get_error(&m, &r->error, &reason, &rlen) != 0)
			return -EBADMSG;
		copy_reason(r->reason, reason, rlen);
	}
	if (m.mi_hdr_off != 0 || m.mi256_hdr_off != 0)
		r->integrity = c->key_len > 0 ? stun_check_integrity(&m, &c->hkey) : -ENOKEY;
	get_attrs(&m, r);
	/* A 401 to credentials says they are wrong; retrying would only
	 * repeat it. A 438 always deserves the fresh nonce. */
	if ((r->error == STUN_ERR_UNAUTHENTICATED && !c->authed) ||
	    r->error == STUN_ERR_STALE_NONCE)
		r->retry = learn(c, &m);
	return 0;
}

/* ---- peer data ---- */

/*
 * A Data indication longer than the core parser takes (it stops at
 * STUN_MAX_MSG_LEN, the most it ever builds): the same header checks,
 * then one walk for XOR-PEER-ADDRESS and DATA, refusing unknown
 * comprehension-required attributes and checking a FINGERPRINT, which
 * must be last.
 */
static int
data_walk(const uint8_t *buf, size_t len, struct turn_client_data *d)
{
	bool peer = false, data = false;
	size_t off, next;

	if (len < STUN_HEADER_LEN || (buf[0] & 0xC0) != 0 || (len & 3) != 0 ||
	    stun_rd32(buf + 4) != STUN_MAGIC_COOKIE || stun_rd16(buf + 2) != len - STUN_HEADER_LEN)
		return -EINVAL;
	if (stun_rd16(buf) != stun_msg_type(TURN_METHOD_DATA, STUN_CLASS_INDICATION))
		return -ENOMSG;
	for (off = STUN_HEADER_LEN; off < len; off = next) {
		uint16_t t = stun_rd16(buf + off), l = stun_rd16(buf + off + 2);
		const uint8_t *v = buf + off + STUN_ATTR_HDR_LEN;

		next = off + STUN_ATTR_HDR_LEN + ((l + 3u) & ~3u);
		if (next > len)
			return -EBADMSG;
		if (t == STUN_ATTR_XOR_PEER_ADDRESS && !peer) {
			if (stun_addr_decode_xor(&d->peer, v, l, buf + 8) != 0)
				return -EBADMSG;
			peer = true;
		} else if (t == STUN_ATTR_DATA && !data) {
			d->payload = v;
			d->len = l;
			data = true;
		} else if (t == STUN_ATTR_FINGERPRINT) {
			if (l != 4 || next != len ||
			    stun_rd32(v) != (stun_crc32(buf, off) ^ STUN_FINGERPRINT_XOR))
				return -EBADMSG;
		} else if (stun_attr_comprehension_required(t) && t != STUN_ATTR_XOR_PEER_ADDRESS &&
			   t != STUN_ATTR_DATA && stun_attr_slot(t) < 0) {
			return -EBADMSG;
		}
	}
	return peer && data ? 0 : -EBADMSG;
}

int
turn_client_parse_data(const uint8_t *buf, size_t len, struct turn_client_data *d)
{
	struct stun_msg m;
	const struct stun_attr *a;
	int rc;

	memset(d, 0, sizeof(*d));
	if (buf == NULL || len == 0)
		return -EINVAL;
	/* Channels 0x4000-0x7FFF: RFC 8656's range and RFC 5766's wider one. */
	if (buf[0] >= 0x40 && buf[0] <= 0x7F) {
		if (channeldata_parse(buf, len, &d->channel, &d->len) != 0)
			return -EBADMSG;
		d->kind = TURN_CLIENT_CHANNELDATA;
		d->payload = buf + TURN_CHANNELDATA_HDR_LEN;
		return 0;
	}
	d->kind = TURN_CLIENT_DATA_INDICATION;
	if (len > STUN_MAX_MSG_LEN)
		return data_walk(buf, len, d);
	rc = stun_parse(&m, buf, len);
	if (rc == -EINVAL)
		return -EINVAL;
	if (m.cls != STUN_CLASS_INDICATION || m.method != TURN_METHOD_DATA)
		return -ENOMSG;
	if (rc != 0 || m.n_unknown > 0)
		return -EBADMSG;
	if (m.fp_hdr_off != 0 && stun_check_fingerprint(&m) != 0)
		return -EBADMSG;
	a = stun_msg_attr(&m, STUN_SLOT_DATA);
	if (a == NULL || m.n_peer == 0 || stun_msg_get_peer(&m, 0, &d->peer) != 0)
		return -EBADMSG;
	d->payload = stun_attr_value(&m, a);
	d->len = a->len;
	return 0;
}
