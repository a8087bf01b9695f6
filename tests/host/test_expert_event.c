/* ExpertSubmitEvent and ExpertIndicateStatus as an expert uses them. */
#include <string.h>

#include "netmon.h"
#include "nmx_test.h"
#include "nmexpert/event.h"
#include "nmexpert/session.h"

static nmx_event *kept[16];
static int nkept;
static nmx_status last_status;
static int nstatus;

static void on_event(const nmx_event *ev, void *ud)
{
    assert_ptr_equal(ud, &nkept);
    if (nkept < 16)
        kept[nkept++] = nmx_event_dup(ev);
}

static void on_status(const nmx_status *st, void *ud)
{
    (void)ud;
    last_status = *st;
    nstatus++;
}

static nmx_key open_session(void)
{
    nmx_session_config c = {.version = NMX_SESSION_CONFIG_VERSION, .name = "Top Users",
                            .on_event = on_event, .event_ud = &nkept, .on_status = on_status};
    nmx_key k;
    assert_int_equal(nmx_session_open(&c, &k), NMX_OK);
    return k;
}

static void reset(void)
{
    for (int i = 0; i < nkept; i++)
        nmx_event_free(kept[i]);
    nkept = 0;
    nstatus = 0;
    memset(&last_status, 0, sizeof last_status);
}

static void t_event_deep_copy(void **s)
{
    (void)s;
    reset();
    HEXPERTKEY k = open_session();
    /* as the samples do: allocated with the expert allocator, reused, freed */
    PNMEVENTDATA e = ExpertAllocMemory(k, sizeof(NMEVENTDATA) + 7 * sizeof(NMCOLUMNINFO), NULL);
    char src[32] = "Top Users", name[32] = "Top sender", desc[64] = "most bytes sent";
    e->EventIdent = 3;
    e->Severity = NMEVENT_SEVERITY_WARNING;
    e->Flags = NMEVENTFLAG_EXPERT;
    e->szSourceName = src;
    e->szEventName = name;
    e->szDescription = desc;
    e->NumColumns = 4;
    char colname[4][16] = {"Address", "Frames", "Share", "Note"};
    for (int i = 0; i < 4; i++)
        e->Column[i].szColumnName = colname[i];
    e->Column[0].VariantData.Type = NMCOLUMNTYPE_IPADDR;
    memcpy(&e->Column[0].VariantData.Value.IPAddrVal, "\x0a\x00\x00\x0a", 4); /* 10.0.0.10 */
    e->Column[1].VariantData.Type = NMCOLUMNTYPE_UINT32;
    e->Column[1].VariantData.Value.Uint32Val = 1234;
    e->Column[2].VariantData.Type = NMCOLUMNTYPE_FLOAT64;
    e->Column[2].VariantData.Value.Float64Val = 12.5;
    e->Column[3].VariantData.Type = NMCOLUMNTYPE_STRING;
    e->Column[3].VariantData.Value.pStringVal = NULL; /* NULL string -> "" */
    assert_int_equal(ExpertSubmitEvent(k, e), NMERR_SUCCESS);
    /* the expert changes its buffers right away */
    strcpy(name, "CHANGED");
    colname[0][0] = 'X';
    e->NumColumns = 6; /* and submits again with more columns */
    e->Column[4].szColumnName = NULL;
    e->Column[4].VariantData.Type = NMCOLUMNTYPE_MACADDR;
    memcpy(e->Column[4].VariantData.Value.MACAddrVal, "\x00\x11\x22\x33\x44\x55", 6);
    e->Column[5].szColumnName = colname[1];
    e->Column[5].VariantData.Type = NMCOLUMNTYPE_YESNO;
    e->Column[5].VariantData.Value.YesNoVal = 1;
    assert_int_equal(ExpertSubmitEvent(k, e), NMERR_SUCCESS);
    ExpertFreeMemory(k, e);
    memset(src, 'Z', sizeof src - 1);

    assert_int_equal(nkept, 2);
    nmx_event *a = kept[0], *b = kept[1];
    assert_string_equal(a->expert, "Top Users");
    assert_int_equal(a->seq, 0);
    assert_int_equal(b->seq, 1);
    assert_string_equal(a->source, "Top Users");
    assert_string_equal(a->name, "Top sender");
    assert_string_equal(b->name, "CHANGED");
    assert_string_equal(a->machine, "");
    assert_string_equal(a->justification, "");
    assert_false(a->has_time);
    assert_int_equal(a->ident, 3);
    assert_int_equal(a->severity, NMEVENT_SEVERITY_WARNING);
    assert_int_equal(a->ncolumns, 4);
    assert_int_equal(b->ncolumns, 6);
    char buf[64];
    assert_string_equal(a->columns[0].name, "Address");
    assert_string_equal(b->columns[0].name, "Xddress");
    assert_string_equal(nmx_event_column_text(&a->columns[0], buf, sizeof buf), "10.0.0.10");
    assert_string_equal(nmx_event_column_text(&a->columns[1], buf, sizeof buf), "1234");
    assert_string_equal(nmx_event_column_text(&a->columns[2], buf, sizeof buf), "12.5");
    assert_string_equal(nmx_event_column_text(&a->columns[3], buf, sizeof buf), "");
    assert_string_equal(b->columns[4].name, "");
    assert_string_equal(nmx_event_column_text(&b->columns[4], buf, sizeof buf),
                        "00:11:22:33:44:55");
    assert_string_equal(nmx_event_column_text(&b->columns[5], buf, sizeof buf), "Yes");
    uint64_t nev = 0;
    assert_int_equal(nmx_session_status(k, NULL, &nev), NMX_OK);
    assert_int_equal(nev, 2);
    nmx_session_close(k, NULL);
    reset();
}

static void t_event_columns_capped_by_block(void **s)
{
    (void)s;
    reset();
    HEXPERTKEY k = open_session();
    /* room for exactly 2 columns, but NumColumns claims 200 (E8) */
    size_t sz = offsetof(NMEVENTDATA, Column) + 2 * sizeof(NMCOLUMNINFO);
    PNMEVENTDATA e = ExpertAllocMemory(k, sz, NULL);
    e->NumColumns = 200;
    assert_int_equal(ExpertSubmitEvent(k, e), NMERR_SUCCESS);
    assert_int_equal(nkept, 1);
    assert_int_equal(kept[0]->ncolumns, 2);
    assert_int_equal(ExpertSubmitEvent(k, NULL), NMERR_INVALID_PARAMETER);
    nmx_session_close(k, NULL);
    reset();
}

static void t_vartime_and_systime(void **s)
{
    (void)s;
    reset();
    HEXPERTKEY k = open_session();
    NMEVENTDATA e;
    memset(&e, 0, sizeof e);
    e.NumColumns = 1;
    e.Column[0].VariantData.Type = NMCOLUMNTYPE_VARTIME;
    e.Column[0].VariantData.Value.VarTimeVal = 45620.5; /* 2024-11-24 12:00 */
    e.SysTime.wYear = 2024;
    e.SysTime.wMonth = 11;
    e.SysTime.wDay = 24;
    assert_int_equal(ExpertSubmitEvent(k, &e), NMERR_SUCCESS);
    char buf[64];
    assert_string_equal(nmx_event_column_text(&kept[0]->columns[0], buf, sizeof buf),
                        "2024-11-24 12:00:00.000");
    assert_true(kept[0]->has_time);
    assert_int_equal(kept[0]->time[0], 2024);
    nmx_session_close(k, NULL);
    reset();
}

static void t_status(void **s)
{
    (void)s;
    reset();
    HEXPERTKEY k = open_session();
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_STARTING, 0, "starting", 0),
                     NMERR_SUCCESS);
    assert_int_equal(last_status.status, EXPERTSTATUS_STARTING);
    assert_string_equal(last_status.text, "starting");
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_RUNNING, 0, NULL, 40), NMERR_SUCCESS);
    assert_string_equal(last_status.text, "starting"); /* S3 */
    assert_int_equal(last_status.percent, 40);
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_RUNNING, 0, "", 150), NMERR_SUCCESS);
    assert_int_equal(last_status.percent, 40); /* > 99 ignored */
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_RUNNING, 0, "", -5), NMERR_SUCCESS);
    assert_int_equal(last_status.percent, 0); /* S1: clamped */
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_PROBLEM, NMERR_OUT_OF_MEMORY, "oom", 50),
                     NMERR_SUCCESS);
    assert_int_equal(last_status.sub_status, NMERR_OUT_OF_MEMORY);
    assert_int_equal(nstatus, 5);
    nmx_session_terminate(k);
    /* after termination: status still recorded, but the answer is TERMINATE */
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_RUNNING, 0, "late", 60),
                     NMERR_EXPERT_TERMINATE);
    assert_string_equal(last_status.text, "late");
    NMEVENTDATA e;
    memset(&e, 0, sizeof e);
    assert_int_equal(ExpertSubmitEvent(k, &e), NMERR_EXPERT_TERMINATE);
    assert_int_equal(nkept, 0); /* events after termination are not kept */
    nmx_status st;
    assert_int_equal(nmx_session_status(k, &st, NULL), NMX_OK);
    assert_int_equal(st.updates, 6);
    nmx_session_close(k, NULL);
    assert_int_equal(ExpertIndicateStatus(k, EXPERTSTATUS_RUNNING, 0, "", 1),
                     NMERR_INVALID_EXPERT_HANDLE);
    reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_event_deep_copy),
        cmocka_unit_test(t_event_columns_capped_by_block),
        cmocka_unit_test(t_vartime_and_systime),
        cmocka_unit_test(t_status),
    };
    return cmocka_run_group_tests_name("events and status", tests, NULL, NULL);
}
