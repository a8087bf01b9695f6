/*
 * \summary: Network Monitor ATM pseudo-header (media type 4)
 *
 * specification: netmon-expert-api.md §11.4: a Network Monitor 2.x frame of
 * media type 4 (ATM) starts with a 16-byte pseudo-header: destination (6
 * bytes), source (6), VPI (2, big-endian) and VCI (2, big-endian); the
 * cells' payload follows. What the payload carries depends on the virtual
 * circuit's configuration, which the file does not record: it is shown as
 * data.
 *
 * Brought here by: Network Monitor media type 4 (no pcap link type
 * matches it). Hands off nothing.
 *
 * Name, labels and summary are ours: "NETMON_ATM: VPI = 0, VCI = 32".
 *
 *   +----------------------+----------------------+-------+-------+- - -
 *   |  Destination (6)     |  Source (6)          |  VPI  |  VCI  | data
 *   +----------------------+----------------------+-------+-------+- - -
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define ATM_PROPS(X) \
    X(ATM_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(ATM_DST, "Destination address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Destination Address") \
    X(ATM_SRC, "Source address", PROP_TYPE_ETHERNET_ADDRESS, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_COLON, "Source Address") \
    X(ATM_VPI, "VPI", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Virtual Path Identifier") \
    X(ATM_VCI, "VCI", PROP_TYPE_WORD, PROP_QUAL_NONE, NULL, NMX_SW, 1, NMX_FMT_DEFAULT, "Virtual Channel Identifier") \
    X(ATM_DATA, "ATM Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { ATM_PROPS(NMX_PROP_ENUM) ATM_NPROPS };
static nmx_propdef atm_props[] = { ATM_PROPS(NMX_PROP_DEF) };

#define ATM_HDR 16

static void atm_dissect(nmx_dis *d, nmx_span s)
{
    nmx_rd r = nmx_dis_rd(d, s);
    nmx_dis_attach(d, ATM_SUMMARY, 0, r.len < ATM_HDR ? r.len : ATM_HDR);
    nmx_dis_attach(d, ATM_DST, 0, 6);
    nmx_dis_attach(d, ATM_SRC, 6, 6);
    nmx_dis_attach(d, ATM_VPI, 12, 2);
    nmx_dis_attach(d, ATM_VCI, 14, 2);
    if (!nmx_rd_need(&r, 0, ATM_HDR)) {
        nmx_dis_truncated(d);
        return;
    }
    nmx_dis_set_aux(d, 0, 1);
    if (r.len > ATM_HDR)
        nmx_dis_attach(d, ATM_DATA, ATM_HDR, r.len - ATM_HDR);
}

static size_t atm_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != ATM_SUMMARY)
        return (size_t)-1;
    if (!nmx_fmt_aux(c, 0))
        return (size_t)snprintf(buf, n, "Truncated ATM pseudo-header");
    const uint8_t *h = c->frame + c->layer->offset;
    return (size_t)snprintf(buf, n, "VPI = %u, VCI = %u", (unsigned)h[12] << 8 | h[13],
                            (unsigned)h[14] << 8 | h[15]);
}

const nmx_protocol nmx_proto_nm_atm = {
    .name = "NETMON_ATM",
    .comment = "Network Monitor ATM pseudo-header",
    .props = atm_props,
    .nprops = ATM_NPROPS,
    .dissect = atm_dissect,
    .format = atm_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 4 } },
};
