/*
 * check: the unit tests' assertions. Each CHECK counts in `checks`; a failed
 * one prints file, line and the expression on stderr, adds to `failures` and
 * lets the test go on. main() reports `failures` and exits non-zero if any.
 *
 * CHECK(cond)      cond is true
 * CHECK_INT(a, b)  a == b as long long; prints both values
 * CHECK_STR(a, b)  a and b are non-NULL, equal strings; prints both
 *
 * A test may define CHECK_INT_CONTEXT() before including this header to
 * print more (say, the last command's output) when a CHECK_INT fails.
 * Include once, from the test's only .c file: the counters are static.
 */
#ifndef CARENET_TESTS_CHECK_H
#define CARENET_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures, checks;

#ifndef CHECK_INT_CONTEXT
#define CHECK_INT_CONTEXT() ((void)0)
#endif

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (a), b_ = (b);                                                      \
		checks++;                                                                          \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",          \
			        __FILE__, __LINE__, #a, #b, a_, b_);                               \
			CHECK_INT_CONTEXT();                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		checks++;                                                                          \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",      \
			        __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",                    \
			        b_ ? b_ : "(null)");                                               \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#endif
