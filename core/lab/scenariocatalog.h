// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "scenario.h"

namespace sockscope {

// The named scenarios: step sequences over the lab that hold each TCP state long enough to
// see it, with what each must produce on each end (recipes verified in KERNEL.md).
class ScenarioCatalog
{
public:
    static const QList<Scenario> &all();
    static const Scenario *find(QStringView name);
};

} // namespace sockscope
