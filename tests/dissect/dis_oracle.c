/*
 * dis_oracle.c: shared captures against tshark (see dis_oracle.h).
 */
#include "dis_oracle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nmexpert/capture.h"
#include "shared_captures.h"

bool dt_oracle_ready(void)
{
    if (!nmx_test_captures_dir()) {
        print_message("skipped: NMX_SHARED_CAPTURES (../shared/captures) is absent\n");
        return false;
    }
    if (!nmx_test_have_tshark()) {
        print_message("skipped: tshark is not installed\n");
        return false;
    }
    return true;
}

void dt_addr_text(const PROPERTYINST *pi, char *out, size_t n)
{
    const uint8_t *p = GetPropertyInstanceData(pi);
    out[0] = 0;
    switch (pi->lpPropertyInfo->DataType) {
    case PROP_TYPE_ETHERNET_ADDRESS:
    case PROP_TYPE_TOKENRING_ADDRESS:
    case PROP_TYPE_FDDI_ADDRESS:
        snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4], p[5]);
        break;
    case PROP_TYPE_IP_ADDRESS:
        snprintf(out, n, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        break;
    case PROP_TYPE_IP6_ADDRESS:
        inet_ntop(AF_INET6, p, out, (socklen_t)n);
        break;
    default:
        break;
    }
}

static void append(char *out, size_t n, const char *sep, const char *s)
{
    if (out[0])
        strncat(out, sep, n - strlen(out) - 1);
    strncat(out, s, n - strlen(out) - 1);
}

static const char *our_name(const dt_oracle *o, const char *tshark)
{
    for (size_t i = 0; i < o->nnames; i++)
        if (strcmp(o->names[i][0], tshark) == 0)
            return o->names[i][1];
    return NULL;
}

static void tshark_stack(const dt_oracle *o, const char *protocols, char *out, size_t n)
{
    out[0] = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", protocols);
    for (char *save = NULL, *t = strtok_r(tmp, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        const char *nm = our_name(o, t);
        if (nm)
            append(out, n, ":", nm);
    }
}

/* Our layers among those tshark knows. */
static void our_stack(const dt_oracle *o, char *out, size_t n)
{
    out[0] = 0;
    for (unsigned i = 0; i < dt_nlayers(); i++) {
        const char *nm = dt_layer_at(i)->name;
        for (size_t k = 0; k < o->nalias; k++)
            if (strcmp(nm, o->alias[k][0]) == 0)
                nm = o->alias[k][1];
        for (size_t k = 0; k < o->nnames; k++)
            if (strcmp(nm, o->names[k][1]) == 0) {
                append(out, n, ":", nm);
                break;
            }
    }
}

/* Is `name` one of the "|"-separated protocols of spec (NULL: any)? */
static bool proto_match(const char *spec, const char *name)
{
    if (!spec)
        return true;
    size_t n = strlen(name);
    for (const char *p = spec; *p;) {
        size_t k = strcspn(p, "|");
        if (k == n && strncmp(p, name, n) == 0)
            return true;
        p += k;
        if (*p)
            p++;
    }
    return false;
}

/* Our values of a field in this frame, comma-separated as tshark's. */
static void our_values(const dt_oracle *o, const dt_field *f, char *out, size_t n)
{
    out[0] = 0;
    PROPERTYTABLE *pt = nmx_dissect_properties(dt_dis());
    for (unsigned i = 0; pt && i < dt_nlayers(); i++) {
        const nmx_layer *l = dt_layer_at(i);
        if (!proto_match(f->proto, l->name))
            continue;
        for (uint32_t k = 0; k < l->ninst; k++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            if (strcmp(pi->lpPropertyInfo->Label, f->label) != 0)
                continue;
            char v[64] = "";
            uint64_t x;
            if (o->addresses)
                dt_addr_text(pi, v, sizeof v);
            if (!v[0] && nmx__inst_number(pi, &x))
                snprintf(v, sizeof v, "%llu", (unsigned long long)x);
            else if (!v[0] && !o->addresses)
                continue;   /* numbers only */
            size_t at = strlen(out);
            snprintf(out + at, n - at, "%s%s", at ? "," : "", v);
        }
    }
}

/* tshark's values: numbers (some printed in hex) in decimal. */
static void tshark_values(const dt_oracle *o, const char *s, char *out, size_t n)
{
    out[0] = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", s);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t at = strlen(out);
        char *end;
        unsigned long long v = strtoull(t, &end, 0);
        if (!o->addresses || (*end == 0 && end != t))
            snprintf(out + at, n - at, "%s%llu", at ? "," : "", v);
        else
            snprintf(out + at, n - at, "%s%s", at ? "," : "", t);
    }
}

unsigned dt_oracle_run(const dt_oracle *o, const char *file, const dt_field *fields, size_t nf)
{
    const char *dir = nmx_test_captures_dir();
    assert_non_null(dir);
    char path[1024], cmd[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int at = snprintf(cmd, sizeof cmd,
                      "tshark %s -r '%s' -T fields -E occurrence=a -E separator=/t "
                      "-e frame.protocols",
                      o->options ? o->options : "", path);
    for (size_t i = 0; i < nf; i++)
        at += snprintf(cmd + at, sizeof cmd - (size_t)at, " -e %s", fields[i].tshark);
    snprintf(cmd + at, sizeof cmd - (size_t)at, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    nmx_capture *cap = NULL;
    nmx_diag diag;
    assert_int_equal(nmx_capture_open(path, 0, &cap, &diag), NMX_OK);
    char line[8192];
    unsigned fno = 0, bad = 0;
    int64_t prev = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        nmx_frame fr;
        assert_int_equal(nmx_capture_frame(cap, fno, &fr), NMX_OK);
        assert_int_equal(nmx_dissect(dt_dis(), &fr, prev, NMX_DIS_ATTACH), NMX_OK);
        prev = fr.ts_ns;
        fno++;
        for (unsigned i = 0; o->all_ok && i < dt_nlayers(); i++)
            if (dt_layer_at(i)->status != NMX_LAYER_OK && bad++ < 10)
                print_error("%s frame %u: %s is not OK\n", file, fno, dt_layer_at(i)->name);
        char *cols[32];
        size_t nc = 0;
        for (char *c = line; nc < 32;) {
            cols[nc++] = c;
            char *tab = strchr(c, '\t');
            if (!tab)
                break;
            *tab = 0;
            c = tab + 1;
        }
        char a[1024], b[1024];
        tshark_stack(o, cols[0], a, sizeof a);
        our_stack(o, b, sizeof b);
        if (strcmp(a, b) != 0 && bad++ < 10)
            print_error("%s frame %u: tshark %s, ours %s\n", file, fno, a, b);
        for (size_t i = 0; i < nf && i + 1 < nc; i++) {
            tshark_values(o, cols[i + 1], a, sizeof a);
            our_values(o, &fields[i], b, sizeof b);
            if (strcmp(a, b) != 0 && bad++ < 10)
                print_error("%s frame %u %s: tshark [%s], ours [%s]\n", file, fno,
                            fields[i].tshark, a, b);
        }
    }
    pclose(p);
    assert_int_equal(fno, nmx_capture_frame_count(cap));
    nmx_capture_close(cap);
    if (bad)
        fail_msg("%s: %u disagreements with tshark", file, bad);
    return fno;
}
