/* gen_xlsx.c - the shared-strings xlsx of 'sheetload gen', streamed.
 *
 * Why not libxlsxwriter here: in the mode that writes a shared-strings
 * table (as Excel does: every distinct text in sharedStrings.xml, the shape
 * issue 18 is about) it keeps every cell in memory until workbook_close,
 * about 160 bytes a cell: 1.5 GB for 1M rows x 9 columns, 5 GB for 1M x 30.
 * Its constant_memory mode writes inline strings only (cmd_gen.c uses it
 * for --inline-strings), and it has no option between the two. This file
 * is the test-data generator, not the product, so it writes the few parts
 * itself: sheet1.xml and sharedStrings.xml byte for byte as libxlsxwriter
 * 1.1.4 writes them for the same cells (same string indexes, spans, and
 * dimension; t_gen compares them), the other parts as constants (no theme:
 * no reader needs one), and libzip assembles the archive (deflate, zip64
 * when a part needs it).
 *
 * Streaming. The two large parts are libzip source callbacks, read by
 * zip_close in the order they were added, each to its end before the next
 * is opened:
 * - sheet1.xml makes its rows as libzip reads it, 16 sheet rows at a time
 *   (libxlsxwriter's spans attribute covers blocks of 16 rows), giving each
 *   text its shared-string index: a text of the nine columns seen before
 *   gets its first index back from `texts` (a hash set of the distinct
 *   texts of the nine columns: its memory grows with them, about 150 MiB
 *   at 1M rows, against libxlsxwriter's 1.5 GB); a note column's text is
 *   new by construction (sl_gen_note: distinct per cell, never a text of
 *   the nine columns) and is never looked up, so the note columns cost no
 *   memory however many there are. Every new text's <si> is appended to a
 *   temporary file (unlinked at once).
 * - sharedStrings.xml, added after the sheet, is its header (count and
 *   uniqueCount, known once the sheet is read) followed by that file.
 * Memory is then the text set plus a block of rows, whatever the columns. */
#include "cli/gen_xlsx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "cli/gen_data.h"

#define FIXED_MTIME   1704067200 /* 2024-01-01T00:00:00Z, as the core properties say */
#define LEVEL         6          /* deflate level: zlib's default, as libxlsxwriter's */
#define CHUNK         (4u << 20) /* text set arena chunk */
#define SST_BUF       (1u << 20)
#define ROWS_PER_SPAN 16

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS_MAIN  "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL   "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG   "http://schemas.openxmlformats.org/package/2006"
#define CT       "application/vnd.openxmlformats-"

/* ---- the constant parts (as libxlsxwriter writes them, less the theme) ---- */

static const char content_types[] = XML_DECL
    "<Types xmlns=\"" NS_PKG "/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"" CT "package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/docProps/app.xml\" ContentType=\"" CT
    "officedocument.extended-properties+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" ContentType=\"" CT "package.core-properties+xml\"/>"
    "<Override PartName=\"/xl/styles.xml\" ContentType=\"" CT
    "officedocument.spreadsheetml.styles+xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" CT
    "officedocument.spreadsheetml.sheet.main+xml\"/>"
    "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"" CT
    "officedocument.spreadsheetml.worksheet+xml\"/>"
    "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"" CT
    "officedocument.spreadsheetml.sharedStrings+xml\"/></Types>";

static const char root_rels[] =
    XML_DECL "<Relationships xmlns=\"" NS_PKG "/relationships\">"
             "<Relationship Id=\"rId1\" Type=\"" NS_REL "/officeDocument\" "
             "Target=\"xl/workbook.xml\"/>"
             "<Relationship Id=\"rId2\" Type=\"" NS_PKG "/relationships/metadata/"
             "core-properties\" Target=\"docProps/core.xml\"/>"
             "<Relationship Id=\"rId3\" Type=\"" NS_REL "/extended-properties\" "
             "Target=\"docProps/app.xml\"/></Relationships>";

static const char workbook_rels[] =
    XML_DECL "<Relationships xmlns=\"" NS_PKG "/relationships\">"
             "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" "
             "Target=\"worksheets/sheet1.xml\"/>"
             "<Relationship Id=\"rId2\" Type=\"" NS_REL "/styles\" Target=\"styles.xml\"/>"
             "<Relationship Id=\"rId3\" Type=\"" NS_REL "/sharedStrings\" "
             "Target=\"sharedStrings.xml\"/></Relationships>";

static const char workbook[] =
    XML_DECL "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
             "<fileVersion appName=\"xl\" lastEdited=\"4\" lowestEdited=\"4\" rupBuild=\"4505\"/>"
             "<workbookPr defaultThemeVersion=\"124226\"/><bookViews><workbookView "
             "xWindow=\"240\" yWindow=\"15\" windowWidth=\"16095\" windowHeight=\"9660\"/>"
             "</bookViews><sheets><sheet name=\"Businesses\" sheetId=\"1\" r:id=\"rId1\"/>"
             "</sheets><calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>";

static const char styles[] =
    XML_DECL "<styleSheet xmlns=\"" NS_MAIN "\"><fonts count=\"1\"><font><sz val=\"11\"/>"
             "<color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/>"
             "<scheme val=\"minor\"/></font></fonts><fills count=\"2\"><fill>"
             "<patternFill patternType=\"none\"/></fill><fill>"
             "<patternFill patternType=\"gray125\"/></fill></fills><borders count=\"1\">"
             "<border><left/><right/><top/><bottom/><diagonal/></border></borders>"
             "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
             "borderId=\"0\"/></cellStyleXfs><cellXfs count=\"1\"><xf numFmtId=\"0\" "
             "fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>"
             "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/>"
             "</cellStyles><dxfs count=\"0\"/><tableStyles count=\"0\" "
             "defaultTableStyle=\"TableStyleMedium9\" defaultPivotStyle=\"PivotStyleLight16\"/>"
             "</styleSheet>";

static const char core[] =
    XML_DECL "<cp:coreProperties xmlns:cp=\"" NS_PKG "/metadata/core-properties\" "
             "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
             "xmlns:dcterms=\"http://purl.org/dc/terms/\" "
             "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
             "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
             "<dc:title>Business directory</dc:title><dc:creator>sheetload gen</dc:creator>"
             "<cp:lastModifiedBy>sheetload gen</cp:lastModifiedBy>"
             "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-01-01T00:00:00Z"
             "</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">"
             "2024-01-01T00:00:00Z</dcterms:modified></cp:coreProperties>";

static const char app[] =
    XML_DECL "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
             "extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/"
             "officeDocument/2006/docPropsVTypes\"><Application>Microsoft Excel</Application>"
             "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs>"
             "<vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets"
             "</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector>"
             "</HeadingPairs><TitlesOfParts><vt:vector size=\"1\" baseType=\"lpstr\">"
             "<vt:lpstr>Businesses</vt:lpstr></vt:vector></TitlesOfParts><Company></Company>"
             "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
             "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
             "</Properties>";

/* ---- the distinct texts of the nine columns -------------------------------- */

struct text {
    const char *s;
    uint32_t len, idx;
};

/* Open addressing: slot = hash's high 32 bits << 32 | (entry number + 1),
 * 0 free; at most half full. Texts live in CHUNK-sized arena chunks. */
struct texts {
    uint64_t *slot;
    size_t mask;
    struct text *e;
    size_t n, cap;
    char **chunk;
    size_t nchunk, used; /* bytes used in the last chunk */
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static int texts_rehash(struct texts *t)
{
    size_t slots = t->mask ? 2 * (t->mask + 1) : 1u << 16;
    uint64_t *slot = sl_calloc(slots, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; t->mask && i <= t->mask; i++) {
        if (!t->slot[i])
            continue;
        size_t j = (size_t)(t->slot[i] >> 32) & (slots - 1);
        while (slot[j])
            j = (j + 1) & (slots - 1);
        slot[j] = t->slot[i];
    }
    sl_free(t->slot);
    t->slot = slot;
    t->mask = slots - 1;
    return 0;
}

/* A copy of s[0..n) in the arena, or NULL. */
static const char *texts_keep(struct texts *t, const char *s, size_t n)
{
    if (!t->nchunk || t->used + n > CHUNK) {
        char **c = sl_realloc(t->chunk, (t->nchunk + 1) * sizeof *c);
        if (!c)
            return NULL;
        t->chunk = c;
        if (!(c[t->nchunk] = sl_malloc(CHUNK > n ? CHUNK : n)))
            return NULL;
        t->nchunk++;
        t->used = 0;
    }
    char *p = t->chunk[t->nchunk - 1] + t->used;
    memcpy(p, s, n);
    t->used += n;
    return p;
}

/* The index of s if seen before (1), else adds it with index idx (0);
 * -1 out of memory. */
static int texts_find_add(struct texts *t, const char *s, size_t n, uint32_t idx, uint32_t *found)
{
    if (2 * (t->n + 1) > t->mask + 1 && texts_rehash(t))
        return -1;
    uint64_t h = hash(s, n) >> 32;
    size_t j = (size_t)h & t->mask;
    for (; t->slot[j]; j = (j + 1) & t->mask) {
        const struct text *e = &t->e[(uint32_t)t->slot[j] - 1];
        if (t->slot[j] >> 32 == h && e->len == n && !memcmp(e->s, s, n)) {
            *found = e->idx;
            return 1;
        }
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 4096;
        struct text *e = sl_realloc(t->e, cap * sizeof *e);
        if (!e)
            return -1;
        t->e = e;
        t->cap = cap;
    }
    const char *kept = texts_keep(t, s, n);
    if (!kept)
        return -1;
    t->e[t->n] = (struct text){kept, (uint32_t)n, idx};
    t->slot[j] = h << 32 | (uint64_t)(t->n + 1);
    t->n++;
    return 0;
}

static void texts_free(struct texts *t)
{
    for (size_t i = 0; i < t->nchunk; i++)
        sl_free(t->chunk[i]);
    sl_free(t->chunk);
    sl_free(t->e);
    sl_free(t->slot);
}

/* ---- the writer's state ------------------------------------------------------ */

struct writer {
    struct sl_gen_shape shape;
    struct sl_gen_iter it;
    int rows_done;   /* the iterator is at its end */
    int sheet_state; /* 0 header to write, 1 rows, 2 footer written */
    long long block; /* the next block of ROWS_PER_SPAN sheet rows */
    struct sl_buf out;
    size_t out_pos;
    struct sl_buf cells; /* one block's cells, row by row */
    struct texts texts;
    FILE *sst;        /* the <si> elements, in index order */
    uint64_t count;   /* string cells */
    uint32_t unique;  /* strings in sst */
    int sst_state;    /* 0 header to write, 1 body, 2 footer written */
    int err;          /* errno of the first failure, or -1: out of memory */
    zip_error_t zerr; /* what libzip is told */
};

static int fail(struct writer *w, int e)
{
    if (!w->err)
        w->err = e ? e : -1;
    zip_error_set(&w->zerr, e > 0 ? ZIP_ER_WRITE : ZIP_ER_MEMORY, e > 0 ? e : 0);
    return -1;
}

void sl_gen_col_name(int c, char out[4])
{
    char t[4];
    int n = 0;
    for (c++; c > 0 && n < 3; c = (c - 1) / 26)
        t[n++] = (char)('A' + (c - 1) % 26);
    for (int i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    out[n] = '\0';
}

/* Decimal digits of v at p; returns the end. */
static char *put_u(char *p, unsigned long long v)
{
    char t[24];
    int n = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *p++ = t[--n];
    return p;
}

/* The text as an <si>, escaped as libxlsxwriter escapes (& < >), with
 * xml:space="preserve" when it begins or ends with white space. */
static void sst_put(struct writer *w, const char *s, size_t n)
{
    int keep = n && (strchr(" \t\n\v\f\r", s[0]) || strchr(" \t\n\v\f\r", s[n - 1]));
    fputs(keep ? "<si><t xml:space=\"preserve\">" : "<si><t>", w->sst);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : 0;
        if (!esc)
            continue;
        fwrite(s + from, 1, i - from, w->sst);
        fputs(esc, w->sst);
        from = i + 1;
    }
    fwrite(s + from, 1, n - from, w->sst);
    fputs("</t></si>", w->sst);
}

/* The shared-string index of a text; a note's text (is_note) is new. */
static int string_index(struct writer *w, const char *s, size_t n, int is_note, uint32_t *idx)
{
    w->count++;
    if (!is_note) {
        int r = texts_find_add(&w->texts, s, n, w->unique, idx);
        if (r < 0)
            return fail(w, ENOMEM);
        if (r > 0)
            return 0;
    }
    *idx = w->unique++;
    sst_put(w, s, n);
    return 0;
}

/* ---- sheet1.xml ---------------------------------------------------------------- */

struct span {
    int lo, hi; /* 0-based columns, lo > hi: no cell yet */
};

static char *put_s(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static int add_cell(struct writer *w, long long r, int c, const char *s, size_t n, int is_note,
                    struct span *sp)
{
    uint32_t idx = 0;
    if (string_index(w, s, n, is_note, &idx))
        return -1;
    char cell[64], col[4], *p = cell;
    sl_gen_col_name(c, col);
    p = put_s(p, "<c r=\"");
    p = put_s(p, col);
    p = put_u(p, (unsigned long long)r);
    p = put_s(p, "\" t=\"s\"><v>");
    p = put_u(p, idx);
    p = put_s(p, "</v></c>");
    sp->lo = c < sp->lo ? c : sp->lo;
    sp->hi = c > sp->hi ? c : sp->hi;
    return sl_buf_add(&w->cells, cell, (size_t)(p - cell)) ? fail(w, ENOMEM) : 0;
}

/* The cells of sheet row r into w->cells: the header (r == 1) or it.row. */
static int row_cells(struct writer *w, long long r, struct span *sp)
{
    char t[40];
    for (int c = 0; c < SL_GEN_NCOLS; c++) {
        const char *s = r == 1 ? sl_gen_header[c] : w->it.row.field[c];
        size_t n = r == 1 ? strlen(s) : w->it.row.len[c];
        if (n && add_cell(w, r, c, s, n, 0, sp)) /* an empty cell is no cell */
            return -1;
    }
    for (int c = SL_GEN_NCOLS; c < w->shape.columns; c++) {
        size_t n = sl_gen_note(w->shape.seed, r == 1 ? -1 : r - 2, c, t);
        if (add_cell(w, r, c, t, n, r != 1, sp))
            return -1;
    }
    return 0;
}

struct row_at {
    long long r;
    size_t from, to; /* its cells in w->cells */
};

/* The next block of 16 sheet rows into w->out: 1, or 0 when no rows are
 * left, or -1. */
static int sheet_block(struct writer *w)
{
    long long first = w->block * ROWS_PER_SPAN + 1;
    struct span sp = {1 << 30, -1};
    struct row_at row[ROWS_PER_SPAN];
    int nrow = 0;
    sl_buf_reset(&w->cells);
    for (long long r = first; r < first + ROWS_PER_SPAN && !w->rows_done; r++) {
        if (r > 1 && !sl_gen_iter_next(&w->it)) {
            w->rows_done = 1;
            break;
        }
        size_t from = w->cells.len;
        if (row_cells(w, r, &sp))
            return -1;
        if (w->cells.len > from) /* a blank row (no cell) is no row */
            row[nrow++] = (struct row_at){r, from, w->cells.len};
    }
    w->block++;
    for (int i = 0; i < nrow; i++) {
        sl_buf_addf(&w->out, "<row r=\"%lld\" spans=\"%d:%d\">", row[i].r, sp.lo + 1, sp.hi + 1);
        sl_buf_add(&w->out, w->cells.data + row[i].from, row[i].to - row[i].from);
        sl_buf_addstr(&w->out, "</row>");
    }
    if (w->out.err)
        return fail(w, ENOMEM);
    return nrow > 0 || !w->rows_done;
}

/* The next piece of sheet1.xml into w->out: 1, or 0 at its end, or -1. */
static int sheet_produce(struct writer *w)
{
    char col[4];
    int more = 0;
    switch (w->sheet_state) {
    case 0:
        sl_gen_col_name(w->shape.columns - 1, col);
        sl_buf_addf(&w->out,
                    XML_DECL "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
                             "<dimension ref=\"A1:%s%lld\"/><sheetViews><sheetView "
                             "tabSelected=\"1\" workbookViewId=\"0\"/></sheetViews>"
                             "<sheetFormatPr defaultRowHeight=\"15\"/><sheetData>",
                    col, w->shape.rows + 1);
        w->sheet_state = 1;
        break;
    case 1:
        while ((more = sheet_block(w)) > 0 && w->out.len < (1u << 16))
            ;
        if (more < 0)
            return -1;
        if (more)
            break;
        sl_buf_addstr(&w->out, "</sheetData><pageMargins left=\"0.7\" right=\"0.7\" "
                               "top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>"
                               "</worksheet>");
        w->sheet_state = 2;
        break;
    default:
        return 0;
    }
    return w->out.err ? fail(w, ENOMEM) : 1;
}

/* ---- sharedStrings.xml ------------------------------------------------------------ */

/* The next piece of sharedStrings.xml into w->out: 1, or 0 at its end, or -1. */
static int sst_produce(struct writer *w)
{
    if (w->sst_state == 0) {
        if (w->sheet_state != 2) /* libzip reads the parts in order: never here */
            return fail(w, EINVAL);
        if (fflush(w->sst) || ferror(w->sst) || fseek(w->sst, 0, SEEK_SET))
            return fail(w, errno ? errno : EIO);
        sl_buf_addf(&w->out,
                    XML_DECL "<sst xmlns=\"" NS_MAIN "\" count=\"%llu\" uniqueCount=\"%u\">",
                    (unsigned long long)w->count, w->unique);
        w->sst_state = 1;
        return w->out.err ? fail(w, ENOMEM) : 1;
    }
    if (w->sst_state == 1) {
        if (sl_buf_grow(&w->out, SST_BUF))
            return fail(w, ENOMEM);
        size_t k = fread(w->out.data, 1, SST_BUF, w->sst);
        w->out.len = k;
        if (k == 0 && ferror(w->sst))
            return fail(w, errno ? errno : EIO);
        if (k == 0) {
            sl_buf_addstr(&w->out, "</sst>");
            w->sst_state = 2;
        }
        return w->out.err ? fail(w, ENOMEM) : 1;
    }
    return 0;
}

/* ---- the libzip sources --------------------------------------------------------------- */

struct source {
    struct writer *w;
    int (*produce)(struct writer *w);
};

static zip_int64_t source_read(struct source *s, void *data, zip_uint64_t len)
{
    struct writer *w = s->w;
    if (w->out_pos == w->out.len) {
        sl_buf_reset(&w->out);
        w->out_pos = 0;
        while (!w->out.len) {
            int r = s->produce(w);
            if (r <= 0)
                return r; /* the end of the part, or an error */
        }
    }
    size_t n = w->out.len - w->out_pos;
    n = n < len ? n : (size_t)len;
    memcpy(data, w->out.data + w->out_pos, n);
    w->out_pos += n;
    return (zip_int64_t)n;
}

static zip_int64_t source_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    struct source *s = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
        return 0;
    case ZIP_SOURCE_READ:
        return source_read(s, data, len);
    case ZIP_SOURCE_STAT: {
        if (len < sizeof(zip_stat_t))
            return -1;
        zip_stat_t *st = data;
        zip_stat_init(st);
        st->mtime = FIXED_MTIME;
        st->valid |= ZIP_STAT_MTIME;
        return sizeof *st;
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&s->w->zerr, data, len);
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              -1);
    default:
        zip_error_set(&s->w->zerr, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/* ---- the archive ------------------------------------------------------------------------ */

static int add_part(zip_t *za, const char *name, zip_source_t *src)
{
    if (!src)
        return -1;
    zip_int64_t i = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8);
    if (i < 0) {
        zip_source_free(src);
        return -1;
    }
    if (zip_set_file_compression(za, (zip_uint64_t)i, ZIP_CM_DEFLATE, LEVEL) ||
        zip_file_set_mtime(za, (zip_uint64_t)i, FIXED_MTIME, 0))
        return -1;
    return 0;
}

#define PART(za, name, text) add_part(za, name, zip_source_buffer(za, text, sizeof text - 1, 0))

static int add_parts(zip_t *za, struct source *sheet, struct source *sst)
{
    return PART(za, "[Content_Types].xml", content_types) || PART(za, "_rels/.rels", root_rels) ||
           PART(za, "xl/_rels/workbook.xml.rels", workbook_rels) ||
           add_part(za, "xl/worksheets/sheet1.xml", zip_source_function(za, source_cb, sheet)) ||
           PART(za, "xl/workbook.xml", workbook) ||
           add_part(za, "xl/sharedStrings.xml", zip_source_function(za, source_cb, sst)) ||
           PART(za, "xl/styles.xml", styles) || PART(za, "docProps/core.xml", core) ||
           PART(za, "docProps/app.xml", app);
}

/* A temporary file in $TMPDIR (else /tmp), already unlinked. */
static FILE *temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/sheetload-gen-sst.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f)
        close(fd);
    return f;
}

static void say(struct writer *w, zip_t *za, char *why, size_t whylen)
{
    if (w->err > 0)
        snprintf(why, whylen, "%s", strerror(w->err));
    else if (w->err)
        snprintf(why, whylen, "out of memory");
    else
        snprintf(why, whylen, "%s", za ? zip_strerror(za) : "cannot create the archive");
}

int sl_gen_xlsx_shared(const struct sl_gen_shape *s, const char *path, FILE *bad_list, char *why,
                       size_t whylen)
{
    struct writer w = {.shape = *s};
    struct source sheet = {&w, sheet_produce}, sst = {&w, sst_produce};
    int rc = -1, zerr = 0;
    zip_t *za = NULL;
    zip_error_init(&w.zerr);
    sl_buf_init(&w.out, 0);
    sl_buf_init(&w.cells, 0);
    sl_gen_iter_init(&w.it, s->seed, s->rows, s->bad, bad_list);
    if (!(w.sst = temp_file())) {
        snprintf(why, whylen, "cannot create a temporary file: %s", strerror(errno));
        goto done;
    }
    setvbuf(w.sst, NULL, _IOFBF, SST_BUF);
    if (!(za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr))) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        snprintf(why, whylen, "%s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto done;
    }
    if (add_parts(za, &sheet, &sst) || zip_close(za)) {
        say(&w, za, why, whylen);
        zip_discard(za);
        goto done;
    }
    rc = 0;
done:
    if (w.sst)
        fclose(w.sst);
    texts_free(&w.texts);
    sl_buf_release(&w.out);
    sl_buf_release(&w.cells);
    zip_error_fini(&w.zerr);
    return rc;
}
