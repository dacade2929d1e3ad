/* matcher.c: scores a pasted log against knowledge-base signatures and ranks the pages; pure: the signatures are passed in, no I/O, no allocation, no globals, no logging.
**
** How a signature is scored:
** 1. Both texts are cut into tokens: words (letters and '_', compared without
**    case); values: numbers, 0x-hex, sizes ("512.00 MiB" is one token), paths
**    and URLs ("/models/x.gguf", "ggml-cuda/ggml-cuda.cu:88"), quoted 'names';
**    percentages ("100%"); and, in signatures only, placeholders ("<N>",
**    "<BYTES>", "<...>", a lone upper-case "N" or "X"). Other punctuation only
**    separates tokens, so spacing and ':' or ',' differences do not matter.
**    "CUDA0" is the word "cuda" and the value "0", so "CUDA<N>" matches
**    "CUDA0"; "<X> GB" matches "14.29 GiB".
** 2. A signature's value matches any log value, a percentage any percentage,
**    a placeholder any token, a word the same word.
** 3. The score is the weighted share of the signature's tokens found in order
**    (a weighted longest common subsequence) in the best window of adjacent
**    log lines: as many non-blank lines as the signature has, plus one, plus
**    one per 100 characters of signature, so a multi-line signature matches
**    consecutive log lines and a long message wrapped by a terminal still
**    matches. A multi-line signature's lines also count alone (users paste one
**    line), discounted: share x (0.5 + 0.5 x line weight / signature weight).
** 4. Weights: a term counts P / df, where P is the number of pages in the set
**    and df the number of pages whose signatures use the term (a word; "any
**    value"; "any percentage"). Words every page uses ("failed", "memory")
**    count little; the words that tell pages apart ("MTL", "cudaMalloc")
**    count most, so a Metal signature does not match a CUDA log just because
**    the rest of the line is the same. With one page every token counts 1 and
**    the score is the plain share of tokens matched.
** 5. A page scores its best signature; pages below MATCHER_MIN_SCORE are
**    dropped; the rest are ordered by score, then root causes (root_rank 0)
**    before wrappers, then the more specific (heavier) signature, then page.
**    The line reported is the first line of the best window that matches one
**    signature line best.
**
** 6. Two signatures naming different backends ("MTL0" against "CUDA0", "ROCm
**    error" against "CUDA error") are different errors: a window whose log
**    lines name a backend, none of them the signature's, scores half.
**
** Cost: the log is tokenised once per MATCHER_CHUNK signatures; a window is
** only scored when its first line holds one of the signature's key words (its
** heaviest words), so long logs of unrelated lines cost little. Weights cost
** one pass over all signature tokens per chunk. A prepared index
** (matcher_index_build) does the weighting once and keeps every signature's
** tokens, so matcher_match_index only reads the log (once per
** MATCHER_INDEX_CHUNK signatures).
*/
#include "core/matcher.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Pages scoring below this are not reported (0..1). */
#define MATCHER_MIN_SCORE 0.6
/* Tokens of one signature that are scored; the rest are ignored. The longest
** real signature (vLLM's max-seq-len message) has about 70. */
#define MATCHER_SIG_TOKENS 128
/* Signatures scored per pass over the log. */
#define MATCHER_CHUNK 16
/* Signatures scored per pass over the log with a prepared index (only their
** per-call state is on the stack). The chunk size does not change results. */
#define MATCHER_INDEX_CHUNK 128
/* Key words per signature: a window must start on a line holding one. */
#define MATCHER_KEYS 8
/* Bits of the per-line word filter. */
#define MATCHER_LINE_BITS 1024
/* Longest window, in lines. */
#define MATCHER_WINDOW_MAX 12
/* Distinct pages collected before the best max_hits are copied out. */
#define MATCHER_MAX_PAGES 128
/* Longest placeholder between '<' and '>', and longest quoted value. */
#define MATCHER_PLACEHOLDER_MAX 40
#define MATCHER_QUOTE_MAX 256
/* Scores closer than this are equal (root causes then go first). */
#define MATCHER_SCORE_EPSILON 1e-9

/* Token classes. A signature's VALUE matches a log VALUE or PERCENT, its
** PERCENT a log PERCENT, its ANY (a placeholder) any token, its WORD the same
** word. */
enum tok_kind { TOK_WORD = 0, TOK_VALUE, TOK_PERCENT, TOK_ANY };

struct tok {
    const char *p;
    size_t len;
    enum tok_kind kind;
};

/* A signature cut into tokens, with weights. */
struct sig_tokens {
    struct tok toks[MATCHER_SIG_TOKENS];
    double weight[MATCHER_SIG_TOKENS];
    unsigned line[MATCHER_SIG_TOKENS]; /* signature line (0-based, non-blank lines) */
    unsigned backend[MATCHER_SIG_TOKENS]; /* backend bit of a backend word, else 0 */
    size_t count;
    unsigned lines;  /* non-blank lines */
    unsigned window; /* log lines a match may span */
    double total;    /* sum of weights */
};

/* What is known of a signature before any log is read. */
struct sig_state {
    struct matcher_signature sig;
    bool usable;                        /* has a word to be recognised by */
    uint16_t df[MATCHER_SIG_TOKENS];    /* pages using each token's term */
    uint32_t term_hash[MATCHER_SIG_TOKENS]; /* word hash (0 for other tokens) */
    uint8_t term[MATCHER_SIG_TOKENS];       /* term_class() of each token */
    size_t count;                           /* tokens */
    uint32_t key_hash[MATCHER_KEYS];
    unsigned keys;
    const struct sig_tokens *st;        /* weighed tokens (prepared index), or NULL */
};

/* What a pass keeps per signature between log lines. */
struct sig_best {
    double best;                        /* best score so far */
    size_t best_off;                    /* its window's first line */
    size_t best_from, best_to;          /* token range it matched */
    unsigned best_lines;                /* its window length */
    size_t last_start;                  /* last window start scored (+1; 0 = none) */
};

/* A prepared index: the header of the caller's storage, followed by the
** sig_state and sig_tokens arrays. */
struct matcher_index {
    size_t n_sigs;
    size_t n_pages;
    struct sig_state *ss;
    struct sig_tokens *st;
};

/* One page's best signature so far. */
struct page_hit {
    size_t page;
    double score;
    double sig_weight; /* total weight of that signature: tie-break toward the specific */
    int root_rank;
    size_t line_offset;
    size_t line_length;
};

static bool is_space(char c)
{
    return ' ' == c || '\t' == c || '\n' == c || '\r' == c || '\v' == c || '\f' == c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_quote(char c)
{
    return '\'' == c || '"' == c || '`' == c;
}

/* Characters that end a path-like run (brackets and quotes around a path). */
static bool ends_run(char c)
{
    return is_space(c) || '(' == c || ')' == c || '[' == c || ']' == c || '{' == c ||
           '}' == c || ',' == c || ';' == c || is_quote(c);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool word_eq(const struct tok *a, const struct tok *b)
{
    if (a->len != b->len)
        return false;
    for (size_t i = 0; i < a->len; i++)
        if (lower(a->p[i]) != lower(b->p[i]))
            return false;
    return true;
}

/* If a size unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB; any case) follows
** position i, after at most one space, the position after it; else i. */
static size_t skip_size_unit(const char *s, size_t end, size_t i)
{
    static const char *const units[] = {"kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib"};
    size_t j = (i < end && ' ' == s[i]) ? i + 1 : i;
    size_t k = j;
    while (k < end && is_alpha(s[k]))
        k++;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t n = strlen(units[u]);
        if (k - j != n)
            continue;
        size_t c = 0;
        while (c < n && lower(s[j + c]) == units[u][c])
            c++;
        if (c == n)
            return k;
    }
    return i;
}

/* Next token of the line s[*pos, end). In a signature (is_sig) "<...>" and a
** lone upper-case N or X are placeholders. Returns false at the end. */
static bool next_token(const char *s, size_t end, size_t *pos, bool is_sig, struct tok *t)
{
    size_t i = *pos;
    while (i < end) {
        char c = s[i];
        if (is_space(c) || ends_run(c)) {
            /* A quoted name: the quote follows a non-alphanumeric character
            ** (so the apostrophe in "model's" is not a quote) and closes on
            ** this line before another alphanumeric character. */
            if (is_quote(c) && (0 == i || !is_alnum(s[i - 1]))) {
                size_t j = i + 1;
                while (j < end && j - i <= MATCHER_QUOTE_MAX && s[j] != c)
                    j++;
                if (j < end && s[j] == c && j > i + 1 && (j + 1 >= end || !is_alnum(s[j + 1]))) {
                    t->p = s + i + 1;
                    t->len = j - i - 1;
                    t->kind = TOK_VALUE;
                    *pos = j + 1;
                    return true;
                }
            }
            i++;
            continue;
        }
        /* A path or URL is one value: a run holding '/' or '\' that starts
        ** like a path or holds a URL scheme or a file extension ("/models/x.gguf",
        ** "ggml-cuda/ggml-cuda.cu:88", "C:\\x", "https://..."). A bare "CPU/GPU"
        ** or "15.32/22.04" is split at the '/' instead. */
        size_t r = i;
        bool slash = false, pathlike = ('/' == c || '~' == c || '.' == c);
        bool run_start = (0 == i || ends_run(s[i - 1])); /* paths start a run */
        while (run_start && r < end && !ends_run(s[r])) {
            if ('/' == s[r] || '\\' == s[r])
                slash = true;
            if ('\\' == s[r] || (':' == s[r] && r + 2 < end && '/' == s[r + 1] && '/' == s[r + 2]) ||
                ('.' == s[r] && r + 1 < end && is_alpha(s[r + 1])))
                pathlike = true;
            r++;
        }
        if (slash && pathlike && r - i >= 2) {
            t->p = s + i;
            t->len = r - i;
            t->kind = TOK_VALUE;
            *pos = r;
            return true;
        }
        if (is_sig && '<' == c) {
            size_t j = i + 1;
            while (j < end && j - i <= MATCHER_PLACEHOLDER_MAX &&
                   (is_alnum(s[j]) || '_' == s[j] || ' ' == s[j] || '.' == s[j] || '-' == s[j]))
                j++;
            if (j < end && '>' == s[j] && j > i + 1) {
                t->p = s + i;
                t->len = j + 1 - i;
                t->kind = TOK_ANY;
                if (j + 1 < end && '%' == s[j + 1]) {
                    t->kind = TOK_PERCENT; /* "<N>%" */
                    *pos = j + 2;
                } else {
                    *pos = skip_size_unit(s, end, j + 1); /* "<X> GiB" is one size */
                }
                return true;
            }
        }
        if (is_digit(c)) {
            size_t j = i + 1;
            if ('0' == c && j + 1 < end && ('x' == s[j] || 'X' == s[j]) && is_hex(s[j + 1])) {
                j += 1;
                while (j < end && is_hex(s[j]))
                    j++;
            } else {
                while (j < end && (is_digit(s[j]) || ('.' == s[j] && j + 1 < end &&
                                                      is_digit(s[j + 1]))))
                    j++;
            }
            t->p = s + i;
            t->len = j - i;
            t->kind = TOK_VALUE;
            if (j < end && '%' == s[j]) {
                t->kind = TOK_PERCENT; /* "100%" */
                *pos = j + 1;
            } else {
                *pos = skip_size_unit(s, end, j); /* "512.00 MiB" is one size */
            }
            return true;
        }
        if (is_alpha(c) || '_' == c) {
            size_t j = i;
            bool letters = false;
            while (j < end && (is_alpha(s[j]) || '_' == s[j])) {
                letters = letters || is_alpha(s[j]);
                j++;
            }
            if (!letters) { /* a bare "_" between digits ("q8_0") */
                i = j;
                continue;
            }
            t->p = s + i;
            t->len = j - i;
            t->kind = TOK_WORD;
            if (is_sig && 1 == t->len && ('N' == c || 'X' == c))
                t->kind = TOK_ANY;
            *pos = j;
            return true;
        }
        i++; /* other punctuation and non-ASCII bytes */
    }
    *pos = end;
    return false;
}

/* End of the line starting at off (index of '\n' or len). */
static size_t line_end(const char *s, size_t len, size_t off)
{
    const char *nl = memchr(s + off, '\n', len - off);
    return NULL == nl ? len : (size_t)(nl - s);
}

/* Length of the line at [off, end) without a trailing '\r'. */
static size_t line_length(const char *s, size_t off, size_t end)
{
    return (end > off && '\r' == s[end - 1]) ? end - off - 1 : end - off;
}

static bool line_is_blank(const char *s, size_t off, size_t end)
{
    struct tok t;
    size_t pos = off;
    return !next_token(s, end, &pos, false, &t);
}

/* FNV-1a of a word, lowercase (for the per-line filter). */
static uint32_t word_hash(const struct tok *t)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < t->len; i++) {
        h ^= (uint32_t)(unsigned char)lower(t->p[i]);
        h *= 16777619u;
    }
    return h;
}

/* Backend a word names, as a bit (0 = none). Buffer and error names as ggml,
** MLX and PyTorch print them: CUDA0, ROCm0, Vulkan0, MTL0, MUSA, SYCL; "ROCm
** error", "HIP out of memory", "[METAL]", "MPS backend" (ERRORS.md sections
** 1-4, 16-20, 28-35; FACTS.md section 6). */
static unsigned backend_bit(const struct tok *t)
{
    static const struct {
        const char *word;
        unsigned bit;
    } names[] = {
        {"cuda", 1u}, {"rocm", 2u},  {"hip", 2u},  {"vulkan", 4u}, {"mtl", 8u},
        {"metal", 8u}, {"mps", 8u},  {"musa", 16u}, {"sycl", 32u},
    };
    if (TOK_WORD != t->kind)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i].word);
        if (n != t->len)
            continue;
        size_t c = 0;
        while (c < n && lower(t->p[c]) == names[i].word[c])
            c++;
        if (c == n)
            return names[i].bit;
    }
    return 0;
}

/* Cut a signature into tokens (at most MATCHER_SIG_TOKENS); weights unset. */
static void sig_tokenize(const char *text, struct sig_tokens *st)
{
    size_t len = strlen(text);
    st->count = 0;
    st->lines = 0;
    st->total = 0.0;
    for (size_t off = 0; off < len && st->count < MATCHER_SIG_TOKENS;) {
        size_t end = line_end(text, len, off);
        size_t pos = off;
        size_t before = st->count;
        struct tok t;
        while (st->count < MATCHER_SIG_TOKENS && next_token(text, end, &pos, true, &t)) {
            st->weight[st->count] = 1.0;
            st->line[st->count] = st->lines;
            st->backend[st->count] = backend_bit(&t);
            st->toks[st->count++] = t;
        }
        if (st->count > before)
            st->lines++;
        off = end + 1;
    }
    /* One more line than the signature has, and one per 100 characters, for
    ** messages a terminal wrapped. */
    size_t extra = 1 + len / 100;
    st->window = st->lines + (unsigned)(extra < 8 ? extra : 8);
    if (st->window > MATCHER_WINDOW_MAX)
        st->window = MATCHER_WINDOW_MAX;
}

/* Term class of a token for weighting: a word (told apart by its hash),
** any value (numbers and placeholders), or any percentage. */
static unsigned term_class(const struct tok *t)
{
    return TOK_WORD == t->kind ? 0u : TOK_PERCENT == t->kind ? 2u : 1u;
}

/* Weights from page counts: a term counts n_pages / df. */
static void sig_weigh(struct sig_tokens *st, const uint16_t *df, size_t n_pages)
{
    st->total = 0.0;
    for (size_t j = 0; j < st->count; j++) {
        st->weight[j] = (double)n_pages / (double)(df[j] > 0 ? df[j] : 1);
        st->total += st->weight[j];
    }
}

static bool tok_matches(const struct tok *sig, const struct tok *log)
{
    switch (sig->kind) {
    case TOK_ANY:
        return true;
    case TOK_VALUE:
        return TOK_VALUE == log->kind || TOK_PERCENT == log->kind;
    case TOK_PERCENT:
        return TOK_PERCENT == log->kind;
    case TOK_WORD:
        return TOK_WORD == log->kind && word_eq(sig, log);
    }
    return false;
}

/* Weighted longest common subsequence of the signature's tokens [from, to)
** and the next `lines` non-blank log lines from offset off, halved when the
** lines name backends and none of the signature's. */
static double window_score(const char *log, size_t log_len, size_t off, unsigned lines,
                           const struct sig_tokens *st, size_t from, size_t to)
{
    double row[MATCHER_SIG_TOKENS + 1];
    const struct tok *toks = st->toks + from;
    const double *weight = st->weight + from;
    size_t m = to - from;
    unsigned sig_backends = 0, log_backends = 0;
    for (size_t j = 0; j <= m; j++)
        row[j] = 0.0;
    for (size_t j = from; j < to; j++)
        sig_backends |= st->backend[j];
    unsigned used = 0;
    while (off < log_len && used < lines) {
        size_t end = line_end(log, log_len, off);
        size_t pos = off;
        struct tok t;
        bool any = false;
        while (next_token(log, end, &pos, false, &t)) {
            any = true;
            log_backends |= backend_bit(&t);
            double diag = row[0];
            for (size_t j = 1; j <= m; j++) {
                double up = row[j];
                double best = up > row[j - 1] ? up : row[j - 1];
                if (tok_matches(&toks[j - 1], &t) && diag + weight[j - 1] > best)
                    best = diag + weight[j - 1];
                row[j] = best;
                diag = up;
            }
        }
        if (any)
            used++;
        off = end + 1;
    }
    if (0 != sig_backends && 0 != log_backends && 0 == (sig_backends & log_backends))
        return row[m] * 0.5;
    return row[m];
}

/* Share (0..1) of a weighted match; exact matches give exactly 1. */
static double share(double matched, double total)
{
    if (total <= 0.0)
        return 0.0;
    return matched >= total - MATCHER_SCORE_EPSILON ? 1.0 : matched / total;
}

/* Score the windows of st that start at offset off: the whole signature over
** its window and, for a multi-line signature, each of its lines over two
** lines, worth share x (0.5 + 0.5 x its part of the signature's weight).
** Keeps the best in *ss. */
static void score_start(const char *log, size_t log_len, size_t off, const struct sig_tokens *st,
                        struct sig_best *ss)
{
    double v = share(window_score(log, log_len, off, st->window, st, 0, st->count), st->total);
    if (v > ss->best + MATCHER_SCORE_EPSILON) {
        ss->best = v;
        ss->best_off = off;
        ss->best_from = 0;
        ss->best_to = st->count;
        ss->best_lines = st->window;
    }
    if (st->lines < 2)
        return;
    for (size_t a = 0; a < st->count;) {
        size_t b = a;
        double weight = 0.0;
        while (b < st->count && st->line[b] == st->line[a])
            weight += st->weight[b++];
        v = share(window_score(log, log_len, off, 2, st, a, b), weight) *
            (0.5 + 0.5 * weight / st->total);
        if (v > ss->best + MATCHER_SCORE_EPSILON) {
            ss->best = v;
            ss->best_off = off;
            ss->best_from = a;
            ss->best_to = b;
            ss->best_lines = 2;
        }
        a = b;
    }
}

/* The line to show for a match in the window of `lines` lines at off: the
** first log line that matches one of the signature lines within tokens
** [from, to) best (as a share of that line's weight), so a multi-line match
** points at its first, root line. */
static void best_line(const char *log, size_t log_len, size_t off, unsigned lines,
                      const struct sig_tokens *st, size_t from, size_t to, size_t *line_off,
                      size_t *line_len)
{
    double best = -1.0;
    unsigned used = 0;
    *line_off = off;
    *line_len = line_length(log, off, line_end(log, log_len, off));
    while (off < log_len && used < lines) {
        size_t end = line_end(log, log_len, off);
        if (!line_is_blank(log, off, end)) {
            for (size_t a = from; a < to;) {
                size_t b = a;
                double weight = 0.0;
                while (b < to && st->line[b] == st->line[a])
                    weight += st->weight[b++];
                double v = share(window_score(log, log_len, off, 1, st, a, b), weight);
                if (v > best + MATCHER_SCORE_EPSILON) {
                    best = v;
                    *line_off = off;
                    *line_len = line_length(log, off, end);
                }
                a = b;
            }
            used++;
        }
        off = end + 1;
    }
}

/* Prepare a chunk of signatures for a pass: tokens, page counts (one pass
** over every signature for the whole chunk), weights, key words. */
static void chunk_init(const struct matcher_signature *sigs, size_t n_sigs, size_t start,
                       size_t n_ss, size_t n_pages, struct sig_state *ss)
{
    struct sig_tokens st;
    for (size_t c = 0; c < n_ss; c++) {
        const struct matcher_signature *sig = &sigs[start + c];
        ss[c].sig = *sig;
        ss[c].st = NULL;
        ss[c].keys = 0;
        ss[c].count = 0;
        ss[c].usable = false;
        if (NULL == sig->text)
            continue;
        sig_tokenize(sig->text, &st);
        ss[c].count = st.count;
        for (size_t j = 0; j < st.count; j++) {
            ss[c].usable = ss[c].usable || TOK_WORD == st.toks[j].kind;
            ss[c].term[j] = (uint8_t)term_class(&st.toks[j]);
            ss[c].term_hash[j] = TOK_WORD == st.toks[j].kind ? word_hash(&st.toks[j]) : 0;
            ss[c].df[j] = 0;
        }
    }

    /* Page counts. A page is counted once per run of adjacent signatures
    ** (callers list a page's signatures together; if not, a term may count a
    ** page twice, which only lowers its weight a little). */
    bool counted[MATCHER_CHUNK][MATCHER_SIG_TOKENS];
    memset(counted, 0, sizeof counted);
    for (size_t k = 0; k < n_sigs; k++) {
        if (NULL == sigs[k].text)
            continue;
        if (k > 0 && sigs[k].page != sigs[k - 1].page)
            memset(counted, 0, sizeof counted);
        size_t len = strlen(sigs[k].text);
        for (size_t off = 0; off < len;) {
            size_t end = line_end(sigs[k].text, len, off);
            size_t pos = off;
            struct tok t;
            while (next_token(sigs[k].text, end, &pos, true, &t)) {
                unsigned cls = term_class(&t);
                uint32_t h = 0 == cls ? word_hash(&t) : 0;
                for (size_t c = 0; c < n_ss; c++) {
                    for (size_t j = 0; j < ss[c].count; j++) {
                        if (counted[c][j] || ss[c].term[j] != cls || ss[c].term_hash[j] != h)
                            continue;
                        counted[c][j] = true;
                        if (ss[c].df[j] < UINT16_MAX)
                            ss[c].df[j]++;
                    }
                }
            }
            off = end + 1;
        }
    }

    /* Key words. Those of a signature line are its heaviest words that
    ** together weigh at least 1 - MATCHER_MIN_SCORE of the line: a window
    ** without any of them cannot reach MATCHER_MIN_SCORE on that line, so only
    ** windows holding a key word are scored (up to MATCHER_KEYS; past that,
    ** the line's lighter words are not keys and such windows may be missed). */
    for (size_t c = 0; c < n_ss; c++) {
        if (!ss[c].usable)
            continue;
        sig_tokenize(ss[c].sig.text, &st);
        sig_weigh(&st, ss[c].df, n_pages);
        bool picked[MATCHER_SIG_TOKENS] = {false};
        for (unsigned line = 0; line < st.lines; line++) {
            double line_weight = 0.0, key_weight = 0.0;
            for (size_t j = 0; j < st.count; j++)
                if (st.line[j] == line)
                    line_weight += st.weight[j];
            while (key_weight < (1.0 - MATCHER_MIN_SCORE) * line_weight &&
                   ss[c].keys < MATCHER_KEYS) {
                size_t best = st.count;
                for (size_t j = 0; j < st.count; j++)
                    if (TOK_WORD == st.toks[j].kind && !picked[j] && st.line[j] == line &&
                        (best == st.count || st.weight[j] > st.weight[best]))
                        best = j;
                if (best == st.count)
                    break;
                /* The same word elsewhere in the line is covered by this key. */
                for (size_t j = 0; j < st.count; j++)
                    if (st.line[j] == line && TOK_WORD == st.toks[j].kind && !picked[j] &&
                        word_eq(&st.toks[j], &st.toks[best])) {
                        picked[j] = true;
                        key_weight += st.weight[j];
                    }
                ss[c].key_hash[ss[c].keys++] = ss[c].term_hash[best];
            }
        }
    }
}

/* The weighed tokens of a signature: the prepared ones, or cut into scratch. */
static const struct sig_tokens *sig_tokens_of(const struct sig_state *ss, size_t n_pages,
                                              struct sig_tokens *scratch)
{
    if (NULL != ss->st)
        return ss->st;
    sig_tokenize(ss->sig.text, scratch);
    sig_weigh(scratch, ss->df, n_pages);
    return scratch;
}

/* Whether the per-line filter bits hold one of the signature's key words. */
static bool line_has_key(const uint64_t *bits, const struct sig_state *ss)
{
    for (unsigned k = 0; k < ss->keys; k++) {
        uint32_t b = ss->key_hash[k] % MATCHER_LINE_BITS;
        if (bits[b / 64] & ((uint64_t)1 << (b % 64)))
            return true;
    }
    return false;
}

/* Whether hit a ranks before hit b. */
static bool hit_before(const struct page_hit *a, const struct page_hit *b)
{
    if (a->score > b->score + MATCHER_SCORE_EPSILON)
        return true;
    if (b->score > a->score + MATCHER_SCORE_EPSILON)
        return false;
    if (a->root_rank != b->root_rank)
        return a->root_rank < b->root_rank;
    if (a->sig_weight != b->sig_weight)
        return a->sig_weight > b->sig_weight;
    return a->page < b->page;
}

/* Record a page's score, keeping the best per page and at most
** MATCHER_MAX_PAGES pages (the worst is dropped when full). */
static void hits_add(struct page_hit *hits, size_t *count, const struct page_hit *h)
{
    for (size_t i = 0; i < *count; i++) {
        if (hits[i].page == h->page) {
            if (hit_before(h, &hits[i]))
                hits[i] = *h;
            return;
        }
    }
    if (*count < MATCHER_MAX_PAGES) {
        hits[(*count)++] = *h;
        return;
    }
    size_t worst = 0;
    for (size_t i = 1; i < *count; i++)
        if (hit_before(&hits[worst], &hits[i]))
            worst = i;
    if (hit_before(h, &hits[worst]))
        hits[worst] = *h;
}

/* Score one chunk of signatures: one pass over the log lines; every line
** holding a key word of a signature starts windows for it (and so do the
** lines just before it, up to the window length). */
static void score_chunk(const char *log, size_t log_len, size_t n_pages,
                        const struct sig_state *ss, struct sig_best *sb, size_t n_ss,
                        struct page_hit *found, size_t *n_found)
{
    struct sig_tokens scratch;
    const struct sig_tokens *st;
    memset(sb, 0, n_ss * sizeof *sb);
    size_t recent[MATCHER_WINDOW_MAX]; /* offsets of the last non-blank lines, newest last */
    size_t n_recent = 0;
    for (size_t off = 0; off < log_len;) {
        size_t end = line_end(log, log_len, off);
        uint64_t bits[MATCHER_LINE_BITS / 64] = {0};
        size_t pos = off;
        struct tok t;
        bool any = false;
        while (next_token(log, end, &pos, false, &t)) {
            any = true;
            if (TOK_WORD == t.kind) {
                uint32_t b = word_hash(&t) % MATCHER_LINE_BITS;
                bits[b / 64] |= (uint64_t)1 << (b % 64);
            }
        }
        if (any) {
            if (n_recent == MATCHER_WINDOW_MAX) {
                memmove(recent, recent + 1, (MATCHER_WINDOW_MAX - 1) * sizeof recent[0]);
                n_recent--;
            }
            recent[n_recent++] = off;
            for (size_t k = 0; k < n_ss; k++) {
                if (!ss[k].usable || !line_has_key(bits, &ss[k]))
                    continue;
                st = sig_tokens_of(&ss[k], n_pages, &scratch);
                /* Windows of this signature's length that contain this line,
                ** each scored once. */
                size_t first = n_recent > st->window ? n_recent - st->window : 0;
                for (size_t r = first; r < n_recent; r++) {
                    if (0 != sb[k].last_start && recent[r] < sb[k].last_start)
                        continue;
                    score_start(log, log_len, recent[r], st, &sb[k]);
                    sb[k].last_start = recent[r] + 1;
                }
            }
        }
        off = end + 1;
    }
    for (size_t k = 0; k < n_ss; k++) {
        if (!ss[k].usable || sb[k].best < MATCHER_MIN_SCORE)
            continue;
        st = sig_tokens_of(&ss[k], n_pages, &scratch);
        struct page_hit h = {.page = ss[k].sig.page,
                             .score = sb[k].best,
                             .sig_weight = st->total,
                             .root_rank = ss[k].sig.root_rank};
        best_line(log, log_len, sb[k].best_off, sb[k].best_lines, st, sb[k].best_from,
                  sb[k].best_to, &h.line_offset, &h.line_length);
        hits_add(found, n_found, &h);
    }
}

/* Distinct pages of the signatures that have a text. */
static size_t count_pages(const struct matcher_signature *sigs, size_t n_sigs)
{
    size_t n_pages = 0;
    for (size_t j = 0; j < n_sigs; j++) {
        bool seen = NULL == sigs[j].text;
        for (size_t k = 0; k < j && !seen; k++)
            seen = NULL != sigs[k].text && sigs[k].page == sigs[j].page;
        if (!seen)
            n_pages++;
    }
    return n_pages;
}

/* Copy the best max_hits of found[0..n_found) into hits, best first. */
static size_t hits_select(struct page_hit *found, size_t n_found, struct matcher_hit *hits,
                          size_t max_hits)
{
    size_t written = 0;
    while (written < max_hits && n_found > 0) {
        size_t best = 0;
        for (size_t i = 1; i < n_found; i++)
            if (hit_before(&found[i], &found[best]))
                best = i;
        hits[written].page = found[best].page;
        hits[written].score = found[best].score;
        hits[written].line_offset = found[best].line_offset;
        hits[written].line_length = found[best].line_length;
        written++;
        found[best] = found[--n_found];
    }
    return written;
}

size_t matcher_match(const char *log, size_t log_len, const struct matcher_signature *sigs,
                     size_t n_sigs, struct matcher_hit *hits, size_t max_hits)
{
    struct page_hit found[MATCHER_MAX_PAGES];
    struct sig_state ss[MATCHER_CHUNK];
    struct sig_best sb[MATCHER_CHUNK];
    size_t n_found = 0;
    if (NULL == log || NULL == sigs || NULL == hits || 0 == max_hits || 0 == log_len)
        return 0;

    size_t n_pages = count_pages(sigs, n_sigs);
    for (size_t start = 0; start < n_sigs; start += MATCHER_CHUNK) {
        size_t n_ss = n_sigs - start < MATCHER_CHUNK ? n_sigs - start : MATCHER_CHUNK;
        chunk_init(sigs, n_sigs, start, n_ss, n_pages, ss);
        score_chunk(log, log_len, n_pages, ss, sb, n_ss, found, &n_found);
    }
    return hits_select(found, n_found, hits, max_hits);
}

/* Offsets of the index's arrays in its storage, each aligned for any type. */
static size_t index_align(size_t n)
{
    size_t a = alignof(max_align_t);
    return (n + a - 1) / a * a;
}

size_t matcher_index_bytes(size_t n_sigs)
{
    size_t per = sizeof(struct sig_state) + sizeof(struct sig_tokens);
    size_t head = index_align(sizeof(struct matcher_index));
    if (n_sigs > (SIZE_MAX - 2 * alignof(max_align_t) - head) / per)
        return 0;
    return head + index_align(n_sigs * sizeof(struct sig_state)) +
           n_sigs * sizeof(struct sig_tokens);
}

int matcher_index_build(const struct matcher_signature *sigs, size_t n_sigs, void *storage,
                        size_t storage_bytes, struct matcher_index **out)
{
    size_t need = matcher_index_bytes(n_sigs);
    if (NULL == out)
        return -1;
    *out = NULL;
    if ((NULL == sigs && n_sigs > 0) || NULL == storage || 0 == need || storage_bytes < need ||
        0 != (uintptr_t)storage % alignof(max_align_t))
        return -1;
    unsigned char *base = storage;
    struct matcher_index *idx = storage;
    size_t head = index_align(sizeof(struct matcher_index));
    idx->n_sigs = n_sigs;
    idx->n_pages = count_pages(sigs, n_sigs);
    idx->ss = (struct sig_state *)(void *)(base + head);
    idx->st = (struct sig_tokens *)(void *)(base + head +
                                            index_align(n_sigs * sizeof(struct sig_state)));
    for (size_t start = 0; start < n_sigs; start += MATCHER_CHUNK) {
        size_t n_ss = n_sigs - start < MATCHER_CHUNK ? n_sigs - start : MATCHER_CHUNK;
        chunk_init(sigs, n_sigs, start, n_ss, idx->n_pages, idx->ss + start);
    }
    for (size_t k = 0; k < n_sigs; k++) {
        struct sig_tokens *st = &idx->st[k];
        memset(st, 0, sizeof *st);
        if (NULL != idx->ss[k].sig.text) {
            sig_tokenize(idx->ss[k].sig.text, st);
            sig_weigh(st, idx->ss[k].df, idx->n_pages);
        }
        idx->ss[k].st = st;
    }
    *out = idx;
    return 0;
}

size_t matcher_match_index(const char *log, size_t log_len, const struct matcher_index *idx,
                           struct matcher_hit *hits, size_t max_hits)
{
    struct page_hit found[MATCHER_MAX_PAGES];
    struct sig_best sb[MATCHER_INDEX_CHUNK];
    size_t n_found = 0;
    if (NULL == log || NULL == idx || NULL == hits || 0 == max_hits || 0 == log_len)
        return 0;
    for (size_t start = 0; start < idx->n_sigs; start += MATCHER_INDEX_CHUNK) {
        size_t n_ss = idx->n_sigs - start < MATCHER_INDEX_CHUNK ? idx->n_sigs - start
                                                                : MATCHER_INDEX_CHUNK;
        score_chunk(log, log_len, idx->n_pages, idx->ss + start, sb, n_ss, found, &n_found);
    }
    return hits_select(found, n_found, hits, max_hits);
}
