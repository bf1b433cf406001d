/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start-up configuration: parse a libconfig file into struct tp_config.
 *
 * The loader walks a fixed schema group by group. Each group first has
 * its member names checked against the list of known keys, so a typo is
 * reported as the unknown key it is rather than as "required setting
 * missing" for the key the operator meant. The first problem found ends
 * the load; every message names the file, the line and the dotted key
 * (docs/configuration.md is the operator's reference for the format).
 *
 * Nothing here runs after start-up, so clarity beats speed throughout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "config.h"
#include "config_util.h"
#include "peer_policy.h"

/*
 * Upper bounds that are policy rather than type limits. They also stay
 * below 2^31 on purpose: libconfig 1.5 (Debian 12) silently truncates a
 * decimal literal that does not fit in 32 bits unless it has an L suffix,
 * so 4294967297 arrives as 1 and cannot be told apart. Keeping every
 * range small makes most such typos land out of range instead.
 */
#define LCORE_ID_MAX 1023 /* EAL checks the lcore really exists */
#define DESC_MIN 32
#define DESC_MAX 32768
#define MTU_MIN 1280 /* IPv6 minimum link MTU */
#define MTU_MAX 9216
#define LIFETIME_MAX 86400
/* Permissions and channels: RFC 8656 fixes them at 300 s and 600 s; the
 * keys exist so tests can watch them expire, and an hour is plenty. */
#define PERM_CHAN_LIFETIME_MAX 3600
#define ALLOCATIONS_MAX (1u << 24)
#define RATE_MAX 1000000

struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct tp_config *cfg;
};

void
tp_config_defaults(struct tp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_port = 3478;
	/* The IANA dynamic range, as coturn and RFC 8656 suggest. */
	cfg->relay_port_min = 49152;
	cfg->relay_port_max = 65535;
	/* No SOFTWARE by default: naming the server and its version only
	 * helps someone looking for a known bug. */
	cfg->software[0] = '\0';
	cfg->fingerprint = true;
	cfg->default_lifetime = TURN_DEFAULT_LIFETIME;
	cfg->max_lifetime = TURN_MAX_LIFETIME;
	cfg->nonce_lifetime = 600;
	cfg->permission_lifetime = TURN_PERMISSION_LIFETIME;
	cfg->channel_lifetime = TURN_CHANNEL_LIFETIME;
	cfg->channel_max = TURN_CHANNEL_MAX;
	cfg->max_allocations = 100000;
	cfg->user_quota = 0;
	cfg->unauth_rate = 20;
	cfg->unauth_burst = 40;
	cfg->default_deny = true;
}

/* ---- error reporting ---- */

/* Write the dotted path of @s ("ports[0].device") into @buf. Returns the
 * length written, clamped to len - 1 when the path does not fit. */
/*
 * Format "<file>:<line>: <key>: <problem>" into the caller's buffer and
 * return -EINVAL, so that every check can end with `return report(...)`.
 * @s is the setting at fault; when the fault is a missing member, @s is
 * the group that should hold it and @missing its name. The root setting
 * has no line (line 0), so a missing top-level key is reported as
 * "<file>: <key>: <problem>".
 */
static int __attribute__((format(printf, 4, 5)))
report(struct loader *ld, const config_setting_t *s, const char *missing, const char *fmt, ...)
{
	char key[192], msg[256];
	const char *file = NULL;
	unsigned int line = 0;
	size_t n = 0;
	va_list ap;

	key[0] = '\0';
	if (s != NULL) {
		file = config_setting_source_file(s);
		line = config_setting_source_line(s);
		n = tp_cfg_key_path(s, key, sizeof(key));
	}
	if (missing != NULL)
		snprintf(key + n, sizeof(key) - n, "%s%s", n > 0 ? "." : "", missing);
	if (file == NULL)
		file = ld->path;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	return tp_cfg_error(ld->err, ld->errlen, file, line, key, msg);
}

/* ---- typed accessors ---- */

static int
wrong_type(struct loader *ld, const config_setting_t *s, const char *want)
{
	return report(ld, s, NULL, "expected %s, got %s", want,
		      tp_cfg_type_name(config_setting_type(s)));
}

/* Every member of group @g must be named in @known (NULL-terminated). */
static int
check_group(struct loader *ld, const config_setting_t *g, const char *const known[])
{
	if (!config_setting_is_group(g))
		return wrong_type(ld, g, "a group");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(m);
		size_t k;

		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], name) == 0)
				break;
		if (known[k] == NULL)
			return report(ld, m, NULL, "unknown setting");
	}
	return 0;
}

/* Arrays ("[...]") and lists ("(...)") are both accepted where a sequence
 * is wanted: libconfig makes "[]" an array and "()" a list, and the
 * difference means nothing to an operator. Elements are checked one by
 * one by the caller. */
static int
check_seq(struct loader *ld, const config_setting_t *s, unsigned int max)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return wrong_type(ld, s, "a list");
	if ((unsigned int)config_setting_length(s) > max)
		return report(ld, s, NULL, "%d entries, at most %u allowed",
			      config_setting_length(s), max);
	return 0;
}

static const config_setting_t *
member(const config_setting_t *g, const char *name)
{
	return g != NULL ? config_setting_get_member(g, name) : NULL;
}

static const config_setting_t *
elem(const config_setting_t *s, unsigned int i)
{
	return config_setting_get_elem(s, i);
}

static int
get_int(struct loader *ld, const config_setting_t *s, long long min, long long max, long long *out)
{
	long long v = 0;

	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return wrong_type(ld, s, "an integer");
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return report(ld, s, NULL, "%lld is out of range (%lld..%lld)", v, min, max);
	*out = v;
	return 0;
}

/* Optional integer member: absent leaves *out (the default) alone. */
static int
opt_u32(struct loader *ld, const config_setting_t *g, const char *name, uint32_t min, uint32_t max,
	uint32_t *out)
{
	const config_setting_t *s = member(g, name);
	long long v = 0;
	int rc;

	if (s == NULL)
		return 0;
	rc = get_int(ld, s, min, max, &v);
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int
opt_u16(struct loader *ld, const config_setting_t *g, const char *name, uint16_t min, uint16_t max,
	uint16_t *out)
{
	uint32_t v = *out;
	int rc = opt_u32(ld, g, name, min, max, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

static int
opt_bool(struct loader *ld, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = member(g, name);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return wrong_type(ld, s, "a boolean (true or false)");
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

/* Copy string setting @s into @buf. Too long is an error, never a silent
 * truncation: a cut secret or device spec would fail far from here. */
static int
get_str(struct loader *ld, const config_setting_t *s, char *buf, size_t size, bool allow_empty)
{
	const char *v;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return wrong_type(ld, s, "a string");
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len == 0 && !allow_empty)
		return report(ld, s, NULL, "must not be empty");
	if (len >= size)
		return report(ld, s, NULL, "too long (%zu bytes, at most %zu)", len, size - 1);
	memcpy(buf, v, len + 1);
	return 0;
}

/* A required member: reported against its group when absent. */
static const config_setting_t *
need(struct loader *ld, const config_setting_t *g, const char *name, int *rc)
{
	const config_setting_t *s = member(g, name);

	*rc = s == NULL ? report(ld, g, name, "required setting missing") : 0;
	return s;
}

/* ---- addresses ---- */

/* A bare IP address: stun_addr_from_string also takes "a.b.c.d:port" and
 * "[x::y]", which mean nothing where only an address belongs. */
static int
ip_parse(const char *s, struct stun_addr *a)
{
	if (s[0] == '[' || stun_addr_from_string(a, s, 0) != 0)
		return -EINVAL;
	if (a->family == STUN_FAMILY_IPV4 && strchr(s, ':') != NULL)
		return -EINVAL;
	return 0;
}

static unsigned int
family_bits(const struct stun_addr *a)
{
	return a->family == STUN_FAMILY_IPV6 ? 128 : 32;
}

static bool
prefix_match(const struct stun_addr *a, const struct stun_addr *net, unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (a->family != net->family)
		return false;
	if (memcmp(a->ip, net->ip, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a->ip[full] ^ net->ip[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Addresses we may own: not unspecified, loopback, multicast or (for
 * IPv4) class E / limited broadcast, and not IPv4-mapped IPv6. */
static bool
is_unicast(const struct stun_addr *a)
{
	static const uint8_t zero[16], loop6[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family == STUN_FAMILY_IPV4)
		return a->ip[0] != 0 && a->ip[0] != 127 && a->ip[0] < 224;
	return memcmp(a->ip, zero, 16) != 0 && memcmp(a->ip, loop6, 16) != 0 && a->ip[0] != 0xff &&
	       memcmp(a->ip, mapped, 12) != 0;
}

/* Parse an address string @s, checking that it fits and is unicast. */
static int
get_unicast(struct loader *ld, const config_setting_t *s, struct stun_addr *a)
{
	char buf[STUN_ADDR_STRLEN];
	int rc = get_str(ld, s, buf, sizeof(buf), false);

	if (rc != 0)
		return rc;
	if (ip_parse(buf, a) != 0)
		return report(ld, s, NULL, "\"%s\" is not an IPv4 or IPv6 address", buf);
	if (!is_unicast(a))
		return report(ld, s, NULL, "%s is not a unicast address", buf);
	return 0;
}

/* ---- groups ---- */

static int
load_eal(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "args", NULL };
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *args;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((args = member(g, "args")) == NULL)
		return 0;
	if ((rc = check_seq(ld, args, TP_CFG_MAX_EAL_ARGS)) != 0)
		return rc;
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(args); i++) {
		rc = get_str(ld, elem(args, i), cfg->eal_args[i], TP_CFG_STR, false);
		if (rc != 0)
			return rc;
	}
	cfg->n_eal_args = (unsigned int)config_setting_length(args);
	return 0;
}

static int
load_port(struct loader *ld, const config_setting_t *g, struct tp_port_config *p)
{
	static const char *const known[] = { "device", "rx_queues", "rx_desc", "tx_desc", "mtu",
					     "checksum_offload", NULL };
	const config_setting_t *dev;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((dev = need(ld, g, "device", &rc)) == NULL)
		return rc;
	if ((rc = get_str(ld, dev, p->device, sizeof(p->device), false)) != 0)
		return rc;
	/* rx_queues stays 0 when absent: the dataplane then uses one queue
	 * per worker, which it only knows after EAL start-up. */
	p->rx_queues = 0;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	p->mtu = 1500;
	p->checksum_offload = true;
	if ((rc = opt_u16(ld, g, "rx_queues", 1, TP_CFG_MAX_WORKERS, &p->rx_queues)) != 0 ||
	    (rc = opt_bool(ld, g, "checksum_offload", &p->checksum_offload)) != 0 ||
	    (rc = opt_u16(ld, g, "rx_desc", DESC_MIN, DESC_MAX, &p->rx_desc)) != 0 ||
	    (rc = opt_u16(ld, g, "tx_desc", DESC_MIN, DESC_MAX, &p->tx_desc)) != 0 ||
	    (rc = opt_u16(ld, g, "mtu", MTU_MIN, MTU_MAX, &p->mtu)) != 0)
		return rc;
	return 0;
}

static int
load_ports(struct loader *ld, const config_setting_t *root)
{
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *ports;
	int rc;

	if ((ports = need(ld, root, "ports", &rc)) == NULL)
		return rc;
	if ((rc = check_seq(ld, ports, TP_CFG_MAX_PORTS)) != 0)
		return rc;
	if (config_setting_length(ports) == 0)
		return report(ld, ports, NULL, "at least one port is required");
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(ports); i++) {
		const config_setting_t *e = elem(ports, i);

		if ((rc = load_port(ld, e, &cfg->ports[i])) != 0)
			return rc;
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(cfg->ports[j].device, cfg->ports[i].device) == 0)
				return report(ld, member(e, "device"), NULL,
					      "device also used by ports[%u]", j);
		cfg->n_ports = i + 1;
	}
	return 0;
}

static int
load_workers(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "lcores", NULL };
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *lc;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((lc = member(g, "lcores")) == NULL)
		return 0;
	if ((rc = check_seq(ld, lc, TP_CFG_MAX_WORKERS)) != 0)
		return rc;
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(lc); i++) {
		long long v = 0;

		if ((rc = get_int(ld, elem(lc, i), 0, LCORE_ID_MAX, &v)) != 0)
			return rc;
		for (unsigned int j = 0; j < i; j++)
			if (cfg->worker_lcores[j] == (unsigned int)v)
				return report(ld, elem(lc, i), NULL, "lcore %lld listed twice", v);
		cfg->worker_lcores[i] = (unsigned int)v;
		cfg->n_workers = i + 1;
	}
	return 0;
}

/* "198.18.0.2/24": an address we own and its on-link prefix. */
static int
load_local_addr(struct loader *ld, const config_setting_t *s, struct stun_addr *a, uint8_t *plen)
{
	char buf[STUN_ADDR_STRLEN + 4];
	unsigned int len;
	char *slash;
	int rc;

	if ((rc = get_str(ld, s, buf, sizeof(buf), false)) != 0)
		return rc;
	if ((slash = strchr(buf, '/')) == NULL)
		return report(ld, s, NULL, "\"%s\" needs a prefix length (\"addr/len\")", buf);
	*slash = '\0';
	if (ip_parse(buf, a) != 0)
		return report(ld, s, NULL, "\"%s\" is not an IPv4 or IPv6 address", buf);
	if (!is_unicast(a))
		return report(ld, s, NULL, "%s is not a unicast address", buf);
	if (tp_prefix_len_parse(slash + 1, family_bits(a), &len) != 0)
		return report(ld, s, NULL, "prefix length \"%s\" is not in 0..%u", slash + 1,
			      family_bits(a));
	*plen = (uint8_t)len;
	return 0;
}

/* A gateway must be reachable on-link through one of our prefixes. */
static int
load_gateway(struct loader *ld, const config_setting_t *g, const char *name, uint8_t family,
	     struct stun_addr *gw)
{
	const struct tp_config *cfg = ld->cfg;
	const config_setting_t *s = member(g, name);
	int rc;

	if (s == NULL)
		return 0;
	if ((rc = get_unicast(ld, s, gw)) != 0)
		return rc;
	if (gw->family != family)
		return report(ld, s, NULL, "expected an %s address",
			      family == STUN_FAMILY_IPV4 ? "IPv4" : "IPv6");
	for (unsigned int i = 0; i < cfg->n_local; i++)
		if (prefix_match(gw, &cfg->local[i], cfg->local_prefix[i]))
			return 0;
	return report(ld, s, NULL, "not inside the prefix of any network.addresses entry");
}

static int
load_network(struct loader *ld, const config_setting_t *root)
{
	static const char *const known[] = { "addresses", "listen_port", "gateway4", "gateway6",
					     "exception_device", NULL };
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *g, *addrs, *s;
	int rc;

	if ((g = need(ld, root, "network", &rc)) == NULL)
		return rc;
	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((rc = opt_u16(ld, g, "listen_port", 1, 65535, &cfg->listen_port)) != 0)
		return rc;

	if ((addrs = need(ld, g, "addresses", &rc)) == NULL)
		return rc;
	if ((rc = check_seq(ld, addrs, TP_CFG_MAX_ADDRS)) != 0)
		return rc;
	if (config_setting_length(addrs) == 0)
		return report(ld, addrs, NULL, "at least one address is required");
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(addrs); i++) {
		s = elem(addrs, i);
		rc = load_local_addr(ld, s, &cfg->local[i], &cfg->local_prefix[i]);
		if (rc != 0)
			return rc;
		cfg->local[i].port = cfg->listen_port;
		for (unsigned int j = 0; j < i; j++)
			if (stun_addr_ip_equal(&cfg->local[j], &cfg->local[i]))
				return report(ld, s, NULL, "same address as addresses[%u]", j);
		cfg->n_local = i + 1;
	}

	if ((rc = load_gateway(ld, g, "gateway4", STUN_FAMILY_IPV4, &cfg->gateway4)) != 0 ||
	    (rc = load_gateway(ld, g, "gateway6", STUN_FAMILY_IPV6, &cfg->gateway6)) != 0)
		return rc;
	if ((s = member(g, "exception_device")) != NULL)
		return get_str(ld, s, cfg->exception_device, sizeof(cfg->exception_device), true);
	return 0;
}

static int
load_relay(struct loader *ld, const config_setting_t *root)
{
	static const char *const known[] = { "addresses", "port_min", "port_max", NULL };
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *g, *addrs;
	int rc;

	if ((g = need(ld, root, "relay", &rc)) == NULL)
		return rc;
	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((rc = opt_u16(ld, g, "port_min", 1, 65535, &cfg->relay_port_min)) != 0 ||
	    (rc = opt_u16(ld, g, "port_max", 1, 65535, &cfg->relay_port_max)) != 0)
		return rc;
	if (cfg->relay_port_min > cfg->relay_port_max) {
		/* Name whichever of the two the file sets; both may be. */
		const config_setting_t *s = member(g, "port_min");
		return report(ld, s != NULL ? s : member(g, "port_max"), NULL,
			      "port_min %u is above port_max %u", cfg->relay_port_min,
			      cfg->relay_port_max);
	}

	if ((addrs = need(ld, g, "addresses", &rc)) == NULL)
		return rc;
	if ((rc = check_seq(ld, addrs, TP_CFG_MAX_RELAY)) != 0)
		return rc;
	if (config_setting_length(addrs) == 0)
		return report(ld, addrs, NULL, "at least one address is required");
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(addrs); i++) {
		const config_setting_t *s = elem(addrs, i);
		struct stun_addr *a = &cfg->relay[i];

		if ((rc = get_unicast(ld, s, a)) != 0)
			return rc;
		for (unsigned int j = 0; j < i; j++)
			if (stun_addr_ip_equal(&cfg->relay[j], a))
				return report(ld, s, NULL, "same address as addresses[%u]", j);
		/* On an address that is both, a packet to the listen port
		 * could be a client's request or a peer's data: refuse. */
		for (unsigned int j = 0; j < cfg->n_local; j++)
			if (stun_addr_ip_equal(&cfg->local[j], a) &&
			    cfg->listen_port >= cfg->relay_port_min &&
			    cfg->listen_port <= cfg->relay_port_max)
				return report(ld, s, NULL,
					      "also a network address, and the relay ports "
					      "%u..%u include network.listen_port %u",
					      cfg->relay_port_min, cfg->relay_port_max,
					      cfg->listen_port);
		cfg->n_relay = i + 1;
	}
	return 0;
}

static int
load_user(struct loader *ld, const config_setting_t *g, unsigned int idx)
{
	static const char *const known[] = { "name", "password", NULL };
	struct tp_config *cfg = ld->cfg;
	struct tp_user_config *u = &cfg->users[idx];
	const config_setting_t *name, *pw;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0)
		return rc;
	if ((name = need(ld, g, "name", &rc)) == NULL)
		return rc;
	if ((rc = get_str(ld, name, u->name, sizeof(u->name), false)) != 0)
		return rc;
	if (!stun_username_valid((const uint8_t *)u->name, strlen(u->name)))
		return report(ld, name, NULL,
			      "not a valid STUN username (control characters or bad UTF-8)");
	for (unsigned int j = 0; j < idx; j++)
		if (strcmp(cfg->users[j].name, u->name) == 0)
			return report(ld, name, NULL, "user \"%s\" already defined in users[%u]",
				      u->name, j);
	if ((pw = need(ld, g, "password", &rc)) == NULL)
		return rc;
	if ((rc = get_str(ld, pw, u->password, sizeof(u->password), false)) != 0)
		return rc;
	if (!stun_text_valid((const uint8_t *)u->password, strlen(u->password), TP_CFG_STR - 1))
		return report(ld, pw, NULL, "control characters or bad UTF-8");
	return 0;
}

static int
load_turn(struct loader *ld, const config_setting_t *root)
{
	static const char *const known[] = { "realm", "software", "fingerprint",
					     "default_lifetime", "max_lifetime", "nonce_lifetime",
					     "permission_lifetime", "channel_lifetime",
					     "channel_max", "users", "rest_secrets", NULL };
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *g, *s;
	int rc;

	if ((g = need(ld, root, "turn", &rc)) == NULL)
		return rc;
	if ((rc = check_group(ld, g, known)) != 0)
		return rc;

	if ((s = need(ld, g, "realm", &rc)) == NULL)
		return rc;
	if ((rc = get_str(ld, s, cfg->realm, sizeof(cfg->realm), false)) != 0)
		return rc;
	if (!stun_text_valid((const uint8_t *)cfg->realm, strlen(cfg->realm), STUN_MAX_REALM_LEN))
		return report(ld, s, NULL, "control characters or bad UTF-8");

	if ((s = member(g, "software")) != NULL) {
		size_t len;

		if ((rc = get_str(ld, s, cfg->software, sizeof(cfg->software), true)) != 0)
			return rc;
		len = strlen(cfg->software);
		if (len > 0 &&
		    !stun_text_valid((const uint8_t *)cfg->software, len, STUN_MAX_SOFTWARE_LEN))
			return report(ld, s, NULL, "control characters or bad UTF-8");
	}

	if ((rc = opt_bool(ld, g, "fingerprint", &cfg->fingerprint)) != 0 ||
	    (rc = opt_u32(ld, g, "default_lifetime", 1, LIFETIME_MAX, &cfg->default_lifetime)) != 0 ||
	    (rc = opt_u32(ld, g, "max_lifetime", 1, LIFETIME_MAX, &cfg->max_lifetime)) != 0 ||
	    (rc = opt_u32(ld, g, "nonce_lifetime", 1, LIFETIME_MAX, &cfg->nonce_lifetime)) != 0 ||
	    (rc = opt_u32(ld, g, "permission_lifetime", 1, PERM_CHAN_LIFETIME_MAX,
			  &cfg->permission_lifetime)) != 0 ||
	    (rc = opt_u32(ld, g, "channel_lifetime", 1, PERM_CHAN_LIFETIME_MAX,
			  &cfg->channel_lifetime)) != 0)
		return rc;
	rc = opt_u16(ld, g, "channel_max", TURN_CHANNEL_MAX, TURN_CHANNEL_MAX_RFC5766,
		     &cfg->channel_max);
	if (rc != 0)
		return rc;
	if (cfg->default_lifetime > cfg->max_lifetime) {
		s = member(g, "default_lifetime");
		return report(ld, s != NULL ? s : member(g, "max_lifetime"), NULL,
			      "default_lifetime %" PRIu32 " is above max_lifetime %" PRIu32,
			      cfg->default_lifetime, cfg->max_lifetime);
	}

	if ((s = member(g, "users")) != NULL) {
		if ((rc = check_seq(ld, s, TP_CFG_MAX_USERS)) != 0)
			return rc;
		for (unsigned int i = 0; i < (unsigned int)config_setting_length(s); i++) {
			if ((rc = load_user(ld, elem(s, i), i)) != 0)
				return rc;
			cfg->n_users = i + 1;
		}
	}

	if ((s = member(g, "rest_secrets")) != NULL) {
		if ((rc = check_seq(ld, s, STUN_REST_MAX_SECRETS)) != 0)
			return rc;
		for (unsigned int i = 0; i < (unsigned int)config_setting_length(s); i++) {
			char buf[STUN_REST_SECRET_MAX + 1];
			const config_setting_t *e = elem(s, i);
			unsigned int before = cfg->rest.n;

			if ((rc = get_str(ld, e, buf, sizeof(buf), false)) != 0)
				return rc;
			if (stun_rest_secrets_add(&cfg->rest, buf, strlen(buf)) != 0)
				return report(ld, e, NULL, "cannot add this secret");
			/* Adding a known secret succeeds without taking a slot
			 * (right for a control plane re-sending its set); in a
			 * file it is a copy-paste slip. */
			if (cfg->rest.n == before)
				return report(ld, e, NULL, "same secret listed twice");
		}
	}
	return 0;
}

static int
load_limits(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "max_allocations", "user_quota", "unauth_rate",
					     "unauth_burst", NULL };
	struct tp_config *cfg = ld->cfg;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0 ||
	    (rc = opt_u32(ld, g, "max_allocations", 1, ALLOCATIONS_MAX, &cfg->max_allocations)) != 0 ||
	    (rc = opt_u32(ld, g, "user_quota", 0, ALLOCATIONS_MAX, &cfg->user_quota)) != 0 ||
	    (rc = opt_u32(ld, g, "unauth_rate", 1, RATE_MAX, &cfg->unauth_rate)) != 0 ||
	    (rc = opt_u32(ld, g, "unauth_burst", 1, RATE_MAX, &cfg->unauth_burst)) != 0)
		return rc;
	return 0;
}

static int
load_rules(struct loader *ld, const config_setting_t *g, const char *name,
	   struct tp_peer_rule *rules, unsigned int *n)
{
	const config_setting_t *s = member(g, name);
	int rc;

	if (s == NULL)
		return 0;
	if ((rc = check_seq(ld, s, TP_CFG_MAX_PEER_RULES)) != 0)
		return rc;
	for (unsigned int i = 0; i < (unsigned int)config_setting_length(s); i++) {
		const config_setting_t *e = elem(s, i);
		struct tp_peer_rule *r = &rules[i];
		const char *why;

		if ((rc = get_str(ld, e, r->text, sizeof(r->text), false)) != 0)
			return rc;
		if (tp_peer_rule_check(r->text, &why) != 0)
			return report(ld, e, NULL, "\"%s\": %s", r->text, why);
		r->line = config_setting_source_line(e);
		*n = i + 1;
	}
	return 0;
}

static int
load_peers(struct loader *ld, const config_setting_t *g)
{
	static const char *const known[] = { "default_deny", "allow", "deny", NULL };
	struct tp_config *cfg = ld->cfg;
	int rc;

	if ((rc = check_group(ld, g, known)) != 0 ||
	    (rc = opt_bool(ld, g, "default_deny", &cfg->default_deny)) != 0 ||
	    (rc = load_rules(ld, g, "allow", cfg->allow, &cfg->n_allow)) != 0 ||
	    (rc = load_rules(ld, g, "deny", cfg->deny, &cfg->n_deny)) != 0)
		return rc;
	return 0;
}

/*
 * An endpoint of the control plane as a deny-always rule, if @host is an
 * IP literal (brackets allowed around IPv6). Names are not resolved here:
 * the dataplane never looks names up, so only literals can be protected,
 * and an unspecified address (listen on all) names no peer to deny.
 */
static void
control_deny_add(struct loader *ld, const config_setting_t *s, const char *host, size_t len)
{
	struct tp_config *cfg = ld->cfg;
	char buf[STUN_ADDR_STRLEN];
	struct stun_addr a;
	static const uint8_t zero[16];

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf) || cfg->n_control_deny >= TP_CFG_MAX_CONTROL_DENY)
		return;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (ip_parse(buf, &a) != 0 || memcmp(a.ip, zero, 16) == 0)
		return;
	/* HTTP and Redis on one address: one rule. */
	for (unsigned int i = 0; i < cfg->n_control_deny; i++)
		if (strcmp(cfg->control_deny[i].text, buf) == 0)
			return;
	snprintf(cfg->control_deny[cfg->n_control_deny].text,
		 sizeof(cfg->control_deny[0].text), "%s", buf);
	cfg->control_deny[cfg->n_control_deny].line = config_setting_source_line(s);
	cfg->n_control_deny++;
}

/* A string member the dataplane reads from a group it otherwise leaves
 * to turnpike-control: the type must be right, the rest is not ours. */
static int
control_str(struct loader *ld, const config_setting_t *g, const char *name,
	    const config_setting_t **out, const char **val)
{
	const config_setting_t *s = member(g, name);

	*out = s;
	*val = NULL;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return wrong_type(ld, s, "a string");
	*val = config_setting_get_string(s);
	return 0;
}

/*
 * control: see config.h. Unknown members are NOT errors here, because
 * the group belongs to turnpike-control, whose loader checks it.
 */
static int
load_control(struct loader *ld, const config_setting_t *g)
{
	struct tp_config *cfg = ld->cfg;
	const config_setting_t *s, *sub;
	const char *v;
	int rc;

	if (!config_setting_is_group(g))
		return wrong_type(ld, g, "a group");
	/* The group alone turns the channel on, at turnpike-control's default
	 * path, so the two processes meet without either naming it. */
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", TP_CONTROL_SOCKET_DEFAULT);
	if ((s = member(g, "socket")) != NULL) {
		if ((rc = get_str(ld, s, cfg->control_socket, sizeof(cfg->control_socket),
				  false)) != 0)
			return rc;
	}
	if ((sub = member(g, "http")) != NULL) {
		if (!config_setting_is_group(sub))
			return wrong_type(ld, sub, "a group");
		if ((rc = control_str(ld, sub, "listen", &s, &v)) != 0)
			return rc;
		if (v != NULL) {
			/* "ADDR:PORT" or "[V6]:PORT": the address is before the
			 * last colon. */
			const char *colon = strrchr(v, ':');

			if (colon != NULL)
				control_deny_add(ld, s, v, (size_t)(colon - v));
		}
	}
	if ((sub = member(g, "redis")) != NULL) {
		if (!config_setting_is_group(sub))
			return wrong_type(ld, sub, "a group");
		if ((rc = control_str(ld, sub, "host", &s, &v)) != 0)
			return rc;
		/* turnpike-control's default Redis host (cp_config.h). */
		if (v == NULL)
			control_deny_add(ld, sub, "127.0.0.1", strlen("127.0.0.1"));
		else
			control_deny_add(ld, s, v, strlen(v));
	}
	return 0;
}

/* Optional top-level groups: absent means every default. */
static int
load_optional(struct loader *ld, const config_setting_t *root, const char *name,
	      int (*fn)(struct loader *, const config_setting_t *))
{
	const config_setting_t *g = member(root, name);

	return g != NULL ? fn(ld, g) : 0;
}

static int
load_root(struct loader *ld, const config_setting_t *root)
{
	static const char *const known[] = { "eal", "ports", "workers", "network", "relay",
					     "turn", "limits", "peers", "control", NULL };
	int rc;

	/* Unknown top-level keys first: "relays" should be reported as
	 * itself, not as a missing "relay". Network before relay, because
	 * relay checks against the local addresses. */
	if ((rc = check_group(ld, root, known)) != 0 ||
	    (rc = load_optional(ld, root, "eal", load_eal)) != 0 ||
	    (rc = load_ports(ld, root)) != 0 ||
	    (rc = load_optional(ld, root, "workers", load_workers)) != 0 ||
	    (rc = load_network(ld, root)) != 0 || (rc = load_relay(ld, root)) != 0 ||
	    (rc = load_turn(ld, root)) != 0 ||
	    (rc = load_optional(ld, root, "limits", load_limits)) != 0 ||
	    (rc = load_optional(ld, root, "peers", load_peers)) != 0 ||
	    (rc = load_optional(ld, root, "control", load_control)) != 0)
		return rc;
	return 0;
}

/*
 * Read and check @path. The file is opened here rather than by
 * config_read_file so that an I/O failure can report its errno, which
 * libconfig 1.5 reduces to "file I/O error". Cost: one parse of a small
 * file; @cfg is left partly filled on error and must not be used.
 */
int
tp_config_load(const char *path, struct tp_config *cfg, char *err, size_t errlen)
{
	struct loader ld = { .path = path, .err = err, .errlen = errlen, .cfg = cfg };
	config_t lc;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (path == NULL || cfg == NULL)
		return -EINVAL;
	tp_config_defaults(cfg);
	if (strlen(path) >= sizeof(cfg->path)) {
		snprintf(err, errlen, "%s: path too long (at most %zu bytes)", path,
			 sizeof(cfg->path) - 1);
		return -EINVAL;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);

	if ((rc = tp_cfg_read(path, &lc, err, errlen)) != 0)
		return rc;
	rc = load_root(&ld, config_root_setting(&lc));
	config_destroy(&lc);
	return rc;
}

/* ---- reload ---- */

static void
diff_note(char *out, size_t len, unsigned int *n, const char *key)
{
	size_t used = strlen(out);

	if (used < len)
		snprintf(out + used, len - used, "%s%s", *n > 0 ? ", " : "", key);
	(*n)++;
}

/*
 * Compared field by field rather than with one memcmp, so that the
 * message names what differs and line numbers (peers.*[].line) or
 * padding never count as a change.
 */
unsigned int
tp_config_restart_diff(const struct tp_config *o, const struct tp_config *n, char *out,
		       size_t len)
{
	unsigned int d = 0;

	if (len > 0)
		out[0] = '\0';
#define DIFF_IF(cond, key)                           \
	do {                                         \
		if (cond)                            \
			diff_note(out, len, &d, key); \
	} while (0)
#define DIFF_MEM(field, key) DIFF_IF(memcmp(&o->field, &n->field, sizeof(o->field)) != 0, key)
	DIFF_IF(o->n_eal_args != n->n_eal_args ||
			memcmp(o->eal_args, n->eal_args, sizeof(o->eal_args)) != 0,
		"eal.args");
	DIFF_IF(o->n_ports != n->n_ports || memcmp(o->ports, n->ports, sizeof(o->ports)) != 0,
		"ports");
	DIFF_IF(o->n_workers != n->n_workers ||
			memcmp(o->worker_lcores, n->worker_lcores, sizeof(o->worker_lcores)) != 0,
		"workers.lcores");
	DIFF_IF(o->n_local != n->n_local || memcmp(o->local, n->local, sizeof(o->local)) != 0 ||
			memcmp(o->local_prefix, n->local_prefix, sizeof(o->local_prefix)) != 0,
		"network.addresses");
	DIFF_IF(o->listen_port != n->listen_port, "network.listen_port");
	DIFF_MEM(gateway4, "network.gateway4");
	DIFF_MEM(gateway6, "network.gateway6");
	DIFF_IF(strcmp(o->exception_device, n->exception_device) != 0,
		"network.exception_device");
	DIFF_IF(o->n_relay != n->n_relay || memcmp(o->relay, n->relay, sizeof(o->relay)) != 0,
		"relay.addresses");
	DIFF_IF(o->relay_port_min != n->relay_port_min || o->relay_port_max != n->relay_port_max,
		"relay.port_min/port_max");
	DIFF_IF(strcmp(o->realm, n->realm) != 0, "turn.realm");
	DIFF_IF(strcmp(o->software, n->software) != 0, "turn.software");
	DIFF_IF(o->fingerprint != n->fingerprint, "turn.fingerprint");
	DIFF_IF(o->default_lifetime != n->default_lifetime || o->max_lifetime != n->max_lifetime,
		"turn.default_lifetime/max_lifetime");
	DIFF_IF(o->nonce_lifetime != n->nonce_lifetime, "turn.nonce_lifetime");
	DIFF_IF(o->permission_lifetime != n->permission_lifetime ||
			o->channel_lifetime != n->channel_lifetime,
		"turn.permission_lifetime/channel_lifetime");
	DIFF_IF(o->channel_max != n->channel_max, "turn.channel_max");
	DIFF_IF(o->max_allocations != n->max_allocations, "limits.max_allocations");
	DIFF_IF(o->unauth_rate != n->unauth_rate || o->unauth_burst != n->unauth_burst,
		"limits.unauth_rate/unauth_burst");
	DIFF_IF(strcmp(o->control_socket, n->control_socket) != 0, "control.socket");
	{
		bool same = o->n_control_deny == n->n_control_deny;

		for (unsigned int i = 0; same && i < o->n_control_deny; i++)
			same = strcmp(o->control_deny[i].text, n->control_deny[i].text) == 0;
		DIFF_IF(!same, "control.http.listen/redis.host");
	}
#undef DIFF_MEM
#undef DIFF_IF
	return d;
}
