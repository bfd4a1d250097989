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
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: 0 is success, every failure is negative.
 * X(name, value, text) gives SHEETLOAD_<name>. */
#define SHEETLOAD_ERRORS(X)                                   \
    X(OK, 0, "success")                                       \
    X(ENOMEM, -1, "out of memory")                            \
    X(EINVAL, -2, "invalid argument")                         \
    X(EIO, -3, "input/output error")                          \
    X(EFORMAT, -4, "unrecognised file format")                \
    X(EZIP, -5, "broken zip archive")                         \
    X(EXML, -6, "malformed XML")                              \
    X(ELIMIT, -7, "a resource limit was exceeded")            \
    X(EUTF8, -8, "invalid UTF-8")                             \
    X(ECSV, -9, "malformed CSV")                              \
    X(ENOTFOUND, -10, "not found")                            \
    X(EXLSX, -11, "broken workbook")                          \
    X(EDB, -12, "database error")                             \
    X(EDBDATA, -13, "the database refused the data")          \
    X(EDBCONN, -14, "database connection failed")             \
    X(ESCHEMA, -15, "the table does not fit the file")        \
    X(ECANCELED, -16, "cancelled")                            \
    X(ETIMEDOUT, -17, "deadline exceeded")                    \
    X(ECLOSED, -18, "channel closed")                         \
    X(EAGAIN, -19, "would block")                             \
    X(EEXISTS, -20, "already imported")                       \
    X(EMAXERR, -21, "too many rejected rows")                 \
    X(EBUSY, -22, "busy")                                     \
    X(ERETRY, -23, "transient failure; retry")                \
    X(ECHARSET, -24, "text not valid in the file's encoding") \
    X(EFENCED, -25, "another run owns this import now")

enum sheetload_code {
#define SHEETLOAD_X_(name, value, text) SHEETLOAD_##name = value,
    SHEETLOAD_ERRORS(SHEETLOAD_X_)
#undef SHEETLOAD_X_
};

/* The text of a code ("out of memory"); never NULL. */
const char *sheetload_strerror(int code);

/* An error for people, filled by whoever sees the problem first. Empty
 * strings and zero numbers mean "not known". */
struct sheetload_error {
    int code;       /* enum sheetload_code */
    char msg[1024]; /* one line: what went wrong and what to do */
    char file[256]; /* input file or zip part */
    char sheet[128];
    long long row;    /* 1-based source row, 0 = none */
    int col;          /* 1-based column, 0 = none */
    char sqlstate[6]; /* SQLSTATE of a database error */
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

/* The bounds of sheetload_opts.workers and .batch_size (0 = the default);
 * every front end checks its options against these. */
#define SHEETLOAD_MAX_WORKERS    64
#define SHEETLOAD_MAX_BATCH_SIZE 1000000

/* Limits for untrusted input; 0 means the default. */
struct sheetload_limits {
    uint64_t max_entry_bytes; /* inflated size of one zip entry */
    uint64_t max_total_bytes; /* inflated size of all entries read */
    uint32_t max_ratio;       /* inflated / compressed of one entry */
    uint32_t max_entries;     /* entries in the archive */
    uint32_t max_depth;       /* XML nesting */
    uint64_t max_cell_bytes;  /* one cell's text */
    uint64_t max_sst_bytes;   /* shared strings' text in memory */
    uint32_t max_fields;      /* fields in one CSV row (0 = 16384, Excel's columns) */
    uint64_t max_memory;      /* the import's memory budget in bytes (0 = 256 MiB;
                               * SHEETLOAD_MEMORY_UNBOUNDED = none): an .xlsx's shared
                               * strings that do not fit spill to a temporary file */
};
#define SHEETLOAD_MEMORY_UNBOUNDED UINT64_MAX

/* A snapshot of progress, passed to the progress callback (borrowed). */
struct sheetload_progress {
    long long rows_done; /* rows accounted for (inserted+rejected+blank) */
    long long rows_inserted;
    long long rows_rejected;
    long long bytes_read;  /* of the input file (compressed for xlsx) */
    long long bytes_total; /* size of the input file */
    double elapsed_s;
    double rows_per_s;
    double percent;      /* 0..100 by bytes read; -1 unknown */
    long long import_id; /* the ledger's id of this import; 0 in a dry run */
};

/* A stop handle (opaque), the in-process way to cancel: sheetload_stop()
 * stops every import it was given to (opts.stop), and the handles made
 * from it. (sheetload_cancel() below asks an import by its ledger id,
 * wherever it runs.) The stop is clean: batches in
 * flight commit or roll back whole, statements waiting in the database are
 * interrupted, the import's statistics say how far it got. All functions
 * are thread-safe; sheetload_stop is not async-signal-safe (a signal
 * handler wakes a thread that calls it). */
struct sheetload_stop;
/* A new handle, cancelled with parent (NULL: none); NULL when out of
 * memory. A child of a cancelled parent starts cancelled. */
struct sheetload_stop *sheetload_stop_new(struct sheetload_stop *parent);
/* Cancels c and its children. Idempotent. */
void sheetload_stop(struct sheetload_stop *c);
/* 1 once c (or a parent of it) was cancelled, else 0. */
int sheetload_stopped(struct sheetload_stop *c);
/* Frees c; the imports given it must have returned. Children may outlive
 * it (they can no longer be cancelled through it). */
void sheetload_stop_free(struct sheetload_stop *c);

/* Where the header is (sheetload_opts.header_row). */
#define SHEETLOAD_HEADER_AUTO 0  /* found among the first rows (the default) */
#define SHEETLOAD_HEADER_NONE -1 /* no header: every row is data */
#define SHEETLOAD_HEADER_SCAN 20 /* rows looked at to find it */

struct sheetload_opts {
    const char *file;         /* path of the .xlsx/.csv; required */
    const char *display_name; /* name to report (an upload's name); NULL = file */
    const char *db;           /* target; NULL: $DATABASE_URL, else sqlite:businesses.db */
    const char *table;        /* NULL = the default table "businesses" */
    const char *columns;      /* "a,b,c": map cells by position, not by header */
    long long header_row;     /* 1-based row of the header, or SHEETLOAD_HEADER_AUTO/_NONE */
    const char *map;          /* "Header cell=column,...": the user's matches (an empty
                               * column ignores that cell); also one per line */
    const char *map_file;     /* a file of "Header cell=column" lines ('#' comments) */
    const char *encoding;     /* CSV text encoding for iconv (cp1252, macintosh, ...);
                               * NULL = UTF-8, or what a byte-order mark says */
    const char *sheet;        /* name or 1-based number; NULL = first sheet */
    int method;               /* enum sheetload_method */
    int workers;              /* writer connections; 0 = default */
    int batch_size;           /* rows per batch; 0 = default */
    char delimiter;           /* CSV delimiter; 0 = detect */
    const char *rejects_path; /* NULL = NAME.rejects.csv beside the input */
    long long max_errors;     /* stop after this many rejects; 0 = no limit */
    long long max_rows;       /* SHEETLOAD_ELIMIT past this many data rows; 0 = no limit */
    double timeout_s;         /* deadline for the whole import; 0 = none */
    int dry_run;              /* read, convert, validate; write nothing */
    int indexes;              /* enum sheetload_indexes */
    int force;                /* import even if this file was imported */
    int restart;              /* abandon an unfinished import of this file */
    long long resume_id;      /* resume this import; 0 = automatic */
    int wait;                 /* another run is importing this very file:
                               * wait for it to end, then end as the ledger
                               * says (else SHEETLOAD_EBUSY at once) */
    const char *node;         /* this runner's name in the ledger (a serve
                               * node's); NULL = none */
    long long parent_id;      /* a follow-up of this import (fixed rejects); recorded
                               * in the ledger; 0 = none */
    struct sheetload_limits limits;
    const char *tmp_dir;         /* where a shared-strings spill goes; NULL = $TMPDIR, else /tmp */
    struct sheetload_stop *stop; /* borrowed; NULL = none; sheetload_stop(stop) stops the import */
    void (*progress)(const struct sheetload_progress *p, void *arg);
    void *progress_arg; /* called from one thread, ~4 times a second */
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
    int column;    /* index into the target columns; -1 = none */
    int how;       /* enum sheetload_match_how */
    char why[160]; /* one line for people: "'Tel.' is a synonym of 'phone'" */
};

/* The matcher every front end uses: header cells (UTF-8, borrowed) against
 * target columns (NULL = the businesses model's name, category, phone,
 * email, address, city, country, website, description), with the user's map
 * (NULL = none; the syntax of sheetload_opts.map). Fills out[0..ncells).
 * Returns the number of distinct columns named (>= 0), or a negative code
 * with err filled when the map is malformed or names an unknown column. */
int sheetload_match_header(const char *const *cells, size_t ncells, const char *const *columns,
                           size_t ncolumns, const char *map, struct sheetload_match *out,
                           struct sheetload_error *err);

/* What an import decided about one header cell (statistics). */
#define SHEETLOAD_MAX_REPORTED_CELLS 64
struct sheetload_header_cell {
    int col;         /* 1-based sheet column */
    int how;         /* enum sheetload_match_how */
    char text[64];   /* the cell (cut to fit) */
    char column[64]; /* the target column; "" = ignored */
};

/* Who holds the claim on a file being imported right now (SHEETLOAD_EBUSY). */
struct sheetload_holder {
    long long import_id; /* its ledger id; 0 = not recorded yet */
    char started[40];    /* UTC, as the ledger has it */
    char host[64];
    long pid;
    char node[64]; /* "" = not a serve node */
};

struct sheetload_stats {
    long long total_records; /* = success_count + error_count + skipped_blank */
    long long success_count; /* rows inserted */
    long long error_count;   /* rows rejected */
    long long skipped_blank; /* rows with every cell empty */
    double duration_s;
    double records_per_second;
    char method[16];
    int workers;
    int batch_size;
    char file[512];   /* display name */
    char sha256[65];  /* of the input file, hex */
    char target[512]; /* the target, password removed */
    char table[128];
    char rejects_path[512];    /* "" when nothing was rejected */
    long long import_id;       /* ledger id; 0 with --dry-run; with SHEETLOAD_EEXISTS the
                                * import that already loaded the file */
    long long batches_skipped; /* batches already in the ledger (resume) */
    int resumed;
    int cancelled;           /* stopped by cancel, deadline or max-errors */
    long long header_row;    /* the header's row; 0 = none (data from the first row) */
    long long skipped_above; /* rows above the header, skipped (not in total_records) */
    char encoding[32];       /* CSV: the encoding read ("UTF-8", "UTF-16LE", "CP1252") */
    int nheader_cells;       /* header cells reported below (at most the max) */
    struct sheetload_header_cell header_cells[SHEETLOAD_MAX_REPORTED_CELLS];
    struct sheetload_error err;     /* why the import stopped, when it did */
    struct sheetload_holder holder; /* SHEETLOAD_EBUSY: the running import */
};

/* Imports opts->file. Returns 0 when every row was accounted for (some may
 * be rejected), else a negative code with stats->err filled. Only one run
 * imports a given (file content, table, sheet) at a time: when another
 * holds it, SHEETLOAD_EBUSY with stats->holder filled (or, with opts->wait, after
 * it ended: as the ledger says; SHEETLOAD_EEXISTS when it completed); stats are
 * always filled as far as the import got, and the database then holds
 * exactly stats->success_count new rows of this import. */
int sheetload_import(const struct sheetload_opts *opts, struct sheetload_stats *stats);

/* Asks import `id` in the ledger of db (as sheetload_opts.db) to stop,
 * wherever it runs (another process, another server): sets its cancel
 * flag, which the run that holds it reads with every batch it commits and
 * at least once a second; it then stops cleanly and is recorded as
 * 'cancelled'. 0 when the import exists: status (cap bytes, may be NULL)
 * gets its status before the request ("running" = asked to stop; any other
 * = it had ended, nothing was changed). SHEETLOAD_ENOTFOUND when there is none. */
int sheetload_cancel(const char *db, long long id, char *status, size_t cap,
                     struct sheetload_error *err);

/* Writes stats as the JSON object the tutorial's ImportStats uses, plus our
 * fields, into buf (NUL-terminated, truncated to cap). Returns the length
 * it needed. */
size_t sheetload_stats_json(const struct sheetload_stats *stats, char *buf, size_t cap);

/* ---- reading a spreadsheet without importing it (sheetload cat): the
 * rows exactly as the importer sees them ---- */

enum sheetload_cell_kind {
    SHEETLOAD_CELL_EMPTY = 0, /* no value: missing, empty string, no cached result */
    SHEETLOAD_CELL_STRING,
    SHEETLOAD_CELL_NUMBER,
    SHEETLOAD_CELL_DATE, /* date, date-time or time, rendered as ISO 8601 text */
    SHEETLOAD_CELL_BOOL,
    SHEETLOAD_CELL_ERROR, /* #N/A, #DIV/0!, ... */
};

struct sheetload_cell {
    const char *text; /* NUL-terminated UTF-8 (may contain U+0000 in xlsx: use len) */
    size_t len;
    int kind; /* enum sheetload_cell_kind */
};

/* One source row. cells[0] is column A (or the first CSV field). ncells is
 * the last column with a value + 1 (xlsx; trailing empty cells dropped) or
 * the number of fields (CSV). */
struct sheetload_row {
    long long num; /* 1-based row number in the source */
    size_t ncells;
    const struct sheetload_cell *cells;
};

/* All-zero means the defaults. Pointers are borrowed for the open call. */
struct sheetload_read_opts {
    const char *sheet;    /* xlsx, xls: name or 1-based number; NULL = the first */
    char delimiter;       /* csv: 0 = detect among , ; TAB */
    const char *encoding; /* csv: iconv name; NULL = UTF-8 (a BOM decides anyway) */
    struct sheetload_limits limits;
};

struct sheetload_reader;
/* Opens path ("-" = standard input) by its content: .xlsx, .xls or CSV;
 * anything else is SHEETLOAD_EFORMAT with a message saying what it is.
 * 0 or a negative code with err filled. */
int sheetload_reader_open(struct sheetload_reader **out, const char *path,
                          const struct sheetload_read_opts *opts, struct sheetload_error *err);
/* 1 = a row in *row (its cells borrowed until the next call or close);
 * 0 = the end of the sheet; < 0 = an error (err filled: file, sheet, row,
 * column). Rows that hold no cell may be skipped: use row->num. */
int sheetload_reader_next(struct sheetload_reader *r, struct sheetload_row *row,
                          struct sheetload_error *err);
/* The sheets in workbook order (CSV: one, the file's base name); borrowed. */
size_t sheetload_reader_sheet_count(const struct sheetload_reader *r);
const char *sheetload_reader_sheet_name(const struct sheetload_reader *r, size_t i);
void sheetload_reader_close(struct sheetload_reader *r);

/* What a file is, by its first bytes: the one content sniffer, which the
 * importer, cat and the upload service use alike. */
enum sheetload_format {
    SHEETLOAD_FORMAT_UNKNOWN = 0, /* refused: why says what it is */
    SHEETLOAD_FORMAT_XLSX,
    SHEETLOAD_FORMAT_CSV,
    SHEETLOAD_FORMAT_XLS,
};
/* The most leading bytes sheetload_sniff looks at. */
#define SHEETLOAD_SNIFF_BYTES 4096
/* The format of a file whose first n bytes are head (all of them, or
 * SHEETLOAD_SNIFF_BYTES), or SHEETLOAD_FORMAT_UNKNOWN with why (cap bytes,
 * may be NULL) saying what it is: "a PDF document, not a spreadsheet; ...".
 * name (may be NULL): the name the file came with; a name that claims a
 * workbook (.xlsx, .xlsm, .xls) must hold one. encoding (may be NULL): the
 * user's word on a CSV's text encoding. */
int sheetload_sniff(const void *head, size_t n, const char *name, const char *encoding, char *why,
                    size_t cap);

/* ---- questions to a database (each opens and closes its own connection;
 * db as in sheetload_opts: NULL = $DATABASE_URL, else the default) ---- */

/* 0 when the database answers, else SHEETLOAD_EDBCONN (or another code)
 * with err filled. */
int sheetload_ping(const char *db, struct sheetload_error *err);

/* What the import ledger (sheetload_imports, sheetload_batches) says about
 * one import. Empty strings mean "not known". */
struct sheetload_import_info {
    long long id;
    char status[16]; /* running, completed, failed, cancelled, abandoned */
    char method[16];
    char file[512]; /* the name it was imported under */
    char started_at[40];
    char finished_at[40]; /* "" while running */
    char table[128];
    long long total_records, success_count, error_count, skipped_blank; /* at its end */
    long long rows_done, rows_inserted, rows_rejected;                  /* batches so far */
    char message[1024]; /* why it failed or stopped */
};
/* Fills info for import id; SHEETLOAD_ENOTFOUND when the ledger has none. */
int sheetload_import_info(const char *db, long long id, struct sheetload_import_info *info,
                          struct sheetload_error *err);
/* Writes import id's rejected rows to out, in the rejects file's format:
 * a header line "row,reason,sqlstate" (the ledger does not keep the file's
 * column names), then one line per row in row order: its number, why, the
 * SQLSTATE when the database refused it, and its cells as they were read.
 * *rows (may be NULL) = rows written. SHEETLOAD_ENOTFOUND for no import id. */
int sheetload_import_rejects(const char *db, long long id, FILE *out, long long *rows,
                             struct sheetload_error *err);
/* The target as shown to people (db as above, resolved; a password
 * removed) into out (NUL-terminated, cut to cap). */
void sheetload_target_shown(const char *db, char *out, size_t cap);
/* Drops table (DROP TABLE IF EXISTS). With only_if_empty, a table that
 * holds rows stays: SHEETLOAD_EEXISTS, *rows = how many. */
int sheetload_drop_table(const char *db, const char *table, int only_if_empty, long long *rows,
                         struct sheetload_error *err);

/* Writes the libraries the import runs with (databases, readers, JSON), as
 * loaded at run time, one "name version" line each ("libpq 15.10\nSQLite
 * 3.40.1\n..."), into buf (NUL-terminated, truncated to cap). Returns the
 * length it needed; 0 when out of memory. For --version and bug reports. */
size_t sheetload_versions(char *buf, size_t cap);

/* ---- for front ends: preview, follow-ups, history ------------------------ */

/* What an import would do, before anything is written. Pointers borrowed. */
struct sheetload_preview_opts {
    const char *file;         /* required */
    const char *display_name; /* NULL = file */
    const char *db;           /* target; read only to learn a --table's columns */
    const char *table;        /* NULL = businesses */
    const char *sheet;        /* name or 1-based number; NULL = first */
    const char *columns;      /* the mapping to check, as opts.columns ("a,,c": one
                               * name or nothing per sheet column); NULL = suggest */
    int rows;                 /* data rows returned; 0 = 20 */
    int problems;             /* rejected rows returned; 0 = 10 */
    struct sheetload_limits limits;
    struct sheetload_stop *stop; /* borrowed; NULL = none; stops the dry run */
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
                      struct sheetload_error *err);

/* Writes rows of cells as a CSV file at path whose first line names the
 * columns, for sheetload_import with .columns = the same names joined by
 * commas and .header_row = 1 (a follow-up import of fixed rows). cells
 * holds nrows * ncols strings, row by row (NULL = empty). */
int sheetload_rows_file(const char *path, const char *const *columns, size_t ncols,
                        const char *const *cells, size_t nrows, struct sheetload_error *err);

/* The newest imports of the ledger in db (NULL: $DATABASE_URL, else the
 * default), newest first, at most limit: a new JSON array (sheetload_free)
 * of {"id", "parent_id", "status", "method", "file", "table", "started_at",
 * "finished_at", "total_records", "success_count", "error_count",
 * "skipped_blank", "error"}. An empty ledger (or none yet) is "[]". */
int sheetload_history(const char *db, int limit, char **json, struct sheetload_error *err);

/* The rejected rows of import id: a new JSON array (sheetload_free) of
 * {"row", "reason", "sqlstate"}, by row. SHEETLOAD_ENOTFOUND for an unknown id. */
int sheetload_rejects_list(const char *db, long long id, char **json, struct sheetload_error *err);

/* Frees what the calls above returned. */
void sheetload_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
