/* dl.c - a shared library loaded on first use (dl.h). */
#include "base/dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sl_dl_name(const char *var, const char *soname)
{
    const char *name = getenv(var);
    return name && *name ? name : soname;
}

static void said(char *why, size_t whylen, const char *fallback)
{
    const char *e = dlerror();
    snprintf(why, whylen, "%s", e ? e : fallback);
}

int sl_dl_sym(void *lib, void *slot, const char *name, char *why, size_t whylen)
{
    void *p = dlsym(lib, name);
    if (!p) {
        said(why, whylen, name);
        return -1;
    }
    memcpy(slot, &p, sizeof p); /* a data pointer into a function pointer */
    return 0;
}

void *sl_dl_open(const char *name, void *table, const struct sl_dl_sym *syms, size_t n, char *why,
                 size_t whylen)
{
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        said(why, whylen, "dlopen failed");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (sl_dl_sym(lib, (char *)table + syms[i].off, syms[i].name, why, whylen))
            return NULL; /* never closed: what it mapped stays, unused */
    return lib;
}

int sl_dl_load(struct sl_dl_lib *l)
{
    pthread_mutex_lock(&l->mu);
    if (!l->tried) {
        l->tried = 1;
        const char *name = sl_dl_name(l->var, l->soname);
        void *lib = sl_dl_open(name, l->table, l->syms, l->nsyms, l->why, sizeof l->why);
        if (lib && l->then && l->then(lib, l->why, sizeof l->why))
            lib = NULL; /* never closed: what it mapped stays, unused */
        l->lib = lib;
        if (!lib)
            snprintf(l->said, sizeof l->said,
                     "the library %s (%s) cannot be loaded (%s); install the Debian package %s",
                     l->stem, name, l->why, l->deb);
    }
    int rc = l->lib ? 0 : -1;
    pthread_mutex_unlock(&l->mu);
    return rc;
}
