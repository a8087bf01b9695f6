/*
 * \summary: Message Analyzer records in Network Monitor files (media types
 * 0xE080-0xE08A)
 *
 * specification: netmon-expert-api.md §11.5: Microsoft Message Analyzer
 * exports some of its message types into Network Monitor files with media
 * types 0xE080 (802.11 "WiFi message"), 0xE083-0xE088 (Windows Filtering
 * Platform captures: IPv4, IPv6, two further IPv4/IPv6 forms, and
 * authorization records for IPv4 and IPv6) and others in 0xE080-0xE08A
 * without a public name. No public document gives their layouts, so each
 * record is named by its type and shown as data, never read as network
 * bytes.
 *
 * Brought here by: Network Monitor media types 0xE080 to 0xE08A. Hands off
 * nothing.
 *
 * Name and summary are ours: "NETMON_MA: WFP capture (IPv4), media type
 * 0xE083, 120 bytes".
 */
#include <stdio.h>

#include "dissect/dissect_int.h"

static LABELED_WORD ma_types[] = {
    { 0xE080, NMX_STR("WiFi message") },
    { 0xE083, NMX_STR("WFP capture (IPv4)") }, { 0xE084, NMX_STR("WFP capture (IPv6)") },
    { 0xE085, NMX_STR("WFP capture 2 (IPv4)") }, { 0xE086, NMX_STR("WFP capture 2 (IPv6)") },
    { 0xE087, NMX_STR("WFP authorization (IPv4)") }, { 0xE088, NMX_STR("WFP authorization (IPv6)") },
};
static SET ma_type_set = { sizeof ma_types / sizeof ma_types[0], { .lpLabeledWordTable = ma_types } };

#define MA_PROPS(X) \
    X(MA_SUMMARY, "Summary", PROP_TYPE_SUMMARY, PROP_QUAL_NONE, NULL, 0, 0, NMX_FMT_CUSTOM, NULL) \
    X(MA_TYPE, "Media Type", PROP_TYPE_WORD, PROP_QUAL_LABELED_SET, &ma_type_set, 0, 1, NMX_FMT_HEXSET, NULL) \
    X(MA_DATA, "Message Data", PROP_TYPE_RAW_DATA, PROP_QUAL_NONE, NULL, 0, 1, NMX_FMT_REMAINING, "Data")

enum { MA_PROPS(NMX_PROP_ENUM) MA_NPROPS };
static nmx_propdef ma_props[] = { MA_PROPS(NMX_PROP_DEF) };

static void ma_dissect(nmx_dis *d, nmx_span s)
{
    int64_t prev;
    const nmx_frame *fr = nmx__dis_frame_rec(d, &prev);
    uint16_t media = fr->netmon_media;
    nmx_dis_set_aux(d, 0, media);
    nmx_dis_attach(d, MA_SUMMARY, 0, s.len);
    nmx_dis_attach_ex(d, MA_TYPE, 0, 0, &media, sizeof media, 1);
    nmx_dis_attach(d, MA_DATA, 0, s.len);
}

static size_t ma_format(const nmx_fmtctx *c, char *buf, size_t n)
{
    if (c->prop != MA_SUMMARY)
        return (size_t)-1;
    unsigned media = nmx_fmt_aux(c, 0);
    const char *name = "Message Analyzer record";
    for (size_t i = 0; i < ma_type_set.nEntries; i++)
        if (ma_types[i].Value == media)
            name = ma_types[i].Label;
    return (size_t)snprintf(buf, n, "%s, media type 0x%04X, %u bytes", name, media,
                            c->layer->length);
}

const nmx_protocol nmx_proto_nm_ma = {
    .name = "NETMON_MA",
    .comment = "Message Analyzer record",
    .props = ma_props,
    .nprops = MA_NPROPS,
    .dissect = ma_dissect,
    .format = ma_format,
    .handoff = { { NMX_HO_NETMON_MEDIA, 0xE080 }, { NMX_HO_NETMON_MEDIA, 0xE081 },
                 { NMX_HO_NETMON_MEDIA, 0xE082 }, { NMX_HO_NETMON_MEDIA, 0xE083 },
                 { NMX_HO_NETMON_MEDIA, 0xE084 }, { NMX_HO_NETMON_MEDIA, 0xE085 },
                 { NMX_HO_NETMON_MEDIA, 0xE086 }, { NMX_HO_NETMON_MEDIA, 0xE087 },
                 { NMX_HO_NETMON_MEDIA, 0xE088 }, { NMX_HO_NETMON_MEDIA, 0xE089 },
                 { NMX_HO_NETMON_MEDIA, 0xE08A } },
};
