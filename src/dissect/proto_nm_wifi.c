/*
 * \summary: Network Monitor 802.11 frame with radio metadata (media type 6)
 *
 * specification: netmon-expert-api.md §11.5: Network Monitor 3.x uses media
 * type 6 for 802.11 frames preceded by its own radio metadata header. The
 * metadata's layout has no Microsoft description in the material this
 * project follows, so the whole record is named and shown as data rather
 * than guessed at.
 *
 * Brought here by: Network Monitor media type 6. Hands off nothing.
 *
 * Name and summary are ours: "NETMON_WIFI: 802.11 frame with Network
 * Monitor metadata, 120 bytes".
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

#define WIFI_PROPS(X) \
    X(WIFI_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(WIFI_DATA, "Wireless Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { WIFI_PROPS(NMX_PROP_ENUM) WIFI_NPROPS };
static nmx_propdef wifi_props[] = { WIFI_PROPS(NMX_PROP_DEF) };

static void wifi_dissect(nmx_dis *d, nmx_span s)
{
    nmx_dis_attach(d, WIFI_SUMMARY, 0, s.len);
    nmx_dis_attach(d, WIFI_DATA, 0, s.len);
}

static size_t wifi_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != WIFI_SUMMARY)
        return (size_t)-1;
    return (size_t)snprintf(buf, n, "802.11 frame with Network Monitor metadata, %u bytes",
                            c->layer->length);
}

const nmx_protocol nmx_proto_nm_wifi = {
    .name = "NETMON_WIFI",
    .comment = "Network Monitor 802.11 frame with metadata",
    .props = wifi_props,
    .nprops = WIFI_NPROPS,
    .dissect = wifi_dissect,
    .format = wifi_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 6 } },
};
