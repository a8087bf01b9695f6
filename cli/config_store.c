/* Expert configurations as text: see config_store.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_store.h"
#include "outputs.h"

#define CONFIG_FILE_MAX (1u << 20) /* a configuration file larger than 1 MiB is refused */

void cli_config_free(cli_config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->keys[i]);
        free(c->values[i]);
    }
    free(c->keys);
    free(c->values);
    free(c->binary);
    memset(c, 0, sizeof *c);
}

void cli_config_path(const nmx_expert_info *ex, char *buf, size_t len)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(buf, len, "%s/nmexpert/experts/%s.cfg", x, ex->file);
    else
        snprintf(buf, len, "%s/.config/nmexpert/experts/%s.cfg", home ? home : ".", ex->file);
}

static bool key_ok(const char *k, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = k[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

static bool value_ok(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return false;
    }
    return true;
}

/* Adds KEY=VALUE given as two spans; replaces an existing key. */
static bool put(cli_config *c, const char *k, size_t kn, const char *v, size_t vn)
{
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->keys[i]) == kn && memcmp(c->keys[i], k, kn) == 0) {
            char *nv = strndup(v, vn);
            if (!nv)
                return false;
            free(c->values[i]);
            c->values[i] = nv;
            return true;
        }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        char **nk = realloc(c->keys, ncap * sizeof *nk);
        if (!nk)
            return false;
        c->keys = nk;
        char **nv = realloc(c->values, ncap * sizeof *nv);
        if (!nv)
            return false;
        c->values = nv;
        c->cap = ncap;
    }
    c->keys[c->n] = strndup(k, kn);
    c->values[c->n] = strndup(v, vn);
    if (!c->keys[c->n] || !c->values[c->n]) {
        free(c->keys[c->n]);
        free(c->values[c->n]);
        return false;
    }
    c->n++;
    return true;
}

/* A short, printable excerpt of a bad line for a message. */
static void excerpt(const char *s, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (i == 40) {
            o += (size_t)snprintf(buf + o, len - o, "...");
            break;
        }
        if (ch < 0x20 || ch >= 0x7f) /* shown as \xNN: never raw bytes on a terminal */
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
        else
            buf[o++] = (char)ch;
    }
    buf[o < len ? o : len - 1] = 0;
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

int cli_config_load(const char *path, bool must_exist, cli_config *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT && !must_exist)
            return 0;
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "nmexpert: %s: not a regular file\n", path);
        fclose(f);
        return -1;
    }
    char *text = malloc(CONFIG_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, CONFIG_FILE_MAX + 1, f) : 0;
    bool rerr = ferror(f) != 0;
    fclose(f);
    if (!text || rerr) {
        fprintf(stderr, "nmexpert: %s: %s\n", path, text ? "read error" : "out of memory");
        free(text);
        return -1;
    }
    if (n > CONFIG_FILE_MAX) {
        fprintf(stderr, "nmexpert: %s: larger than %u bytes: not a configuration file\n", path,
                CONFIG_FILE_MAX);
        free(text);
        return -1;
    }
    int rc = 1;
    size_t line = 0;
    for (size_t p = 0; p < n && rc == 1;) {
        line++;
        const char *s = text + p;
        const char *nl = memchr(s, '\n', n - p);
        size_t len = nl ? (size_t)(nl - s) : n - p;
        p += len + (nl ? 1 : 0);
        if (len && s[len - 1] == '\r')
            len--;
        size_t lead = 0;
        while (lead < len && (s[lead] == ' ' || s[lead] == '\t'))
            lead++;
        if (lead == len || s[lead] == '#')
            continue;
        char ex[200];
        if (len - lead > 8 && memcmp(s + lead, "%binary ", 8) == 0 && !c->n && !c->binary) {
            const char *h = s + lead + 8;
            size_t hn = len - lead - 8;
            c->binary = malloc(hn / 2 + 1);
            bool ok = c->binary && hn % 2 == 0 && hn >= 8;
            for (size_t i = 0; ok && i < hn / 2; i++) {
                int hi = hexval((unsigned char)h[2 * i]), lo = hexval((unsigned char)h[2 * i + 1]);
                ok = hi >= 0 && lo >= 0;
                c->binary[i] = (unsigned char)(hi << 4 | lo);
            }
            c->binary_len = hn / 2;
            if (!ok) {
                fprintf(stderr, "nmexpert: %s:%zu: %%binary needs an even number of hexadecimal "
                                "digits (at least 8)\n",
                        path, line);
                rc = -1;
            }
            continue;
        }
        const char *eq = memchr(s + lead, '=', len - lead);
        size_t kn = eq ? (size_t)(eq - (s + lead)) : 0;
        while (kn && (s[lead + kn - 1] == ' ' || s[lead + kn - 1] == '\t'))
            kn--;
        if (!eq || c->binary || !key_ok(s + lead, kn) ||
            !value_ok(eq + 1, len - (size_t)(eq + 1 - s))) {
            excerpt(s, len, ex, sizeof ex);
            fprintf(stderr,
                    "nmexpert: %s:%zu: expected KEY=VALUE (KEY of letters, digits, '_', '-', "
                    "'.'; VALUE without control characters), found \"%s\"\n",
                    path, line, ex);
            rc = -1;
            break;
        }
        if (!put(c, s + lead, kn, eq + 1, len - (size_t)(eq + 1 - s))) {
            fprintf(stderr, "nmexpert: %s: out of memory\n", path);
            rc = -1;
        }
    }
    free(text);
    if (rc != 1)
        cli_config_free(c);
    return rc;
}

bool cli_config_set(cli_config *c, const char *pair, const char *origin)
{
    const char *eq = strchr(pair, '=');
    size_t kn = eq ? (size_t)(eq - pair) : 0;
    if (!eq || !key_ok(pair, kn) || !value_ok(eq + 1, strlen(eq + 1))) {
        fprintf(stderr,
                "nmexpert: %s: '%s' is not accepted: KEY=VALUE (KEY of letters, digits, '_', "
                "'-', '.')\n",
                origin, pair);
        return false;
    }
    if (c->binary) {
        fprintf(stderr, "nmexpert: %s %s: the configuration it would change is binary, not "
                        "KEY=VALUE text\n",
                origin, pair);
        return false;
    }
    if (!put(c, pair, kn, eq + 1, strlen(eq + 1))) {
        fprintf(stderr, "nmexpert: out of memory\n");
        return false;
    }
    return true;
}

bool cli_config_merge(cli_config *dst, const cli_config *src)
{
    if (src->binary) {
        free(dst->binary);
        dst->binary = malloc(src->binary_len);
        if (!dst->binary)
            return false;
        memcpy(dst->binary, src->binary, src->binary_len);
        dst->binary_len = src->binary_len;
        return true;
    }
    for (size_t i = 0; i < src->n; i++)
        if (!put(dst, src->keys[i], strlen(src->keys[i]), src->values[i], strlen(src->values[i])))
            return false;
    return true;
}

bool cli_config_to_blob(const cli_config *c, void **blob, size_t *len)
{
    *blob = NULL;
    *len = 0;
    if (c->binary) {
        *blob = malloc(c->binary_len);
        if (!*blob)
            return false;
        memcpy(*blob, c->binary, c->binary_len);
        *len = c->binary_len;
        return true;
    }
    if (!c->n)
        return true;
    size_t total = 4 + 1;
    for (size_t i = 0; i < c->n; i++)
        total += strlen(c->keys[i]) + 1 + strlen(c->values[i]) + 1;
    if (total > UINT32_MAX)
        return false;
    unsigned char *b = calloc(1, total);
    if (!b)
        return false;
    uint32_t l = (uint32_t)total; /* the length word counts itself */
    memcpy(b, &l, 4);
    size_t o = 4;
    for (size_t i = 0; i < c->n; i++)
        o += (size_t)sprintf((char *)b + o, "%s=%s", c->keys[i], c->values[i]) + 1;
    *blob = b;
    *len = total;
    return true;
}

bool cli_config_from_blob(const void *blob, size_t len, cli_config *c)
{
    memset(c, 0, sizeof *c);
    const unsigned char *b = blob;
    uint32_t total = 0;
    if (len >= 4)
        memcpy(&total, b, 4);
    bool text = len >= 4 && total >= 4 && total <= len;
    cli_config t = {0};
    for (size_t p = 4; text && p < total;) {
        const unsigned char *nul = memchr(b + p, 0, total - p);
        size_t n = nul ? (size_t)(nul - (b + p)) : total - p;
        if (n == 0)
            break; /* the terminating empty string */
        const char *s = (const char *)b + p;
        const char *eq = memchr(s, '=', n);
        size_t kn = eq ? (size_t)(eq - s) : 0;
        text = eq && key_ok(s, kn) && value_ok(eq + 1, n - kn - 1) &&
               put(&t, s, kn, eq + 1, n - kn - 1);
        p += n + 1;
    }
    if (text) {
        *c = t;
        return true;
    }
    cli_config_free(&t);
    c->binary = malloc(len ? len : 1);
    if (!c->binary)
        return false;
    memcpy(c->binary, blob, len);
    c->binary_len = len;
    return true;
}

static void mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0755);
            *p = '/';
        }
}

void cli_config_print(FILE *out, const cli_config *c, const char *indent)
{
    if (c->binary) {
        fprintf(out, "%s%%binary ", indent);
        for (size_t i = 0; i < c->binary_len; i++)
            fprintf(out, "%02x", c->binary[i]);
        fprintf(out, "\n");
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        fprintf(out, "%s%s=%s\n", indent, c->keys[i], c->values[i]);
}

bool cli_config_save(const char *path, const cli_config *c, const char *title)
{
    mkdirs(path);
    cli_out o;
    if (!cli_out_begin(&o, path, false, true))
        return false;
    FILE *f = fopen(cli_out_open_path(&o), "w");
    if (!f) {
        fprintf(stderr, "nmexpert: %s: %s\n", path, strerror(errno));
        cli_out_discard(&o);
        return false;
    }
    fprintf(f, "# %s\n# KEY=VALUE lines; see `nmexpert help` and `man nmexpert`.\n", title);
    cli_config_print(f, c, "");
    errno = 0;
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "nmexpert: %s: %s\n", path, errno ? strerror(errno) : "write error");
        cli_out_discard(&o);
        return false;
    }
    return cli_out_commit(&o);
}
