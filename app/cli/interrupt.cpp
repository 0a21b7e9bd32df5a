// SPDX-License-Identifier: GPL-3.0-or-later
#include "interrupt.h"

#include "cliconsole.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace sockscope::cli {

namespace {

int pipeFds[2] = {-1, -1};

// Only async-signal-safe work here: one byte into the pipe; the event loop does the rest.
void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(pipeFds[1], &byte, 1);
}

} // namespace

void onInterrupt(QObject *context, std::function<void()> action)
{
    if (pipeFds[0] < 0 && ::pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) != 0)
        return; // without the pipe the default (end the process) still applies
    auto *notifier = new QSocketNotifier(pipeFds[0], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [action = std::move(action)] {
        char byte;
        while (::read(pipeFds[0], &byte, 1) > 0) {
        }
        action();
    });
    struct sigaction signalAction = {};
    signalAction.sa_handler = onSignal;
    sigemptyset(&signalAction.sa_mask);
    signalAction.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &signalAction, nullptr);
    ::sigaction(SIGTERM, &signalAction, nullptr);
}

void quitEventLoopOnInterrupt(QObject *context)
{
    onInterrupt(context, [] { QCoreApplication::exit(ExitOk); });
}

} // namespace sockscope::cli
