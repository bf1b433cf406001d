/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The calls several control-plane modules make (cp.h): the REST secrets
 * and API keys in force, pushing policy, reloading the file, and binding
 * the unix sockets. Kept out of cp_main.c so the unit tests link them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "cp.h"
#include "http_api.h"
#include "redis_store.h"

void
cp_rest_secrets(const struct cp *cp, struct stun_rest_secrets *out)
{
	const struct cp_redis_policy *pol = cp->redis != NULL ? cp_redis_policy(cp->redis) : NULL;

	memset(out, 0, sizeof(*out));
	/* stun_rest_secrets_add skips a secret already present and stops
	 * taking new ones at STUN_REST_MAX_SECRETS (-ENOSPC). */
	for (unsigned int i = 0; i < cp->tp.rest.n; i++)
		if (stun_rest_secrets_add(out, cp->tp.rest.s[i].val, cp->tp.rest.s[i].len) ==
		    -ENOSPC)
			return;
	if (pol == NULL || !pol->valid)
		return;
	for (unsigned int i = 0; i < pol->secrets.n && i < STUN_REST_MAX_SECRETS; i++)
		if (stun_rest_secrets_add(out, pol->secrets.s[i].val, pol->secrets.s[i].len) ==
		    -ENOSPC)
			return;
}

/* Every configured hash is compared, in constant time each, so the time
 * taken does not tell which key (or how much of one) matched. */
bool
cp_api_key_valid(const struct cp *cp, const char *key, size_t len)
{
	uint8_t h[SHA256_DIGEST_LENGTH];
	bool found = false;

	if (key == NULL || len == 0)
		return false;
	SHA256((const unsigned char *)key, len, h);
	for (unsigned int i = 0; i < cp->cc.n_api_keys && i < CP_CFG_MAX_API_KEYS; i++)
		if (CRYPTO_memcmp(h, cp->cc.api_keys[i].sha256, sizeof(h)) == 0)
			found = true;
	if (!found && cp->redis != NULL)
		found = cp_redis_api_key_known(cp->redis, h);
	OPENSSL_cleanse(h, sizeof(h));
	return found;
}

void
cp_policy_changed(struct cp *cp)
{
	if (cp->chan != NULL)
		cp_chan_push_policy(cp->chan);
}

/* Settings bound at start-up (sockets, the HTTP listener, the Redis
 * connection) keep their old values on reload, with one log line each, so
 * the running modules and the config they read never disagree. */
static void
keep_restart_settings(const struct cp_config *old, struct cp_config *nc)
{
	struct cp_redis_config *r = &nc->redis;
	const struct cp_redis_config *o = &old->redis;
	bool tls_on_old = old->tls_cert[0] != '\0', tls_on_new = nc->tls_cert[0] != '\0';
	bool redis_conn_changed;

#define KEEP_STR_(field, name)                                                                   \
	do {                                                                                     \
		if (strcmp(old->field, nc->field) != 0) {                                        \
			fprintf(stderr, "turnpike-control: reload: %s changed; restart to apply\n", \
				name);                                                           \
			memcpy(nc->field, old->field, sizeof(nc->field));                        \
		}                                                                                \
	} while (0)
	KEEP_STR_(socket, "control.socket");
	KEEP_STR_(admin_socket, "control.admin_socket");
	KEEP_STR_(http_listen, "control.http.listen");
#undef KEEP_STR_
	if (tls_on_old != tls_on_new) {
		fprintf(stderr, "turnpike-control: reload: HTTPS %s; restart to apply\n",
			tls_on_new ? "enabled" : "disabled");
		memcpy(nc->tls_cert, old->tls_cert, sizeof(nc->tls_cert));
		memcpy(nc->tls_key, old->tls_key, sizeof(nc->tls_key));
	}
	redis_conn_changed = o->enabled != r->enabled || strcmp(o->host, r->host) != 0 ||
			     o->port != r->port || o->db != r->db || strcmp(o->user, r->user) != 0 ||
			     strcmp(o->password, r->password) != 0 || o->tls != r->tls ||
			     strcmp(o->tls_ca, r->tls_ca) != 0 ||
			     strcmp(o->tls_cert, r->tls_cert) != 0 ||
			     strcmp(o->tls_key, r->tls_key) != 0 ||
			     strcmp(o->tls_sni, r->tls_sni) != 0 || o->tls_verify != r->tls_verify ||
			     o->connect_timeout_ms != r->connect_timeout_ms;
	if (redis_conn_changed) {
		/* The tunables (ttl, refresh, stats) apply; the connection
		 * settings stay as they were. */
		struct cp_redis_config keep = *o;

		fprintf(stderr, "turnpike-control: reload: control.redis connection settings "
				"changed; restart to apply\n");
		keep.key_ttl = r->key_ttl;
		keep.cache_ttl = r->cache_ttl;
		keep.refresh = r->refresh;
		keep.stats = r->stats;
		keep.status_grace = r->status_grace;
		*r = keep;
	}
}

/*
 * Load both halves of the file into temporaries; only if both load is
 * anything changed. The HTTP certificate is reloaded with the new config
 * in place; if that fails the old config is put back, so a reload either
 * applies wholly or not at all. Then Redis's policy is re-read, the
 * dataplane gets the policy again and is told to re-read the file.
 */
int
cp_reload(struct cp *cp, char *err, size_t errlen)
{
	struct tp_config *ntp = NULL, *otp = NULL;
	struct cp_config *ncc = NULL, *occ = NULL;
	const char *path = cp->cc.path[0] != '\0' ? cp->cc.path : cp->tp.path;
	int rc = -ENOMEM;

	if (errlen > 0)
		err[0] = '\0';
	ntp = malloc(sizeof(*ntp));
	otp = malloc(sizeof(*otp));
	ncc = malloc(sizeof(*ncc));
	occ = malloc(sizeof(*occ));
	if (ntp == NULL || otp == NULL || ncc == NULL || occ == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((rc = tp_config_load(path, ntp, err, errlen)) != 0 ||
	    (rc = cp_config_load(path, ncc, err, errlen)) != 0) {
		rc = -EINVAL;
		goto out;
	}
	keep_restart_settings(&cp->cc, ncc);

	*otp = cp->tp;
	*occ = cp->cc;
	cp->tp = *ntp;
	cp->cc = *ncc;
	if (cp->http != NULL && cp->cc.tls_cert[0] != '\0' &&
	    cp_http_reload_tls(cp->http, err, errlen) != 0) {
		cp->tp = *otp;
		cp->cc = *occ;
		rc = -EINVAL;
		goto out;
	}
	if (cp->redis != NULL)
		cp_redis_refresh(cp->redis);
	cp_policy_changed(cp);
	if (cp->chan != NULL)
		(void)cp_chan_reload(cp->chan); /* -ENOTCONN: it reads the file when it starts */
	rc = 0;
out:
	/* The temporaries hold passwords and key hashes. */
	if (ntp != NULL)
		explicit_bzero(ntp, sizeof(*ntp));
	if (otp != NULL)
		explicit_bzero(otp, sizeof(*otp));
	if (ncc != NULL)
		explicit_bzero(ncc, sizeof(*ncc));
	if (occ != NULL)
		explicit_bzero(occ, sizeof(*occ));
	free(ntp);
	free(otp);
	free(ncc);
	free(occ);
	return rc;
}

/* mkdir -p of @path's parent directory, mode 0755. */
static int
make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	/* Each prefix in turn; at most sizeof(dir) iterations. */
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			int e = errno;

			snprintf(err, errlen, "%s: cannot create directory %s: %s", path, dir,
				 strerror(e));
			return -e;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot create directory %s: %s", path, dir, strerror(e));
		return -e;
	}
	return 0;
}

/* A socket file is stale if connecting to it is refused: whoever made it
 * is gone. Anything else (it answers, or it is not a socket) we leave. */
static int
clear_stale(const char *path, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: in use by another process", path);
		return -EADDRINUSE;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot remove stale socket: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int
cp_unix_listen(const char *path, unsigned int mode, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, rc;

	if (errlen > 0)
		err[0] = '\0';
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((rc = make_parent(path, err, errlen)) != 0)
		return rc;
	if ((rc = clear_stale(path, &sun, err, errlen)) != 0) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: socket: %s", path, strerror(-rc));
		return rc;
	}
	/* The file is created with the mode the umask allows: narrow it
	 * around bind so the socket is never more open than @mode. The
	 * process is single-threaded. */
	old_mask = umask((mode_t)(~mode & 0777));
	rc = bind(fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (rc != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot bind: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	if (chmod(path, (mode_t)mode) != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot listen: %s", path, strerror(-rc));
		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}
