/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The web UI's files, embedded at build time (control/ui/embed.py writes
 * ui_assets.c from control/ui/; control/meson.build runs it). Served by
 * http_api.c under /ui/ (docs/ice-test.md):
 *
 *   for (size_t i = 0; i < ui_n_assets; i++)
 *           if (strcmp(path, ui_assets[i].path) == 0)
 *                   send(ui_assets[i].type, ui_assets[i].data, ui_assets[i].len);
 *
 * The table is constant and lives for the whole process.
 */
#ifndef TP_UI_ASSETS_H
#define TP_UI_ASSETS_H

#include <stddef.h>

struct ui_asset {
	const char *path;          /* "/ui/ice-test", "/ui/ice-test.js", ... */
	const char *type;          /* the Content-Type, with charset */
	const unsigned char *data; /* the file's bytes, not NUL-terminated */
	size_t len;
};

extern const struct ui_asset ui_assets[];
extern const size_t ui_n_assets;

#endif
