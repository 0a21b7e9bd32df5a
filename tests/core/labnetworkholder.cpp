// SPDX-License-Identifier: GPL-3.0-or-later
// labnetwork-holder: starts the lab's private network, prints its helper's pid and waits to be
// killed. tst_labnetwork kills it the hard way (SIGKILL: no destructor runs) to check that the
// helper does not outlive the program that started it.
#include "core/system/labnetwork.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    sockscope::LabNetwork network;
    QString error;
    if (!network.start(&error)) {
        std::fprintf(stdout, "error %s\n", qPrintable(error));
        return 1;
    }
    std::fprintf(stdout, "helper %lld\n", network.helperPid());
    std::fflush(stdout);
    return app.exec();
}
