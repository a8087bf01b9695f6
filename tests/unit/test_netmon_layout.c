/*
 * test_netmon_layout.c: netmon.h against the published values of the
 * Network Monitor 2.x expert interface: constants, error codes, helper
 * macros, and structure sizes/offsets of the ABI being built (LP64 natural
 * alignment or i386 byte packing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "netmon.h"
#include "nmexpert/common.h"

/* Defined in netmon_standalone.c. */
SIZE_T nmx_netmon_standalone_event(PNMEVENTDATA pEvent, LPSTR szSource, DWORD EventIdent);

#if defined(__x86_64__) || defined(__aarch64__)
#  if defined(__LP64__)
#    define NMX_TEST_LP64 1
#  endif
#endif

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#  if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#    define NMX_TEST_LITTLE_ENDIAN 1
#  endif
#endif

#define assert_off(type, member, off) assert_int_equal(offsetof(type, member), (off))
#define assert_size(type, size)       assert_int_equal(sizeof(type), (size))

/* ------------------------------------------------------------------------ */

static void test_base_types(void **state)
{
    LARGE_INTEGER li;

    (void)state;
    assert_size(BYTE, 1);
    assert_size(WORD, 2);
    assert_size(DWORD, 4);
    assert_size(LONG, 4);
    assert_size(ULONG, 4);
    assert_size(BOOL, 4);
    assert_size(BOOLEAN, 1);
    assert_size(WCHAR, 2);
    assert_size(__int64, 8);
    assert_size(SIZE_T, sizeof(void *));
    assert_size(DWORD_PTR, sizeof(void *));
    assert_size(HPROPERTY, sizeof(void *));
    assert_size(SYSTEMTIME, 16);
    assert_off(SYSTEMTIME, wDayOfWeek, 4);
    assert_off(SYSTEMTIME, wMilliseconds, 14);
    assert_size(LARGE_INTEGER, 8);
    assert_size(FILETIME, 8);

    /* LONG is signed, DWORD unsigned, both 32-bit. */
    assert_true((LONG)-1 < 0);
    assert_true((DWORD)-1 == 0xFFFFFFFFu);
    assert_int_equal(TRUE, 1);
    assert_int_equal(FALSE, 0);

    li.QuadPart = 0x1122334455667788LL;
    assert_int_equal(li.LowPart, 0x55667788u);
    assert_int_equal(li.HighPart, 0x11223344);
    assert_int_equal(li.u.LowPart, 0x55667788u);
    assert_int_equal(li.u.HighPart, 0x11223344);
    li.QuadPart = -2;
    assert_int_equal(li.HighPart, -1);
    assert_int_equal(li.LowPart, 0xFFFFFFFEu);
}

static void test_size_constants(void **state)
{
    (void)state;
    assert_int_equal(MAX_PATH, 260);
    assert_int_equal(EXPERTSTRINGLENGTH, 260);
    assert_int_equal(EXPERTGROUPNAMELENGTH, 25);
    assert_int_equal(MAC_ADDRESS_SIZE, 6);
    assert_int_equal(IP_ADDRESS_SIZE, 4);
    assert_int_equal(IP6_ADDRESS_SIZE, 16);
    assert_int_equal(MAX_ADDRESS_SIZE, 10);
    assert_int_equal(MAX_NAME_SIZE, 32);
    assert_int_equal(MACHINE_NAME_LENGTH, 16);
    assert_int_equal(USER_NAME_LENGTH, 32);
    assert_int_equal(ADAPTER_COMMENT_LENGTH, 32);
    assert_int_equal(MAX_PROTOCOL_COMMENT_LEN, 256);
    assert_int_equal(NETMON_MAX_PROTOCOL_NAME_LEN, 16);
    assert_int_equal(MAX_PROTOCOL_NAME_LEN, 16);
    assert_int_equal(INVALID_FRAME_NUMBER, 0xFFFFFFFFu);
    assert_int_equal(sizeof(INVALID_FRAME_NUMBER), 4);
}

static void test_word_macros_and_identifiers(void **state)
{
    DWORD id;
    char bytes[4];

    (void)state;
    assert_int_equal(MAKEWORD(0x34, 0x12), 0x1234);
    assert_int_equal(MAKELONG(0x5678, 0x1234), 0x12345678);
    assert_int_equal(LOWORD(0x12345678u), 0x5678);
    assert_int_equal(HIWORD(0x12345678u), 0x1234);

    assert_int_equal(MAKE_IDENTIFIER('G', 'M', 'B', 'U'), 0x55424D47u);
    assert_int_equal(NETMON_2_0_CAPTUREFILE_SIGNATURE, 0x55424D47u);
    assert_int_equal(NETMON_1_0_CAPTUREFILE_SIGNATURE, 0x53535452u);
    assert_int_equal(HANDLE_TYPE_INVALID, 0xFFFFFFFFu);
    assert_int_equal(HANDLE_TYPE_CAPTURE, 0x24504143u);   /* 'C' in the low byte */
    assert_int_equal(HANDLE_TYPE_PARSER, MAKE_IDENTIFIER('P', 'S', 'R', '$'));
    assert_int_equal(HANDLE_TYPE_ADDRESSDB, MAKE_IDENTIFIER('A', 'D', 'R', '$'));
    assert_int_equal(HANDLE_TYPE_PROTOCOL, MAKE_IDENTIFIER('P', 'R', 'T', '$'));
    assert_int_equal(HANDLE_TYPE_BUFFER, MAKE_IDENTIFIER('B', 'U', 'F', '$'));

#if defined(NMX_TEST_LITTLE_ENDIAN)
    /* On disk the 2.x magic reads "GMBU". */
    id = NETMON_2_0_CAPTUREFILE_SIGNATURE;
    memcpy(bytes, &id, sizeof(bytes));
    assert_memory_equal(bytes, "GMBU", 4);
#else
    (void)id;
    (void)bytes;
#endif

    assert_int_equal(CAPTUREFILE_VERSION_MAJOR, 2);
    assert_int_equal(CAPTUREFILE_VERSION_MINOR, 0);
    assert_int_equal(MakeVersion(2, 0), 0x0200);
    assert_int_equal(MakeVersion(2, 3), 0x0203);
    assert_int_equal(MakeVersion(CAPTUREFILE_VERSION_MAJOR, CAPTUREFILE_VERSION_MINOR), 0x0200);

    assert_int_equal(XCHG(0x1234), 0x3412);
    assert_int_equal(DXCHG(0x12345678u), 0x78563412u);
    assert_int_equal(sizeof(XCHG(0x1234)), sizeof(WORD));
    assert_int_equal(sizeof(DXCHG(0x12345678u)), sizeof(DWORD));
}

static void test_error_codes(void **state)
{
    HRESULT hr;

    (void)state;
    assert_int_equal(NMERR_SUCCESS, 0);
    assert_int_equal(NMERR_MEMORY_MAPPED_FILE_ERROR, 1);
    assert_int_equal(NMERR_INVALID_HFILTER, 2);
    assert_int_equal(NMERR_INVALID_HFRAME, 11);
    assert_int_equal(NMERR_OUT_OF_MEMORY, 19);
    assert_int_equal(NMERR_OUT_OF_RANGE, 24);
    assert_int_equal(NMERR_PROTOCOL_NOT_FOUND, 35);
    assert_int_equal(NMERR_NO_FRAMES, 38);
    assert_int_equal(NMERR_INVALID_FILE_FORMAT, 39);
    assert_int_equal(NMERR_NO_PROTOCOLS_ENABLED, 42);
    assert_int_equal(NMERR_UNKNOWN_MACTYPE, 46);
    assert_int_equal(NMERR_FRAME_NOT_FOUND, 51);
    assert_int_equal(NMERR_NO_HANDLES, 53);
    assert_int_equal(NMERR_INVALID_PACKET_LENGTH, 67);
    assert_int_equal(NMERR_INTERNAL_EXCEPTION, 69);
    assert_int_equal(NMERR_PROMISCUOUS_MODE_NOT_SUPPORTED, 70);
    assert_int_equal(NMERR_INVALID_PARAMETER, 76);
    assert_int_equal(NMERR_FILE_READ_ERROR, 77);
    assert_int_equal(NMERR_NOT_SUPPORTED, 90);
    assert_int_equal(NMERR_NETWORK_ERROR, 99);
    assert_int_equal(NMERR_INVALID_FRAMESPROC, 100);
    assert_int_equal(NMERR_LOAD_EXPERT_FAILED, 118);
    assert_int_equal(NMERR_FRAME_FAILED_FILTER, 124);
    assert_int_equal(NMERR_EXPERT_TERMINATE, 125);
    assert_int_equal(NMERR_INVALID_EXPERT_GROUP, 128);
    assert_int_equal(NMERR_INVALID_EXPERT_HANDLE, 130);
    assert_int_equal(NMERR_NOT_INITIALIZED, 135);
    assert_int_equal(NMERR_NOT_ESP, 139);
    assert_int_equal(NMERR_BLOB_NOT_INITIALIZED, 1000);
    assert_int_equal(NMERR_UNKNOWN_TAG, 1009);
    assert_int_equal(NMERR_RPC_REMOTE_FAILURE, 1017);
    assert_int_equal(NMERR_NO_NPPS, 3016);
    assert_int_equal(NMERR_NO_NPP_SELECTED, 3018);
    assert_int_equal(NMERR_NO_VALID_NPP_DLLS, 3021);

    assert_int_equal(NMERR_TO_HRESULT(NMERR_SUCCESS), 0);
    hr = NMERR_TO_HRESULT(NMERR_OUT_OF_MEMORY);
    assert_int_equal((DWORD)hr, 0x80040013u);
    assert_true(hr < 0);
    assert_int_equal(HRESULT_TO_NMERR(hr), NMERR_OUT_OF_MEMORY);
    assert_int_equal(HRESULT_TO_NMERR(NMERR_TO_HRESULT(NMERR_NO_NPPS)), NMERR_NO_NPPS);

    /* The library's own error mapping speaks the same numbers. */
    assert_int_equal(nmx_err_to_nmerr(NMX_OK), NMERR_SUCCESS);
    assert_int_equal(nmx_err_to_nmerr(NMX_ETERMINATE), NMERR_EXPERT_TERMINATE);
    assert_int_equal(nmx_err_to_nmerr(NMX_EBADKEY), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(nmx_err_to_nmerr(NMX_ENOMEM), NMERR_OUT_OF_MEMORY);
}

static void test_expert_constants(void **state)
{
    (void)state;
    assert_string_equal(EXPERTENTRY_REGISTER, "Register");
    assert_string_equal(EXPERTENTRY_CONFIGURE, "Configure");
    assert_string_equal(EXPERTENTRY_RUN, "Run");

    assert_int_equal(EXPERT_ENUM_FLAG_CONFIGURABLE, 0x1);
    assert_int_equal(EXPERT_ENUM_FLAG_VIEWER_PRIVATE, 0x2);
    assert_int_equal(EXPERT_ENUM_FLAG_NO_VIEWER, 0x4);
    assert_int_equal(EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_SUMMARY, 0x10);
    assert_int_equal(EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_DETAIL, 0x20);
    assert_int_equal(EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA, 0x1);

    assert_int_equal(EXPERTSTATUS_INACTIVE, 0);
    assert_int_equal(EXPERTSTATUS_STARTING, 1);
    assert_int_equal(EXPERTSTATUS_RUNNING, 2);
    assert_int_equal(EXPERTSTATUS_PROBLEM, 3);
    assert_int_equal(EXPERTSTATUS_ABORTED, 4);
    assert_int_equal(EXPERTSTATUS_DONE, 5);
    assert_int_equal(sizeof(EXPERT_STATUS_ENUMERATION), 4);

    assert_int_equal(EXPERTSUBSTATUS_ABORTED_USER, 0x1);
    assert_int_equal(EXPERTSUBSTATUS_ABORTED_LOAD_FAIL, 0x2);
    assert_int_equal(EXPERTSUBSTATUS_ABORTED_THREAD_FAIL, 0x4);
    assert_int_equal(EXPERTSUBSTATUS_ABORTED_BAD_ENTRY, 0x8);

    assert_int_equal(GET_SPECIFIED_FRAME, 0);
    assert_int_equal(GET_FRAME_NEXT_FORWARD, 1);
    assert_int_equal(GET_FRAME_NEXT_BACKWARD, 2);
    assert_int_equal(FLAGS_DEFER_TO_UI_FILTER, 0x1);
    assert_int_equal(FLAGS_ATTACH_PROPERTIES, 0x2);
    assert_int_equal(EXPERT_GET_SPECIFIED_FRAME, GET_SPECIFIED_FRAME);
    assert_int_equal(EXPERT_DEFER_TO_UI_FILTER, FLAGS_DEFER_TO_UI_FILTER);
    assert_int_equal(EXPERT_ATTACH_PROPERTIES, FLAGS_ATTACH_PROPERTIES);

    assert_int_equal(NMEVENTFLAG_EXPERT, 0x1);
    assert_int_equal(NMEVENTFLAG_DO_NOT_DISPLAY_SEVERITY, 0x80000000u);
    assert_int_equal(NMEVENTFLAG_DO_NOT_DISPLAY_DATE, 0x02000000u);
    assert_int_equal(NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS,
                     NMEVENTFLAG_DO_NOT_DISPLAY_SEVERITY | NMEVENTFLAG_DO_NOT_DISPLAY_SOURCE |
                     NMEVENTFLAG_DO_NOT_DISPLAY_EVENT_NAME |
                     NMEVENTFLAG_DO_NOT_DISPLAY_DESCRIPTION |
                     NMEVENTFLAG_DO_NOT_DISPLAY_MACHINE | NMEVENTFLAG_DO_NOT_DISPLAY_TIME |
                     NMEVENTFLAG_DO_NOT_DISPLAY_DATE);
    assert_int_equal(NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS, 0xFE000000u);

    assert_int_equal(NMEVENT_SEVERITY_INFORMATIONAL, 0);
    assert_int_equal(NMEVENT_SEVERITY_STRONG_WARNING, 2);
    assert_int_equal(NMEVENT_SEVERITY_CRITICAL_ERROR, 5);

    assert_int_equal(NMCOLUMNTYPE_UINT8, 0);
    assert_int_equal(NMCOLUMNTYPE_FLOAT64, 6);
    assert_int_equal(NMCOLUMNTYPE_FRAME, 7);
    assert_int_equal(NMCOLUMNTYPE_TRUEFALSE, 10);
    assert_int_equal(NMCOLUMNTYPE_IPXADDR, 12);
    assert_int_equal(NMCOLUMNTYPE_STRING, 15);
}

static void test_kernel_constants(void **state)
{
    (void)state;
    assert_int_equal(FILTERACTION_INVALID, 0);
    assert_int_equal(FILTERACTION_PROPERTY, 1);
    assert_int_equal(FILTERACTION_PROPERTYEXIST, 8);
    assert_int_equal(FILTERACTION_CONTAINSNC, 9);
    assert_int_equal(FILTERACTION_NOT, 11);
    assert_int_equal(FILTERACTION_LESSEQUAL, 23);
    assert_int_equal(FILTERACTION_PLUS, 24);
    assert_int_equal(FILTERACTION_PROTOCOLEXIST, 34);
    assert_int_equal(FILTERACTION_DEREFPROPERTY, 36);
    assert_int_equal(FILTERACTION_ADDR_VINES, 48);
    assert_int_equal(FILTERACTION_ADDR_IP6, 49);
    assert_int_equal(FILTERACTION_EXPRESSION, 97);
    assert_int_equal(FILTERACTION_BOOL, 98);
    assert_int_equal(FILTERACTION_NOEVAL, 99);
    assert_int_equal(FILTERFREEPOOLSTART, 20);
    assert_int_equal(INVALIDELEMENT, -1);
    assert_int_equal(INVALIDVALUE, (DWORD)-9999);
    assert_int_equal(FILTER_FAIL_WITH_ERROR, -1);
    assert_int_equal(FILTER_PASSED, TRUE);
    assert_int_equal(FILTER_FAILED, FALSE);
    assert_int_equal(FILTER_NO_MORE_FRAMES, 0xFFFFFFFFu);
    assert_int_equal(FILTER_CANCELED, 0xFFFFFFFEu);
    assert_int_equal(FILTER_DIRECTION_NEXT, TRUE);
    assert_int_equal(FILTER_DIRECTION_PREV, FALSE);

    assert_int_equal(PROP_TYPE_VOID, 0x00);
    assert_int_equal(PROP_TYPE_TYPED_STRING, 0x0D);
    assert_int_equal(PROP_TYPE_OBJECT_IDENTIFIER, 0x15);
    assert_int_equal(PROP_TYPE_VAR_LEN_SMALL_INT, 0x17);
    assert_int_equal(PROP_TYPE_IP6_ADDRESS, 0x1A);
    assert_int_equal(PROP_QUAL_LABELED_SET, 0x4);
    assert_int_equal(PROP_QUAL_LABELED_BITFIELD, 0x8);
    assert_int_equal(PROP_QUAL_FLAGS, 0xA);
    assert_int_equal(PROP_QUAL_ARRAY, 0xB);
    assert_int_equal(IFLAG_ERROR, 0x1);
    assert_int_equal(IFLAG_SWAPPED, 0x2);
    assert_int_equal(IFLAG_UNICODE, 0x4);
    assert_int_equal(TYPED_STRING_NORMAL, 1);
    assert_int_equal(TYPED_STRING_UNICODE, 2);
    assert_int_equal(TYPED_STRING_EXFLAG, 1);

    assert_int_equal(ADDRESS_TYPE_ETHERNET, 0);
    assert_int_equal(ADDRESS_TYPE_FIND_HIGHEST, 8);
    assert_int_equal(ADDRESS_TYPE_VINES_IP, 9);
    assert_int_equal(ADDRESS_TYPE_IP6, 13);
    assert_int_equal(ADDRESSTYPE_FLAGS_NORMALIZE, 0x1);
    assert_int_equal(ADDRESSTYPE_FLAGS_BIT_REVERSE, 0x2);
    assert_int_equal(ADDRESS_FLAGS_MATCH_BOTH,
                     ADDRESS_FLAGS_MATCH_DST | ADDRESS_FLAGS_MATCH_SRC);
    assert_int_equal(ADDRESS_FLAGS_DST_GROUP_ADDR, 0x8);
    assert_int_equal(MAC_TYPE_UNKNOWN, 0);
    assert_int_equal(MAC_TYPE_ETHERNET, 1);
    assert_int_equal(MAC_TYPE_ATM, 4);
    assert_int_equal(MAC_TYPE_1394, 5);

    assert_int_equal(PROTOCOL_NUM_ANY, -1);
    assert_int_equal(PROTOCOLTABLE_SIZE, offsetof(PROTOCOLTABLE, hProtocol));
    assert_int_equal(FRAME_SIZE, 16);
    assert_int_equal(STATS_FRAME_TYPE, 103);
}

static void test_expert_structures(void **state)
{
    (void)state;
    assert_off(EXPERTENUMINFO, szName, 0);
    assert_off(EXPERTENUMINFO, szVendor, 260);
    assert_off(EXPERTENUMINFO, szDescription, 520);
    assert_off(EXPERTENUMINFO, Version, 780);
    assert_off(EXPERTENUMINFO, Flags, 784);
    assert_off(EXPERTENUMINFO, szDllName, 788);
    assert_off(EXPERTENUMINFO, hExpert, 1048);
    assert_off(EXPERTCONFIG, RawConfigData, 4);
    assert_size(EXPERTSTATUS, 276);
    assert_off(EXPERTSTATUS, szStatusText, 16);
    assert_size(GROUPINFO, offsetof(GROUPINFO, hGroup) + sizeof(HGROUP));
    assert_true(offsetof(GROUPINFO, hGroup) >= 26);
#if defined(NMX_TEST_LP64)
    assert_size(EXPERTENUMINFO, 1088);
    assert_off(EXPERTENUMINFO, hModule, 1056);
    assert_off(EXPERTENUMINFO, pRunProc, 1080);
    assert_size(EXPERTSTARTUPINFO, 304);
    assert_off(EXPERTSTARTUPINFO, hCapture, 8);
    assert_off(EXPERTSTARTUPINFO, szCaptureFile, 16);
    assert_off(EXPERTSTARTUPINFO, dwFrameNumber, 276);
    assert_off(EXPERTSTARTUPINFO, lpPropertyInst, 288);
    assert_off(EXPERTSTARTUPINFO, sBitfield.BitNumber, 296);
    assert_off(EXPERTSTARTUPINFO, sBitfield.bOn, 300);
    assert_size(CONFIGUREDEXPERT, 24);
    assert_off(CONFIGUREDEXPERT, pConfig, 16);
    assert_size(EXPERTFRAMEDESCRIPTOR, 40);
    assert_off(EXPERTFRAMEDESCRIPTOR, pFrame, 16);
    assert_off(EXPERTFRAMEDESCRIPTOR, lpPropertyTable, 32);
#elif defined(__i386__)
    assert_size(EXPERTENUMINFO, 1068);
    assert_off(EXPERTENUMINFO, hModule, 1052);
    assert_off(EXPERTENUMINFO, pRunProc, 1064);
    assert_size(EXPERTSTARTUPINFO, 285);
    assert_off(EXPERTSTARTUPINFO, sBitfield.bOn, 281);
    assert_size(CONFIGUREDEXPERT, 12);
    assert_size(EXPERTFRAMEDESCRIPTOR, 20);
    assert_off(EXPERTFRAMEDESCRIPTOR, lpPropertyTable, 16);
#endif
}

static void test_event_structures(void **state)
{
    union {
        NMEVENTDATA  ev;
        unsigned char raw[sizeof(NMEVENTDATA) + 2 * sizeof(NMCOLUMNINFO)];
    } buf;
    char source[] = "netmon";
    SIZE_T need;

    (void)state;
#if defined(NMX_TEST_LP64)
    assert_size(NMCOLUMNVARIANT, 24);
    assert_off(NMCOLUMNVARIANT, Value, 8);
    assert_size(NMCOLUMNINFO, 32);
    assert_off(NMCOLUMNINFO, VariantData, 8);
    assert_size(NMEVENTDATA, 128);
    assert_off(NMEVENTDATA, Version, 8);
    assert_off(NMEVENTDATA, EventIdent, 12);
    assert_off(NMEVENTDATA, NumColumns, 24);
    assert_off(NMEVENTDATA, szSourceName, 32);
    assert_off(NMEVENTDATA, szUrl, 72);
    assert_off(NMEVENTDATA, SysTime, 80);
    assert_off(NMEVENTDATA, Column, 96);
#elif defined(__i386__)
    assert_size(NMCOLUMNVARIANT, 14);
    assert_size(NMCOLUMNINFO, 18);
    assert_size(NMEVENTDATA, 76);
    assert_off(NMEVENTDATA, EventIdent, 5);
    assert_off(NMEVENTDATA, Column, 58);
#endif
    assert_size(EVENTCOLUMNINFO, sizeof(NMCOLUMNINFO));
    assert_size(IPX_ADDRESS, 10);
    assert_true(sizeof(((NMCOLUMNVARIANT *)0)->Value.MACAddrVal) == 6);
    assert_true(sizeof(((NMCOLUMNVARIANT *)0)->Value.IPXAddrVal) == 10);

    memset(&buf, 0xA5, sizeof(buf));
    need = nmx_netmon_standalone_event(&buf.ev, source, 7);
    assert_int_equal(need, sizeof(NMEVENTDATA));
    assert_int_equal(buf.ev.EventIdent, 7);
    assert_int_equal(buf.ev.NumColumns, 1);
    assert_int_equal(buf.ev.Severity, NMEVENT_SEVERITY_WARNING);
    assert_int_equal(buf.ev.Flags, 0xFE000001u);
    assert_ptr_equal(buf.ev.Column[0].szColumnName, source);
    assert_int_equal(buf.ev.Column[0].VariantData.Type, NMCOLUMNTYPE_FRAME);
    assert_int_equal(buf.ev.Column[0].VariantData.Value.FrameVal, INVALID_FRAME_NUMBER);
}

static void test_property_structures(void **state)
{
    (void)state;
#if defined(NMX_TEST_LP64)
    assert_size(PROPERTYINST, 32);
    assert_off(PROPERTYINST, szPropertyText, 8);
    assert_off(PROPERTYINST, lpData, 16);
    assert_off(PROPERTYINST, lpPropertyInstEx, 16);
    assert_off(PROPERTYINST, DataLength, 24);
    assert_off(PROPERTYINST, IFlags, 28);
    assert_size(PROPERTYINFO, 64);
    assert_off(PROPERTYINFO, Label, 16);
    assert_off(PROPERTYINFO, DataType, 32);
    assert_off(PROPERTYINFO, DataQualifier, 33);
    assert_off(PROPERTYINFO, lpRange, 40);
    assert_off(PROPERTYINFO, Value, 40);
    assert_off(PROPERTYINFO, FormatStringSize, 48);
    assert_off(PROPERTYINFO, InstanceData, 56);
    assert_off(PROPERTYINSTEX, lpData, 8);
    assert_off(PROPERTYINSTEX, Byte, 16);
    assert_off(PROPERTYINSTEX, LargeInt, 16);
    assert_off(PROPERTYINSTEX, TypedString, 16);
    assert_off(PROPERTYTABLE, nTotalPropertyInsts, 12);
    assert_off(PROPERTYTABLE, nPropertyInstTables, 24);
    assert_off(PROPERTYTABLE, PropertyInstTable, 26);
    assert_size(RECOGNIZEDATA, 16);
    assert_off(RECOGNIZEDATA, InstData, 8);
    assert_off(RECOGNIZEDATATABLE, RecognizeData, 8);
    assert_size(PROTOCOLINFO, 176);
    assert_off(PROTOCOLINFO, ProtocolName, 16);
    assert_off(PROTOCOLINFO, Comment, 48);
    assert_off(PROTOCOLTABLE, hProtocol, 8);
    assert_int_equal(PROTOCOLTABLE_SIZE, 8);
    assert_size(FILTEROBJECT, 40);
    assert_off(FILTEROBJECT, hProperty, 8);
    assert_off(FILTEROBJECT, lpAddress, 16);
    assert_off(FILTEROBJECT, ByteOffset, 24);
    assert_off(FILTEROBJECT, pNext, 32);
    assert_off(OBJECT_IDENTIFIER, lpIdentifier, 8);
#elif defined(__i386__)
    assert_size(PROPERTYINST, 20);
    assert_off(PROPERTYINST, IFlags, 16);
    assert_size(PROPERTYINFO, 28);
    assert_off(PROPERTYINFO, lpSet, 18);
    assert_off(PROPERTYINSTEX, Byte, 8);
    assert_off(PROPERTYTABLE, PropertyInstTable, 17);
    assert_off(RECOGNIZEDATATABLE, RecognizeData, 2);
    assert_size(PROTOCOLINFO, 168);
    assert_size(FILTEROBJECT, 18);
    assert_off(FILTEROBJECT, pNext, 14);
#endif
    assert_size(FILTEROBJECT2, sizeof(FILTEROBJECT));
    assert_off(FILTEROBJECT2, lpAddress, offsetof(FILTEROBJECT, lpAddress));
    assert_off(FILTEROBJECT2, pNext, offsetof(FILTEROBJECT, pNext));
    assert_off(PROTOCOLINFO, ProtocolID, 0);
}

/* Level:4 and HelpID:12 share the WORD after DataLength, Level in the low bits. */
static void test_propertyinst_bitfields(void **state)
{
    PROPERTYINST pi;
    WORD word;

    (void)state;
    memset(&pi, 0, sizeof(pi));
    pi.DataLength = 0x1111;
    pi.IFlags = 0x22222222u;
    pi.Level = 0xA;
    pi.HelpID = 0x123;
    memcpy(&word, (const unsigned char *)&pi + offsetof(PROPERTYINST, DataLength) + 2,
           sizeof(word));
    assert_int_equal(word, 0x123A);
    assert_int_equal(pi.DataLength, 0x1111);
    assert_int_equal(pi.IFlags, 0x22222222u);
    assert_int_equal(offsetof(PROPERTYINST, IFlags), offsetof(PROPERTYINST, DataLength) + 4);
}

static void test_property_instance_macros(void **state)
{
    BYTE frame[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    union {
        PROPERTYINSTEX ex;
        unsigned char raw[sizeof(PROPERTYINSTEX) + 32];
    } exbuf;
    PROPERTYINST pi;
    LPPROPERTYINST lpPI = &pi;

    (void)state;
    memset(&pi, 0, sizeof(pi));
    pi.lpData = frame + 2;
    pi.DataLength = 4;
    assert_ptr_equal(GetPropertyInstanceData(lpPI), frame + 2);
    assert_int_equal(GetPropertyInstanceDataLength(lpPI), 4);

    memset(&exbuf, 0, sizeof(exbuf));
    exbuf.ex.Length = 6;
    exbuf.ex.LengthEx = 3;
    exbuf.ex.lpData = frame;
    exbuf.ex.Byte[0] = 0xAB;
    pi.lpPropertyInstEx = &exbuf.ex;
    pi.DataLength = PROPERTYINST_EX_LENGTH;
    assert_int_equal(PROPERTYINST_EX_LENGTH, 0xFFFF);
    assert_ptr_equal(GetPropertyInstanceData(lpPI), exbuf.raw + offsetof(PROPERTYINSTEX, Byte));
    assert_int_equal(*(BYTE *)GetPropertyInstanceData(lpPI), 0xAB);
    assert_int_equal(GetPropertyInstanceDataLength(lpPI), 6);
}

static void test_address_structures(void **state)
{
    ADDRESS a;

    (void)state;
    assert_size(IPX_ADDR, 10);
    assert_off(IPX_ADDR, Address, 4);
    assert_size(VINES_IP_ADDRESS, 6);
    assert_size(ADDRESS, 16);
    assert_off(ADDRESS, MACAddress, 4);
    assert_off(ADDRESS, IPXRawAddress, 4);
    assert_off(ADDRESS, VinesIPAddress, 4);
    assert_off(ADDRESS, Flags, 14);
    assert_size(ADDRESS2, 22);
    assert_off(ADDRESS2, IP6Address, 4);
    assert_off(ADDRESS2, Flags, 20);

    memset(&a, 0, sizeof(a));
    a.Type = ADDRESS_TYPE_IPX;
    a.IPXAddress.Subnet[0] = 0x11;
    a.IPXAddress.Address[5] = 0x66;
    assert_int_equal(a.IPXRawAddress[0], 0x11);
    assert_int_equal(a.IPXRawAddress[9], 0x66);
}

static void test_capture_file_structures(void **state)
{
    static const unsigned char hdr[72] = {
        'G', 'M', 'B', 'U', 0x00, 0x02, 0x01, 0x00,          /* magic, 2.0, Ethernet */
        0xD1, 0x07, 0x03, 0x00, 0x01, 0x00, 0x0C, 0x00,      /* 2001-03 Mon 12th     */
        0x0D, 0x00, 0x0E, 0x00, 0x0F, 0x00, 0xE7, 0x03,      /* 13:14:15.999         */
        0x00, 0x10, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,      /* frame table 0x1000/8 */
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11,                  /* ConversationStatsLength */
    };
    static const unsigned char rec[20] = {
        0x87, 0xD6, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00,      /* 1234567 us */
        0x3C, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,      /* 60 / 4     */
        0xDE, 0xAD, 0xBE, 0xEF,
    };
    CAPTUREFILE_HEADER_VALUES v;
    union {
        FRAME         f;
        unsigned char raw[sizeof(FRAME) + 8];
    } fbuf;

    (void)state;
    assert_size(CAPTUREFILE_HEADER_VALUES, 72);
    assert_off(CAPTUREFILE_HEADER_VALUES, TimeStamp, 8);
    assert_off(CAPTUREFILE_HEADER_VALUES, FrameTableOffset, 24);
    assert_off(CAPTUREFILE_HEADER_VALUES, CommentDataOffset, 40);
    assert_off(CAPTUREFILE_HEADER_VALUES, StatisticsOffset, 48);
    assert_off(CAPTUREFILE_HEADER_VALUES, ConversationStatsLength, 68);
    assert_size(CAPTUREFILE_HEADER, 128);
    assert_size(STATISTICS, 88);
    assert_size(NETWORKINFO, 116);
    assert_size(FRAME, 16);
    assert_off(FRAME, FrameLength, 8);
    assert_off(FRAME, nBytesAvail, 12);
    assert_off(FRAME, MacFrame, 16);

#if defined(NMX_TEST_LITTLE_ENDIAN)
    memcpy(&v, hdr, sizeof(v));
    assert_int_equal(v.Signature, NETMON_2_0_CAPTUREFILE_SIGNATURE);
    assert_int_equal(MakeVersion(v.BCDVerMajor, v.BCDVerMinor),
                     MakeVersion(CAPTUREFILE_VERSION_MAJOR, CAPTUREFILE_VERSION_MINOR));
    assert_int_equal(v.MacType, MAC_TYPE_ETHERNET);
    assert_int_equal(v.TimeStamp.wYear, 2001);
    assert_int_equal(v.TimeStamp.wMonth, 3);
    assert_int_equal(v.TimeStamp.wDayOfWeek, 1);
    assert_int_equal(v.TimeStamp.wDay, 12);
    assert_int_equal(v.TimeStamp.wSecond, 15);
    assert_int_equal(v.TimeStamp.wMilliseconds, 999);
    assert_int_equal(v.FrameTableOffset, 0x1000);
    assert_int_equal(v.FrameTableLength, 8);
    assert_int_equal(v.ConversationStatsLength, 0x11223344u);

    memset(&fbuf, 0, sizeof(fbuf));
    memcpy(fbuf.raw, rec, sizeof(rec));
    assert_int_equal(fbuf.f.TimeStamp, 1234567);
    assert_int_equal(fbuf.f.FrameLength, 60);
    assert_int_equal(fbuf.f.nBytesAvail, 4);
    assert_int_equal(fbuf.f.MacFrame[0], 0xDE);
    assert_int_equal(fbuf.f.MacFrame[3], 0xEF);
#else
    (void)hdr;
    (void)rec;
    (void)v;
    (void)fbuf;
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_types),
        cmocka_unit_test(test_size_constants),
        cmocka_unit_test(test_word_macros_and_identifiers),
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_expert_constants),
        cmocka_unit_test(test_kernel_constants),
        cmocka_unit_test(test_expert_structures),
        cmocka_unit_test(test_event_structures),
        cmocka_unit_test(test_property_structures),
        cmocka_unit_test(test_propertyinst_bitfields),
        cmocka_unit_test(test_property_instance_macros),
        cmocka_unit_test(test_address_structures),
        cmocka_unit_test(test_capture_file_structures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
