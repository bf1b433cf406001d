/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libconfig helpers shared by the two loaders of the one config file:
 * the dataplane's (config.c) and turnpike-control's (control/cp_config.c),
 * so both name a bad setting the same way:
 *
 *   char key[192];
 *   tp_cfg_key_path(s, key, sizeof(key));          // "ports[0].mtu"
 *   return tp_cfg_error(err, errlen, file, line, key, "expected %s", tp_cfg_type_name(t));
 */
#ifndef TP_CONFIG_UTIL_H
#define TP_CONFIG_UTIL_H

#include <stddef.h>

#include <libconfig.h>

/* The dotted path of @s with list indexes ("control.http.listen",
 * "ports[0].mtu"), cut to @len; returns its length. "" for the root. */
size_t tp_cfg_key_path(const config_setting_t *s, char *buf, size_t len);

/* "a group", "an integer", ... for a CONFIG_TYPE_*. */
const char *tp_cfg_type_name(int type);

/* Open and parse @path into @lc (config_init'ed here). 0: the caller
 * owns @lc and calls config_destroy. -EINVAL with one message in @err:
 * "<file>: <strerror>" (unreadable, or a directory, which would read as
 * an empty file) or "<file>:<line>: syntax error: <text>"; @lc is then
 * already destroyed. */
int tp_cfg_read(const char *path, config_t *lc, char *err, size_t errlen);

/* Write "<file>:<line>: <key>: <msg>" (or without ":<line>" when @line is
 * 0) into @err, unless @errlen is 0. Returns -EINVAL. */
int tp_cfg_error(char *err, size_t errlen, const char *file, unsigned int line, const char *key,
		 const char *msg);

#endif
