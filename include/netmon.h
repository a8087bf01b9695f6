/*
 * netmon.h: Network Monitor 2.x expert interface for nmexpert.
 *
 * Source-compatible declarations for expert plug-ins (DLL entry points
 * Register / Configure / Run) and for the kernel services they call: the
 * Expert* helpers and the "Expert and Parser Common Functions", together
 * with every structure, constant and error code those interfaces use, and
 * the layout of Network Monitor capture files.
 *
 * Conventions
 *   - Windows base types are provided with their Windows widths on every data
 *     model (DWORD, LONG, ULONG and BOOL are 32 bits also on LP64 Linux).
 *     Define NMX_WIN32_TYPES_DEFINED before including this file to supply
 *     your own; the layout assertions at the end still check them.
 *   - Functions use C linkage and WINAPI, which is __stdcall on 32-bit x86
 *     and means nothing on other CPUs. WINAPIV is the C convention.
 *   - Kernel functions and expert entry points are marked NMAPI_EXPORT
 *     (default visibility), so they stay exported from a shared object built
 *     with -fvisibility=hidden.
 *   - "ULP" pointers may point at unaligned data (inside a frame); never
 *     assume alignment when dereferencing them.
 *
 * Structure packing
 *   - 32-bit x86 (__i386__): all shared structures are byte-packed
 *     (#pragma pack(1)), the rule of Microsoft's header for 32-bit builds, so
 *     that the layout matches expert binaries of that platform.
 *   - Every other CPU (x86-64, AArch64, ...): natural alignment.
 *   - Capture-file and address structures (ADDRESS, ADDRESS2,
 *     VINES_IP_ADDRESS, CAPTUREFILE_HEADER_VALUES, CAPTUREFILE_HEADER,
 *     STATISTICS, NETWORKINFO) are byte-packed on every CPU.
 *   Sizes and offsets are checked at compile time at the end of this file
 *   for i386 (packed) and for LP64 x86-64 / AArch64 (natural).
 *
 * Variable-length structures end in a flexible array member, except
 * NMEVENTDATA.Column and PROTOCOLTABLE.hProtocol, which are declared with
 * one element (sizeof includes it), and the inline data of PROPERTYINSTEX,
 * which is a union of one-element arrays (see there).
 */
#ifndef NETMON_H
#define NETMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* C++ has no flexible array members or anonymous structs in ISO form; GCC
 * and Clang accept them as extensions. Silence -Wpedantic for the
 * declarations in C++ only (C11 has both). */
#if defined(__cplusplus) && defined(__GNUC__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* ======================================================================== */
/* 1. Windows base types and conventions                                    */
/* ======================================================================== */

#ifndef NMAPI_EXPORT
#  if defined(__GNUC__)
#    define NMAPI_EXPORT __attribute__((visibility("default")))
#  else
#    define NMAPI_EXPORT
#  endif
#endif

/* Calling conventions: __stdcall on 32-bit x86 only; C convention otherwise. */
#ifndef WINAPI
#  if defined(__i386__) && defined(__GNUC__)
#    define WINAPI __attribute__((stdcall))
#  else
#    define WINAPI
#  endif
#endif
#ifndef CALLBACK
#  define CALLBACK WINAPI
#endif
#ifndef WINAPIV
#  if defined(__i386__) && defined(__GNUC__)
#    define WINAPIV __attribute__((cdecl))
#  else
#    define WINAPIV
#  endif
#endif
#ifndef __cdecl
#  define __cdecl WINAPIV
#endif
#ifndef _cdecl
#  define _cdecl WINAPIV
#endif

/* Parameter annotations and alignment qualifier: no effect. */
#ifndef IN
#  define IN
#endif
#ifndef OUT
#  define OUT
#endif
#ifndef OPTIONAL
#  define OPTIONAL
#endif
#ifndef UNALIGNED
#  define UNALIGNED
#endif

#ifndef VOID
#  define VOID void
#endif
#ifndef TRUE
#  define TRUE 1
#endif
#ifndef FALSE
#  define FALSE 0
#endif

/* 64-bit integer spelled the Windows way. */
#if !defined(__int64) && !defined(_MSC_VER)
#  define __int64 long long
#endif

#ifndef NMX_WIN32_TYPES_DEFINED
#define NMX_WIN32_TYPES_DEFINED 1

typedef uint8_t            BYTE;
typedef uint16_t           WORD;
typedef uint32_t           DWORD;
typedef int32_t            LONG;     /* 32 bits also on LP64 */
typedef uint32_t           ULONG;    /* 32 bits also on LP64 */
typedef int32_t            BOOL;     /* TRUE = 1, FALSE = 0  */
typedef uint8_t            BOOLEAN;
typedef char               CHAR;
typedef unsigned char      UCHAR;
typedef short              SHORT;
typedef unsigned short     USHORT;
typedef int                INT;
typedef unsigned int       UINT;
typedef double             DOUBLE;
typedef long long          LONGLONG;
typedef unsigned long long ULONGLONG;
typedef size_t             SIZE_T;    /* pointer-sized unsigned */
typedef uintptr_t          DWORD_PTR; /* pointer-sized unsigned */
typedef uintptr_t          ULONG_PTR; /* pointer-sized unsigned */
typedef uint16_t           WCHAR;     /* UTF-16 code unit       */
typedef LONG               HRESULT;

typedef void              *LPVOID;
typedef void              *PVOID;
typedef const void        *LPCVOID;
typedef char              *LPSTR;
typedef const char        *LPCSTR;
typedef WCHAR             *LPWSTR;
typedef const WCHAR       *LPCWSTR;
typedef BYTE              *LPBYTE;
typedef BYTE              *PBYTE;
typedef WORD              *LPWORD;
typedef WORD              *PWORD;
typedef DWORD             *LPDWORD;
typedef DWORD             *PDWORD;
typedef LONG              *LPLONG;

typedef void              *HANDLE;
typedef void              *HWND;
typedef void              *HINSTANCE;
typedef HINSTANCE          HMODULE;

typedef union _LARGE_INTEGER {
    struct {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
        LONG  HighPart;
        DWORD LowPart;
#else
        DWORD LowPart;
        LONG  HighPart;
#endif
    };
    struct {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
        LONG  HighPart;
        DWORD LowPart;
#else
        DWORD LowPart;
        LONG  HighPart;
#endif
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef struct _SYSTEMTIME {
    WORD wYear;
    WORD wMonth;        /* 1-12         */
    WORD wDayOfWeek;    /* 0 = Sunday   */
    WORD wDay;
    WORD wHour;
    WORD wMinute;
    WORD wSecond;
    WORD wMilliseconds;
} SYSTEMTIME, *PSYSTEMTIME, *LPSYSTEMTIME;

/* 64-bit count of 100-ns intervals since 1601-01-01 UTC, as two halves. */
typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

#endif /* NMX_WIN32_TYPES_DEFINED */

/* Word/long composition (first argument is the low part). */
#ifndef MAKEWORD
#  define MAKEWORD(a, b) \
    ((WORD)(((WORD)((BYTE)(a))) | (WORD)(((WORD)((BYTE)(b))) << 8)))
#endif
#ifndef MAKELONG
#  define MAKELONG(a, b) \
    ((LONG)(((DWORD)((WORD)(a))) | (((DWORD)((WORD)(b))) << 16)))
#endif
#ifndef LOWORD
#  define LOWORD(l) ((WORD)(((DWORD_PTR)(l)) & 0xFFFFu))
#endif
#ifndef HIWORD
#  define HIWORD(l) ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xFFFFu))
#endif

/* HRESULT composition, used by NMERR_TO_HRESULT / HRESULT_TO_NMERR. */
#ifndef SEVERITY_ERROR
#  define SEVERITY_ERROR 1
#endif
#ifndef FACILITY_ITF
#  define FACILITY_ITF 4
#endif
#ifndef MAKE_HRESULT
#  define MAKE_HRESULT(sev, fac, code) \
    ((HRESULT)(((DWORD)(sev) << 31) | ((DWORD)(fac) << 16) | ((DWORD)(code))))
#endif
#ifndef HRESULT_CODE
#  define HRESULT_CODE(hr) ((hr) & 0xFFFF)
#endif
#ifndef S_OK
#  define S_OK ((HRESULT)0)
#endif
#ifndef NOERROR
#  define NOERROR ((HRESULT)0)
#endif

/* DllMain reasons. */
#ifndef DLL_PROCESS_ATTACH
#  define DLL_PROCESS_DETACH 0
#  define DLL_PROCESS_ATTACH 1
#  define DLL_THREAD_ATTACH  2
#  define DLL_THREAD_DETACH  3
#endif

/* Size constants. */
#ifndef MAX_PATH
#  define MAX_PATH 260
#endif
#define EXPERTSTRINGLENGTH           MAX_PATH
#define EXPERTGROUPNAMELENGTH        25
#define MAC_ADDRESS_SIZE             6
#define IP_ADDRESS_SIZE              4
#define IP6_ADDRESS_SIZE             16
/* 10 (an IPX address) in the 2.x interface; headers that added IPv6 use 16.
 * The 16-byte ADDRESS below is sized for 10. */
#define MAX_ADDRESS_SIZE             10
#define MAX_NAME_SIZE                32
#define MACHINE_NAME_LENGTH          16
#define USER_NAME_LENGTH             32
#define ADAPTER_COMMENT_LENGTH       32
#define MAX_PROTOCOL_COMMENT_LEN     256
#define NETMON_MAX_PROTOCOL_NAME_LEN 16
#define MAX_PROTOCOL_NAME_LEN        NETMON_MAX_PROTOCOL_NAME_LEN

#define INVALID_FRAME_NUMBER         ((DWORD)-1)

/* Four-character identifiers; the first character is the lowest byte. */
#define MAKE_IDENTIFIER(a, b, c, d) \
    ((DWORD)MAKELONG(MAKEWORD(a, b), MAKEWORD(c, d)))

#define HANDLE_TYPE_INVALID   MAKE_IDENTIFIER(-1, -1, -1, -1)
#define HANDLE_TYPE_CAPTURE   MAKE_IDENTIFIER('C', 'A', 'P', '$')
#define HANDLE_TYPE_PARSER    MAKE_IDENTIFIER('P', 'S', 'R', '$')
#define HANDLE_TYPE_ADDRESSDB MAKE_IDENTIFIER('A', 'D', 'R', '$')
#define HANDLE_TYPE_PROTOCOL  MAKE_IDENTIFIER('P', 'R', 'T', '$')
#define HANDLE_TYPE_BUFFER    MAKE_IDENTIFIER('B', 'U', 'F', '$')

/* ======================================================================== */
/* 2. Handles and unaligned pointer types                                   */
/* ======================================================================== */

typedef LPVOID          HEXPERT;
typedef LPVOID          HEXPERTKEY;
typedef LPVOID          HRUNNINGEXPERT;
typedef LPVOID          HGROUP;
typedef HEXPERT        *PHEXPERT;
typedef HEXPERTKEY     *PHEXPERTKEY;
typedef HRUNNINGEXPERT *PHRUNNINGEXPERT;
typedef HGROUP         *PHGROUP;

/* Kernel objects: opaque, distinct pointer types. */
typedef struct _CAPTURE     *HCAPTURE;
typedef struct _FRAMEHANDLE *HFRAME;
typedef struct _FILTER      *HFILTER;
typedef struct _PROTOCOL    *HPROTOCOL;
typedef struct _PARSER      *HPARSER;
typedef struct _ADDRESSDB   *HADDRESSDB;
typedef DWORD_PTR            HPROPERTY;
typedef const void          *HBLOB;

/* ULP... pointers may point at unaligned data (records inside capture files,
 * property data inside frames). With GCC and Clang the pointed-to types are
 * given alignment 1, so member accesses through them are compiled as
 * unaligned accesses; elsewhere they are plain pointers. */
#if defined(__GNUC__) || defined(__clang__)
#  define NMX_UNALIGNED_TYPE(t, name) typedef t name __attribute__((aligned(1)))
#else
#  define NMX_UNALIGNED_TYPE(t, name) typedef t name
#endif
NMX_UNALIGNED_TYPE(WORD, NMX_UWORD_);
NMX_UNALIGNED_TYPE(DWORD, NMX_UDWORD_);
NMX_UNALIGNED_TYPE(LARGE_INTEGER, NMX_ULARGE_INTEGER_);
NMX_UNALIGNED_TYPE(SYSTEMTIME, NMX_USYSTEMTIME_);

typedef VOID                   *ULPVOID;
typedef BYTE                   *ULPBYTE;
typedef NMX_UWORD_             *ULPWORD;
typedef NMX_UDWORD_            *ULPDWORD;
typedef LARGE_INTEGER          *LPLARGEINT;
typedef NMX_ULARGE_INTEGER_    *ULPLARGEINT;
typedef NMX_USYSTEMTIME_       *ULPSYSTEMTIME;
typedef NMX_USYSTEMTIME_       *ULPTIME;

/* ======================================================================== */
/* 3. Error codes (DWORD)                                                   */
/* ======================================================================== */

#define NMERR_SUCCESS                          0
#define NMERR_MEMORY_MAPPED_FILE_ERROR         1
#define NMERR_INVALID_HFILTER                  2
#define NMERR_CAPTURING                        3
#define NMERR_NOT_CAPTURING                    4
#define NMERR_NO_MORE_FRAMES                   5
#define NMERR_BUFFER_TOO_SMALL                 6
#define NMERR_FRAME_NOT_RECOGNIZED             7
#define NMERR_FILE_ALREADY_EXISTS              8
#define NMERR_DRIVER_NOT_FOUND                 9
#define NMERR_ADDRESS_ALREADY_EXISTS           10
#define NMERR_INVALID_HFRAME                   11
#define NMERR_INVALID_HPROTOCOL                12
#define NMERR_INVALID_HPROPERTY                13
#define NMERR_LOCKED                           14
#define NMERR_STACK_EMPTY                      15
#define NMERR_STACK_OVERFLOW                   16
#define NMERR_TOO_MANY_PROTOCOLS               17
#define NMERR_FILE_NOT_FOUND                   18
#define NMERR_OUT_OF_MEMORY                    19
#define NMERR_CAPTURE_PAUSED                   20
#define NMERR_NO_BUFFERS                       21
#define NMERR_BUFFERS_ALREADY_EXIST            22
#define NMERR_NOT_LOCKED                       23
#define NMERR_OUT_OF_RANGE                     24
#define NMERR_LOCK_NESTING_TOO_DEEP            25
#define NMERR_LOAD_PARSER_FAILED               26
#define NMERR_UNLOAD_PARSER_FAILED             27
#define NMERR_INVALID_HADDRESSDB               28
#define NMERR_ADDRESS_NOT_FOUND                29
#define NMERR_NETWORK_NOT_PRESENT              30
#define NMERR_NO_PROPERTY_DATABASE             31
#define NMERR_PROPERTY_NOT_FOUND               32
#define NMERR_INVALID_HPROPERTYDB              33
#define NMERR_PROTOCOL_NOT_ENABLED             34
#define NMERR_PROTOCOL_NOT_FOUND               35
#define NMERR_INVALID_PARSER_DLL               36
#define NMERR_NO_ATTACHED_PROPERTIES           37
#define NMERR_NO_FRAMES                        38
#define NMERR_INVALID_FILE_FORMAT              39
#define NMERR_COULD_NOT_CREATE_TEMPFILE        40
#define NMERR_OUT_OF_DOS_MEMORY                41
#define NMERR_NO_PROTOCOLS_ENABLED             42
/* 43-45 unassigned */
#define NMERR_UNKNOWN_MACTYPE                  46
#define NMERR_ROUTING_INFO_NOT_PRESENT         47
#define NMERR_INVALID_HNETWORK                 48
#define NMERR_NETWORK_ALREADY_OPENED           49
#define NMERR_NETWORK_NOT_OPENED               50
#define NMERR_FRAME_NOT_FOUND                  51
/* 52 unassigned */
#define NMERR_NO_HANDLES                       53
#define NMERR_INVALID_NETWORK_ID               54
#define NMERR_INVALID_HCAPTURE                 55
#define NMERR_PROTOCOL_ALREADY_ENABLED         56
#define NMERR_FILTER_INVALID_EXPRESSION        57
#define NMERR_TRANSMIT_ERROR                   58
#define NMERR_INVALID_HBUFFER                  59
#define NMERR_INVALID_DATA                     60
#define NMERR_MSDOS_DRIVER_NOT_LOADED          61
#define NMERR_WINDOWS_DRIVER_NOT_LOADED        62
#define NMERR_MSDOS_DRIVER_INIT_FAILURE        63
#define NMERR_WINDOWS_DRIVER_INIT_FAILURE      64
#define NMERR_NETWORK_BUSY                     65
#define NMERR_CAPTURE_NOT_PAUSED               66
#define NMERR_INVALID_PACKET_LENGTH            67
/* 68 unassigned */
#define NMERR_INTERNAL_EXCEPTION               69
#define NMERR_PROMISCUOUS_MODE_NOT_SUPPORTED   70
#define NMERR_MAC_DRIVER_OPEN_FAILURE          71
#define NMERR_RUNAWAY_PROTOCOL                 72
#define NMERR_PENDING                          73
#define NMERR_ACCESS_DENIED                    74
#define NMERR_INVALID_HPASSWORD                75
#define NMERR_INVALID_PARAMETER                76
#define NMERR_FILE_READ_ERROR                  77
#define NMERR_FILE_WRITE_ERROR                 78
#define NMERR_PROTOCOL_NOT_REGISTERED          79
#define NMERR_IP_ADDRESS_NOT_FOUND             80
#define NMERR_TRANSMIT_CANCELLED               81
#define NMERR_LOCKED_FRAMES                    82
#define NMERR_NO_TRANSMITS_PENDING             83
#define NMERR_PATH_NOT_FOUND                   84
#define NMERR_WINDOWS_ERROR                    85
#define NMERR_NO_FRAME_NUMBER                  86
#define NMERR_FRAME_HAS_NO_CAPTURE             87
#define NMERR_FRAME_ALREADY_HAS_CAPTURE        88
#define NMERR_NAL_IS_NOT_REMOTE                89
#define NMERR_NOT_SUPPORTED                    90
#define NMERR_DISCARD_FRAME                    91
#define NMERR_CANCEL_SAVE_CAPTURE              92
#define NMERR_LOST_CONNECTION                  93
#define NMERR_INVALID_MEDIA_TYPE               94
#define NMERR_AGENT_IN_USE                     95
#define NMERR_TIMEOUT                          96
#define NMERR_DISCONNECTED                     97
#define NMERR_SETTIMER_FAILED                  98
#define NMERR_NETWORK_ERROR                    99
#define NMERR_INVALID_FRAMESPROC               100
#define NMERR_UNKNOWN_CAPTURETYPE              101
#define NMERR_NOT_CONNECTED                    102
#define NMERR_ALREADY_CONNECTED                103
#define NMERR_INVALID_REGISTRY_CONFIGURATION   104
#define NMERR_DELAYED                          105
#define NMERR_NOT_DELAYED                      106
#define NMERR_REALTIME                         107
#define NMERR_NOT_REALTIME                     108
#define NMERR_STATS_ONLY                       109
#define NMERR_NOT_STATS_ONLY                   110
#define NMERR_TRANSMIT                         111
#define NMERR_NOT_TRANSMIT                     112
#define NMERR_TRANSMITTING                     113
#define NMERR_DISK_NOT_LOCAL_FIXED             114
#define NMERR_COULD_NOT_CREATE_DIRECTORY       115
#define NMERR_NO_DEFAULT_CAPTURE_DIRECTORY     116
#define NMERR_UPLEVEL_CAPTURE_FILE             117
#define NMERR_LOAD_EXPERT_FAILED               118
#define NMERR_EXPERT_REPORT_FAILED             119
#define NMERR_REG_OPERATION_FAILED             120
#define NMERR_NO_DLLS_FOUND                    121
#define NMERR_NO_CONVERSATION_STATS            122
#define NMERR_SECURITY_BREACH_CAPTURE_DELETED  123
#define NMERR_FRAME_FAILED_FILTER              124
#define NMERR_EXPERT_TERMINATE                 125
#define NMERR_REMOTE_NOT_A_SERVER              126
#define NMERR_REMOTE_VERSION_OUTOFSYNC         127
#define NMERR_INVALID_EXPERT_GROUP             128
#define NMERR_INVALID_EXPERT_NAME              129
#define NMERR_INVALID_EXPERT_HANDLE            130
#define NMERR_GROUP_NAME_ALREADY_EXISTS        131
#define NMERR_INVALID_GROUP_NAME               132
#define NMERR_EXPERT_ALREADY_IN_GROUP          133
#define NMERR_EXPERT_NOT_IN_GROUP              134
#define NMERR_NOT_INITIALIZED                  135
#define NMERR_INVALID_GROUP_ROOT               136
#define NMERR_BAD_VERSION                      137
#define NMERR_ESP                              138
#define NMERR_NOT_ESP                          139

/* Blob errors. */
#define NMERR_BLOB_NOT_INITIALIZED             1000
#define NMERR_INVALID_BLOB                     1001
#define NMERR_UPLEVEL_BLOB                     1002
#define NMERR_BLOB_ENTRY_ALREADY_EXISTS        1003
#define NMERR_BLOB_ENTRY_DOES_NOT_EXIST        1004
#define NMERR_AMBIGUOUS_SPECIFIER              1005
#define NMERR_BLOB_OWNER_NOT_FOUND             1006
#define NMERR_BLOB_CATEGORY_NOT_FOUND          1007
#define NMERR_UNKNOWN_CATEGORY                 1008
#define NMERR_UNKNOWN_TAG                      1009
#define NMERR_BLOB_CONVERSION_ERROR            1010
#define NMERR_ILLEGAL_TRIGGER                  1011
#define NMERR_BLOB_STRING_INVALID              1012
#define NMERR_UNABLE_TO_LOAD_LIBRARY           1013
#define NMERR_UNABLE_TO_GET_PROCADDR           1014
#define NMERR_CLASS_NOT_REGISTERED             1015
#define NMERR_INVALID_REMOTE_COMPUTERNAME      1016
#define NMERR_RPC_REMOTE_FAILURE               1017

/* Network packet provider (NPP) finder errors. */
#define NMERR_NO_NPPS                          3016
#define NMERR_NO_MATCHING_NPPS                 3017
#define NMERR_NO_NPP_SELECTED                  3018
#define NMERR_NO_INPUT_BLOBS                   3019
#define NMERR_NO_NPP_DLLS                      3020
#define NMERR_NO_VALID_NPP_DLLS                3021

/* NMERR <-> HRESULT: success maps to NOERROR, anything else to
 * 0x80040000 | (code & 0xFFFF); the reverse takes the low 16 bits. */
#define NMERR_TO_HRESULT(nmerr)                                         \
    ((nmerr) == NMERR_SUCCESS ? NOERROR                                 \
                              : MAKE_HRESULT(SEVERITY_ERROR, FACILITY_ITF, (WORD)(nmerr)))
#define HRESULT_TO_NMERR(hr) ((DWORD)HRESULT_CODE(hr))

/* ======================================================================== */
/* 4. Expert constants                                                      */
/* ======================================================================== */

/* Export names of the expert entry points. */
#define EXPERTENTRY_REGISTER  "Register"
#define EXPERTENTRY_CONFIGURE "Configure"
#define EXPERTENTRY_RUN       "Run"

/* EXPERTENUMINFO.Flags (0x0008 is unused). */
#define EXPERT_ENUM_FLAG_CONFIGURABLE             0x0001
#define EXPERT_ENUM_FLAG_VIEWER_PRIVATE           0x0002
#define EXPERT_ENUM_FLAG_NO_VIEWER                0x0004
#define EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_SUMMARY 0x0010
#define EXPERT_ENUM_FLAG_ADD_ME_TO_RMC_IN_DETAIL  0x0020

/* Startup flags of Configure / Run. */
#define EXPERT_STARTUP_FLAG_USE_STARTUP_DATA_OVER_CONFIG_DATA 0x00000001

/* Status of a running expert (ExpertIndicateStatus, EXPERTSTATUS). */
typedef enum _EXPERTSTATUSENUMERATION {
    EXPERTSTATUS_INACTIVE = 0,  /* never started                        */
    EXPERTSTATUS_STARTING = 1,  /* starting up                          */
    EXPERTSTATUS_RUNNING  = 2,  /* running normally                     */
    EXPERTSTATUS_PROBLEM  = 3,  /* stopped; SubStatus describes why     */
    EXPERTSTATUS_ABORTED  = 4,  /* stopped by the host (EXPERTSUBSTATUS) */
    EXPERTSTATUS_DONE     = 5   /* finished successfully                */
} EXPERTSTATUSENUMERATION;
typedef EXPERTSTATUSENUMERATION EXPERT_STATUS_ENUMERATION;

/* Sub-status bits used with EXPERTSTATUS_ABORTED. */
#define EXPERTSUBSTATUS_ABORTED_USER        0x0001
#define EXPERTSUBSTATUS_ABORTED_LOAD_FAIL   0x0002
#define EXPERTSUBSTATUS_ABORTED_THREAD_FAIL 0x0004
#define EXPERTSUBSTATUS_ABORTED_BAD_ENTRY   0x0008

/* ExpertGetFrame: Direction. */
#define GET_SPECIFIED_FRAME      0
#define GET_FRAME_NEXT_FORWARD   1
#define GET_FRAME_NEXT_BACKWARD  2
/* ExpertGetFrame: RequestFlags (bit set). */
#define FLAGS_DEFER_TO_UI_FILTER 0x1
#define FLAGS_ATTACH_PROPERTIES  0x2
/* Spellings used by code fragments in the SDK documentation. */
#define EXPERT_GET_SPECIFIED_FRAME GET_SPECIFIED_FRAME
#define EXPERT_DEFER_TO_UI_FILTER  FLAGS_DEFER_TO_UI_FILTER
#define EXPERT_ATTACH_PROPERTIES   FLAGS_ATTACH_PROPERTIES

/* NMEVENTDATA.Flags. */
#define NMEVENTFLAG_MONITOR                      0x00000000
#define NMEVENTFLAG_EXPERT                       0x00000001
#define NMEVENTFLAG_DO_NOT_DISPLAY_SEVERITY      0x80000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_SOURCE        0x40000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_EVENT_NAME    0x20000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_DESCRIPTION   0x10000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_MACHINE       0x08000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_TIME          0x04000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_DATE          0x02000000
#define NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS 0xFE000000

/* NMEVENTDATA.Severity. */
enum _NMEVENT_SEVERITIES {
    NMEVENT_SEVERITY_INFORMATIONAL  = 0,
    NMEVENT_SEVERITY_WARNING        = 1,
    NMEVENT_SEVERITY_STRONG_WARNING = 2,
    NMEVENT_SEVERITY_ERROR          = 3,
    NMEVENT_SEVERITY_SEVERE_ERROR   = 4,
    NMEVENT_SEVERITY_CRITICAL_ERROR = 5
};

/* NMCOLUMNVARIANT.Type: selects the member of NMCOLUMNVARIANT.Value. */
typedef enum _NMCOLUMNTYPE {
    NMCOLUMNTYPE_UINT8     = 0,   /* Uint8Val     */
    NMCOLUMNTYPE_SINT8     = 1,   /* Sint8Val     */
    NMCOLUMNTYPE_UINT16    = 2,   /* Uint16Val    */
    NMCOLUMNTYPE_SINT16    = 3,   /* Sint16Val    */
    NMCOLUMNTYPE_UINT32    = 4,   /* Uint32Val    */
    NMCOLUMNTYPE_SINT32    = 5,   /* Sint32Val    */
    NMCOLUMNTYPE_FLOAT64   = 6,   /* Float64Val   */
    NMCOLUMNTYPE_FRAME     = 7,   /* FrameVal     */
    NMCOLUMNTYPE_YESNO     = 8,   /* YesNoVal     */
    NMCOLUMNTYPE_ONOFF     = 9,   /* OnOffVal     */
    NMCOLUMNTYPE_TRUEFALSE = 10,  /* TrueFalseVal */
    NMCOLUMNTYPE_MACADDR   = 11,  /* MACAddrVal   */
    NMCOLUMNTYPE_IPXADDR   = 12,  /* IPXAddrVal   */
    NMCOLUMNTYPE_IPADDR    = 13,  /* IPAddrVal    */
    NMCOLUMNTYPE_VARTIME   = 14,  /* VarTimeVal   */
    NMCOLUMNTYPE_STRING    = 15   /* pStringVal   */
} NMCOLUMNTYPE;

/* ======================================================================== */
/* 5. Kernel constants: frames, properties, filters, addresses              */
/* ======================================================================== */

#define FRAME_SIZE 16   /* sizeof(FRAME): the record header before MacFrame */

/* FRAME_DESCRIPTOR.LowProtocol. */
#define LOW_PROTOCOL_IPX     2
#define LOW_PROTOCOL_IP      3
#define LOW_PROTOCOL_IP6     4
#define LOW_PROTOCOL_UNKNOWN 0xFF

/* PROPERTYINFO.DataType. */
#define PROP_TYPE_VOID              0x00
#define PROP_TYPE_SUMMARY           0x01
#define PROP_TYPE_BYTE              0x02
#define PROP_TYPE_WORD              0x03
#define PROP_TYPE_DWORD             0x04
#define PROP_TYPE_LARGEINT          0x05
#define PROP_TYPE_ADDR              0x06
#define PROP_TYPE_TIME              0x07
#define PROP_TYPE_STRING            0x08
#define PROP_TYPE_IP_ADDRESS        0x09
#define PROP_TYPE_IPX_ADDRESS       0x0A
#define PROP_TYPE_BYTESWAPPED_WORD  0x0B
#define PROP_TYPE_BYTESWAPPED_DWORD 0x0C
#define PROP_TYPE_TYPED_STRING      0x0D
#define PROP_TYPE_RAW_DATA          0x0E
#define PROP_TYPE_COMMENT           0x0F
#define PROP_TYPE_SRCFRIENDLYNAME   0x10
#define PROP_TYPE_DSTFRIENDLYNAME   0x11
#define PROP_TYPE_TOKENRING_ADDRESS 0x12
#define PROP_TYPE_FDDI_ADDRESS      0x13
#define PROP_TYPE_ETHERNET_ADDRESS  0x14
#define PROP_TYPE_OBJECT_IDENTIFIER 0x15
#define PROP_TYPE_VINES_IP_ADDRESS  0x16
#define PROP_TYPE_VAR_LEN_SMALL_INT 0x17
#define PROP_TYPE_ATM_ADDRESS       0x18
#define PROP_TYPE_1394_ADDRESS      0x19
#define PROP_TYPE_IP6_ADDRESS       0x1A

/* PROPERTYINFO.DataQualifier. */
#define PROP_QUAL_NONE             0x0
#define PROP_QUAL_RANGE            0x1
#define PROP_QUAL_SET              0x2
#define PROP_QUAL_BITFIELD         0x3
#define PROP_QUAL_LABELED_SET      0x4
#define PROP_QUAL_LABELED_BITFIELD 0x8
#define PROP_QUAL_CONST            0x9
#define PROP_QUAL_FLAGS            0xA
#define PROP_QUAL_ARRAY            0xB

/* PROPERTYINST.IFlags. */
#define IFLAG_ERROR   0x00000001
#define IFLAG_SWAPPED 0x00000002  /* value is in network (swapped) order */
#define IFLAG_UNICODE 0x00000004  /* string is UTF-16LE                  */

/* TYPED_STRING.StringType / fStringEx. */
#define TYPED_STRING_NORMAL  1
#define TYPED_STRING_UNICODE 2
#define TYPED_STRING_EXFLAG  1

/* PROPERTYINST.DataLength value meaning "extended instance". */
#define PROPERTYINST_EX_LENGTH 0xFFFF

/* Byte swapping: XCHG swaps the bytes of a WORD, DXCHG reverses a DWORD. */
#define XCHG(w) \
    ((WORD)((WORD)(((WORD)(w)) << 8) | (WORD)(((WORD)(w)) >> 8)))
#define DXCHG(d)                                         \
    ((DWORD)((((DWORD)(d) & 0x000000FFu) << 24) |        \
             (((DWORD)(d) & 0x0000FF00u) << 8)  |        \
             (((DWORD)(d) & 0x00FF0000u) >> 8)  |        \
             (((DWORD)(d) & 0xFF000000u) >> 24)))

/* PROTOCOLTABLE. */
#define PROTOCOL_NUM_ANY (-1)

/* FILTEROBJECT.Action. */
#define FILTERACTION_INVALID          0
#define FILTERACTION_PROPERTY         1
#define FILTERACTION_VALUE            2
#define FILTERACTION_STRING           3
#define FILTERACTION_ARRAY            4
#define FILTERACTION_AND              5
#define FILTERACTION_OR               6
#define FILTERACTION_XOR              7
#define FILTERACTION_PROPERTYEXIST    8
#define FILTERACTION_CONTAINSNC       9
#define FILTERACTION_CONTAINS         10
#define FILTERACTION_NOT              11
#define FILTERACTION_EQUALNC          12
#define FILTERACTION_EQUAL            13
#define FILTERACTION_NOTEQUALNC       14
#define FILTERACTION_NOTEQUAL         15
#define FILTERACTION_GREATERNC        16
#define FILTERACTION_GREATER          17
#define FILTERACTION_LESSNC           18
#define FILTERACTION_LESS             19
#define FILTERACTION_GREATEREQUALNC   20
#define FILTERACTION_GREATEREQUAL     21
#define FILTERACTION_LESSEQUALNC      22
#define FILTERACTION_LESSEQUAL        23
#define FILTERACTION_PLUS             24
#define FILTERACTION_MINUS            25
#define FILTERACTION_ADDRESS          26
#define FILTERACTION_ADDRESSANY       27
#define FILTERACTION_FROM             28
#define FILTERACTION_TO               29
#define FILTERACTION_FROMTO           30
#define FILTERACTION_AREBITSON        31
#define FILTERACTION_AREBITSOFF       32
#define FILTERACTION_PROTOCOLSEXIST   33
#define FILTERACTION_PROTOCOLEXIST    34
#define FILTERACTION_ARRAYEQUAL       35
#define FILTERACTION_DEREFPROPERTY    36
#define FILTERACTION_LARGEINT         37
#define FILTERACTION_TIME             38
#define FILTERACTION_ADDR_ETHER       39
#define FILTERACTION_ADDR_TOKEN       40
#define FILTERACTION_ADDR_FDDI        41
#define FILTERACTION_ADDR_IPX         42
#define FILTERACTION_ADDR_IP          43
#define FILTERACTION_OID              44
#define FILTERACTION_OID_CONTAINS     45
#define FILTERACTION_OID_BEGINS_WITH  46
#define FILTERACTION_OID_ENDS_WITH    47
#define FILTERACTION_ADDR_VINES       48
#define FILTERACTION_ADDR_IP6         49
#define FILTERACTION_EXPRESSION       97
#define FILTERACTION_BOOL             98
#define FILTERACTION_NOEVAL           99

/* Other filter constants. The FILTER_DIRECTION_* values are arguments
 * (FilterFindFrame), not actions. */
#define FILTERFREEPOOLSTART    20
#define INVALIDELEMENT         (-1)
#define INVALIDVALUE           ((VALUETYPE)-9999)
#define FILTER_FAIL_WITH_ERROR (-1)
#define FILTER_PASSED          TRUE
#define FILTER_FAILED          FALSE
#define FILTER_NO_MORE_FRAMES  0xFFFFFFFF
#define FILTER_CANCELED        0xFFFFFFFE
#define FILTER_DIRECTION_NEXT  TRUE
#define FILTER_DIRECTION_PREV  FALSE

/* ADDRESS.Type and the AddressType arguments. */
#define ADDRESS_TYPE_ETHERNET     0
#define ADDRESS_TYPE_IP           1
#define ADDRESS_TYPE_IPX          2
#define ADDRESS_TYPE_TOKENRING    3
#define ADDRESS_TYPE_FDDI         4
#define ADDRESS_TYPE_XNS          5
#define ADDRESS_TYPE_ANY          6
#define ADDRESS_TYPE_ANY_GROUP    7
#define ADDRESS_TYPE_FIND_HIGHEST 8
#define ADDRESS_TYPE_VINES_IP     9
#define ADDRESS_TYPE_LOCAL_ONLY   10
#define ADDRESS_TYPE_ATM          11
#define ADDRESS_TYPE_1394         12
#define ADDRESS_TYPE_IP6          13

/* Flags of GetFrameDestAddress / GetFrameSourceAddress. */
#define ADDRESSTYPE_FLAGS_NORMALIZE   0x0001  /* clear routing/group bits   */
#define ADDRESSTYPE_FLAGS_BIT_REVERSE 0x0002  /* undo token-ring bit order  */

/* ADDRESS.Flags (address-pair filters). */
#define ADDRESS_FLAGS_MATCH_DST      0x0001
#define ADDRESS_FLAGS_MATCH_SRC      0x0002
#define ADDRESS_FLAGS_EXCLUDE        0x0004
#define ADDRESS_FLAGS_DST_GROUP_ADDR 0x0008
#define ADDRESS_FLAGS_MATCH_BOTH     0x0003

/* Media types (GetFrameMacType, GetCaptureMacType, capture files). */
#define MAC_TYPE_UNKNOWN   0
#define MAC_TYPE_ETHERNET  1
#define MAC_TYPE_TOKENRING 2
#define MAC_TYPE_FDDI      3
#define MAC_TYPE_ATM       4
#define MAC_TYPE_1394      5

/* ======================================================================== */
/* 6. Capture-file constants                                                */
/* ======================================================================== */

#define NETMON_1_0_CAPTUREFILE_SIGNATURE MAKE_IDENTIFIER('R', 'T', 'S', 'S')
#define NETMON_2_0_CAPTUREFILE_SIGNATURE MAKE_IDENTIFIER('G', 'M', 'B', 'U')
#define CAPTUREFILE_VERSION_MAJOR 2
#define CAPTUREFILE_VERSION_MINOR 0
#define MakeVersion(Major, Minor) ((DWORD)MAKEWORD(Minor, Major))

/* NETWORKINFO.Flags. */
#define NETWORKINFO_FLAGS_PMODE_NOT_SUPPORTED 0x00000001
#define NETWORKINFO_FLAGS_REMOTE_NAL          0x00000004
#define NETWORKINFO_FLAGS_REMOTE_NAL_CONNECTED 0x00000008
#define NETWORKINFO_FLAGS_REMOTE_CARD         0x00000010
#define NETWORKINFO_FLAGS_RAS                 0x00000020

/* Synthetic statistics frame. */
#define STATS_FRAME_TYPE        103
#define STATISTICS_VERSION_1_0  0x00
#define STATISTICS_VERSION_2_0  0x20
#define DEFAULT_SAP             0xAA
#define DEFAULT_CONTROL         0x03
#define DEFAULT_ETHERTYPE       0x8419
#define DEFAULT_TR_AC           0x00
#define DEFAULT_TR_FC           0x40
#define DEFAULT_FDDI_FC         0x10

/* ======================================================================== */
/* 7. Structures byte-packed on every CPU                                   */
/* ======================================================================== */

#pragma pack(push, 1)

/* IPX network address: 4-byte network + 6-byte node (10 bytes). */
typedef struct _IPX_ADDR {
    BYTE Subnet[4];
    BYTE Address[6];
} IPX_ADDR;
typedef IPX_ADDR IPX_ADDRESS;

/* VINES IP address (6 bytes). */
typedef struct _VINES_IP_ADDRESS {
    DWORD NetID;
    WORD  SubnetID;
} VINES_IP_ADDRESS;

/* Address of the 2.x interface (16 bytes). */
typedef struct _ADDRESS {
    DWORD Type;                              /* ADDRESS_TYPE_*   */
    union {
        BYTE             MACAddress[MAC_ADDRESS_SIZE];
        BYTE             IPAddress[IP_ADDRESS_SIZE];
        BYTE             IPXRawAddress[10];
        IPX_ADDR         IPXAddress;
        BYTE             VinesIPRawAddress[6];
        VINES_IP_ADDRESS VinesIPAddress;
    };
    WORD  Flags;                             /* ADDRESS_FLAGS_*  */
} ADDRESS, *LPADDRESS;

/* Address with room for IPv6 (22 bytes). */
typedef struct _ADDRESS2 {
    DWORD Type;                              /* ADDRESS_TYPE_*   */
    union {
        BYTE             MACAddress[MAC_ADDRESS_SIZE];
        BYTE             IPAddress[IP_ADDRESS_SIZE];
        BYTE             IP6Address[IP6_ADDRESS_SIZE];
        BYTE             IPXRawAddress[10];
        IPX_ADDR         IPXAddress;
        BYTE             VinesIPRawAddress[6];
        VINES_IP_ADDRESS VinesIPAddress;
    };
    WORD  Flags;                             /* ADDRESS_FLAGS_*  */
} ADDRESS2, *LPADDRESS2;

/* Capture-file header fields (72 bytes, little-endian on disk). */
typedef struct _CAPTUREFILE_HEADER_VALUES {
    DWORD      Signature;                /* NETMON_x_0_CAPTUREFILE_SIGNATURE */
    BYTE       BCDVerMinor;
    BYTE       BCDVerMajor;
    WORD       MacType;                  /* MAC_TYPE_* of the capture        */
    SYSTEMTIME TimeStamp;                /* capture start, local time        */
    DWORD      FrameTableOffset;
    DWORD      FrameTableLength;         /* bytes (entries x 4)              */
    DWORD      UserDataOffset;
    DWORD      UserDataLength;
    DWORD      CommentDataOffset;
    DWORD      CommentDataLength;
    DWORD      StatisticsOffset;
    DWORD      StatisticsLength;
    DWORD      NetworkInfoOffset;
    DWORD      NetworkInfoLength;
    DWORD      ConversationStatsOffset;
    DWORD      ConversationStatsLength;
} CAPTUREFILE_HEADER_VALUES, *LPCAPTUREFILE_HEADER_VALUES;

/* Capture-file header as written (128 bytes). */
typedef struct _CAPTUREFILE_HEADER {
    union {
        CAPTUREFILE_HEADER_VALUES Values;
        BYTE                      Buffer[sizeof(CAPTUREFILE_HEADER_VALUES)];
    };
    BYTE Reserved[128 - sizeof(CAPTUREFILE_HEADER_VALUES)];
} CAPTUREFILE_HEADER, *LPCAPTUREFILE_HEADER;

/* Capture statistics block (88 bytes). */
typedef struct _STATISTICS {
    __int64 TimeElapsed;
    DWORD   TotalFramesCaptured;
    DWORD   TotalBytesCaptured;
    DWORD   TotalFramesFiltered;
    DWORD   TotalBytesFiltered;
    DWORD   TotalMulticastsFiltered;
    DWORD   TotalBroadcastsFiltered;
    DWORD   TotalFramesSeen;
    DWORD   TotalBytesSeen;
    DWORD   TotalMulticastsReceived;
    DWORD   TotalBroadcastsReceived;
    DWORD   TotalFramesDropped;
    DWORD   TotalFramesDroppedFromBuffer;
    DWORD   MacFramesReceived;
    DWORD   MacCRCErrors;
    __int64 MacBytesReceivedEx;
    DWORD   MacFramesDropped_NoBuffers;
    DWORD   MacMulticastsReceived;
    DWORD   MacBroadcastsReceived;
    DWORD   MacFramesDropped_HwError;
} STATISTICS, *LPSTATISTICS;

/* Network (adapter) information block of a 2.0 capture file (116 bytes). */
typedef struct _NETWORKINFO {
    BYTE    PermanentAddr[6];
    BYTE    CurrentAddr[6];
    ADDRESS OtherAddress;
    DWORD   LinkSpeed;              /* Mbit/s                            */
    DWORD   MacType;                /* MAC_TYPE_*                        */
    DWORD   MaxFrameSize;
    DWORD   Flags;                  /* NETWORKINFO_FLAGS_*               */
    DWORD   TimestampScaleFactor;   /* 1 = ms, 10 = 1/10 ms, 100 = ...   */
    BYTE    NodeName[32];
    BOOL    PModeSupported;
    BYTE    Comment[ADAPTER_COMMENT_LENGTH];
} NETWORKINFO, *LPNETWORKINFO;

#pragma pack(pop)

/* ======================================================================== */
/* 8. Shared structures: byte-packed on i386, natural elsewhere             */
/* ======================================================================== */

#if defined(__i386__)
#  pragma pack(push, 1)
#endif

/* ---- Frames ------------------------------------------------------------ */

/* Raw frame record: identical to the 2.x capture-file record header. */
typedef struct _FRAME {
    __int64 TimeStamp;    /* microseconds since the start of the capture */
    DWORD   FrameLength;  /* original (on-the-wire) length               */
    DWORD   nBytesAvail;  /* bytes stored in MacFrame                    */
    BYTE    MacFrame[];   /* frame data, starting with the MAC header    */
} FRAME, *LPFRAME;
NMX_UNALIGNED_TYPE(FRAME, NMX_UFRAME_);
typedef NMX_UFRAME_ *ULPFRAME;

/* Frame as handed to real-time capture clients. */
typedef struct _FRAME_DESCRIPTOR {
    LPBYTE  FramePointer;
    __int64 TimeStamp;
    DWORD   FrameLength;
    DWORD   nBytesAvail;
    WORD    Etype;
    BYTE    Sap;
    BYTE    LowProtocol;           /* LOW_PROTOCOL_* */
    WORD    LowProtocolOffset;
    union {
        WORD Reserved;
        BYTE IPPort;
        WORD ByteSwappedIPXPort;
    } HighPort;
    WORD    HighProtocolOffset;
} FRAME_DESCRIPTOR, *LPFRAME_DESCRIPTOR;

/* Circular buffer of frame descriptors (Frames has FrameTableLength entries). */
typedef struct _FRAMETABLE {
    DWORD            FrameTableLength;
    DWORD            StartIndex;
    DWORD            EndIndex;
    DWORD            FrameCount;
    FRAME_DESCRIPTOR Frames[1];
} FRAMETABLE, *LPFRAMETABLE;

/* ---- Recognize data ---------------------------------------------------- */

typedef struct _RECOGNIZEDATA {
    WORD   ProtocolID;       /* run-time protocol id (PROTOCOLINFO.ProtocolID) */
    WORD   nProtocolOffset;  /* offset of the protocol's data in the frame     */
    LPVOID InstData;         /* parser instance data                           */
} RECOGNIZEDATA, *LPRECOGNIZEDATA;

typedef struct _RECOGNIZEDATATABLE {
    WORD          nRecognizeDatas;
    RECOGNIZEDATA RecognizeData[];
} RECOGNIZEDATATABLE, *LPRECOGNIZEDATATABLE;

/* ---- Property support types -------------------------------------------- */

typedef struct _RANGE {
    DWORD MinValue;
    DWORD MaxValue;
} RANGE, *LPRANGE;

typedef struct _LABELED_BYTE {
    BYTE  Value;
    LPSTR Label;
} LABELED_BYTE, *LPLABELED_BYTE;

typedef struct _LABELED_WORD {
    WORD  Value;
    LPSTR Label;
} LABELED_WORD, *LPLABELED_WORD;

typedef struct _LABELED_DWORD {
    DWORD Value;
    LPSTR Label;
} LABELED_DWORD, *LPLABELED_DWORD;

typedef struct _LABELED_LARGEINT {
    LARGE_INTEGER Value;
    LPSTR         Label;
} LABELED_LARGEINT, *LPLABELED_LARGEINT;

typedef struct _LABELED_SYSTEMTIME {
    SYSTEMTIME Value;
    LPSTR      Label;
} LABELED_SYSTEMTIME, *LPLABELED_SYSTEMTIME;

/* One bit of a PROP_QUAL_FLAGS property. */
typedef struct _LABELED_BIT {
    BYTE  BitNumber;
    LPSTR LabelOff;
    LPSTR LabelOn;
} LABELED_BIT, *LPLABELED_BIT;

typedef struct _SET {
    DWORD nEntries;
    union {
        LPVOID               lpVoidTable;
        LPBYTE               lpByteTable;
        LPWORD               lpWordTable;
        LPDWORD              lpDwordTable;
        LPLARGEINT           lpLargeIntTable;
        LPSYSTEMTIME         lpSystemTimeTable;
        LPLABELED_BYTE       lpLabeledByteTable;
        LPLABELED_WORD       lpLabeledWordTable;
        LPLABELED_DWORD      lpLabeledDwordTable;
        LPLABELED_LARGEINT   lpLabeledLargeIntTable;
        LPLABELED_SYSTEMTIME lpLabeledSystemTimeTable;
        LPLABELED_BIT        lpLabeledBit;
    };
} SET, *LPSET;

/* Typed string (PROP_TYPE_TYPED_STRING). With fStringEx set the characters
 * follow inline from Byte; Byte is declared with one element so that the
 * structure can sit inside PROPERTYINSTEX. */
typedef struct _TYPED_STRING {
    BYTE  StringType : 7;     /* TYPED_STRING_NORMAL / _UNICODE */
    BYTE  fStringEx  : 1;     /* TYPED_STRING_EXFLAG            */
    LPSTR lpString;
    BYTE  Byte[1];
} TYPED_STRING, *LPTYPED_STRING;

/* SNMP object identifier: Length sub-identifiers at lpIdentifier. */
typedef struct _OBJECT_IDENTIFIER {
    DWORD   Length;
    LPDWORD lpIdentifier;
} OBJECT_IDENTIFIER, *LPOBJECT_IDENTIFIER;

typedef struct _STRINGTABLE {
    DWORD nStrings;
    LPSTR String[];
} STRINGTABLE, *LPSTRINGTABLE;

/* ---- Properties -------------------------------------------------------- */

/* One property definition in a protocol's property database. */
typedef struct _PROPERTYINFO {
    HPROPERTY hProperty;           /* 0 when adding; the handle afterwards */
    DWORD     Version;             /* reserved, 0                          */
    LPSTR     Label;               /* property name                        */
    LPSTR     Comment;             /* status-bar description               */
    BYTE      DataType;            /* PROP_TYPE_*                          */
    BYTE      DataQualifier;       /* PROP_QUAL_*                          */
    union {
        LPVOID  lpExtendedInfo;    /* reserved                             */
        LPRANGE lpRange;           /* PROP_QUAL_RANGE                      */
        LPSET   lpSet;             /* PROP_QUAL_SET, _LABELED_SET, _FLAGS  */
        DWORD   Bitmask;           /* obsolete                             */
        DWORD   Value;             /* PROP_QUAL_CONST                      */
    };
    WORD      FormatStringSize;    /* maximum length of the formatted text */
    LPVOID    InstanceData;        /* format routine                       */
} PROPERTYINFO, *LPPROPERTYINFO;

/* Extended (free-form) property instance; used when
 * PROPERTYINST.DataLength == PROPERTYINST_EX_LENGTH. LengthEx bytes of
 * extended data follow inline; the arrays below are declared with one
 * element and are indexed past it (they share their offset). */
typedef struct _PROPERTYINSTEX {
    WORD    Length;                /* length of the data in the frame */
    WORD    LengthEx;              /* length of the inline data       */
    ULPVOID lpData;                /* frame data                      */
    union {
        BYTE          Byte[1];
        WORD          Word[1];
        DWORD         Dword[1];
        LARGE_INTEGER LargeInt[1];
        SYSTEMTIME    SysTime[1];
        TYPED_STRING  TypedString;
    };
} PROPERTYINSTEX, *LPPROPERTYINSTEX;
NMX_UNALIGNED_TYPE(PROPERTYINSTEX, NMX_UPROPERTYINSTEX_);
typedef NMX_UPROPERTYINSTEX_ *ULPPROPERTYINSTEX;

/* One property attached to one frame. */
typedef struct _PROPERTYINST {
    LPPROPERTYINFO lpPropertyInfo;
    LPSTR          szPropertyText;   /* NULL when attached for an expert */
    union {
        LPVOID           lpData;     /* the property's bytes in the frame  */
        ULPBYTE          lpByte;
        ULPWORD          lpWord;
        ULPDWORD         lpDword;
        ULPLARGEINT      lpLargeInt;
        ULPSYSTEMTIME    lpSysTime;
        LPPROPERTYINSTEX lpPropertyInstEx; /* DataLength == 0xFFFF       */
    };
    WORD           DataLength;       /* PROPERTYINST_EX_LENGTH: extended */
    WORD           Level  : 4;       /* tree level in the detail pane    */
    WORD           HelpID : 12;      /* help context id                  */
    DWORD          IFlags;           /* IFLAG_*                          */
} PROPERTYINST, *LPPROPERTYINST;

/* Data of a property instance: the frame bytes, or for an extended
 * instance its inline data. */
#define GetPropertyInstanceData(lpPropertyInst)                          \
    ((lpPropertyInst)->DataLength != PROPERTYINST_EX_LENGTH              \
         ? (LPVOID)(lpPropertyInst)->lpData                              \
         : (LPVOID)(lpPropertyInst)->lpPropertyInstEx->Byte)
/* Length of the property's data in the frame. */
#define GetPropertyInstanceDataLength(lpPropertyInst)                    \
    ((WORD)((lpPropertyInst)->DataLength != PROPERTYINST_EX_LENGTH       \
                ? (lpPropertyInst)->DataLength                           \
                : (lpPropertyInst)->lpPropertyInstEx->Length))

/* Instances attached by one protocol: a slice of the instance array. */
typedef struct _PROPERTYINSTTABLE {
    WORD nPropertyInsts;
    WORD nPropertyInstIndex;
} PROPERTYINSTTABLE, *LPPROPERTYINSTTABLE;

/* Properties attached to a frame (EXPERTFRAMEDESCRIPTOR.lpPropertyTable). */
typedef struct _PROPERTYTABLE {
    LPVOID            lpFormatBuffer;
    DWORD             FormatBufferLength;
    DWORD             nTotalPropertyInsts;
    LPPROPERTYINST    lpFirstPropertyInst;  /* nTotalPropertyInsts entries */
    BYTE              nPropertyInstTables;
    PROPERTYINSTTABLE PropertyInstTable[];
} PROPERTYTABLE, *LPPROPERTYTABLE;

typedef struct _PROPERTYDATABASE {
    DWORD          nProperties;
    LPPROPERTYINFO PropertyInfo[];
} PROPERTYDATABASE, *LPPROPERTYDATABASE;

/* ---- Protocols --------------------------------------------------------- */

typedef struct _PROTOCOLINFO {
    DWORD              ProtocolID;        /* id assigned for this session  */
    LPPROPERTYDATABASE PropertyDatabase;
    BYTE               ProtocolName[NETMON_MAX_PROTOCOL_NAME_LEN]; /* NUL-terminated */
    BYTE               HelpFile[16];
    BYTE               Comment[128];
} PROTOCOLINFO, *LPPROTOCOLINFO;

typedef struct _PROTOCOLTABLE {
    DWORD     nProtocols;
    HPROTOCOL hProtocol[1];               /* nProtocols entries */
} PROTOCOLTABLE, *LPPROTOCOLTABLE, PROTOCOLTABLETYPE, *LPPROTOCOLTABLETYPE;

/* Size of a PROTOCOLTABLE without its declared handle. */
#define PROTOCOLTABLE_SIZE (sizeof(PROTOCOLTABLE) - sizeof(HPROTOCOL))

/* ---- Display filters --------------------------------------------------- */

typedef DWORD FILTERACTIONTYPE;
typedef DWORD VALUETYPE;
typedef DWORD FILTERBITS;
typedef FILTERBITS *LPFILTERBITS;

/* One operand or operator of a postfix (RPN) filter expression. */
typedef struct _FILTEROBJECT {
    FILTERACTIONTYPE Action;               /* FILTERACTION_*  */
    HPROPERTY        hProperty;
    union {
        VALUETYPE           Value;
        HPROTOCOL           hProtocol;
        LPVOID              lpArray;
        LPPROTOCOLTABLETYPE lpProtocolTable;
        LPADDRESS           lpAddress;
        ULPLARGEINT         lpLargeInt;
        ULPTIME             lpTime;
        LPOBJECT_IDENTIFIER lpOID;
    };
    union {
        WORD ByteCount;
        WORD ByteOffset;
    };
    struct _FILTEROBJECT *pNext;           /* reserved        */
} FILTEROBJECT, *LPFILTEROBJECT;

/* Same layout as FILTEROBJECT; lpAddress is an ADDRESS2. */
typedef struct _FILTEROBJECT2 {
    FILTERACTIONTYPE Action;
    HPROPERTY        hProperty;
    union {
        VALUETYPE           Value;
        HPROTOCOL           hProtocol;
        LPVOID              lpArray;
        LPPROTOCOLTABLETYPE lpProtocolTable;
        LPADDRESS2          lpAddress;
        ULPLARGEINT         lpLargeInt;
        ULPTIME             lpTime;
        LPOBJECT_IDENTIFIER lpOID;
    };
    union {
        WORD ByteCount;
        WORD ByteOffset;
    };
    struct _FILTEROBJECT2 *pNext;
} FILTEROBJECT2, *LPFILTEROBJECT2;

/* Filter description. */
typedef struct _FILTERDESC {
    WORD           NumEntries;
    WORD           Flags;
    LPFILTEROBJECT lpStack;
    LPFILTEROBJECT lpKeepLast;
    LPVOID         UIInstanceData;
    LPFILTERBITS   lpFilterBits;
    LPFILTERBITS   lpCheckBits;
} FILTERDESC, *LPFILTERDESC;

typedef struct _FILTERDESC2 {
    WORD            NumEntries;
    WORD            Flags;
    LPFILTEROBJECT2 lpStack;
    LPFILTEROBJECT2 lpKeepLast;
    LPVOID          UIInstanceData;
    LPFILTERBITS    lpFilterBits;
    LPFILTERBITS    lpCheckBits;
} FILTERDESC2, *LPFILTERDESC2;

/* Progress callback of FilterFindFrame / FilterFindPropertyInstance. */
typedef BOOL (WINAPI *STATUSPROC)(DWORD, HCAPTURE, HFILTER, LPVOID);

/* ---- Expert structures ------------------------------------------------- */

/* Expert configuration: RawConfigLength counts itself (4 bytes) plus the
 * expert-defined data. */
typedef struct _EXPERTCONFIG {
    DWORD RawConfigLength;
    BYTE  RawConfigData[];
} EXPERTCONFIG, *PEXPERTCONFIG;

/* The capture element that had focus when the expert was started. */
typedef struct _EXPERTSTARTUPINFO {
    DWORD          Flags;                    /* no values defined; 0    */
    HCAPTURE       hCapture;                 /* the loaded capture      */
    char           szCaptureFile[MAX_PATH];
    DWORD          dwFrameNumber;            /* focused frame           */
    HPROTOCOL      hProtocol;                /* focused protocol        */
    LPPROPERTYINST lpPropertyInst;           /* focused property        */
    struct {
        BYTE BitNumber;                      /* PROP_QUAL_FLAGS only    */
        BOOL bOn;                            /* PROP_QUAL_FLAGS only    */
    } sBitfield;
} EXPERTSTARTUPINFO, *PEXPERTSTARTUPINFO;

struct _EXPERTENUMINFO;

/* Entry points exported by an expert. */
typedef BOOL (WINAPI *PEXPERTREGISTERPROC)(struct _EXPERTENUMINFO *);
typedef BOOL (WINAPI *PEXPERTCONFIGPROC)(HEXPERTKEY, PEXPERTCONFIG *,
                                         PEXPERTSTARTUPINFO, DWORD, HWND);
typedef BOOL (WINAPI *PEXPERTRUNPROC)(HEXPERTKEY, PEXPERTCONFIG,
                                      PEXPERTSTARTUPINFO, DWORD, HWND);

/* A loaded expert. The expert fills the strings, Version and Flags in
 * Register; the remaining members belong to the host. */
typedef struct _EXPERTENUMINFO {
    char                szName[EXPERTSTRINGLENGTH];
    char                szVendor[EXPERTSTRINGLENGTH];
    char                szDescription[EXPERTSTRINGLENGTH];
    DWORD               Version;
    DWORD               Flags;                 /* EXPERT_ENUM_FLAG_* */
    char                szDllName[MAX_PATH];   /* host private       */
    HEXPERT             hExpert;               /* host private       */
    HINSTANCE           hModule;               /* host private       */
    PEXPERTREGISTERPROC pRegisterProc;         /* host private       */
    PEXPERTCONFIGPROC   pConfigProc;           /* host private       */
    PEXPERTRUNPROC      pRunProc;              /* host private       */
} EXPERTENUMINFO, *PEXPERTENUMINFO;

/* A loaded expert with its configuration and startup flags. */
typedef struct {
    HEXPERT       hExpert;
    DWORD         StartupFlags;
    PEXPERTCONFIG pConfig;
} CONFIGUREDEXPERT, *PCONFIGUREDEXPERT;

/* A named group of experts. */
typedef struct {
    char   szGroupName[EXPERTGROUPNAMELENGTH + 1];
    HGROUP hGroup;
} GROUPINFO, *PGROUPINFO;

/* Frame returned by ExpertGetFrame. */
typedef struct {
    DWORD                FrameNumber;          /* zero-based             */
    HFRAME               hFrame;
    ULPFRAME             pFrame;               /* raw FRAME record       */
    LPRECOGNIZEDATATABLE lpRecognizeDataTable;
    LPPROPERTYTABLE      lpPropertyTable;      /* NULL without properties */
} EXPERTFRAMEDESCRIPTOR, *LPEXPERTFRAMEDESCRIPTOR;

/* Current status of a running expert. */
typedef struct {
    EXPERTSTATUSENUMERATION Status;
    DWORD                   SubStatus;
    DWORD                   PercentDone;
    DWORD                   Frame;              /* frame number reached */
    char                    szStatusText[EXPERTSTRINGLENGTH];
} EXPERTSTATUS, *PEXPERTSTATUS;

/* ---- Event (viewer) structures ----------------------------------------- */

typedef struct _NMCOLUMNVARIANT {
    NMCOLUMNTYPE Type;                 /* selects the member of Value */
    union {
        BYTE        Uint8Val;
        signed char Sint8Val;
        WORD        Uint16Val;
        short       Sint16Val;
        DWORD       Uint32Val;
        LONG        Sint32Val;
        DOUBLE      Float64Val;
        DWORD       FrameVal;          /* frame number                 */
        BOOL        YesNoVal;
        BOOL        OnOffVal;
        BOOL        TrueFalseVal;
        BYTE        MACAddrVal[MAC_ADDRESS_SIZE];
        IPX_ADDR    IPXAddrVal;
        DWORD       IPAddrVal;         /* address bytes in memory order */
        DOUBLE      VarTimeVal;        /* OLE date: days since 1899-12-30 */
        LPCSTR      pStringVal;        /* may be NULL                   */
    } Value;
} NMCOLUMNVARIANT;

typedef struct _NMCOLUMNINFO {
    LPSTR           szColumnName;      /* column heading */
    NMCOLUMNVARIANT VariantData;       /* value of this row */
} NMCOLUMNINFO, *PNMCOLUMNINFO;
typedef NMCOLUMNINFO EVENTCOLUMNINFO;
typedef PNMCOLUMNINFO PEVENTCOLUMNINFO;

typedef LPSTR JTYPE;

/* One event (one viewer row). Column declares one entry; for n columns
 * sizeof(NMEVENTDATA) + n * sizeof(NMCOLUMNINFO) bytes are always enough. */
typedef struct _NMEVENTDATA {
    LPSTR        pszReserved;
    BYTE         Version;          /* 0                                 */
    DWORD        EventIdent;       /* expert-defined; selects the ERP   */
    DWORD        Flags;            /* NMEVENTFLAG_*                     */
    DWORD        Severity;         /* NMEVENT_SEVERITY_*                */
    BYTE         NumColumns;       /* valid entries of Column           */
    LPSTR        szSourceName;
    LPSTR        szEventName;
    LPSTR        szDescription;
    LPSTR        szMachine;        /* obsolete; NULL                    */
    JTYPE        Justification;    /* lower-pane text; NULL hides it    */
    LPSTR        szUrl;            /* reserved; NULL                    */
    SYSTEMTIME   SysTime;          /* all zero: no time                 */
    NMCOLUMNINFO Column[1];        /* NumColumns entries                */
} NMEVENTDATA, *PNMEVENTDATA;

#if defined(__i386__)
#  pragma pack(pop)
#endif

/* ======================================================================== */
/* 9. Functions                                                             */
/* ======================================================================== */

/* ---- Entry points an expert exports ------------------------------------ */

NMAPI_EXPORT BOOL WINAPI DllMain(HINSTANCE hInstance, ULONG ulReason, LPVOID Reserved);
NMAPI_EXPORT BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo);
NMAPI_EXPORT BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig,
                                   PEXPERTSTARTUPINFO pExpertStartupInfo,
                                   DWORD StartupFlags, HWND hWnd);
NMAPI_EXPORT BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig,
                             PEXPERTSTARTUPINFO pExpertStartupInfo,
                             DWORD StartupFlags, HWND hWndParent);

/* ---- Expert helpers ---------------------------------------------------- */

NMAPI_EXPORT LPVOID WINAPI ExpertAllocMemory(HEXPERTKEY hExpertKey, SIZE_T nBytes,
                                             DWORD *pError);
NMAPI_EXPORT LPVOID WINAPI ExpertReallocMemory(HEXPERTKEY hExpertKey,
                                               LPVOID pOriginalMemory, SIZE_T nBytes,
                                               DWORD *pError);
NMAPI_EXPORT DWORD WINAPI ExpertFreeMemory(HEXPERTKEY hExpertKey, LPVOID pMemory);
NMAPI_EXPORT SIZE_T WINAPI ExpertMemorySize(HEXPERTKEY hExpertKey, LPVOID pOriginalMemory);
NMAPI_EXPORT DWORD WINAPI ExpertGetFrame(HEXPERTKEY hExpertKey, DWORD Direction,
                                         DWORD RequestFlags, DWORD RequestedFrameNumber,
                                         HFILTER hFilter,
                                         LPEXPERTFRAMEDESCRIPTOR pEFrameDescriptor);
NMAPI_EXPORT DWORD WINAPI ExpertIndicateStatus(HEXPERTKEY hExpertKey,
                                               EXPERTSTATUSENUMERATION Status,
                                               DWORD SubStatus, const char *szText,
                                               LONG PercentDone);
NMAPI_EXPORT DWORD WINAPI ExpertGetStartupInfo(HEXPERTKEY hExpertKey,
                                               PEXPERTSTARTUPINFO pExpertStartupInfo);
NMAPI_EXPORT DWORD WINAPI ExpertSubmitEvent(HEXPERTKEY hExpertKey, PNMEVENTDATA pExpertEvent);

/* ---- Captures ---------------------------------------------------------- */

NMAPI_EXPORT DWORD WINAPI GetCaptureTotalFrames(HCAPTURE hCapture);
NMAPI_EXPORT DWORD WINAPI GetCaptureMacType(HCAPTURE hCapture);
NMAPI_EXPORT LPSTR WINAPI GetCaptureComment(HCAPTURE hCapture);
NMAPI_EXPORT DWORD WINAPI GetCaptureCommentFromFilename(LPSTR lpFilename, LPSTR lpComment,
                                                        DWORD BufferSize);
NMAPI_EXPORT LPSYSTEMTIME WINAPI GetCaptureTimeStamp(HCAPTURE hCapture);
NMAPI_EXPORT LPPROTOCOLTABLE WINAPI GetEnabledProtocols(HCAPTURE hCapture);

/* ---- Frames ------------------------------------------------------------ */

NMAPI_EXPORT HFRAME WINAPI GetFrame(HCAPTURE hCapture, DWORD FrameNumber);
NMAPI_EXPORT DWORD WINAPI GetFrameNumber(HFRAME hFrame);
NMAPI_EXPORT __int64 WINAPI GetFrameTimeStamp(HFRAME hFrame);
NMAPI_EXPORT DWORD WINAPI GetFrameLength(HFRAME hFrame);
NMAPI_EXPORT DWORD WINAPI GetFrameStoredLength(HFRAME hFrame);
NMAPI_EXPORT DWORD WINAPI GetFrameMacType(HFRAME hFrame);
NMAPI_EXPORT DWORD WINAPI GetFrameMacHeaderLength(HFRAME hFrame);
NMAPI_EXPORT HCAPTURE WINAPI GetFrameCaptureHandle(HFRAME hFrame);
NMAPI_EXPORT ULPFRAME WINAPI GetFrameFromFrameHandle(HFRAME hFrame);
NMAPI_EXPORT LPRECOGNIZEDATATABLE WINAPI GetFrameRecognizeData(HFRAME hFrame);
NMAPI_EXPORT HFRAME WINAPI ModifyFrame(HCAPTURE hCapture, DWORD FrameNumber, LPBYTE FrameData,
                                       DWORD FrameLength, __int64 TimeStamp);
NMAPI_EXPORT HFRAME WINAPI FindNextFrame(HFRAME hCurrentFrame, LPSTR ProtocolName,
                                         LPADDRESS lpDestAddress, LPADDRESS lpSrcAddress,
                                         LPWORD ProtocolOffset, DWORD OriginalFrameNumber,
                                         DWORD nHighestFrame);
NMAPI_EXPORT HFRAME WINAPI FindPreviousFrame(HFRAME hCurrentFrame, LPSTR ProtocolName,
                                             LPADDRESS lpDestAddress, LPADDRESS lpSrcAddress,
                                             LPWORD ProtocolOffset, DWORD OriginalFrameNumber,
                                             DWORD nLowestFrame);
NMAPI_EXPORT SYSTEMTIME *WINAPI AdjustSystemTime(SYSTEMTIME *SystemTime, __int64 TimeDelta);

/* ---- Addresses --------------------------------------------------------- */

NMAPI_EXPORT DWORD WINAPI GetFrameDstAddressOffset(HFRAME hFrame, DWORD AddressType,
                                                   LPDWORD AddressLength);
NMAPI_EXPORT DWORD WINAPI GetFrameSrcAddressOffset(HFRAME hFrame, DWORD AddressType,
                                                   LPDWORD AddressLength);
NMAPI_EXPORT DWORD WINAPI GetFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress,
                                              DWORD AddressType, DWORD Flags);
NMAPI_EXPORT DWORD WINAPI GetFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress,
                                                DWORD AddressType, DWORD Flags);
NMAPI_EXPORT int WINAPI CompareAddresses(LPADDRESS lpAddress1, LPADDRESS lpAddress2);
NMAPI_EXPORT BOOL WINAPI CompareFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress);
NMAPI_EXPORT BOOL WINAPI CompareFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress);
NMAPI_EXPORT DWORD WINAPI MacTypeToAddressType(DWORD MacType);
NMAPI_EXPORT DWORD WINAPI AddressTypeToMacType(DWORD AddressType);

/* ---- Protocols --------------------------------------------------------- */

NMAPI_EXPORT HPROTOCOL WINAPI GetProtocolFromName(LPSTR ProtocolName);
NMAPI_EXPORT LPPROTOCOLINFO WINAPI GetProtocolInfo(HPROTOCOL hProtocol);
NMAPI_EXPORT DWORD WINAPI GetProtocolStartOffset(HFRAME hFrame, LPSTR ProtocolName);
NMAPI_EXPORT DWORD WINAPI GetProtocolStartOffsetHandle(HFRAME hFrame, HPROTOCOL hProtocol);
NMAPI_EXPORT DWORD WINAPI GetPreviousProtocolOffsetByName(HFRAME hFrame, DWORD dwStartOffset,
                                                          LPSTR szProtocolName,
                                                          DWORD *pdwPreviousOffset);

/* ---- Properties -------------------------------------------------------- */

NMAPI_EXPORT HPROPERTY WINAPI GetProperty(HPROTOCOL hProtocol, LPSTR PropertyName);
NMAPI_EXPORT LPPROPERTYINFO WINAPI GetPropertyInfo(HPROPERTY hProperty);
NMAPI_EXPORT LPSTR WINAPI GetPropertyText(HFRAME hFrame, LPPROPERTYINST lpPI, LPSTR szBuffer,
                                          DWORD BufferSize);
NMAPI_EXPORT LPPROPERTYINST WINAPI FindPropertyInstance(HFRAME hFrame, HPROPERTY hProperty);
NMAPI_EXPORT LPPROPERTYINST WINAPI FindPropertyInstanceRestart(HFRAME hFrame,
                                                               HPROPERTY hProperty,
                                                               LPPROPERTYINST *lpRestartKey,
                                                               BOOL DirForward);

/* ---- Display filters --------------------------------------------------- */

NMAPI_EXPORT HFILTER WINAPI CreateFilter(void);
NMAPI_EXPORT DWORD WINAPI DestroyFilter(HFILTER hFilter);
NMAPI_EXPORT DWORD WINAPI FilterAddObject(HFILTER hFilter, LPFILTEROBJECT lpFilterObject);
NMAPI_EXPORT HFILTER WINAPI FilterDuplicate(HFILTER hFilter);
NMAPI_EXPORT VOID WINAPI FilterFlushBits(HFILTER hFilter);
NMAPI_EXPORT DWORD WINAPI FilterFrame(HFRAME hFrame, HFILTER hFilter, HCAPTURE hCapture);
NMAPI_EXPORT BOOL WINAPI FilterAttachesProperties(HFILTER hFilter);
NMAPI_EXPORT DWORD WINAPI FilterFindFrame(HFILTER hFilter, HCAPTURE hCapture, DWORD nFrame,
                                          STATUSPROC StatusProc, LPVOID UIInstance,
                                          DWORD TimeDelta, BOOL FilterDirection);
NMAPI_EXPORT HFRAME WINAPI FilterFindPropertyInstance(HFRAME hFrame, HFILTER hMasterFilter,
                                                      HCAPTURE hCapture,
                                                      HFILTER hInstanceFilter,
                                                      LPPROPERTYINST *lpPropRestartKey,
                                                      STATUSPROC StatusProc,
                                                      LPVOID UIInstance, DWORD TimeDelta,
                                                      BOOL FilterForward);
NMAPI_EXPORT VOID WINAPI SetCurrentFilter(HFILTER hFilter);
NMAPI_EXPORT HFILTER WINAPI GetCurrentFilter(void);
NMAPI_EXPORT DWORD WINAPI EnableParserFilter(HFILTER hFilter, HPARSER hParser);
NMAPI_EXPORT DWORD WINAPI DisableParserFilter(HFILTER hFilter, HPARSER hParser);

/* ---- Last error and helpers -------------------------------------------- */

NMAPI_EXPORT DWORD WINAPI BhGetLastError(void);
NMAPI_EXPORT DWORD WINAPI BHGetLastError(void);
NMAPI_EXPORT DWORD WINAPI BhSetLastError(DWORD Error);

/* Convert Len UTF-16 code units at szIn to narrow characters at szOut. */
NMAPI_EXPORT DWORD WINAPI HelperFormatUnicodeString(LPSTR szOut, LPCWSTR szIn, WORD Len);
/* Decode a BER-encoded OID into lpOID->lpIdentifier (capacity
 * lpOID->Length on entry, count on return). */
NMAPI_EXPORT DWORD WINAPI DecodeSNMPObjectIdentifier(LPBYTE lpData, DWORD DataLen,
                                                     LPOBJECT_IDENTIFIER lpOID);

/* ======================================================================== */
/* 10. Layout assertions                                                    */
/* ======================================================================== */

#if defined(__cplusplus) && (__cplusplus >= 201103L)
#  define NMX_NETMON_ASSERT(expr, msg) static_assert(expr, msg)
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && (__STDC_VERSION__ >= 201112L)
#  define NMX_NETMON_ASSERT(expr, msg) _Static_assert(expr, msg)
#else
#  define NMX_NETMON_ASSERT(expr, msg) extern char nmx_netmon_layout_check[(expr) ? 1 : -1]
#endif
#define NMX_NETMON_SIZE(type, size) \
    NMX_NETMON_ASSERT(sizeof(type) == (size), "netmon.h: sizeof(" #type ") != " #size)
#define NMX_NETMON_OFF(type, member, off)                         \
    NMX_NETMON_ASSERT(offsetof(type, member) == (off),            \
                      "netmon.h: offsetof(" #type ", " #member ") != " #off)

/* Every ABI. */
NMX_NETMON_SIZE(BYTE, 1);
NMX_NETMON_SIZE(WORD, 2);
NMX_NETMON_SIZE(DWORD, 4);
NMX_NETMON_SIZE(LONG, 4);
NMX_NETMON_SIZE(ULONG, 4);
NMX_NETMON_SIZE(BOOL, 4);
NMX_NETMON_SIZE(BOOLEAN, 1);
NMX_NETMON_SIZE(WCHAR, 2);
NMX_NETMON_SIZE(HRESULT, 4);
NMX_NETMON_SIZE(LONGLONG, 8);
NMX_NETMON_SIZE(__int64, 8);
NMX_NETMON_SIZE(DOUBLE, 8);
NMX_NETMON_SIZE(SIZE_T, sizeof(void *));
NMX_NETMON_SIZE(DWORD_PTR, sizeof(void *));
NMX_NETMON_SIZE(ULONG_PTR, sizeof(void *));
NMX_NETMON_SIZE(HPROPERTY, sizeof(void *));
NMX_NETMON_SIZE(LARGE_INTEGER, 8);
NMX_NETMON_SIZE(SYSTEMTIME, 16);
NMX_NETMON_SIZE(FILETIME, 8);
NMX_NETMON_SIZE(EXPERTSTATUSENUMERATION, 4);
NMX_NETMON_SIZE(NMCOLUMNTYPE, 4);

NMX_NETMON_SIZE(IPX_ADDR, 10);
NMX_NETMON_OFF(IPX_ADDR, Subnet, 0);
NMX_NETMON_OFF(IPX_ADDR, Address, 4);
NMX_NETMON_SIZE(VINES_IP_ADDRESS, 6);
NMX_NETMON_SIZE(ADDRESS, 16);
NMX_NETMON_OFF(ADDRESS, Type, 0);
NMX_NETMON_OFF(ADDRESS, MACAddress, 4);
NMX_NETMON_OFF(ADDRESS, IPXAddress, 4);
NMX_NETMON_OFF(ADDRESS, Flags, 14);
NMX_NETMON_SIZE(ADDRESS2, 22);
NMX_NETMON_OFF(ADDRESS2, Flags, 20);

NMX_NETMON_SIZE(CAPTUREFILE_HEADER_VALUES, 72);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, Signature, 0);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, BCDVerMinor, 4);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, BCDVerMajor, 5);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, MacType, 6);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, TimeStamp, 8);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, FrameTableOffset, 24);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, FrameTableLength, 28);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, UserDataOffset, 32);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, UserDataLength, 36);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, CommentDataOffset, 40);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, CommentDataLength, 44);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, StatisticsOffset, 48);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, StatisticsLength, 52);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, NetworkInfoOffset, 56);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, NetworkInfoLength, 60);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, ConversationStatsOffset, 64);
NMX_NETMON_OFF(CAPTUREFILE_HEADER_VALUES, ConversationStatsLength, 68);
NMX_NETMON_SIZE(CAPTUREFILE_HEADER, 128);
NMX_NETMON_SIZE(STATISTICS, 88);
NMX_NETMON_OFF(STATISTICS, MacBytesReceivedEx, 64);
NMX_NETMON_SIZE(NETWORKINFO, 116);

NMX_NETMON_SIZE(FRAME, FRAME_SIZE);
NMX_NETMON_OFF(FRAME, TimeStamp, 0);
NMX_NETMON_OFF(FRAME, FrameLength, 8);
NMX_NETMON_OFF(FRAME, nBytesAvail, 12);
NMX_NETMON_OFF(FRAME, MacFrame, 16);

NMX_NETMON_OFF(EXPERTENUMINFO, szName, 0);
NMX_NETMON_OFF(EXPERTENUMINFO, szVendor, 260);
NMX_NETMON_OFF(EXPERTENUMINFO, szDescription, 520);
NMX_NETMON_OFF(EXPERTENUMINFO, Version, 780);
NMX_NETMON_OFF(EXPERTENUMINFO, Flags, 784);
NMX_NETMON_OFF(EXPERTENUMINFO, szDllName, 788);
NMX_NETMON_OFF(EXPERTENUMINFO, hExpert, 1048);
NMX_NETMON_OFF(EXPERTCONFIG, RawConfigLength, 0);
NMX_NETMON_OFF(EXPERTCONFIG, RawConfigData, 4);
NMX_NETMON_SIZE(EXPERTSTATUS, 276);
NMX_NETMON_OFF(EXPERTSTATUS, Status, 0);
NMX_NETMON_OFF(EXPERTSTATUS, SubStatus, 4);
NMX_NETMON_OFF(EXPERTSTATUS, PercentDone, 8);
NMX_NETMON_OFF(EXPERTSTATUS, Frame, 12);
NMX_NETMON_OFF(EXPERTSTATUS, szStatusText, 16);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, Flags, 0);
NMX_NETMON_OFF(NMEVENTDATA, pszReserved, 0);
NMX_NETMON_OFF(PROPERTYINST, lpPropertyInfo, 0);
NMX_NETMON_OFF(PROPERTYINFO, hProperty, 0);
NMX_NETMON_OFF(PROPERTYINSTEX, Length, 0);
NMX_NETMON_OFF(PROPERTYINSTEX, LengthEx, 2);
NMX_NETMON_OFF(PROPERTYTABLE, lpFormatBuffer, 0);
NMX_NETMON_OFF(RECOGNIZEDATA, ProtocolID, 0);
NMX_NETMON_OFF(RECOGNIZEDATA, nProtocolOffset, 2);
NMX_NETMON_OFF(RECOGNIZEDATATABLE, nRecognizeDatas, 0);
NMX_NETMON_OFF(PROTOCOLINFO, ProtocolID, 0);
NMX_NETMON_OFF(PROTOCOLTABLE, nProtocols, 0);
NMX_NETMON_OFF(FILTEROBJECT, Action, 0);
NMX_NETMON_OFF(OBJECT_IDENTIFIER, Length, 0);
NMX_NETMON_OFF(NMCOLUMNVARIANT, Type, 0);
NMX_NETMON_OFF(NMCOLUMNINFO, szColumnName, 0);
NMX_NETMON_OFF(CONFIGUREDEXPERT, hExpert, 0);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, FrameNumber, 0);

#if defined(__i386__)
/* 32-bit x86, byte-packed. */
NMX_NETMON_SIZE(void *, 4);
NMX_NETMON_SIZE(EXPERTENUMINFO, 1068);
NMX_NETMON_OFF(EXPERTENUMINFO, hModule, 1052);
NMX_NETMON_OFF(EXPERTENUMINFO, pRegisterProc, 1056);
NMX_NETMON_OFF(EXPERTENUMINFO, pConfigProc, 1060);
NMX_NETMON_OFF(EXPERTENUMINFO, pRunProc, 1064);

NMX_NETMON_SIZE(EXPERTSTARTUPINFO, 285);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, hCapture, 4);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, szCaptureFile, 8);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, dwFrameNumber, 268);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, hProtocol, 272);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, lpPropertyInst, 276);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, sBitfield.BitNumber, 280);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, sBitfield.bOn, 281);

NMX_NETMON_SIZE(CONFIGUREDEXPERT, 12);
NMX_NETMON_OFF(CONFIGUREDEXPERT, StartupFlags, 4);
NMX_NETMON_OFF(CONFIGUREDEXPERT, pConfig, 8);

NMX_NETMON_SIZE(EXPERTFRAMEDESCRIPTOR, 20);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, hFrame, 4);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, pFrame, 8);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, lpRecognizeDataTable, 12);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, lpPropertyTable, 16);

NMX_NETMON_SIZE(NMCOLUMNVARIANT, 14);
NMX_NETMON_OFF(NMCOLUMNVARIANT, Value, 4);
NMX_NETMON_SIZE(NMCOLUMNINFO, 18);
NMX_NETMON_OFF(NMCOLUMNINFO, VariantData, 4);

NMX_NETMON_SIZE(NMEVENTDATA, 76);
NMX_NETMON_OFF(NMEVENTDATA, Version, 4);
NMX_NETMON_OFF(NMEVENTDATA, EventIdent, 5);
NMX_NETMON_OFF(NMEVENTDATA, Flags, 9);
NMX_NETMON_OFF(NMEVENTDATA, Severity, 13);
NMX_NETMON_OFF(NMEVENTDATA, NumColumns, 17);
NMX_NETMON_OFF(NMEVENTDATA, szSourceName, 18);
NMX_NETMON_OFF(NMEVENTDATA, szEventName, 22);
NMX_NETMON_OFF(NMEVENTDATA, szDescription, 26);
NMX_NETMON_OFF(NMEVENTDATA, szMachine, 30);
NMX_NETMON_OFF(NMEVENTDATA, Justification, 34);
NMX_NETMON_OFF(NMEVENTDATA, szUrl, 38);
NMX_NETMON_OFF(NMEVENTDATA, SysTime, 42);
NMX_NETMON_OFF(NMEVENTDATA, Column, 58);

NMX_NETMON_SIZE(PROPERTYINST, 20);
NMX_NETMON_OFF(PROPERTYINST, szPropertyText, 4);
NMX_NETMON_OFF(PROPERTYINST, lpData, 8);
NMX_NETMON_OFF(PROPERTYINST, lpPropertyInstEx, 8);
NMX_NETMON_OFF(PROPERTYINST, DataLength, 12);
NMX_NETMON_OFF(PROPERTYINST, IFlags, 16);

NMX_NETMON_SIZE(PROPERTYINFO, 28);
NMX_NETMON_OFF(PROPERTYINFO, Version, 4);
NMX_NETMON_OFF(PROPERTYINFO, Label, 8);
NMX_NETMON_OFF(PROPERTYINFO, Comment, 12);
NMX_NETMON_OFF(PROPERTYINFO, DataType, 16);
NMX_NETMON_OFF(PROPERTYINFO, DataQualifier, 17);
NMX_NETMON_OFF(PROPERTYINFO, lpSet, 18);
NMX_NETMON_OFF(PROPERTYINFO, FormatStringSize, 22);
NMX_NETMON_OFF(PROPERTYINFO, InstanceData, 24);

NMX_NETMON_OFF(PROPERTYINSTEX, lpData, 4);
NMX_NETMON_OFF(PROPERTYINSTEX, Byte, 8);
NMX_NETMON_OFF(PROPERTYINSTEX, TypedString, 8);

NMX_NETMON_OFF(PROPERTYTABLE, FormatBufferLength, 4);
NMX_NETMON_OFF(PROPERTYTABLE, nTotalPropertyInsts, 8);
NMX_NETMON_OFF(PROPERTYTABLE, lpFirstPropertyInst, 12);
NMX_NETMON_OFF(PROPERTYTABLE, nPropertyInstTables, 16);
NMX_NETMON_OFF(PROPERTYTABLE, PropertyInstTable, 17);

NMX_NETMON_SIZE(RECOGNIZEDATA, 8);
NMX_NETMON_OFF(RECOGNIZEDATA, InstData, 4);
NMX_NETMON_OFF(RECOGNIZEDATATABLE, RecognizeData, 2);

NMX_NETMON_SIZE(PROTOCOLINFO, 168);
NMX_NETMON_OFF(PROTOCOLINFO, PropertyDatabase, 4);
NMX_NETMON_OFF(PROTOCOLINFO, ProtocolName, 8);
NMX_NETMON_OFF(PROTOCOLINFO, HelpFile, 24);
NMX_NETMON_OFF(PROTOCOLINFO, Comment, 40);
NMX_NETMON_OFF(PROTOCOLTABLE, hProtocol, 4);

NMX_NETMON_SIZE(FILTEROBJECT, 18);
NMX_NETMON_OFF(FILTEROBJECT, hProperty, 4);
NMX_NETMON_OFF(FILTEROBJECT, Value, 8);
NMX_NETMON_OFF(FILTEROBJECT, ByteCount, 12);
NMX_NETMON_OFF(FILTEROBJECT, pNext, 14);
NMX_NETMON_SIZE(FILTEROBJECT2, 18);
NMX_NETMON_OFF(FILTEROBJECT2, hProperty, 4);
NMX_NETMON_OFF(FILTEROBJECT2, Value, 8);
NMX_NETMON_OFF(FILTEROBJECT2, ByteCount, 12);
NMX_NETMON_OFF(FILTEROBJECT2, pNext, 14);

NMX_NETMON_SIZE(OBJECT_IDENTIFIER, 8);
NMX_NETMON_OFF(OBJECT_IDENTIFIER, lpIdentifier, 4);

#elif (defined(__x86_64__) || defined(__aarch64__)) && defined(__LP64__)
/* LP64 (x86-64, AArch64), natural alignment. */
NMX_NETMON_SIZE(void *, 8);
NMX_NETMON_SIZE(EXPERTENUMINFO, 1088);
NMX_NETMON_OFF(EXPERTENUMINFO, hModule, 1056);
NMX_NETMON_OFF(EXPERTENUMINFO, pRegisterProc, 1064);
NMX_NETMON_OFF(EXPERTENUMINFO, pConfigProc, 1072);
NMX_NETMON_OFF(EXPERTENUMINFO, pRunProc, 1080);

NMX_NETMON_SIZE(EXPERTSTARTUPINFO, 304);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, hCapture, 8);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, szCaptureFile, 16);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, dwFrameNumber, 276);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, hProtocol, 280);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, lpPropertyInst, 288);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, sBitfield.BitNumber, 296);
NMX_NETMON_OFF(EXPERTSTARTUPINFO, sBitfield.bOn, 300);

NMX_NETMON_SIZE(CONFIGUREDEXPERT, 24);
NMX_NETMON_OFF(CONFIGUREDEXPERT, StartupFlags, 8);
NMX_NETMON_OFF(CONFIGUREDEXPERT, pConfig, 16);

NMX_NETMON_SIZE(EXPERTFRAMEDESCRIPTOR, 40);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, hFrame, 8);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, pFrame, 16);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, lpRecognizeDataTable, 24);
NMX_NETMON_OFF(EXPERTFRAMEDESCRIPTOR, lpPropertyTable, 32);

NMX_NETMON_SIZE(NMCOLUMNVARIANT, 24);
NMX_NETMON_OFF(NMCOLUMNVARIANT, Value, 8);
NMX_NETMON_SIZE(NMCOLUMNINFO, 32);
NMX_NETMON_OFF(NMCOLUMNINFO, VariantData, 8);

NMX_NETMON_SIZE(NMEVENTDATA, 128);
NMX_NETMON_OFF(NMEVENTDATA, Version, 8);
NMX_NETMON_OFF(NMEVENTDATA, EventIdent, 12);
NMX_NETMON_OFF(NMEVENTDATA, Flags, 16);
NMX_NETMON_OFF(NMEVENTDATA, Severity, 20);
NMX_NETMON_OFF(NMEVENTDATA, NumColumns, 24);
NMX_NETMON_OFF(NMEVENTDATA, szSourceName, 32);
NMX_NETMON_OFF(NMEVENTDATA, szEventName, 40);
NMX_NETMON_OFF(NMEVENTDATA, szDescription, 48);
NMX_NETMON_OFF(NMEVENTDATA, szMachine, 56);
NMX_NETMON_OFF(NMEVENTDATA, Justification, 64);
NMX_NETMON_OFF(NMEVENTDATA, szUrl, 72);
NMX_NETMON_OFF(NMEVENTDATA, SysTime, 80);
NMX_NETMON_OFF(NMEVENTDATA, Column, 96);

NMX_NETMON_SIZE(PROPERTYINST, 32);
NMX_NETMON_OFF(PROPERTYINST, szPropertyText, 8);
NMX_NETMON_OFF(PROPERTYINST, lpData, 16);
NMX_NETMON_OFF(PROPERTYINST, lpPropertyInstEx, 16);
NMX_NETMON_OFF(PROPERTYINST, DataLength, 24);
NMX_NETMON_OFF(PROPERTYINST, IFlags, 28);

NMX_NETMON_SIZE(PROPERTYINFO, 64);
NMX_NETMON_OFF(PROPERTYINFO, Version, 8);
NMX_NETMON_OFF(PROPERTYINFO, Label, 16);
NMX_NETMON_OFF(PROPERTYINFO, Comment, 24);
NMX_NETMON_OFF(PROPERTYINFO, DataType, 32);
NMX_NETMON_OFF(PROPERTYINFO, DataQualifier, 33);
NMX_NETMON_OFF(PROPERTYINFO, lpSet, 40);
NMX_NETMON_OFF(PROPERTYINFO, FormatStringSize, 48);
NMX_NETMON_OFF(PROPERTYINFO, InstanceData, 56);

NMX_NETMON_OFF(PROPERTYINSTEX, lpData, 8);
NMX_NETMON_OFF(PROPERTYINSTEX, Byte, 16);
NMX_NETMON_OFF(PROPERTYINSTEX, TypedString, 16);

NMX_NETMON_OFF(PROPERTYTABLE, FormatBufferLength, 8);
NMX_NETMON_OFF(PROPERTYTABLE, nTotalPropertyInsts, 12);
NMX_NETMON_OFF(PROPERTYTABLE, lpFirstPropertyInst, 16);
NMX_NETMON_OFF(PROPERTYTABLE, nPropertyInstTables, 24);
NMX_NETMON_OFF(PROPERTYTABLE, PropertyInstTable, 26);

NMX_NETMON_SIZE(RECOGNIZEDATA, 16);
NMX_NETMON_OFF(RECOGNIZEDATA, InstData, 8);
NMX_NETMON_OFF(RECOGNIZEDATATABLE, RecognizeData, 8);

NMX_NETMON_SIZE(PROTOCOLINFO, 176);
NMX_NETMON_OFF(PROTOCOLINFO, PropertyDatabase, 8);
NMX_NETMON_OFF(PROTOCOLINFO, ProtocolName, 16);
NMX_NETMON_OFF(PROTOCOLINFO, HelpFile, 32);
NMX_NETMON_OFF(PROTOCOLINFO, Comment, 48);
NMX_NETMON_OFF(PROTOCOLTABLE, hProtocol, 8);

NMX_NETMON_SIZE(FILTEROBJECT, 40);
NMX_NETMON_OFF(FILTEROBJECT, hProperty, 8);
NMX_NETMON_OFF(FILTEROBJECT, Value, 16);
NMX_NETMON_OFF(FILTEROBJECT, ByteCount, 24);
NMX_NETMON_OFF(FILTEROBJECT, pNext, 32);
NMX_NETMON_SIZE(FILTEROBJECT2, 40);
NMX_NETMON_OFF(FILTEROBJECT2, hProperty, 8);
NMX_NETMON_OFF(FILTEROBJECT2, Value, 16);
NMX_NETMON_OFF(FILTEROBJECT2, ByteCount, 24);
NMX_NETMON_OFF(FILTEROBJECT2, pNext, 32);

NMX_NETMON_SIZE(OBJECT_IDENTIFIER, 16);
NMX_NETMON_OFF(OBJECT_IDENTIFIER, lpIdentifier, 8);
#endif

#undef NMX_NETMON_OFF
#undef NMX_NETMON_SIZE
#undef NMX_NETMON_ASSERT

#if defined(__cplusplus) && defined(__GNUC__)
#  pragma GCC diagnostic pop
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NETMON_H */
