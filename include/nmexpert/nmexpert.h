/* nmexpert/nmexpert.h: everything of the nmexpert host API. */
#ifndef NMEXPERT_NMEXPERT_H
#define NMEXPERT_NMEXPERT_H
#include "nmexpert/capture.h"
#include "nmexpert/common.h"
#include "nmexpert/configure.h"
#include "nmexpert/event.h"
#include "nmexpert/expert.h"
#include "nmexpert/filter.h"
#include "nmexpert/hcapture.h"
#include "nmexpert/mem.h"
#include "nmexpert/run.h"
#include "nmexpert/session.h"
#include "nmexpert/sink.h"
#endif
