/* sheetload.h - the public API: load a spreadsheet into a database.
 *
 * One call does one import: sheetload_import() reads an .xlsx or .csv file,
 * converts and validates every row, writes the good rows to PostgreSQL or
 * SQLite and reports every row in the statistics. There is no global state:
 * two imports may run at once in one process. (A program that starts imports
 * from several threads should set TZ and call tzset() first, as sheetload's
 * own main() does: libzip calls mktime(), whose zone reload glibc does under
 * a lock that ThreadSanitizer cannot see.)
 *
 * Pointers in the option struct are borrowed for the duration of the call.
 * An all-zero struct sheetload_opts (plus .file) means "the defaults".
 */
#ifndef SHEETLOAD_H
#define SHEETLOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: 0 is success, every failure is negative. X(name, value, text) */
#define SL_ERRORS(X)                                                        \
    X(SL_OK, 0, "success")                                                  \
    X(SL_ENOMEM, -1, "out of memory")                                       \
    X(SL_EINVAL, -2, "invalid argument")                                    \
    X(SL_EIO, -3, "input/output error")                                     \
    X(SL_EFORMAT, -4, "unrecognised file format")                           \
    X(SL_EZIP, -5, "broken zip archive")                                    \
    X(SL_EXML, -6, "malformed XML")                                         \
    X(SL_ELIMIT, -7, "a resource limit was exceeded")                       \
    X(SL_EUTF8, -8, "invalid UTF-8")                                        \
    X(SL_ECSV, -9, "malformed CSV")                                         \
    X(SL_ENOTFOUND, -10, "not found")                                       \
    X(SL_EXLSX, -11, "broken workbook")                                     \
    X(SL_EDB, -12, "database error")                                        \
    X(SL_EDBDATA, -13, "the database refused the data")                     \
    X(SL_EDBCONN, -14, "database connection failed")                        \
    X(SL_ESCHEMA, -15, "the table does not fit the file")                   \
    X(SL_ECANCELED, -16, "cancelled")                                       \
    X(SL_ETIMEDOUT, -17, "deadline exceeded")                               \
    X(SL_ECLOSED, -18, "channel closed")                                    \
    X(SL_EAGAIN, -19, "would block")                                        \
    X(SL_EEXISTS, -20, "already imported")                                  \
    X(SL_EMAXERR, -21, "too many rejected rows")                            \
    X(SL_EBUSY, -22, "busy")                                                \
    X(SL_ERETRY, -23, "transient failure; retry")                          \
    X(SL_ECHARSET, -24, "text not valid in the file's encoding")          \
    X(SL_EFENCED, -25, "another run owns this import now")

enum sl_code {
#define SL_X_(name, value, text) name = value,
    SL_ERRORS(SL_X_)
#undef SL_X_
};

/* The text of a code ("out of memory"); never NULL. */
const char *sl_strerror(int code);

/* An error for people, filled by whoever sees the problem first. Empty
 * strings and zero numbers mean "not known". */
struct sl_error {
    int code;           /* enum sl_code */
    char msg[1024];     /* one line: what went wrong and what to do */
    char file[256];     /* input file or zip part */
    char sheet[128];
    long long row;      /* 1-based source row, 0 = none */
    int col;            /* 1-based column, 0 = none */
    char sqlstate[6];   /* SQLSTATE of a database error */
};

enum sheetload_method {
    SHEETLOAD_METHOD_DEFAULT = 0, /* copy for PostgreSQL, batch for SQLite */
    SHEETLOAD_SEQUENTIAL,
    SHEETLOAD_CONCURRENT,
    SHEETLOAD_BATCH,
    SHEETLOAD_COPY,
};
/* "sequential", ... ; NULL for an unknown value. */
const char *sheetload_method_name(int method);
/* The method for a name, or -1. */
int sheetload_method_parse(const char *name);

/* What happens to a table's secondary indexes around the load. */
enum sheetload_indexes {
    SHEETLOAD_INDEXES_AUTO = 0, /* defer where it pays: PostgreSQL from 16 MiB of input on,
                                   SQLite always, standard input always */
    SHEETLOAD_INDEXES_KEEP,     /* never drop and rebuild them */
    SHEETLOAD_INDEXES_DEFER,    /* drop them before the load, build them after (an empty table) */
};
/* "auto", "keep", "defer"; NULL for an unknown value. */
const char *sheetload_indexes_name(int indexes);
/* The value for a name, or -1. */
int sheetload_indexes_parse(const char *name);

/* Limits for untrusted input; 0 means the default. */
struct sheetload_limits {
    uint64_t max_entry_bytes;   /* inflated size of one zip entry */
    uint64_t max_total_bytes;   /* inflated size of all entries read */
    uint32_t max_ratio;         /* inflated / compressed of one entry */
    uint32_t max_entries;       /* entries in the archive */
    uint32_t max_depth;         /* XML nesting */
    uint64_t max_cell_bytes;    /* one cell's text */
    uint64_t max_sst_bytes;     /* shared strings' text in memory */
    uint32_t max_fields;        /* fields in one CSV row (0 = 16384, Excel's columns) */
    uint64_t max_memory;        /* the import's memory budget in bytes (0 = 256 MiB;
                                 * SHEETLOAD_MEMORY_UNBOUNDED = none): an .xlsx's shared
                                 * strings that do not fit spill to a temporary file */
};
#define SHEETLOAD_MEMORY_UNBOUNDED UINT64_MAX

/* A snapshot of progress, passed to the progress callback (borrowed). */
struct sheetload_progress {
    long long rows_done;        /* rows accounted for (inserted+rejected+blank) */
    long long rows_inserted;
    long long rows_rejected;
    long long bytes_read;       /* of the input file (compressed for xlsx) */
    long long bytes_total;      /* size of the input file */
    double elapsed_s;
    double rows_per_s;
    double percent;             /* 0..100 by bytes read; -1 unknown */
    long long import_id;        /* the ledger's id of this import; 0 in a dry run */
};

struct sl_ctx; /* conc/ctx.h: a cancellation context */

/* Where the header is (sheetload_opts.header_row). */
#define SHEETLOAD_HEADER_AUTO 0  /* found among the first rows (the default) */
#define SHEETLOAD_HEADER_NONE -1 /* no header: every row is data */
#define SHEETLOAD_HEADER_SCAN 20 /* rows looked at to find it */

struct sheetload_opts {
    const char *file;           /* path of the .xlsx/.csv; required */
    const char *display_name;   /* name to report (an upload's name); NULL = file */
    const char *db;             /* target; NULL: $DATABASE_URL, else sqlite:businesses.db */
    const char *table;          /* NULL = the default table "businesses" */
    const char *columns;        /* "a,b,c": map cells by position, not by header */
    long long header_row;       /* 1-based row of the header, or SHEETLOAD_HEADER_AUTO/_NONE */
    const char *map;            /* "Header cell=column,...": the user's matches (an empty
                                 * column ignores that cell); also one per line */
    const char *map_file;       /* a file of "Header cell=column" lines ('#' comments) */
    const char *encoding;       /* CSV text encoding for iconv (cp1252, macintosh, ...);
                                 * NULL = UTF-8, or what a byte-order mark says */
    const char *sheet;          /* name or 1-based number; NULL = first sheet */
    int method;                 /* enum sheetload_method */
    int workers;                /* writer connections; 0 = default */
    int batch_size;             /* rows per batch; 0 = default */
    char delimiter;             /* CSV delimiter; 0 = detect */
    const char *rejects_path;   /* NULL = NAME.rejects.csv beside the input */
    long long max_errors;       /* stop after this many rejects; 0 = no limit */
    long long max_rows;         /* SL_ELIMIT past this many data rows; 0 = no limit */
    double timeout_s;           /* deadline for the whole import; 0 = none */
    int dry_run;                /* read, convert, validate; write nothing */
    int indexes;                /* enum sheetload_indexes */
    int force;                  /* import even if this file was imported */
    int restart;                /* abandon an unfinished import of this file */
    long long resume_id;        /* resume this import; 0 = automatic */
    int wait;                   /* another run is importing this very file:
                                 * wait for it to end, then end as the ledger
                                 * says (else SL_EBUSY at once) */
    const char *node;           /* this runner's name in the ledger (a serve
                                 * node's); NULL = none */
    long long parent_id;        /* a follow-up of this import (fixed rejects); recorded
                                 * in the ledger; 0 = none */
    struct sheetload_limits limits;
    const char *tmp_dir;        /* where a shared-strings spill goes; NULL = $TMPDIR, else /tmp */
    struct sl_ctx *parent;      /* borrowed; cancelling it cancels the import */
    void (*progress)(const struct sheetload_progress *p, void *arg);
    void *progress_arg;         /* called from one thread, ~4 times a second */
};

/* How a header cell was matched to a column (sheetload_match_header). */
enum sheetload_match_how {
    SHEETLOAD_MATCH_NONE = 0,  /* names no column: ignored */
    SHEETLOAD_MATCH_EMPTY,     /* an empty cell */
    SHEETLOAD_MATCH_NAME,      /* the column's name (case, spaces, punctuation, accents and
                                * a unit in parentheses aside) */
    SHEETLOAD_MATCH_SYNONYM,   /* a common synonym (the businesses model) */
    SHEETLOAD_MATCH_USER,      /* the user's map */
    SHEETLOAD_MATCH_SKIP,      /* the user's map says to ignore it */
    SHEETLOAD_MATCH_POSITION,  /* by position: --columns, or no header */
    SHEETLOAD_MATCH_TAKEN,     /* names a column a better match took */
    SHEETLOAD_MATCH_DUPLICATE, /* names a column another cell names the same way */
};
/* "name", "synonym", ...; never NULL. */
const char *sheetload_match_how_name(int how);

/* The decision for one header cell. */
struct sheetload_match {
    int column;      /* index into the target columns; -1 = none */
    int how;         /* enum sheetload_match_how */
    char why[160];   /* one line for people: "'Tel.' is a synonym of 'phone'" */
};

/* The matcher every front end uses: header cells (UTF-8, borrowed) against
 * target columns (NULL = the businesses model's name, category, phone,
 * email, address, city, country, website, description), with the user's map
 * (NULL = none; the syntax of sheetload_opts.map). Fills out[0..ncells).
 * Returns the number of distinct columns named (>= 0), or a negative code
 * with err filled when the map is malformed or names an unknown column. */
int sheetload_match_header(const char *const *cells, size_t ncells, const char *const *columns,
                           size_t ncolumns, const char *map, struct sheetload_match *out,
                           struct sl_error *err);

/* What an import decided about one header cell (statistics). */
#define SHEETLOAD_MAX_REPORTED_CELLS 64
struct sheetload_header_cell {
    int col;         /* 1-based sheet column */
    int how;         /* enum sheetload_match_how */
    char text[64];   /* the cell (cut to fit) */
    char column[64]; /* the target column; "" = ignored */
};

/* Who holds the claim on a file being imported right now (SL_EBUSY). */
struct sheetload_holder {
    long long import_id;        /* its ledger id; 0 = not recorded yet */
    char started[40];           /* UTC, as the ledger has it */
    char host[64];
    long pid;
    char node[64];              /* "" = not a serve node */
};

struct sheetload_stats {
    long long total_records;    /* = success_count + error_count + skipped_blank */
    long long success_count;    /* rows inserted */
    long long error_count;      /* rows rejected */
    long long skipped_blank;    /* rows with every cell empty */
    double duration_s;
    double records_per_second;
    char method[16];
    int workers;
    int batch_size;
    char file[512];             /* display name */
    char sha256[65];            /* of the input file, hex */
    char target[512];           /* the target, password removed */
    char table[128];
    char rejects_path[512];     /* "" when nothing was rejected */
    long long import_id;        /* ledger id; 0 with --dry-run; with SL_EEXISTS the
                                 * import that already loaded the file */
    long long batches_skipped;  /* batches already in the ledger (resume) */
    int resumed;
    int cancelled;              /* stopped by cancel, deadline or max-errors */
    long long header_row;       /* the header's row; 0 = none (data from the first row) */
    long long skipped_above;    /* rows above the header, skipped (not in total_records) */
    char encoding[32];          /* CSV: the encoding read ("UTF-8", "UTF-16LE", "CP1252") */
    int nheader_cells;          /* header cells reported below (at most the max) */
    struct sheetload_header_cell header_cells[SHEETLOAD_MAX_REPORTED_CELLS];
    struct sl_error err;        /* why the import stopped, when it did */
    struct sheetload_holder holder; /* SL_EBUSY: the running import */
};

/* Imports opts->file. Returns 0 when every row was accounted for (some may
 * be rejected), else a negative code with stats->err filled. Only one run
 * imports a given (file content, table, sheet) at a time: when another
 * holds it, SL_EBUSY with stats->holder filled (or, with opts->wait, after
 * it ended: as the ledger says; SL_EEXISTS when it completed); stats are
 * always filled as far as the import got, and the database then holds
 * exactly stats->success_count new rows of this import. */
int sheetload_import(const struct sheetload_opts *opts, struct sheetload_stats *stats);

/* Asks import `id` in the ledger of db (as sheetload_opts.db) to stop,
 * wherever it runs (another process, another server): sets its cancel
 * flag, which the run that holds it reads with every batch it commits and
 * at least once a second; it then stops cleanly and is recorded as
 * 'cancelled'. 0 when the import exists: status (cap bytes, may be NULL)
 * gets its status before the request ("running" = asked to stop; any other
 * = it had ended, nothing was changed). SL_ENOTFOUND when there is none. */
int sheetload_cancel(const char *db, long long id, char *status, size_t cap,
                     struct sl_error *err);

/* Writes stats as the JSON object the tutorial's ImportStats uses, plus our
 * fields, into buf (NUL-terminated, truncated to cap). Returns the length
 * it needed. */
size_t sheetload_stats_json(const struct sheetload_stats *stats, char *buf, size_t cap);

/* Writes the libraries the import runs with (databases, readers, JSON), as
 * loaded at run time, one "name version" line each ("libpq 15.10\nSQLite
 * 3.40.1\n..."), into buf (NUL-terminated, truncated to cap). Returns the
 * length it needed; 0 when out of memory. For --version and bug reports. */
size_t sheetload_versions(char *buf, size_t cap);

/* ---- for front ends: preview, follow-ups, history ------------------------ */

/* What an import would do, before anything is written. Pointers borrowed. */
struct sheetload_preview_opts {
    const char *file;           /* required */
    const char *display_name;   /* NULL = file */
    const char *db;             /* target; read only to learn a --table's columns */
    const char *table;          /* NULL = businesses */
    const char *sheet;          /* name or 1-based number; NULL = first */
    const char *columns;        /* the mapping to check, as opts.columns ("a,,c": one
                                 * name or nothing per sheet column); NULL = suggest */
    int rows;                   /* data rows returned; 0 = 20 */
    int problems;               /* rejected rows returned; 0 = 10 */
    struct sheetload_limits limits;
    struct sl_ctx *parent;      /* cancels the dry run */
};

/* Reads the sheet names, the header and the first rows, suggests a mapping
 * of the sheet's columns to the table's by the importer's own matching,
 * and dry-runs the whole sheet with opts->columns (else the suggestion).
 * On success *json is a new NUL-terminated JSON object (sheetload_free):
 *   {"file", "sheets": [names], "sheet", "table", "table_columns": [names],
 *    "header_row": N (0 = no header row), "columns": [{"index", "letter",
 *    "header"}], "rows": [{"row", "cells": [text]}], "suggested": [name or
 *    ""], "mapping": [name or ""], "dry_run": {"rows", "good", "bad",
 *    "blank", "seconds", "problems": [{"row", "reason"}]} or {"error"}}
 * A mapping the importer refuses is reported in dry_run.error, not as a
 * failure. Returns 0, or a negative code with err filled when the file
 * cannot be read. */
int sheetload_preview(const struct sheetload_preview_opts *opts, char **json,
                      struct sl_error *err);

/* Writes rows of cells as a CSV file at path whose first line names the
 * columns, for sheetload_import with .columns = the same names joined by
 * commas and .header_row = 1 (a follow-up import of fixed rows). cells
 * holds nrows * ncols strings, row by row (NULL = empty). */
int sheetload_rows_file(const char *path, const char *const *columns, size_t ncols,
                        const char *const *cells, size_t nrows, struct sl_error *err);

/* The newest imports of the ledger in db (NULL: $DATABASE_URL, else the
 * default), newest first, at most limit: a new JSON array (sheetload_free)
 * of {"id", "parent_id", "status", "method", "file", "table", "started_at",
 * "finished_at", "total_records", "success_count", "error_count",
 * "skipped_blank", "error"}. An empty ledger (or none yet) is "[]". */
int sheetload_history(const char *db, int limit, char **json, struct sl_error *err);

/* The rejected rows of import id: a new JSON array (sheetload_free) of
 * {"row", "reason", "sqlstate"}, by row. SL_ENOTFOUND for an unknown id. */
int sheetload_rejects_list(const char *db, long long id, char **json, struct sl_error *err);

/* Frees what the calls above returned. */
void sheetload_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
