/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config_util.h"

size_t
tp_cfg_key_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = s != NULL ? config_setting_parent(s) : NULL;
	size_t n;
	int w;

	buf[0] = '\0';
	if (parent == NULL)
		return 0;
	n = tp_cfg_key_path(parent, buf, len);
	if (config_setting_name(s) != NULL)
		w = snprintf(buf + n, len - n, "%s%s", n > 0 ? "." : "", config_setting_name(s));
	else
		w = snprintf(buf + n, len - n, "[%d]", config_setting_index(s));
	if (w < 0)
		return n;
	return n + (size_t)w >= len ? len - 1 : n + (size_t)w;
}

const char *
tp_cfg_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "something else";
	}
}

int
tp_cfg_error(char *err, size_t errlen, const char *file, unsigned int line, const char *key,
	     const char *msg)
{
	if (errlen == 0)
		return -EINVAL;
	if (line > 0)
		snprintf(err, errlen, "%s:%u: %s: %s", file, line, key, msg);
	else
		snprintf(err, errlen, "%s: %s: %s", file, key, msg);
	return -EINVAL;
}

int
tp_cfg_read(const char *path, config_t *lc, char *err, size_t errlen)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		return -EINVAL;
	}
	config_init(lc);
	if (config_read(lc, f) != CONFIG_TRUE) {
		const char *file = config_error_file(lc);

		snprintf(err, errlen, "%s:%d: syntax error: %s", file != NULL ? file : path,
			 config_error_line(lc), config_error_text(lc));
		config_destroy(lc);
		rc = -EINVAL;
	}
	fclose(f);
	return rc;
}
