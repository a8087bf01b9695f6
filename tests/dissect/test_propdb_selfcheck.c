/*
 * test_propdb_selfcheck.c: the registry refuses a broken protocol table.
 *
 * This program is linked with the parser core (driver, registry, hand-off
 * tables, formatter, FRAME) and its own protocol list instead of the
 * project's: FRAME and two test protocols whose descriptors each case
 * breaks in one way before the registry is first built (in a child
 * process). The registry must stop the process at start-up with a message
 * naming the fault: two protocols with one name (in any case, or through an
 * alias), two properties of a protocol with one label (or alias), two
 * protocols claiming one hand-off key, a name longer than PROTOCOLINFO
 * holds, a property type Network Monitor does not have. The intact table
 * must build.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"
#include "nmx_test.h"

static void fake_dissect(nmx_dis *d, nmx_span s)
{
    (void)d;
    (void)s;
}

static char label_a0[] = "Some Label", label_a1[] = "Other Label";
static char label_b0[] = "Value", label_b1[] = "Count";

static nmx_propdef props_a[] = {
    { .info = { .Label = label_a0, .DataType = PROP_TYPE_BYTE }, .level = 1 },
    { .info = { .Label = label_a1, .DataType = PROP_TYPE_WORD }, .level = 1, .aliases = "Alt" },
};
static nmx_propdef props_b[] = {
    { .info = { .Label = label_b0, .DataType = PROP_TYPE_DWORD }, .level = 1 },
    { .info = { .Label = label_b1, .DataType = PROP_TYPE_BYTE }, .level = 1 },
};

static nmx_protocol fake_a = {
    .name = "FAKEA", .comment = "test protocol A", .aliases = "FakeAlpha",
    .props = props_a, .nprops = 2, .dissect = fake_dissect,
    .handoff = { { NMX_HO_UDP_PORT, 9999 }, { NMX_HO_ETHERTYPE, 0x88B5 } },
};
static nmx_protocol fake_b = {
    .name = "FAKEB", .comment = "test protocol B", .aliases = NULL,
    .props = props_b, .nprops = 2, .dissect = fake_dissect,
    .handoff = { { NMX_HO_UDP_PORT, 9998 }, { NMX_HO_TCP_PORT, 9999 } },
};

const nmx_protocol *const nmx__protocols[] = { &nmx_proto_frame, &fake_a, &fake_b };
const unsigned nmx__nprotocols = sizeof nmx__protocols / sizeof nmx__protocols[0];

enum fault {
    F_NONE,
    F_NAME_DUP_CASE,     /* "fakea" beside "FAKEA"                        */
    F_NAME_DUP_ALIAS,    /* B's alias is A's name                         */
    F_NAME_IS_ALIAS,     /* B's name is A's alias                         */
    F_LABEL_DUP_SPACES,  /* "Value" and " value " in one protocol         */
    F_LABEL_IS_ALIAS,    /* a label equal to an earlier label's alias     */
    F_ALIAS_DUP,         /* one alias for both protocols                  */
    F_LABEL_ALIAS_LATER, /* a later label's alias equal to an earlier label */
    F_HANDOFF_DUP,       /* both claim UDP port 9999                      */
    F_NAME_TOO_LONG,
    F_BAD_TYPE,
};

static void apply(enum fault f)
{
    static char value_spaced[] = " value ", alt[] = "ALT";
    switch (f) {
    case F_NONE: break;
    case F_NAME_DUP_CASE: fake_b.name = "fakea"; break;
    case F_NAME_DUP_ALIAS: fake_b.aliases = "Other|FAKEA"; break;
    case F_NAME_IS_ALIAS: fake_b.name = "FAKEALPHA"; break;
    case F_LABEL_DUP_SPACES: props_b[1].info.Label = value_spaced; break;
    case F_LABEL_IS_ALIAS:
        props_a[0].aliases = "Alt";
        props_a[1].aliases = NULL;
        props_a[1].info.Label = alt;
        break;
    case F_ALIAS_DUP: fake_b.aliases = "Beta|fake alpha"; fake_a.aliases = "Fake  Alpha"; break;
    case F_LABEL_ALIAS_LATER: props_b[1].aliases = "Total|VALUE"; break;
    case F_HANDOFF_DUP: fake_b.handoff[0].key = 9999; break;
    case F_NAME_TOO_LONG: fake_b.name = "ABCDEFGHIJKLMNOP"; break;
    case F_BAD_TYPE: props_b[0].info.DataType = PROP_TYPE_IP6_ADDRESS + 1; break;
    }
}

static enum fault child_fault;

static void child(void *arg)
{
    FILE *err = arg;
    fflush(stderr);
    dup2(fileno(err), 2);
    apply(child_fault);
    unsigned n = nmx_protocol_count();
    _exit(n == 3 && nmx_protocol_find("fakeb") ? 0 : 3);
}

/* Runs the registry build with fault f; returns the wait status and the
 * child's stderr in msg. */
static int run(enum fault f, char *msg, size_t n)
{
    FILE *err = tmpfile();
    assert_non_null(err);
    child_fault = f;
    int st = nmx_test_in_child(child, err);
    rewind(err);
    size_t got = fread(msg, 1, n - 1, err);
    msg[got] = 0;
    fclose(err);
    return st;
}

static void expect_abort(enum fault f, const char *what)
{
    char msg[1024];
    int st = run(f, msg, sizeof msg);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
        fail_msg("fault %d: the registry did not abort (status 0x%x, stderr '%s')", (int)f, st,
                 msg);
    if (!strstr(msg, what))
        fail_msg("fault %d: message '%s' does not say '%s'", (int)f, msg, what);
}

static void test_intact_table_builds(void **state)
{
    (void)state;
    char msg[1024];
    int st = run(F_NONE, msg, sizeof msg);
    assert_child_clean(st);
    assert_string_equal(msg, "");
}

static void test_duplicate_names(void **state)
{
    (void)state;
    expect_abort(F_NAME_DUP_CASE, "duplicate protocol name");
    expect_abort(F_NAME_DUP_ALIAS, "duplicate protocol name");
    expect_abort(F_NAME_IS_ALIAS, "duplicate protocol name");
    expect_abort(F_ALIAS_DUP, "duplicate protocol name");
}

static void test_duplicate_labels(void **state)
{
    (void)state;
    expect_abort(F_LABEL_DUP_SPACES, "duplicate property label");
    expect_abort(F_LABEL_IS_ALIAS, "duplicate property label");
    expect_abort(F_LABEL_ALIAS_LATER, "duplicate property label");
}

static void test_duplicate_handoff(void **state)
{
    (void)state;
    expect_abort(F_HANDOFF_DUP, "both claim key 9999");
}

static void test_bad_entries(void **state)
{
    (void)state;
    expect_abort(F_NAME_TOO_LONG, "longer than 15");
    expect_abort(F_BAD_TYPE, "unknown property type");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact_table_builds), cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_duplicate_labels),    cmocka_unit_test(test_duplicate_handoff),
        cmocka_unit_test(test_bad_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
