/* dl.h - a shared library loaded on first use rather than linked: dlopen()
 * by its SONAME and one table of its functions, each resolved by name
 * (read/xls_gsf.c: libgsf for .xls; cli/gen_lxw.c: libxlsxwriter for gen
 * --inline-strings; sink/pq.c: libpq for PostgreSQL; http/mhd.c:
 * libmicrohttpd for serve). A library the binary links is mapped, relocated
 * and constructed in every run; one loaded here only in the runs that call
 * it. struct sl_dl_lib holds what each user would otherwise repeat: the
 * once-only load, its answer, and the message that names the package.
 *
 * A user lists its slots once as an X-macro, X(slot, function), and
 * expands it twice: with SL_DL_CHECK, so each slot's type is checked at
 * compile time against the header's prototype of the function (the
 * _Generic is not evaluated: no reference to the symbol is made), and with
 * SL_DL_SYM into the array of struct sl_dl_sym that sl_dl_open fills the
 * table from. */
#ifndef SL_BASE_DL_H
#define SL_BASE_DL_H

#include <pthread.h>
#include <stddef.h>

/* One slot of a table: its offset and the symbol that fills it. */
struct sl_dl_sym {
    size_t off;
    const char *name;
};
#define SL_DL_SYM(type, slot, fn) {offsetof(type, slot), #fn},
#define SL_DL_CHECK(table, slot, fn)                                         \
    _Static_assert(_Generic(&fn, __typeof__((table).slot) : 1, default : 0), \
                   #fn " has the type of its slot");

/* The name to load: the environment variable var when set and not empty (a
 * path or a SONAME; tests load a missing or a wrong library with it), else
 * soname. */
const char *sl_dl_name(const char *var, const char *soname);

/* dlopen(name, RTLD_NOW | RTLD_LOCAL), then every syms[i] into (char *)table
 * + syms[i].off. The handle (never closed), or NULL with why[] saying what
 * failed (dlerror: the file that cannot be opened, the undefined symbol).
 * Not thread-safe by itself: sl_dl_load calls it under its lock. */
void *sl_dl_open(const char *name, void *table, const struct sl_dl_sym *syms, size_t n, char *why,
                 size_t whylen);
/* One symbol of lib into *slot (a function or a data pointer): 0, or -1
 * with why[] said. */
int sl_dl_sym(void *lib, void *slot, const char *name, char *why, size_t whylen);

/* One library loaded on first use, once, by whichever thread asks first:
 * where it is, what it fills, and what became of it. A user defines one,
 * static, with SL_DL_LIB. */
struct sl_dl_lib {
    const char *stem;   /* "libpq", as messages name it */
    const char *var;    /* the environment variable that names another file */
    const char *soname; /* found at configure time */
    const char *deb;    /* the Debian package that installs it */
    void *table;
    const struct sl_dl_sym *syms;
    size_t nsyms;
    /* What else to do once the table is filled (more symbols, set-up), or
     * NULL: 0, or -1 with why[] said. */
    int (*then)(void *lib, char *why, size_t whylen);
    pthread_mutex_t mu;
    int tried;       /* mu */
    void *lib;       /* set under mu; NULL when it could not be loaded */
    char why[512];   /* dlerror's words when lib is NULL */
    char said[1024]; /* the clause sl_dl_load's -1 leaves for a message */
};
#define SL_DL_LIB(stem_, var_, soname_, deb_, table_, syms_, then_)                            \
    {                                                                                          \
        .stem = (stem_), .var = (var_), .soname = (soname_), .deb = (deb_), .table = (table_), \
        .syms = (syms_), .nsyms = sizeof(syms_) / sizeof(syms_)[0], .then = (then_),           \
        .mu = PTHREAD_MUTEX_INITIALIZER                                                        \
    }

/* Loads l the first time (sl_dl_open by sl_dl_name(var, soname), then
 * then); every later call gives the first answer. Thread-safe; the table is
 * filled before the first 0 is returned to any thread, and never written
 * again, so a caller that got 0 may read it without a lock. 0, or -1 with
 * l->why (dlerror's words) and l->said ("the library libpq (libpq.so.5)
 * cannot be loaded (WHY); install the Debian package libpq5") set. */
int sl_dl_load(struct sl_dl_lib *l);

#endif
