/*
 * test_dissect_texts.c: detail-pane texts against Network Monitor's own.
 *
 * Frames rebuilt from published Network Monitor 2.x traces (the values
 * their detail panes print), dissected, and every line of the pane that
 * the trace shows compared character for character, with its level:
 *  - Microsoft KB303802 ("HOWTO: Troubleshoot SMB Connections from
 *    IIS/ASP", Windows 2000): frame 14957, Ethernet II, IP, TCP from port
 *    139 with 75 bytes of NBT data;
 *  - Microsoft KB172983 (a SYN with the MSS option) for TCP options;
 *  - a DHCP Discover quoted on forum-microsoft.org (2008) for UDP to a
 *    broadcast address.
 * The lines are in docs/dissectors.md's format: "PROTO: text", indented 4
 * spaces per level, "+ " before a summary.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "netmon.h"
#include "nmexpert/dissect.h"
#include "nmx_test.h"

#define MAXL 256

struct pane {
    unsigned n;
    char line[MAXL][160];
};

static void render(nmx_dissector *d, struct pane *p)
{
    PROPERTYTABLE *pt = nmx_dissect_properties(d);
    char buf[160];
    p->n = 0;
    for (unsigned li = 0; li < nmx_dissect_nlayers(d); li++) {
        const nmx_layer *l = nmx_dissect_layer(d, li);
        for (uint32_t k = 0; k < l->ninst && p->n < MAXL; k++) {
            PROPERTYINST *pi = &pt->lpFirstPropertyInst[l->first_inst + k];
            nmx_dissect_text(d, pi, buf, sizeof buf);
            if (pi->Level == 0)
                snprintf(p->line[p->n++], sizeof p->line[0], "+ %s: %s", l->name, buf);
            else
                snprintf(p->line[p->n++], sizeof p->line[0], "%*s%s: %s", 4 * pi->Level, "",
                         l->name, buf);
            for (unsigned b = 0; b < nmx_dissect_nbits(d, pi) && p->n < MAXL; b++) {
                nmx_dissect_bit_text(d, pi, b, buf, sizeof buf);
                snprintf(p->line[p->n++], sizeof p->line[0], "%*s%s: %s", 4 * (pi->Level + 1), "",
                         l->name, buf);
            }
        }
    }
}

/* Every expected line is in the pane, in this order. */
static void expect_lines(const struct pane *p, const char *const *want, size_t nwant)
{
    unsigned at = 0;
    for (size_t i = 0; i < nwant; i++) {
        unsigned j = at;
        while (j < p->n && strcmp(p->line[j], want[i]) != 0)
            j++;
        if (j == p->n) {
            for (unsigned k = 0; k < p->n; k++)
                fprintf(stderr, "  | %s\n", p->line[k]);
            fail_msg("line not found (in order): '%s'", want[i]);
        }
        at = j + 1;
    }
}

static size_t put(uint8_t *f, size_t o, const char *hex)
{
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            fail();
        f[o++] = (uint8_t)v;
    }
    return o;
}

/* KB303802: 129 bytes, 00508BF1348F <- 0060083194AD, IP ID 0x6B1F, TTL 128,
 * DF, checksum 0xDE97, 172.26.204.104 -> 172.26.204.32, TCP 139 -> 1266
 * (0x04F2), seq 979481609, ack 4234385737, win 2920, .AP..., 75 bytes. */
static void test_kb303802(void **state)
{
    (void)state;
    uint8_t f[129];
    memset(f, 0x41, sizeof f);
    size_t o = put(f, 0, "00508BF1348F" "0060083194AD" "0800");
    o = put(f, o, "4500" "0073" "6B1F" "4000" "80" "06" "DE97" "AC1ACC68" "AC1ACC20");
    o = put(f, o, "008B" "04F2" "3A61B409" "FC639949" "5018" "0B68" "F213" "0000");
    assert_int_equal(o, 54);
    nmx_frame fr = { .number = 14956, .caplen = 129, .wirelen = 129, .data = f, .linktype = 1,
                     /* 7/3/2001 23:29:45.187 UTC */
                     .ts_ns = INT64_C(994202985187000000) };
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    assert_int_equal(nmx_dissect(d, &fr, fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
    static struct pane p;
    render(d, &p);
    static const char *const want[] = {
        "+ FRAME: Base frame properties",
        "    FRAME: Time of capture = 7/3/2001 23:29:45.187",
        "    FRAME: Time delta from previous physical frame: 0 microseconds",
        "    FRAME: Frame number: 14957",
        "    FRAME: Total frame length: 129 bytes",
        "    FRAME: Capture frame length: 129 bytes",
        "    FRAME: Frame data: Number of data bytes remaining = 129 (0x0081)",
        "+ ETHERNET: ETYPE = 0x0800 : Protocol = IP:  DOD Internet Protocol",
        "    ETHERNET: Destination address : 00508BF1348F",
        "        ETHERNET: .......0 = Individual address",
        "        ETHERNET: ......0. = Universally administered address",
        "    ETHERNET: Source address : 0060083194AD",
        "        ETHERNET: .......0 = No routing information present",
        "        ETHERNET: ......0. = Universally administered address",
        "    ETHERNET: Frame Length : 129 (0x0081)",
        "    ETHERNET: Ethernet Type : 0x0800 (IP:  DOD Internet Protocol)",
        "    ETHERNET: Ethernet Data: Number of data bytes remaining = 115 (0x0073)",
        "+ IP: ID = 0x6B1F; Proto = TCP; Len: 115",
        "    IP: Version = 4 (0x4)",
        "    IP: Header Length = 20 (0x14)",
        "    IP: Precedence = Routine",
        "    IP: Type of Service = Normal Service",
        "    IP: Total Length = 115 (0x73)",
        "    IP: Identification = 27423 (0x6B1F)",
        "    IP: Flags Summary = 2 (0x2)",
        "        IP: .......0 = Last fragment in datagram",
        "        IP: ......1. = Cannot fragment datagram",
        "    IP: Fragment Offset = 0 (0x0) bytes",
        "    IP: Time to Live = 128 (0x80)",
        "    IP: Protocol = TCP - Transmission Control",
        "    IP: Checksum = 0xDE97",
        "    IP: Source Address = 172.26.204.104",
        "    IP: Destination Address = 172.26.204.32",
        "    IP: Data: Number of data bytes remaining = 95 (0x005F)",
        "+ TCP: .AP..., len:   75, seq: 979481609-979481684, ack:4234385737, win: 2920, "
        "src:  139 (NBT Session)  dst: 1266",
        "    TCP: Source Port = NETBIOS Session Service",
        "    TCP: Destination Port = 0x04F2",
        "    TCP: Sequence Number = 979481609 (0x3A61B409)",
        "    TCP: Acknowledgement Number = 4234385737 (0xFC639949)",
        "    TCP: Data Offset = 20 (0x14)",
        "    TCP: Reserved = 0 (0x0000)",
        "    TCP: Flags = 0x18 : .AP...",
        "        TCP: ..0..... = No urgent data",
        "        TCP: ...1.... = Acknowledgement field significant",
        "        TCP: ....1... = Push function",
        "        TCP: .....0.. = No Reset",
        "        TCP: ......0. = No Synchronize",
        "        TCP: .......0 = No Fin",
        "    TCP: Window = 2920 (0xB68)",
        "    TCP: Checksum = 0xF213",
        "    TCP: Urgent Pointer = 0 (0x0)",
        "    TCP: Data: Number of data bytes remaining = 75 (0x004B)",
    };
    expect_lines(&p, want, sizeof want / sizeof want[0]);
    nmx_dissector_free(d);
}

/* KB172983: a SYN with the MSS option (Data Offset 24), IP Len 44. */
static void test_kb172983_options(void **state)
{
    (void)state;
    uint8_t f[58];
    size_t o = put(f, 0, "00A0C9A1B2C3" "00A0C9D4E5F6" "0800");
    o = put(f, o, "4500" "002C" "0100" "4000" "80" "06" "0000" "0A000001" "0A000002");
    o = put(f, o, "040D" "008B" "007D747E" "00000000" "6002" "2000" "F213" "0000" "020405B4");
    assert_int_equal(o, 58);
    nmx_frame fr = { .caplen = 58, .wirelen = 58, .data = f, .linktype = 1 };
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    assert_int_equal(nmx_dissect(d, &fr, 0, NMX_DIS_ATTACH), NMX_OK);
    static struct pane p;
    render(d, &p);
    static const char *const want[] = {
        "+ TCP: ....S., len:    4, seq:   8221822-8221826, ack:         0, win: 8192, "
        "src: 1037  dst:  139 (NBT Session)",
        "    TCP: Source Port = 0x040D",
        "    TCP: Destination Port = NETBIOS Session Service",
        "    TCP: Sequence Number = 8221822 (0x7D747E)",
        "    TCP: Acknowledgement Number = 0 (0x0)",
        "    TCP: Data Offset = 24 (0x18)",
        "    TCP: Reserved = 0 (0x0000)",
        "    TCP: Flags = 0x02 : ....S.",
        "        TCP: ......1. = Synchronize sequence numbers",
        "    TCP: Window = 8192 (0x2000)",
        "    TCP: Checksum = 0xF213",
        "    TCP: Urgent Pointer = 0 (0x0)",
        "    TCP: Options",
        "        TCP: Option Kind (Maximum Segment Size) = 2 (0x2)",
        "        TCP: Option Length = 4 (0x4)",
        "        TCP: Option Value = 1460 (0x5B4)",
    };
    expect_lines(&p, want, sizeof want / sizeof want[0]);
    nmx_dissector_free(d);
}

/* The forum's DHCP Discover: 0.0.0.0:68 -> 255.255.255.255:67, 308 bytes. */
static void test_udp_broadcast(void **state)
{
    (void)state;
    uint8_t f[14 + 20 + 308];
    memset(f, 0, sizeof f);
    size_t o = put(f, 0, "FFFFFFFFFFFF" "00A0C9D4E5F6" "0800");
    o = put(f, o, "4500" "0148" "0000" "0000" "80" "11" "0000" "00000000" "FFFFFFFF");
    o = put(f, o, "0044" "0043" "0134" "A55B");
    nmx_frame fr = { .caplen = sizeof f, .wirelen = sizeof f, .data = f, .linktype = 1 };
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    assert_int_equal(nmx_dissect(d, &fr, 0, NMX_DIS_ATTACH), NMX_OK);
    static struct pane p;
    render(d, &p);
    static const char *const want[] = {
        "    ETHERNET: Destination address : FFFFFFFFFFFF",
        "        ETHERNET: .......1 = Group address",
        "        ETHERNET: ......1. = Locally administered address",
        "    IP: Protocol = UDP - User Datagram",
        "+ UDP: IP Multicast: Src Port: BOOTP Client, (68); Dst Port: BOOTP Server (67); "
        "Length = 308 (0x134)",
        "    UDP: Source Port = BOOTP Client",
        "    UDP: Destination Port = BOOTP Server",
        "    UDP: Total length = 308 (0x134) bytes",
        "    UDP: UDP Checksum = 0xA55B",
        "    UDP: Data: Number of data bytes remaining = 300 (0x012C)",
    };
    expect_lines(&p, want, sizeof want / sizeof want[0]);
    nmx_dissector_free(d);
}

/* Any two times a caller passes give a delta without overflow (the
 * sanitizer build aborts on signed overflow). */
static void test_extreme_times(void **state)
{
    (void)state;
    uint8_t f[14] = { 0 };
    nmx_frame fr = { .caplen = 14, .wirelen = 14, .data = f, .linktype = 1, .ts_ns = INT64_MAX };
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    static struct pane p;
    assert_int_equal(nmx_dissect(d, &fr, INT64_MIN, NMX_DIS_ATTACH), NMX_OK);
    render(d, &p);
    static const char *const up[] = {
        "    FRAME: Time delta from previous physical frame: 9223372036854775 microseconds" };
    expect_lines(&p, up, 1);
    fr.ts_ns = INT64_MIN;
    assert_int_equal(nmx_dissect(d, &fr, INT64_MAX, NMX_DIS_ATTACH), NMX_OK);
    render(d, &p);
    static const char *const down[] = {
        "    FRAME: Time delta from previous physical frame: -9223372036854775 microseconds" };
    expect_lines(&p, down, 1);
    nmx_dissector_free(d);
}

/* "Time of capture" is the UTC civil time, as gmtime_r gives it, for
 * times around leap days, century years, 1970 and before it. */
static void test_capture_times(void **state)
{
    (void)state;
    static const int64_t secs[] = {
        0, -1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800, 4107542400 /* 2100-03-01 */,
        4107456000, 994202985, -2208988800 /* 1900-01-01 */, -9000000000 /* 1684 */,
        9000000000 /* 2255 */, 1709164800 /* 2024-02-29 */, -86401,
    };
    uint8_t f[14] = { 0 };
    nmx_dissector *d = nmx_dissector_new();
    assert_non_null(d);
    static struct pane p;
    uint64_t rng = 88172645463325252u;
    for (size_t i = 0; i < sizeof secs / sizeof secs[0] + 2000; i++) {
        int64_t s;
        if (i < sizeof secs / sizeof secs[0]) {
            s = secs[i];
        } else { /* random seconds between 1900 and 2200 */
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            s = -2208988800 + (int64_t)(rng % UINT64_C(9467280000));
        }
        /* Each time, then another second of the same day (the dissector
         * keeps the last date: both paths are checked). */
        int64_t sod = ((s % 86400) + 86400) % 86400;
        for (int k = 0; k < 2; k++, s += (sod + 40000) % 86400 - sod) {
            int64_t ms = (int64_t)((i + (size_t)k) * 7 % 1000);
            nmx_frame fr = { .caplen = 14, .wirelen = 14, .data = f, .linktype = 1,
                             .ts_ns = s * 1000000000 + ms * 1000000 };
            assert_int_equal(nmx_dissect(d, &fr, fr.ts_ns, NMX_DIS_ATTACH), NMX_OK);
            render(d, &p);
            time_t t = (time_t)s;
            struct tm tm;
            assert_non_null(gmtime_r(&t, &tm));
            char want[128];
            snprintf(want, sizeof want,
                     "    FRAME: Time of capture = %d/%d/%d %02d:%02d:%02d.%03d", tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
            const char *const w[] = { want };
            expect_lines(&p, w, 1);
            /* The value experts read: the SYSTEMTIME, day of the week too. */
            const PROPERTYTABLE *pt = nmx_dissect_properties(d);
            const PROPERTYINST *ti = &pt->lpFirstPropertyInst[1];
            assert_string_equal(ti->lpPropertyInfo->Label, "Time of capture");
            assert_int_equal(ti->DataLength, PROPERTYINST_EX_LENGTH);
            SYSTEMTIME st;
            memcpy(&st, ti->lpPropertyInstEx->Byte, sizeof st);
            assert_int_equal(st.wYear, tm.tm_year + 1900);
            assert_int_equal(st.wMonth, tm.tm_mon + 1);
            assert_int_equal(st.wDay, tm.tm_mday);
            assert_int_equal(st.wDayOfWeek, tm.tm_wday);
            assert_int_equal(st.wHour, tm.tm_hour);
            assert_int_equal(st.wMinute, tm.tm_min);
            assert_int_equal(st.wSecond, tm.tm_sec);
            assert_int_equal(st.wMilliseconds, ms);
        }
    }
    nmx_dissector_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb303802),
        cmocka_unit_test(test_kb172983_options),
        cmocka_unit_test(test_udp_broadcast),
        cmocka_unit_test(test_extreme_times),
        cmocka_unit_test(test_capture_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
