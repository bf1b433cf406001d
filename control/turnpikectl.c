/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpikectl: the operator's tool (docs/turnpikectl.md).
 *
 *   turnpikectl [-c CONFIG] [--realm R] COMMAND ...
 *   turnpikectl user add alice s3cret          # Redis, coturn's keys
 *   turnpikectl status                         # turnpike-control's admin socket
 *
 * The config file is the one both processes read (-c, else
 * $TURNPIKE_CONFIG, else /etc/turnpike/turnpike.conf): control.redis says
 * where Redis is, control.admin_socket where turnpike-control listens,
 * turn.realm which realm's keys to write (--realm overrides it).
 * Redis commands work whether or not turnpike-control runs; admin
 * commands need it.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "config.h"
#include "ctl_cli.h"
#include "turnpike/ctl_proto.h"

#define DEFAULT_CONFIG "/etc/turnpike/turnpike.conf"
/* An answer line longer than this is a broken server, not data. */
#define ADMIN_LINE_BUF 65536
/* The longest silence tolerated inside an answer. */
#define ADMIN_TIMEOUT_MS 10000

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("turnpikectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_usage(FILE *out)
{
	fputs("usage: turnpikectl [-c CONFIG] [--realm REALM] COMMAND [ARGS]\n"
	      "\n"
	      "  CONFIG defaults to $TURNPIKE_CONFIG, else " DEFAULT_CONFIG ";\n"
	      "  REALM to the config's turn.realm.\n"
	      "\n"
	      "Redis (control.redis; coturn's key schema):\n"
	      "  user add NAME PASSWORD|-      set NAME's key (\"-\": password from stdin)\n"
	      "  user del NAME\n"
	      "  user list\n"
	      "  secret add SECRET | secret del SECRET | secret list   TURN REST secrets\n"
	      "  apikey add KEY | apikey del KEY|sha256:HEX | apikey list\n"
	      "  apikey new                    add a random key and print it\n"
	      "  peer allow|deny add|del RULE  RULE: ADDR, ADDR/LEN or ADDR-ADDR\n"
	      "  peer list\n"
	      "  quota set user-quota|total-quota|max-bps N\n"
	      "  quota unset user-quota|total-quota|max-bps\n"
	      "  quota show\n"
	      "\n"
	      "turnpike-control (control.admin_socket):\n"
	      "  status | allocations | allocation ID | counters | drain | reload\n"
	      "\n"
	      "Exit status: 0 done, 1 failed, 2 usage error.\n",
	      out);
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("turnpikectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	ctl_usage(stderr);
	return CTL_EXIT_USAGE;
}

/* ---- admin socket ---- */

static int
admin_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		ctl_err("admin socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		ctl_err("admin socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	if (e == ENOENT || e == ECONNREFUSED)
		ctl_err("admin socket %s: %s (is turnpike-control running?)", path, strerror(e));
	else if (e == EACCES)
		ctl_err("admin socket %s: %s (it is mode 0600: run as its owner)", path,
			strerror(e));
	else
		ctl_err("admin socket %s: %s", path, strerror(e));
	return -e;
}

static int
send_line(int fd, const char *path, const char *line)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ctl_err("admin socket %s: send: %s", path, strerror(errno));
			return -EIO;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * Send @request and stream the answer (admin.h): the first line is "ok"
 * or "error <text>", then body lines up to an empty line. The body goes
 * to stdout as it arrives, so a long allocation list needs no more
 * memory than one line. Returns an exit code.
 */
static int
admin_run(const char *path, const char *request)
{
	char line[CP_ADMIN_LINE_MAX + 2];
	char *buf = NULL;
	size_t have = 0;
	bool first = true, failed = false;
	int fd, rc = CTL_EXIT_FAIL;

	snprintf(line, sizeof(line), "%s\n", request);
	if ((fd = admin_connect(path)) < 0)
		return CTL_EXIT_FAIL;
	if (send_line(fd, path, line) != 0)
		goto out;
	if ((buf = malloc(ADMIN_LINE_BUF)) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	/* Bounded: each turn reads at least one byte or fails, and each wait
	 * is bounded by ADMIN_TIMEOUT_MS. */
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char *nl;
		ssize_t n;
		int pr;

		/* Hand out every complete line already buffered. */
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			size_t len = (size_t)(nl - buf);
			if (len > 0 && buf[len - 1] == '\r')
				len--;
			if (first) {
				first = false;
				if (len >= 6 && memcmp(buf, "error ", 6) == 0) {
					ctl_err("%.*s", (int)(len - 6), buf + 6);
					failed = true;
				} else if (len == 5 && memcmp(buf, "error", 5) == 0) {
					ctl_err("error");
					failed = true;
				} else if (len != 2 || memcmp(buf, "ok", 2) != 0) {
					ctl_err("admin socket %s: unexpected answer \"%.*s\"", path,
						(int)(len > 80 ? 80 : len), buf);
					goto out;
				}
			} else if (len == 0) {
				rc = failed ? CTL_EXIT_FAIL : CTL_EXIT_OK;
				goto out;
			} else if (failed) {
				/* Detail lines of an error go with it. */
				fprintf(stderr, "%.*s\n", (int)len, buf);
			} else {
				fwrite(buf, 1, len, stdout);
				fputc('\n', stdout);
			}
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		if (have == ADMIN_LINE_BUF) {
			ctl_err("admin socket %s: answer line longer than %d bytes", path,
				ADMIN_LINE_BUF);
			goto out;
		}
		pr = poll(&p, 1, ADMIN_TIMEOUT_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			ctl_err("admin socket %s: %s", path,
				pr == 0 ? "no answer (timed out)" : strerror(errno));
			goto out;
		}
		n = recv(fd, buf + have, ADMIN_LINE_BUF - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ctl_err("admin socket %s: %s", path,
				n == 0 ? "connection closed before the end of the answer"
				       : strerror(errno));
			goto out;
		}
		have += (size_t)n;
	}
out:
	free(buf);
	close(fd);
	if (fflush(stdout) != 0 && rc == CTL_EXIT_OK) {
		ctl_err("stdout: %s", strerror(errno));
		rc = CTL_EXIT_FAIL;
	}
	return rc;
}

/* The admin command line for @argv, or a usage error. */
static int
admin_request(int argc, char **argv, char *out, size_t cap)
{
	static const char *const simple[] = {"status", "allocations", "counters", "drain",
					     "reload"};

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(argv[0], simple[i]) == 0) {
			if (argc != 1)
				return usage_error("%s takes no arguments", argv[0]);
			snprintf(out, cap, "%s", argv[0]);
			return 0;
		}
	if (strcmp(argv[0], "allocation") == 0) {
		size_t len;

		if (argc != 2)
			return usage_error("usage: allocation ID");
		/* "<16 hex>-<18 digits>" (admin.h); checked loosely here, exactly
		 * by the server, but never a space or newline on the wire. */
		len = strlen(argv[1]);
		if (len == 0 || len > 64 ||
		    strspn(argv[1], "0123456789abcdefABCDEF-") != len)
			return usage_error("allocation id %s: expected HEX-DIGITS as "
					   "`allocations` prints it",
					   argv[1]);
		snprintf(out, cap, "allocation %s", argv[1]);
		return 0;
	}
	return -1;
}

/* ---- configuration ---- */

static int
check_realm(const char *realm)
{
	size_t len = strlen(realm);

	if (len == 0 || len > CTL_MAX_REALM)
		return usage_error("realm must be 1 to %d bytes", CTL_MAX_REALM);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)realm[i] < 0x20 || realm[i] == 0x7f || realm[i] == '/')
			return usage_error("realm must not contain '/' or control characters");
	return 0;
}

/* turn.realm, through the dataplane's own loader so that a file it
 * would refuse is refused here too. */
static int
load_realm(const char *path, char *realm, size_t cap)
{
	struct tp_config *cfg = calloc(1, sizeof(*cfg));
	char err[512];
	int rc = CTL_EXIT_OK;

	if (cfg == NULL) {
		ctl_err("out of memory");
		return CTL_EXIT_FAIL;
	}
	if (tp_config_load(path, cfg, err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		rc = CTL_EXIT_FAIL;
	} else {
		snprintf(realm, cap, "%s", cfg->realm);
	}
	free(cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"realm", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *realm_opt = NULL;
	char realm[CTL_MAX_REALM + 1], request[CP_ADMIN_LINE_MAX], err[512];
	struct cp_config *cc;
	int opt, rc;

	/* A closed pipe (turnpikectl user list | head) or a vanished server
	 * is an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	opterr = 0;
	/* "+": stop at the command, so its arguments are never options. */
	while ((opt = getopt_long(argc, argv, "+c:r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			realm_opt = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return CTL_EXIT_OK;
		default:
			if (optopt != 0 && strchr("cr", optopt) != NULL)
				return usage_error("option -%c needs an argument", optopt);
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage_error("no command");
	if (realm_opt != NULL && (rc = check_realm(realm_opt)) != 0)
		return rc;
	if (strcmp(argv[0], "help") == 0) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}

	bool is_store = ctl_store_handles(argv[0]);
	if (!is_store) {
		rc = admin_request(argc, argv, request, sizeof(request));
		if (rc < 0)
			return usage_error("unknown command %s", argv[0]);
		if (rc != 0)
			return rc;
	}

	if (config == NULL)
		config = getenv("TURNPIKE_CONFIG");
	if (config == NULL || config[0] == '\0')
		config = DEFAULT_CONFIG;
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		ctl_err("out of memory");
		return CTL_EXIT_FAIL;
	}
	if (cp_config_load(config, cc, err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		rc = CTL_EXIT_FAIL;
		goto out;
	}

	if (!is_store) {
		rc = admin_run(cc->admin_socket, request);
		goto out;
	}

	if (!cc->redis.enabled) {
		ctl_err("%s has no control.redis group, so turnpike-control reads no Redis "
			"and this command would change nothing (docs/turnpikectl.md)",
			config);
		rc = CTL_EXIT_FAIL;
		goto out;
	}
	realm[0] = '\0';
	if (ctl_store_needs_realm(argv[0])) {
		if (realm_opt != NULL) {
			snprintf(realm, sizeof(realm), "%s", realm_opt);
		} else if ((rc = load_realm(config, realm, sizeof(realm))) != CTL_EXIT_OK ||
			   (rc = check_realm(realm)) != 0) {
			goto out;
		}
	}
	struct ctl_store_ctx sc = {.realm = realm, .redis = &cc->redis};
	rc = ctl_store_run(&sc, argc, argv);
	if (fflush(stdout) != 0 && rc == CTL_EXIT_OK) {
		ctl_err("stdout: %s", strerror(errno));
		rc = CTL_EXIT_FAIL;
	}
out:
	explicit_bzero(cc, sizeof(*cc)); /* the Redis password */
	free(cc);
	return rc;
}
