/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-term keys, USERHASH, USERNAME/REALM validation, hex and base64.
 *
 * The digests use OpenSSL's low-level MD5/SHA-256 calls rather than EVP:
 * EVP in OpenSSL 3 fetches the algorithm on every one-shot call, which
 * costs more than hashing the 30-odd bytes of "user:realm:pass".
 */
#include <errno.h>
#include <string.h>

#include <openssl/md5.h>
#include <openssl/sha.h>

#include "stun_cred.h"

void
stun_key_md5(const char *user, size_t ulen, const char *realm, size_t rlen, const char *pass,
	     size_t plen, uint8_t out[STUN_KEY_MD5_LEN])
{
	MD5_CTX c;

	MD5_Init(&c);
	MD5_Update(&c, user, ulen);
	MD5_Update(&c, ":", 1);
	MD5_Update(&c, realm, rlen);
	MD5_Update(&c, ":", 1);
	MD5_Update(&c, pass, plen);
	MD5_Final(out, &c);
}

void
stun_key_sha256(const char *user, size_t ulen, const char *realm, size_t rlen, const char *pass,
		size_t plen, uint8_t out[STUN_KEY_SHA256_LEN])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, user, ulen);
	SHA256_Update(&c, ":", 1);
	SHA256_Update(&c, realm, rlen);
	SHA256_Update(&c, ":", 1);
	SHA256_Update(&c, pass, plen);
	SHA256_Final(out, &c);
}

void
stun_userhash(const char *user, size_t ulen, const char *realm, size_t rlen,
	      uint8_t out[STUN_USERHASH_LEN])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, user, ulen);
	SHA256_Update(&c, ":", 1);
	SHA256_Update(&c, realm, rlen);
	SHA256_Final(out, &c);
}

/*
 * Walk @s as UTF-8 and reject anything a well-formed OpaqueString cannot
 * contain and that we can tell without Unicode tables: malformed or
 * truncated sequences, overlong forms (which would let two byte strings
 * name the same user), UTF-16 surrogates, code points above U+10FFFF,
 * control characters (category Cc: U+0000..U+001F, U+007F..U+009F) and
 * noncharacters. One pass, no allocation.
 */
bool
stun_text_valid(const uint8_t *s, size_t len, size_t max)
{
	size_t i = 0;

	if (len == 0 || len > max)
		return false;
	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t n;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		/* 0x80..0xBF cannot start a sequence; 0xC0/0xC1 could only
		 * start an overlong encoding of ASCII. */
		if (c < 0xc2)
			return false;
		if (c < 0xe0) {
			n = 1;
			cp = c & 0x1fu;
			min = 0x80;
		} else if (c < 0xf0) {
			n = 2;
			cp = c & 0x0fu;
			min = 0x800;
		} else if (c < 0xf5) {
			n = 3;
			cp = c & 0x07u;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			uint8_t b = s[i + k];
			if ((b & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (b & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff)
			return false;
		if (cp >= 0xd800 && cp <= 0xdfff)
			return false;
		if (cp <= 0x9f)
			return false; /* C1 controls; smaller values were caught as overlong */
		if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
			return false;
		i += n + 1;
	}
	return true;
}

bool
stun_username_valid(const uint8_t *u, size_t len)
{
	return stun_text_valid(u, len, STUN_USERNAME_MAX);
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
stun_key_from_hex(const char *hex, size_t hexlen, uint8_t *key, size_t keylen)
{
	if (hexlen != 2 * keylen)
		return -EINVAL;
	for (size_t i = 0; i < keylen; i++) {
		int hi = hex_val(hex[2 * i]);
		int lo = hex_val(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
stun_key_to_hex(const uint8_t *key, size_t keylen, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < keylen; i++) {
		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 0xf];
	}
	hex[2 * keylen] = '\0';
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
stun_base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64_alphabet[(v >> 6) & 0x3f];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict decoding: a base64 string that differs in a padding bit or in
 * where '=' sits is rejected rather than decoded to the same bytes, so
 * that an encoded value (a nonce) has one spelling only. Cost: one table
 * branch per character.
 */
int
stun_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t pad = 0, olen, o = 0;

	if (len % 4 != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	olen = len / 4 * 3 - pad;
	if (olen > cap)
		return -ENOSPC;
	if (olen > (size_t)0x7fffffff)
		return -EINVAL;

	for (size_t i = 0; i < len; i += 4) {
		size_t nchar = i + 4 == len ? 4 - pad : 4;
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			int d = 0;
			if (k < nchar) {
				d = b64_val(in[i + k]);
				if (d < 0)
					return -EINVAL;
			}
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (uint8_t)(v >> 16);
		if (nchar >= 3)
			out[o++] = (uint8_t)(v >> 8);
		if (nchar == 4)
			out[o++] = (uint8_t)v;
		/* Bits of the last character that fall outside the output. */
		if ((nchar == 3 && (v & 0xff) != 0) || (nchar == 2 && (v & 0xffff) != 0))
			return -EINVAL;
	}
	return (int)olen;
}
