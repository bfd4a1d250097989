/* test.h - tiny typed asserts for the C tests (libuv's task.h habit). A
 * failing check prints file:line, both values and exits 1. */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_FAIL(...)                                           \
    do {                                                      \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                         \
        fprintf(stderr, "\n");                                \
        exit(1);                                              \
    } while (0)
#define T_OK(cond)               \
    do {                         \
        if (!(cond))             \
            T_FAIL("%s", #cond); \
    } while (0)
#define T_EQ_INT(a, b)                                        \
    do {                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);   \
        if (a_ != b_)                                         \
            T_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_); \
    } while (0)
#define T_EQ_STR(a, b)                                                                            \
    do {                                                                                          \
        const char *a_ = (a), *b_ = (b);                                                          \
        if (!a_ || !b_ || strcmp(a_, b_))                                                         \
            T_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
    } while (0)
#define T_RUN(fn)                        \
    do {                                 \
        fprintf(stderr, "-- %s\n", #fn); \
        fn();                            \
    } while (0)

#endif
