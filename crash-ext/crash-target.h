/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crash-target.h - the engine's target over the running crash session. */
#ifndef FOLIOSCOPE_CRASH_TARGET_H
#define FOLIOSCOPE_CRASH_TARGET_H

#include "folioscope/target.h"

struct fs_target *fs_crash_target(void);

#endif
