/* claim.c - who may write an import, and DDL one at a time.
 *
 * A claim is on the key (target table, sheet, file SHA-256): only its
 * holder writes that import's rows. PostgreSQL: a session-level advisory
 * lock on a 64-bit key hashed from the key, held by the control
 * connection; the server drops it when the session ends (kill -9, a
 * terminated backend, a lost network). SQLite: a lease row in
 * sheetload_claims (owner, host, pid, expiry) taken in BEGIN IMMEDIATE and
 * renewed by the import's watcher; an expired lease, or one whose holder
 * is a dead process of this host, may be taken over.
 *
 * A claim can be lost while writers still run (the control connection
 * dropped, a lease expired): the fence (the owner token on
 * sheetload_imports, checked by the statement that records each batch,
 * ledger.c) is what keeps a batch from being written twice. The claim only
 * keeps a second importer from starting the same work.
 *
 * DDL locks: PostgreSQL serialises CREATE TABLE/INDEX of the ledger and of
 * the default table under a transaction-level advisory lock on one fixed
 * key, and the deferral and rebuild of one table's indexes under a
 * session-level lock on a key of that table. SQLite needs none: its
 * writers are serialised by the database lock (BEGIN IMMEDIATE).
 *
 * Every function runs on the connection it is given, by the thread that
 * owns it; nothing here is shared. */
#include <errno.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "load/load.h"

/* A stable 64-bit key for text (PostgreSQL's advisory locks take bigint). */
static long long key_of(const char *kind, const char *a, const char *b, const char *c)
{
    struct sha256_ctx h;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&h);
    const char *parts[4] = {kind, a ? a : "", b ? b : "", c ? c : ""};
    for (int i = 0; i < 4; i++)
        sha256_update(&h, strlen(parts[i]) + 1, (const uint8_t *)parts[i]);
    sha256_digest(&h, sizeof d, d);
    unsigned long long k = 0;
    for (int i = 0; i < 8; i++)
        k = k << 8 | d[i];
    return (long long)k;
}

static int is_pg(struct sl_sink *s)
{
    return sl_sink_dialect(s) == SL_DIALECT_PG;
}

void sl_claim_init(struct sl_claim *c, const char *table, const char *sheet, const char *sha,
                   const char *node)
{
    memset(c, 0, sizeof *c);
    c->key = key_of("sheetload claim", table, sheet, sha);
    snprintf(c->key_text, sizeof c->key_text, "%016llx", (unsigned long long)c->key);
    c->keyed = sha && *sha;
    if (gethostname(c->host, sizeof c->host) != 0)
        sl_strlcpy(c->host, "unknown", sizeof c->host);
    c->host[sizeof c->host - 1] = '\0';
    c->pid = (long)getpid();
    sl_strlcpy(c->node, node ? node : "", sizeof c->node);
    unsigned long long rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rnd = (unsigned long long)ts.tv_nsec * 2654435761u ^ (unsigned long long)ts.tv_sec;
    }
    snprintf(c->owner, sizeof c->owner, "%.60s:%ld:%016llx", c->host, c->pid, rnd);
}

static int flag_cb(void *arg, int ncols, const char *const *v)
{
    *(int *)arg = ncols > 0 && v[0] && (v[0][0] == 't' || v[0][0] == '1');
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct lease {
    int found;
    char owner[96], host[64];
    long pid;
    double expires;
};

static int lease_cb(void *arg, int ncols, const char *const *v)
{
    struct lease *l = arg;
    if (ncols < 4)
        return 0;
    l->found = 1;
    sl_strlcpy(l->owner, v[0] ? v[0] : "", sizeof l->owner);
    sl_strlcpy(l->host, v[1] ? v[1] : "", sizeof l->host);
    l->pid = v[2] ? strtol(v[2], NULL, 10) : 0;
    l->expires = v[3] ? strtod(v[3], NULL) : 0;
    return 0;
}

/* A lease of a process of this host that no longer exists is dead at once
 * (a pid reused since is taken for alive: the lease then expires). */
static int holder_dead(const struct sl_claim *c, const struct lease *l)
{
    if (strcmp(l->host, c->host) || l->pid <= 0)
        return 0;
    return kill((pid_t)l->pid, 0) != 0 && errno == ESRCH;
}

static int lite_try(struct sl_sink *s, struct sl_claim *c, struct sheetload_holder *h,
                    struct sl_error *err)
{
    struct lease l;
    memset(&l, 0, sizeof l);
    const char *kp[1] = {c->key_text};
    int rc = sl_sink_begin(s, err);
    if (rc)
        return rc;
    rc = sl_sink_query(s,
                       "SELECT owner, host, pid, expires_at FROM sheetload_claims "
                       "WHERE claim_key = $1",
                       1, kp, lease_cb, &l, err);
    if (!rc && l.found && strcmp(l.owner, c->owner) && l.expires > now_s() && !holder_dead(c, &l)) {
        sl_sink_rollback_quietly(s);
        if (h) {
            sl_strlcpy(h->host, l.host, sizeof h->host);
            h->pid = l.pid;
        }
        return SL_EBUSY;
    }
    if (!rc) {
        char pid[24], exp[40];
        snprintf(pid, sizeof pid, "%ld", c->pid);
        snprintf(exp, sizeof exp, "%.3f", now_s() + SL_LOAD_LEASE_S);
        const char *p[6] = {c->key_text, c->owner, c->host, pid, c->node, exp};
        rc = sl_sink_exec(s,
                          "INSERT INTO sheetload_claims (claim_key, owner, host, pid, node, "
                          "expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (claim_key) "
                          "DO UPDATE SET owner = excluded.owner, host = excluded.host, "
                          "pid = excluded.pid, node = excluded.node, "
                          "expires_at = excluded.expires_at",
                          6, p, err);
    }
    if ((rc = sl_sink_end(s, rc, err)))
        return rc;
    c->held = 1;
    return 0;
}

int sl_claim_try(struct sl_sink *s, struct sl_claim *c, struct sheetload_holder *h,
                 struct sl_error *err)
{
    if (!c->keyed)
        return 0;
    if (!is_pg(s))
        return lite_try(s, c, h, err);
    char key[32];
    snprintf(key, sizeof key, "%lld", c->key);
    const char *p[1] = {key};
    int got = 0;
    int rc = sl_sink_query(s, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, flag_cb, &got, err);
    if (rc)
        return rc;
    if (!got)
        return SL_EBUSY;
    c->held = 1;
    return 0;
}

int sl_claim_renew(struct sl_sink *s, struct sl_claim *c, struct sl_error *err)
{
    if (!c->held || is_pg(s))
        return 0;
    char exp[40];
    int ours = 0;
    snprintf(exp, sizeof exp, "%.3f", now_s() + SL_LOAD_LEASE_S);
    const char *p[3] = {c->key_text, c->owner, exp};
    int rc = sl_sink_query(s,
                           "UPDATE sheetload_claims SET expires_at = $3 WHERE claim_key = $1 "
                           "AND owner = $2 RETURNING 1",
                           3, p, flag_cb, &ours, err);
    if (rc)
        return rc;
    if (!ours) {
        c->held = 0;
        return sl_err_set(err, SL_EFENCED,
                          "the lease on this import expired and another "
                          "importer took it");
    }
    return 0;
}

void sl_claim_release(struct sl_sink *s, struct sl_claim *c)
{
    if (!c->held || !s)
        return;
    struct sl_error e;
    sl_err_clear(&e);
    c->held = 0;
    if (is_pg(s)) {
        char key[32];
        int ok = 0;
        snprintf(key, sizeof key, "%lld", c->key);
        const char *p[1] = {key};
        sl_sink_query(s, "SELECT pg_advisory_unlock($1::bigint)", 1, p, flag_cb, &ok, &e);
        return;
    }
    const char *p[2] = {c->key_text, c->owner};
    sl_sink_exec(s, "DELETE FROM sheetload_claims WHERE claim_key = $1 AND owner = $2", 2, p, &e);
}

/* ---- DDL ------------------------------------------------------------------ */

static void ddl_key(const char *what, char *out, size_t cap)
{
    snprintf(out, cap, "%lld", key_of("sheetload ddl", what, NULL, NULL));
}

/* sql on the key of what (PostgreSQL; SQLite: nothing to do). */
static int ddl_call(struct sl_sink *s, const char *sql, const char *what, struct sl_error *err)
{
    if (!is_pg(s))
        return 0;
    char key[32];
    ddl_key(what, key, sizeof key);
    const char *p[1] = {key};
    return sl_sink_query(s, sql, 1, p, NULL, NULL, err);
}

int sl_ddl_xact_lock(struct sl_sink *s, const char *what, struct sl_error *err)
{
    return ddl_call(s, "SELECT pg_advisory_xact_lock($1::bigint)", what, err);
}

int sl_ddl_lock(struct sl_sink *s, const char *what, struct sl_error *err)
{
    return ddl_call(s, "SELECT pg_advisory_lock($1::bigint)", what, err);
}

void sl_ddl_unlock(struct sl_sink *s, const char *what)
{
    struct sl_error e;
    sl_err_clear(&e);
    ddl_call(s, "SELECT pg_advisory_unlock($1::bigint)", what, &e);
}
