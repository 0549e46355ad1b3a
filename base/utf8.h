/*
 * utf8: the one UTF-8 decoder, validator and cutter.
 *
 * utf8_next  decodes one sequence at s (at most n bytes) into *cp and
 *            returns its length, 0 if malformed (overlong, surrogate,
 *            beyond U+10FFFF, truncated).
 * utf8_valid 1 if s[0..len) is well-formed UTF-8 without NUL bytes.
 * utf8_cut   shortens the NUL-terminated s to at most max bytes without
 *            leaving a character incomplete.
 * utf8_width the columns s takes on a terminal: CJK and full-width
 *            characters count 2, a malformed byte 1 (shown as one
 *            replacement character).
 * utf8_pad   prints s and spaces up to width columns (at least one), so
 *            tables with Chinese cells align.
 * Thread: any; pure.
 */
#ifndef CARENET_UTF8_H
#define CARENET_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
int utf8_valid(const char *s, size_t len);
void utf8_cut(char *s, size_t max);
int utf8_width(const char *s);
void utf8_pad(FILE *f, const char *s, int width);

#endif
