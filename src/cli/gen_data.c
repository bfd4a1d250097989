/* gen_data.c - deterministic, realistic business-directory rows (see gen_data.h). */
#include "cli/gen_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const sl_gen_header[SL_GEN_NCOLS] = {
    "name", "category", "phone", "email", "address", "city", "country", "website", "description",
};

static const char *const kind_names[SL_GEN_NKINDS] = {
    "good",        "missing_name", "email_no_at",   "email_two_at",
    "email_space", "email_no_dot", "website_space", "blank",
};

const char *sl_gen_kind_name(int kind)
{
    return kind >= 0 && kind < SL_GEN_NKINDS ? kind_names[kind] : "?";
}

/* ---- random numbers: splitmix64, one stream per row ---------------------- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct rng {
    uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* Uniform in [0, n) (n small: the bias is negligible and deterministic). */
static unsigned rbelow(struct rng *r, unsigned n)
{
    return (unsigned)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

#define PICK(r, arr) ((arr)[rbelow((r), (unsigned)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- word lists ---------------------------------------------------------- */

/* Each category with a noun for business names ("Müller Bakery"). */
static const struct category {
    const char *name, *noun;
} categories[] = {
    {"Restaurant", "Kitchen"},
    {"Café", "Coffee House"},
    {"Bakery", "Bakery"},
    {"Bookshop", "Books"},
    {"Florist", "Flowers"},
    {"Plumbing", "Plumbing"},
    {"Electrician", "Electric"},
    {"Dentist", "Dental Care"},
    {"Pharmacy", "Pharmacy"},
    {"Hair Salon", "Hair Studio"},
    {"Hardware", "Hardware"},
    {"Law Firm", "Legal"},
    {"Accounting", "Accounting"},
    {"Car Repair", "Auto Repair"},
    {"Veterinary", "Animal Clinic"},
    {"Fitness", "Gym"},
    {"Hotel", "Hotel"},
    {"Grocery", "Market"},
    {"Butcher", "Butchery"},
    {"Photography", "Photo Studio"},
    {"Tailor", "Tailoring"},
    {"Optician", "Eyewear"},
    {"Pet Shop", "Pets"},
    {"Travel Agency", "Travel"},
    {"Real Estate", "Realty"},
    {"IT Services", "IT Solutions"},
    {"Printing", "Print Shop"},
    {"Music School", "Music School"},
    {"Brewery", "Brewing Co."},
    {"Dry Cleaning", "Cleaners"},
    {"Toy Store", "Toys"},
    {"Wine Bar", "Wine Bar"},
};

static const char *const surnames[] = {
    "Smith",        "Müller",  "García",      "Sørensen",   "Dubois",    "Nakamura",   "Rossi",
    "Novak",        "O'Brien", "Johansson",   "Kowalski",   "Fernández", "Schäfer",    "Jensen",
    "Papadopoulos", "Yılmaz",  "Nguyen",      "Brown",      "Lefèvre",   "Østergaard", "Wagner",
    "Silva",        "Kim",     "Patel",       "Andersen",   "Moreau",    "Horváth",    "Costa",
    "Dvořák",       "Taylor",  "Łukasiewicz", "Fischer",    "Martin",    "Bianchi",    "Ivanova",
    "Hughes",       "Sato",    "Novotná",     "Zimmermann", "Walsh",
};

static const char *const adjectives[] = {
    "Golden",   "Green", "Blue",    "Little", "Royal",   "Happy",     "Old Town",
    "Northern", "Sunny", "Silver",  "Urban",  "Corner",  "Riverside", "Crown",
    "Bright",   "Maple", "Harbour", "Alpine", "Coastal", "Red",
};

static const char *const suffixes[] = {
    "Ltd", "& Sons", "GmbH", "SARL", "Co.", "Inc.", "& Partners", "AB", "Group", "Studio",
};

struct country {
    const char *name;
    const char *dial;
    const char *tld;
};

static const struct country countries[] = {
    {"United States", "+1", "com"},
    {"Canada", "+1", "ca"},
    {"Mexico", "+52", "mx"},
    {"Brazil", "+55", "com.br"},
    {"Argentina", "+54", "com.ar"},
    {"Chile", "+56", "cl"},
    {"Colombia", "+57", "co"},
    {"Peru", "+51", "pe"},
    {"United Kingdom", "+44", "co.uk"},
    {"Ireland", "+353", "ie"},
    {"France", "+33", "fr"},
    {"Germany", "+49", "de"},
    {"Austria", "+43", "at"},
    {"Switzerland", "+41", "ch"},
    {"Italy", "+39", "it"},
    {"Spain", "+34", "es"},
    {"Portugal", "+351", "pt"},
    {"Netherlands", "+31", "nl"},
    {"Belgium", "+32", "be"},
    {"Luxembourg", "+352", "lu"},
    {"Denmark", "+45", "dk"},
    {"Norway", "+47", "no"},
    {"Sweden", "+46", "se"},
    {"Finland", "+358", "fi"},
    {"Iceland", "+354", "is"},
    {"Poland", "+48", "pl"},
    {"Czechia", "+420", "cz"},
    {"Slovakia", "+421", "sk"},
    {"Hungary", "+36", "hu"},
    {"Romania", "+40", "ro"},
    {"Greece", "+30", "gr"},
    {"Türkiye", "+90", "com.tr"},
    {"Estonia", "+372", "ee"},
    {"Latvia", "+371", "lv"},
    {"Lithuania", "+370", "lt"},
    {"Japan", "+81", "jp"},
    {"South Korea", "+82", "kr"},
    {"China", "+86", "cn"},
    {"India", "+91", "in"},
    {"Vietnam", "+84", "vn"},
    {"Thailand", "+66", "th"},
    {"Singapore", "+65", "sg"},
    {"Australia", "+61", "com.au"},
    {"New Zealand", "+64", "co.nz"},
    {"South Africa", "+27", "co.za"},
    {"Kenya", "+254", "co.ke"},
    {"Nigeria", "+234", "com.ng"},
    {"Morocco", "+212", "ma"},
    {"Egypt", "+20", "eg"},
    {"Israel", "+972", "co.il"},
    {"Côte d'Ivoire", "+225", "ci"},
    {"Réunion", "+262", "re"},
};

static const char *const syllables[] = {
    "ber",   "lin", "ham",  "ton", "ford", "mar", "sel", "vik", "stad", "gå",   "rö",    "mün",
    "ville", "ly",  "on",   "nan", "tes",  "ro",  "ma",  "ka",  "zu",   "no",   "ha",    "ra",
    "el",    "dor", "wick", "bur", "gen",  "sø",  "kø",  "bé",  "ze",   "li",   "ta",    "mo",
    "ven",   "ric", "aix",  "por", "to",   "sa",  "lé",  "ná",  "dal",  "holm", "mouth", "field",
};

static const char *const city_tails[] = {
    "", "", "", "", "", "", " Springs", " Bay", "-sur-Mer", " Heights", "burg", "by", "haven",
};

static const char *const street_names[] = {
    "Main",        "Oak",         "Church",         "Station",  "Market",      "Mill",
    "Park",        "King",        "Queen",          "Bridge",   "Garden",      "Harbour",
    "Lindenallee", "Hauptstraße", "Rue de la Paix", "Via Roma", "Calle Mayor", "Nørregade",
    "Storgatan",   "Elm",         "Cedar",          "Hill",     "Lake",        "Victoria",
};

static const char *const street_kinds[] = {
    "Street", "Avenue", "Road", "Lane", "Boulevard", "Way", "Place", "Drive",
};

static const char *const openings[] = {
    "Family-owned",     "Award-winning", "Friendly",    "Independent",    "Locally loved",
    "Well-established", "Modern",        "Traditional", "Small but busy", "Trusted",
};

static const char *const fragments[] = {
    " business serving the neighbourhood since 1987.",
    " team with a passion for quality.",
    " place known for its \"no surprises\" pricing.",
    " shop, open seven days a week.",
    " service, fast, reliable and fair.",
    " experts with over 20 years of experience.",
    " spot where regulars say the coffee is ☕ perfect.",
    " business with a small terrace, great for families.",
    " team that speaks English, Français and 日本語.",
    " shop with free parking behind the building.",
    " studio, bookings online or by phone.",
    " workshop; repairs usually done within 48 hours.",
    " favourite of tourists and locals alike 🍕.",
    " company, certified and fully insured.",
    " café-style corner with Wi-Fi and vegan options.",
    " business; ask about our loyalty card!",
    " crew, happy to help with special requests.",
    " outlet, prices from €5 to €500.",
    " store with a 100% satisfaction guarantee ✓.",
    " address for crème brûlée, crêpes and more.",
};

static const char *const sentences[] = {
    " Open Monday to Saturday.",
    " Walk-ins welcome, appointments preferred.",
    " Gift vouchers available.",
    " Ask for Zoë or Björn at the front desk.",
    " We deliver within 10 km, free over €50.",
    " Cards, cash and mobile payments accepted.",
    " Closed on public holidays.",
    " Winner of the \"Best in Town\" award, 2019.",
    " Wheelchair accessible, dogs allowed 🐶.",
    " Seasonal menu, local produce.",
};

static const char *const mail_locals[] = {
    "info", "contact", "hello", "office", "sales", "bookings", "team", "mail",
};

/* ---- cities: ~500 names built once from syllables ------------------------ */

#define NCITIES 500
static char cities[NCITIES][40];
static int cities_ready;

static void build_cities(void)
{
    if (cities_ready)
        return;
    struct rng r = {0x5eed0c17ULL};
    for (int i = 0; i < NCITIES; i++) {
        char *c = cities[i];
        size_t n = 0;
        c[0] = '\0';
        unsigned parts = 2 + rbelow(&r, 2);
        for (unsigned p = 0; p < parts; p++) {
            const char *s = PICK(&r, syllables);
            size_t l = strlen(s);
            memcpy(c + n, s, l);
            n += l;
        }
        const char *t = PICK(&r, city_tails);
        size_t l = strlen(t);
        memcpy(c + n, t, l);
        n += l;
        c[n] = '\0';
        if (c[0] >= 'a' && c[0] <= 'z')
            c[0] = (char)(c[0] - 'a' + 'A');
        /* Distinct names: a duplicate gets a Roman-ish numbered suffix. */
        for (int j = 0; j < i; j++)
            if (!strcmp(cities[j], c)) {
                snprintf(c + n, sizeof cities[i] - n, " %c", 'A' + i % 26);
                break;
            }
    }
    cities_ready = 1;
}

/* ---- assembling a row ---------------------------------------------------- */

struct out {
    struct sl_gen_row *r;
    size_t n;
};

static void put(struct out *o, const char *s)
{
    size_t l = strlen(s);
    if (o->n + l >= sizeof o->r->buf)
        l = sizeof o->r->buf - 1 - o->n;
    memcpy(o->r->buf + o->n, s, l);
    o->n += l;
    o->r->buf[o->n] = '\0';
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->r->buf + o->n, sizeof o->r->buf - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n += (size_t)k < sizeof o->r->buf - o->n ? (size_t)k : sizeof o->r->buf - 1 - o->n;
}

static size_t field_begin(struct out *o)
{
    return o->n;
}

static void field_end(struct out *o, int col, size_t start)
{
    o->r->field[col] = o->r->buf + start;
    o->r->len[col] = o->n - start;
    if (o->n + 1 < sizeof o->r->buf)
        o->n++; /* keep the NUL */
    o->r->buf[o->n] = '\0';
}

/* The ASCII letters of s, lower-cased, for host names ("Müller" → "mller"). */
static void put_slug(struct out *o, const char *s, size_t max)
{
    size_t k = 0;
    for (; *s && k < max; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            char b[2] = {ch, 0};
            put(o, b);
            k++;
        }
    }
    if (k == 0)
        put(o, "shop");
}

/* Number of UTF-8 characters in s[0..n). */
static size_t u8len(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

static void gen_description(struct out *o, struct rng *r, const char *category)
{
    /* An opening fragment, then distinct sentences while under a random
     * target length; every piece is short, so the text always ends between
     * 50 and 200 characters on a whole sentence. */
    const unsigned ns = (unsigned)(sizeof sentences / sizeof sentences[0]);
    size_t start = o->n;
    size_t target = 50 + rbelow(r, 151);
    unsigned j = rbelow(r, ns);
    putf(o, "%s %s", PICK(r, openings), category);
    put(o, PICK(r, fragments));
    for (unsigned t = 0; t < ns; t++) {
        const char *sn = sentences[(j + t) % ns];
        size_t have = u8len(o->r->buf + start, o->n - start);
        if (have >= target || have + u8len(sn, strlen(sn)) > 200)
            break;
        put(o, sn);
    }
}

/* The random choices a row's fields share, drawn first in this order. */
struct pick {
    unsigned cat;
    const struct country *cn;
    const char *sur, *sur2, *adj;
    unsigned style;
    const char *local; /* the email's local part, also in website_space */
    char host[64];     /* the business's host name, for email and website */
};

static void pick_row(struct rng *r, struct pick *p)
{
    p->cat = rbelow(r, (unsigned)(sizeof categories / sizeof categories[0]));
    p->cn = &PICK(r, countries);
    p->sur = PICK(r, surnames);
    p->sur2 = PICK(r, surnames);
    p->adj = PICK(r, adjectives);
    p->style = rbelow(r, 6);
}

static void gen_name(struct out *o, struct rng *r, const struct pick *p)
{
    const char *noun = categories[p->cat].noun;
    switch (p->style) {
    case 0:
        putf(o, "%s %s", p->sur, noun);
        break;
    case 1:
        putf(o, "%s %s %s", p->adj, noun, PICK(r, suffixes));
        break;
    case 2:
        putf(o, "%s & %s %s", p->sur, p->sur2, PICK(r, suffixes));
        break;
    case 3:
        putf(o, "The %s %s", p->adj, noun);
        break;
    case 4:
        putf(o, "%s's %s", p->sur, noun);
        break;
    default:
        putf(o, "%s %s", p->adj, p->sur);
        break;
    }
}

static void gen_phone(struct out *o, struct rng *r, const struct pick *p)
{
    switch (rbelow(r, 3)) {
    case 0:
        putf(o, "%s %03u %03u %04u", p->cn->dial, 100 + rbelow(r, 900), rbelow(r, 1000),
             rbelow(r, 10000));
        break;
    case 1:
        putf(o, "%s-%u-%04u-%04u", p->cn->dial, 1 + rbelow(r, 99), rbelow(r, 10000),
             rbelow(r, 10000));
        break;
    default:
        putf(o, "(%03u) %03u-%04u", 200 + rbelow(r, 800), rbelow(r, 1000), rbelow(r, 10000));
        break;
    }
}

/* The host name from the name's letters and the country's domain, built
 * in the row's spare buffer space and copied out (the row keeps nothing). */
static void gen_host(struct out *o, const char *name, struct pick *p)
{
    struct out h = {o->r, o->n};
    size_t hs = h.n;
    put_slug(&h, name, 20);
    putf(&h, ".%s", p->cn->tld);
    size_t hl = h.n - hs;
    if (hl >= sizeof p->host)
        hl = sizeof p->host - 1;
    memcpy(p->host, o->r->buf + hs, hl);
    p->host[hl] = '\0';
    o->r->buf[o->n] = '\0';
}

/* The email: unique by the sheet row number, malformed as kind says. */
static void gen_email(struct out *o, struct rng *r, struct pick *p, long long i, int kind)
{
    p->local = PICK(r, mail_locals);
    switch (kind) {
    case SL_GEN_EMAIL_NO_AT:
        putf(o, "%s%lld.%s", p->local, i + 2, p->host);
        break;
    case SL_GEN_EMAIL_TWO_AT:
        putf(o, "%s%lld@@%s", p->local, i + 2, p->host);
        break;
    case SL_GEN_EMAIL_SPACE:
        putf(o, "%s %lld@%s", p->local, i + 2, p->host);
        break;
    case SL_GEN_EMAIL_NO_DOT:
        putf(o, "%s%lld@localhost", p->local, i + 2);
        break;
    default:
        putf(o, "%s%lld@%s", p->local, i + 2, p->host);
        break;
    }
}

/* The address, sometimes with a comma. */
static void gen_address(struct out *o, struct rng *r)
{
    putf(o, "%u %s %s", 1 + rbelow(r, 250), PICK(r, street_names), PICK(r, street_kinds));
    if (rbelow(r, 5) == 0)
        putf(o, ", Suite %u", 1 + rbelow(r, 40));
}

/* The website: absent in one row in eight. */
static void gen_website(struct out *o, struct rng *r, const struct pick *p, int kind)
{
    unsigned w = rbelow(r, 8);
    if (kind == SL_GEN_WEBSITE_SPACE)
        putf(o, "www.%s %s", p->local, p->host);
    else if (w < 4)
        putf(o, "https://www.%s", p->host);
    else if (w < 6)
        putf(o, "%s", p->host);
    else if (w == 6)
        putf(o, "http://%s/contact", p->host);
}

/* An empty name after the name's text (kept: the host name is built from it). */
static void drop_name(struct out *o)
{
    o->r->field[0] = o->r->buf + o->n; /* an empty string: the NUL below */
    o->r->len[0] = 0;
    o->n++;
    o->r->buf[o->n] = '\0';
}

void sl_gen_row(uint64_t seed, long long i, int kind, struct sl_gen_row *row)
{
    struct out o = {row, 0};
    struct rng r = {mix64(seed ^ mix64((uint64_t)i + 0x1234567ULL))};
    struct pick p;
    build_cities();
    row->buf[0] = '\0';
    pick_row(&r, &p);

    size_t s = field_begin(&o);
    gen_name(&o, &r, &p);
    field_end(&o, 0, s);
    if (kind == SL_GEN_MISSING_NAME)
        drop_name(&o);
    s = field_begin(&o);
    put(&o, categories[p.cat].name);
    field_end(&o, 1, s);
    s = field_begin(&o);
    gen_phone(&o, &r, &p);
    field_end(&o, 2, s);
    gen_host(&o, row->buf, &p);
    s = field_begin(&o);
    gen_email(&o, &r, &p, i, kind);
    field_end(&o, 3, s);
    s = field_begin(&o);
    gen_address(&o, &r);
    field_end(&o, 4, s);
    s = field_begin(&o);
    put(&o, cities[rbelow(&r, NCITIES)]);
    field_end(&o, 5, s);
    s = field_begin(&o);
    put(&o, p.cn->name);
    field_end(&o, 6, s);
    s = field_begin(&o);
    gen_website(&o, &r, &p, kind);
    field_end(&o, 7, s);
    s = field_begin(&o);
    gen_description(&o, &r, categories[p.cat].name);
    field_end(&o, 8, s);

    if (kind == SL_GEN_BLANK)
        for (int c = 0; c < SL_GEN_NCOLS; c++) {
            row->field[c] = "";
            row->len[c] = 0;
        }
}

/* ---- placement of bad rows ----------------------------------------------- */

void sl_gen_plan_init(struct sl_gen_plan *p, long long rows, long long bad)
{
    p->rows = rows;
    p->bad = bad < rows ? bad : rows;
    p->next_k = 0;
}

long long sl_gen_plan_index(const struct sl_gen_plan *p, long long k)
{
    /* Centred in K equal slices of N: distinct and increasing since N >= K. */
    return (long long)(((unsigned long long)(2 * k + 1) * (unsigned long long)p->rows) /
                       (2ULL * (unsigned long long)p->bad));
}

int sl_gen_plan_kind(const struct sl_gen_plan *p, long long k)
{
    int kind = SL_GEN_MISSING_NAME + (int)(k % (SL_GEN_NKINDS - 1));
    if (kind == SL_GEN_BLANK && sl_gen_plan_index(p, k) == p->rows - 1)
        kind = SL_GEN_EMAIL_TWO_AT;
    return kind;
}

/* ---- note columns --------------------------------------------------------- */

size_t sl_gen_note(uint64_t seed, long long i, int c, char out[40])
{
    if (i < 0)
        return (size_t)snprintf(out, 40, "note%d", c + 1);
    uint64_t h = seed * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)i << 16 | (uint64_t)c);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)snprintf(out, 40, "%c%07lld-%04d-%010llx", 'a' + (int)(h % 26), i % 10000000,
                            c + 1, (unsigned long long)(h >> 24) & 0xffffffffffULL);
}

/* ---- the rows in order ----------------------------------------------------- */

void sl_gen_iter_init(struct sl_gen_iter *it, uint64_t seed, long long rows, long long bad,
                      FILE *bad_list)
{
    memset(it, 0, sizeof *it);
    it->seed = seed;
    it->bad_list = bad_list;
    sl_gen_plan_init(&it->plan, rows, bad);
    it->next_bad = it->plan.bad > 0 ? sl_gen_plan_index(&it->plan, 0) : -1;
    it->progress = rows >= 50000 && isatty(STDERR_FILENO);
}

static void progress_at(struct sl_gen_iter *it)
{
    long long total = it->plan.rows, done = it->i;
    if (!it->progress || (done < total && ((done & 4095) || done < it->progress_next)))
        return;
    fprintf(stderr, "\rsheetload gen: %lld/%lld rows (%d%%)%s", done, total,
            (int)(100 * done / (total ? total : 1)), done == total ? "\n" : "");
    it->progress_next = done + total / 100 + 1;
}

int sl_gen_iter_next(struct sl_gen_iter *it)
{
    progress_at(it);
    if (it->i >= it->plan.rows)
        return 0;
    int kind = SL_GEN_GOOD;
    if (it->i == it->next_bad) {
        kind = sl_gen_plan_kind(&it->plan, it->k);
        if (it->bad_list)
            fprintf(it->bad_list, "%lld,%s\n", it->i + 2, sl_gen_kind_name(kind));
        it->k++;
        it->next_bad = it->k < it->plan.bad ? sl_gen_plan_index(&it->plan, it->k) : -1;
    }
    sl_gen_row(it->seed, it->i, kind, &it->row);
    it->sheet_row = it->i + 2;
    it->i++;
    return 1;
}
