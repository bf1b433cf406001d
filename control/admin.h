/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket (control.admin_socket, a unix stream socket, mode
 * 0600: whoever can open it is an operator). turnpikectl speaks it; so
 * can `socat - UNIX-CONNECT:/run/turnpike/admin.sock`.
 *
 * One request per line, ASCII, at most 1024 bytes:
 *
 *   status                 process, dataplane and Redis state
 *   allocations            one line per allocation the dataplane reported
 *   allocation <id>        one allocation in detail
 *   counters               dataplane counters (last snapshot) and ours
 *   drain                  tell the dataplane to drain
 *   reload                 cp_reload (SIGHUP does the same)
 *
 * Each answer is a first line "ok" or "error <text>", then zero or more
 * lines of "key value" or "key=value ..." text (below), then one empty
 * line. Several requests may be sent on one connection; an unknown
 * command gets "error unknown command <name>" and the connection stays.
 *
 *   status:       "dataplane connected|disconnected", "draining yes|no",
 *                 "redis up|down|off", "dataplane_instance <16 hex>",
 *                 "allocations <n>"
 *   allocations:  per allocation one line:
 *                 "<id> user=<u> client=<ip:port> relay=<ip:port> lifetime=<s>
 *                  c2p_packets=<n> c2p_bytes=<n> p2c_packets=<n> p2c_bytes=<n>"
 *                 (<id> as in statsdb: <dataplane instance 16 hex>-<%018llu>;
 *                 IPv6 as [addr]:port)
 *   allocation:   the same fields, one "key value" per line, plus "state",
 *                 "created" and "updated" (Unix seconds)
 *   counters:     "<name> <value>" per line: dataplane counters by their
 *                 snapshot names prefixed "dataplane.", ours "control."
 */
#ifndef TP_ADMIN_H
#define TP_ADMIN_H

#include "cp.h"

#define CP_ADMIN_LINE_MAX 1024

struct cp_admin *cp_admin_create(struct cp *cp);
void cp_admin_destroy(struct cp_admin *a);

#endif
