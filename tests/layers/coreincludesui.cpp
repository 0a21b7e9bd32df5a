// SPDX-License-Identifier: GPL-3.0-or-later
// Built only by the layers test, which expects this to fail: a file compiled as core sees
// core's include root alone, so a widget header is not there to include.
#include "core/lab/lab.h"
#include "ui/models/sockettablemodel.h"
