/*
 * test_propdb.c: the protocol and property registry (src/dissect/propdb.c).
 *
 * Lookups as an expert makes them (GetProtocolFromName / GetProperty):
 * case-insensitive, runs of white space collapsed, documented aliases;
 * unknown names; handles that are not ours (garbage, interior pointers,
 * NULL) recognised as such without being dereferenced. And the registry's
 * own consistency over whatever protocols are registered: every name and
 * label finds itself, ids are distinct, every property leads back to its
 * protocol, no two protocols claim one hand-off key.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dissect/dissect_int.h"
#include "nmx_test.h"

/* ---- protocols by name ------------------------------------------------- */

static void test_protocol_names(void **state)
{
    (void)state;
    struct _PROTOCOL *tcp = nmx_protocol_find("TCP");
    assert_non_null(tcp);
    assert_string_equal(nmx_protocol_name(tcp), "TCP");
    assert_ptr_equal(nmx_protocol_find("tcp"), tcp);
    assert_ptr_equal(nmx_protocol_find("Tcp"), tcp);
    assert_ptr_equal(nmx_protocol_find("  tCp \t"), tcp);
    /* aliases */
    struct _PROTOCOL *eth = nmx_protocol_find("ETHERNET");
    assert_non_null(eth);
    assert_ptr_equal(nmx_protocol_find("Ethernet"), eth);
    assert_ptr_equal(nmx_protocol_find("eth"), eth);
    assert_ptr_equal(nmx_protocol_find("802.3"), eth);
    struct _PROTOCOL *ip = nmx_protocol_find("IP");
    assert_non_null(ip);
    assert_ptr_equal(nmx_protocol_find("IPv4"), ip);
    assert_ptr_equal(nmx_protocol_find("ipv4"), ip);
    assert_ptr_equal(nmx_protocol_find("frame"), nmx_protocol_find("FRAME"));
    /* unknown */
    assert_null(nmx_protocol_find("TCPX"));
    assert_null(nmx_protocol_find("TC"));
    assert_null(nmx_protocol_find("T CP"));
    assert_null(nmx_protocol_find(""));
    assert_null(nmx_protocol_find("   "));
    assert_null(nmx_protocol_find(NULL));
    assert_null(nmx_protocol_find("Ethernet|ETH"));   /* the alias list itself is not a name */
}

/* ---- properties by label ---------------------------------------------------- */

static void test_property_labels(void **state)
{
    (void)state;
    struct _PROTOCOL *ip = nmx_protocol_find("IP");
    uintptr_t ttl = nmx_property_find(ip, "Time to Live");
    assert_true(ttl != 0);
    assert_string_equal(nmx_property_info(ttl)->Label, "Time to Live");
    assert_true(nmx_property_find(ip, "time to live") == ttl);
    assert_true(nmx_property_find(ip, "TIME  TO\tLIVE") == ttl);
    assert_true(nmx_property_find(ip, " Time to Live  ") == ttl);
    assert_true(nmx_property_find(ip, "TTL") == ttl);   /* alias */
    assert_true(nmx_property_find(ip, "ttl") == ttl);
    assert_true(nmx_property_find(ip, "TimetoLive") == 0); /* spaces collapse, never vanish */
    assert_true(nmx_property_find(ip, "Time to Liv") == 0);
    assert_true(nmx_property_find(ip, "Time to Live2") == 0);
    assert_true(nmx_property_find(ip, "") == 0);
    assert_true(nmx_property_find(ip, NULL) == 0);
    struct _PROTOCOL *tcp = nmx_protocol_find("TCP");
    uintptr_t ack = nmx_property_find(tcp, "Acknowledgement Number");
    assert_true(ack != 0);
    assert_true(nmx_property_find(tcp, "Acknowledgment Number") == ack); /* the other spelling */
    assert_true(nmx_property_find(tcp, "Window Size") == nmx_property_find(tcp, "Window"));
    /* a label of another protocol is not found in this one */
    assert_true(nmx_property_find(tcp, "Time to Live") == 0);
    /* the property leads back to its protocol */
    assert_ptr_equal(nmx_property_protocol(ttl), ip);
    assert_ptr_equal(nmx_property_protocol(ack), tcp);
    /* properties of a protocol handle that is not one */
    assert_true(nmx_property_find((struct _PROTOCOL *)(uintptr_t)0x1000, "Time to Live") == 0);
    assert_int_equal(nmx_property_count(NULL), 0);
    assert_true(nmx_property_at(ip, nmx_property_count(ip)) == 0);
}

/* ---- handles that are not ours ------------------------------------------------ */

static int fake_static;

static void test_garbage_handles(void **state)
{
    (void)state;
    struct _PROTOCOL *tcp = nmx_protocol_find("TCP");
    assert_non_null(tcp);
    /* NULL, small integers, wild pointers, interior pointers of a record */
    struct _PROTOCOL *bad[] = {
        NULL,
        (struct _PROTOCOL *)(uintptr_t)1,
        (struct _PROTOCOL *)(uintptr_t)0xDEADBEEF,
        (struct _PROTOCOL *)(uintptr_t)UINTPTR_MAX,
        (struct _PROTOCOL *)(void *)((char *)tcp + 1),
        (struct _PROTOCOL *)(void *)((char *)tcp + sizeof(PROTOCOLINFO)),
        (struct _PROTOCOL *)(void *)&fake_static,
        (struct _PROTOCOL *)(void *)&bad,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(nmx_protocol_info(bad[i]));
        assert_null(nmx_protocol_name(bad[i]));
        assert_null(nmx_protocol_comment(bad[i]));
        assert_int_equal(nmx_property_count(bad[i]), 0);
        assert_true(nmx_property_at(bad[i], 0) == 0);
    }
    /* one past the last record */
    struct _PROTOCOL *last = nmx_protocol_at(nmx_protocol_count() - 1);
    assert_non_null(last);
    assert_null(nmx_protocol_at(nmx_protocol_count()));
    assert_null(nmx_protocol_info((struct _PROTOCOL *)(void *)((char *)last + sizeof *last)));

    uintptr_t ttl = nmx_property_find(nmx_protocol_find("IP"), "Time to Live");
    uintptr_t badp[] = {
        0, 1, 0xDEADBEEF, UINTPTR_MAX, ttl + 1, ttl - 1, ttl + sizeof(PROPERTYINFO),
        (uintptr_t)tcp, (uintptr_t)&badp,
    };
    for (size_t i = 0; i < sizeof badp / sizeof badp[0]; i++) {
        assert_null(nmx_property_info(badp[i]));
        assert_null(nmx_property_protocol(badp[i]));
    }
}

/* ---- the registry's consistency ------------------------------------------- */

static void test_registry_consistency(void **state)
{
    (void)state;
    unsigned n = nmx_protocol_count();
    assert_true(n >= 5);
    assert_int_equal(n, nmx__nprotocols);
    for (unsigned i = 0; i < n; i++) {
        struct _PROTOCOL *h = nmx_protocol_at(i);
        PROTOCOLINFO *pi = nmx_protocol_info(h);
        assert_non_null(pi);
        const char *name = nmx_protocol_name(h);
        assert_true(strlen(name) > 0 && strlen(name) < sizeof pi->ProtocolName);
        assert_string_equal((const char *)pi->ProtocolName, name);
        assert_non_null(nmx_protocol_comment(h));
        /* its own name, and every alias, finds it */
        assert_ptr_equal(nmx_protocol_find(name), h);
        char lower[64];
        size_t k = 0;
        for (; name[k] && k < sizeof lower - 1; k++)
            lower[k] = (char)tolower((unsigned char)name[k]);
        lower[k] = 0;
        assert_ptr_equal(nmx_protocol_find(lower), h);
        const char *al = h->def->aliases;
        while (al && *al) {
            char one[64];
            size_t len = strcspn(al, "|");
            assert_true(len > 0 && len < sizeof one);
            memcpy(one, al, len);
            one[len] = 0;
            if (nmx_protocol_find(one) != h)
                fail_msg("alias '%s' of %s finds %s", one, name,
                         nmx_protocol_find(one) ? nmx_protocol_name(nmx_protocol_find(one)) : "nothing");
            al += len + (al[len] == '|');
        }
        /* ids are distinct and 1-based in registry order */
        assert_int_equal(pi->ProtocolID, i + 1);
        assert_non_null(pi->PropertyDatabase);
        assert_int_equal(pi->PropertyDatabase->nProperties, nmx_property_count(h));
        for (unsigned p = 0; p < nmx_property_count(h); p++) {
            uintptr_t hp = nmx_property_at(h, p);
            PROPERTYINFO *info = nmx_property_info(hp);
            assert_non_null(info);
            assert_ptr_equal(pi->PropertyDatabase->PropertyInfo[p], info);
            assert_true((uintptr_t)info->hProperty == hp);
            assert_ptr_equal(nmx_property_protocol(hp), h);
            assert_non_null(info->Label);
            assert_true(info->DataType <= PROP_TYPE_IP6_ADDRESS);
            if (nmx_property_find(h, info->Label) != hp)
                fail_msg("%s: label '%s' does not find itself", name, info->Label);
        }
    }
}

/* No two protocols claim one hand-off key (the registry aborts at start-up
 * when they do; this checks the same from the descriptors, independently),
 * and every claimed key leads to its protocol. */
static void test_handoff_keys(void **state)
{
    (void)state;
    nmx_protocol_count(); /* builds the registry and the hand-off tables */
    unsigned claims = 0;
    for (unsigned i = 0; i < nmx__nprotocols; i++) {
        const nmx_protocol *p = nmx__protocols[i];
        for (unsigned k = 0; k < NMX_MAX_HANDOFF; k++) {
            nmx_handoff h = p->handoff[k];
            if (h.table == NMX_HO_NONE)
                continue;
            assert_true(h.table < NMX_HO_COUNT_);
            claims++;
            for (unsigned j = 0; j < nmx__nprotocols; j++)
                for (unsigned m = 0; m < NMX_MAX_HANDOFF; m++) {
                    if (j == i && m == k)
                        continue;
                    nmx_handoff o = nmx__protocols[j]->handoff[m];
                    if (o.table == h.table && o.key == h.key)
                        fail_msg("%s and %s both claim key %u of table %u", p->name,
                                 nmx__protocols[j]->name, h.key, h.table);
                }
            assert_ptr_equal(nmx__handoff_find((nmx_ho)h.table, h.key), p);
        }
    }
    assert_true(claims >= 5);
    assert_ptr_equal(nmx__handoff_find(NMX_HO_ETHERTYPE, 0x0800), &nmx_proto_ipv4);
    assert_null(nmx__handoff_find(NMX_HO_NONE, 0));
    assert_null(nmx__handoff_find(NMX_HO_COUNT_, 0));
    assert_null(nmx__handoff_find((nmx_ho)1000, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_names),     cmocka_unit_test(test_property_labels),
        cmocka_unit_test(test_garbage_handles),    cmocka_unit_test(test_registry_consistency),
        cmocka_unit_test(test_handoff_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
