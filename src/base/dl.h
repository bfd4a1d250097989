/* dl.h - a shared library loaded on first use rather than linked: dlopen()
 * by its SONAME and one table of its functions, each resolved by name
 * (read/xls_gsf.c: libgsf for .xls; cli/gen_lxw.c: libxlsxwriter for gen
 * --inline-strings). A library the binary links is mapped, relocated and
 * constructed in every run; one loaded here only in the runs that call it.
 *
 * A user lists its slots once as an X-macro, X(slot, function), and
 * expands it twice: with SL_DL_CHECK, so each slot's type is checked at
 * compile time against the header's prototype of the function (the
 * _Generic is not evaluated: no reference to the symbol is made), and with
 * SL_DL_SYM into the array of struct sl_dl_sym that sl_dl_open fills the
 * table from. */
#ifndef SL_BASE_DL_H
#define SL_BASE_DL_H

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
 * Not thread-safe by itself: call it under pthread_once. */
void *sl_dl_open(const char *name, void *table, const struct sl_dl_sym *syms, size_t n, char *why,
                 size_t whylen);
/* One symbol of lib into *slot (a function or a data pointer): 0, or -1
 * with why[] said. */
int sl_dl_sym(void *lib, void *slot, const char *name, char *why, size_t whylen);

#endif
