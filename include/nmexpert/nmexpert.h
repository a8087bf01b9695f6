/* nmexpert/nmexpert.h: everything of the nmexpert host API. */
#ifndef NMEXPERT_NMEXPERT_H
#define NMEXPERT_NMEXPERT_H
#include "nmexpert/common.h"
#include "nmexpert/mem.h"
#include "nmexpert/session.h"
#endif
