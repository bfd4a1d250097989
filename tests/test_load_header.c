/* test_load_header.c - the header matcher (src/load/header.c) through its
 * public form, sheetload_match_header(), and the normaliser: names with
 * case, spaces, punctuation, accents and units; synonyms of the businesses
 * model only; the user's map first; one cell per column (a better match
 * wins, the same match twice is a duplicate); malformed maps refused. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "load/header.h"
#include "test.h"

static void norm_is(const char *in, const char *want)
{
    char out[SL_HEADER_NORM];
    sl_header_norm(in, strlen(in), out, sizeof out);
    if (strcmp(out, want))
        T_FAIL("norm('%s') = '%s', want '%s'\n", in, out, want);
}

/* Matches cells against the businesses model (or cols); checks that cell i
 * went to want[i] ("" = none) with how[i]. */
static void match_is(const char *const *cells, size_t n, const char *const *cols, size_t ncols,
                     const char *map, const char *const *want, const int *how)
{
    static const char *const biz[] = {"name", "category", "phone",   "email",      "address",
                                      "city", "country",  "website", "description"};
    struct sheetload_match m[16];
    struct sl_error err;
    sl_err_clear(&err);
    int named = sheetload_match_header(cells, n, cols, ncols, map, m, &err);
    if (named < 0)
        T_FAIL("match failed: %s\n", err.msg);
    const char *const *names = cols ? cols : biz;
    for (size_t i = 0; i < n; i++) {
        const char *got = m[i].column >= 0 ? names[m[i].column] : "";
        if (strcmp(got, want[i]) || m[i].how != how[i])
            T_FAIL("cell '%s': got '%s' (%s), want '%s' (%s); why: %s\n", cells[i], got,
                   sheetload_match_how_name(m[i].how), want[i], sheetload_match_how_name(how[i]),
                   m[i].why);
        if (!m[i].why[0])
            T_FAIL("cell '%s': no reason given\n", cells[i]);
    }
}

enum {
    NONE = SHEETLOAD_MATCH_NONE,
    EMPTY = SHEETLOAD_MATCH_EMPTY,
    NAME = SHEETLOAD_MATCH_NAME,
    SYN = SHEETLOAD_MATCH_SYNONYM,
    USER = SHEETLOAD_MATCH_USER,
    SKIP = SHEETLOAD_MATCH_SKIP,
    TAKEN = SHEETLOAD_MATCH_TAKEN,
    DUP = SHEETLOAD_MATCH_DUPLICATE,
};

int main(void)
{
    norm_is("Company Name", "companyname");
    norm_is("  E-Mail_Address ", "emailaddress");
    norm_is("Weight (kg)", "weightkg");
    norm_is("Name:", "name");
    norm_is("Straße", "strasse");
    norm_is("Œuvre Ærø Øst", "oeuvreaeroost");
    norm_is("Ciudad/Población", "ciudadpoblacion");
    norm_is("Łódź", "lodz");
    norm_is("ИМЯ", "имя");
    norm_is("Phone #", "phone");
    norm_is("\xC3", ""); /* a cut UTF-8 sequence is dropped, not read past */

    {
        const char *cells[] = {"Company Name", "Tel.",        "E-mail Address", "Town", "Web Site",
                               "Phone #",      "City / Town", "Name:",          ""};
        const char *want[] = {"", "", "email", "", "website", "phone", "city", "name", ""};
        const int how[] = {TAKEN, TAKEN, SYN, TAKEN, NAME, NAME, NAME, NAME, EMPTY};
        match_is(cells, 9, NULL, 0, NULL, want, how);
    }
    {
        const char *cells[] = {"Company",  "Sector", "Mobile",   "Mail", "Street",
                               "Locality", "Nation", "Homepage", "Notes"};
        const char *want[] = {"name", "category", "phone",   "email",      "address",
                              "city", "country",  "website", "description"};
        const int how[] = {SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN, SYN};
        match_is(cells, 9, NULL, 0, NULL, want, how);
    }
    {
        /* A table: names with units and punctuation; no synonyms. */
        const char *cols[] = {"id", "weight_kg", "price", "dest_city", "company"};
        const char *cells[] = {"ID", "Weight (kg)", "Price (EUR)", "Dest. City", "Company Name"};
        const char *want[] = {"id", "weight_kg", "price", "dest_city", ""};
        const int how[] = {NAME, NAME, NAME, NAME, NONE};
        match_is(cells, 5, cols, 5, NULL, want, how);
    }
    {
        /* The map first, compared as cells are; 'X=' ignores a cell. */
        const char *cells[] = {"Firma", "Telefon", "Ort", "Phone", "Notizen"};
        const char *want[] = {"name", "phone", "city", "", ""};
        const int how[] = {USER, USER, USER, TAKEN, SKIP};
        match_is(cells, 5, NULL, 0, " FIRMA = name , telefon=phone\nOrt=City,Notizen=", want, how);
    }
    {
        /* The same name twice is a duplicate; a later synonym is taken. */
        const char *cells[] = {"Email", "E-Mail", "Mail"};
        const char *want[] = {"email", "", ""};
        const int how[] = {NAME, DUP, TAKEN};
        match_is(cells, 3, NULL, 0, NULL, want, how);
    }
    {
        /* Two columns that normalise alike: the first in table order. */
        const char *cols[] = {"zeta", "e_mail", "email", "alpha"};
        const char *cells[] = {"E-Mail", "ALPHA", "Zeta"};
        const char *want[] = {"e_mail", "alpha", "zeta"};
        const int how[] = {NAME, NAME, NAME};
        match_is(cells, 3, cols, 4, NULL, want, how);
    }
    {
        /* A wide row: one winner, every other cell a duplicate. */
        enum { WIDE = 16384 };
        static const char *cells[WIDE];
        static struct sheetload_match m[WIDE];
        struct sl_error err;
        sl_err_clear(&err);
        for (size_t i = 0; i < WIDE; i++)
            cells[i] = "Name";
        T_OK(sheetload_match_header(cells, WIDE, NULL, 0, NULL, m, &err) == 1);
        T_OK(m[0].how == NAME && m[0].column == 0);
        T_OK(m[WIDE - 1].how == DUP && m[WIDE - 1].column == -1);
    }
    {
        struct sheetload_match m[2];
        const char *cells[] = {"a", "b"};
        struct sl_error err;
        sl_err_clear(&err);
        T_OK(sheetload_match_header(cells, 2, NULL, 0, "a=nosuch", m, &err) == SL_EINVAL);
        T_OK(strstr(err.msg, "'nosuch', which is not a column") != NULL);
        sl_err_clear(&err);
        T_OK(sheetload_match_header(cells, 2, NULL, 0, "a", m, &err) == SL_EINVAL);
        T_OK(strstr(err.msg, "has no '='") != NULL);
        sl_err_clear(&err);
        T_OK(sheetload_match_header(cells, 2, NULL, 0, "=name", m, &err) == SL_EINVAL);
        sl_err_clear(&err);
        T_OK(sheetload_match_header(cells, 2, NULL, 0, NULL, m, &err) == 0);
    }
    printf("ok test_load_header\n");
    return 0;
}
