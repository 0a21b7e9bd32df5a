// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmentcapture.h"

#include "pcapng.h"
#include "segmentdecoder.h"

#include "core/system/labnetwork.h"

#include <QSocketNotifier>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockscope {

namespace {

// The loopback of a new network namespace is its first interface.
constexpr int loopbackIndex = 1;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace

SegmentCapture::SegmentCapture(QObject *parent) : QObject(parent) {}

SegmentCapture::~SegmentCapture()
{
    stop();
}

bool SegmentCapture::start(LabNetwork &network, QString *error)
{
    if (isCapturing())
        return true;
    const auto failed = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    const int fd = network.createSocket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (fd < 0)
        return failed(tr("no packet socket in the lab's network: %1").arg(errnoText(errno)));
    sockaddr_ll on{};
    on.sll_family = AF_PACKET;
    on.sll_protocol = htons(ETH_P_ALL);
    on.sll_ifindex = loopbackIndex;
    const int on1 = 1;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&on), sizeof on) != 0
        || ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on1, sizeof on1) != 0) {
        const int e = errno;
        ::close(fd);
        return failed(tr("capture on the lab network's loopback: %1").arg(errnoText(e)));
    }
    // Room for bursts (a scenario's many clients) between two reads.
    const int buffer = 4 * 1024 * 1024;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    m_fd = fd;
    m_notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SegmentCapture::readPending);
    return true;
}

void SegmentCapture::stop()
{
    delete m_notifier;
    m_notifier = nullptr;
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

void SegmentCapture::clear()
{
    m_kept.clear();
    m_numbering.clear();
    m_repeats.clear();
    m_captured = m_dropped = m_skipped = 0;
}

void SegmentCapture::annotateLast(const QString &comment)
{
    if (!m_kept.empty())
        m_kept.back().comment = comment;
}

QByteArray SegmentCapture::pcapng(const QString &application) const
{
    QList<PcapngPacket> packets;
    packets.reserve(qsizetype(m_kept.size()));
    for (const Captured &c : m_kept)
        packets.append({c.segment.timestampNs, c.frame, c.comment});
    return Pcapng::write(packets, application);
}

void SegmentCapture::readPending()
{
    if (m_fd < 0)
        return;
    QByteArray frame(maxFrameBytes, Qt::Uninitialized);
    for (;;) {
        sockaddr_ll from{};
        iovec part{frame.data(), size_t(frame.size())};
        alignas(cmsghdr) char room[CMSG_SPACE(sizeof(timespec))];
        msghdr message{};
        message.msg_name = &from;
        message.msg_namelen = sizeof from;
        message.msg_iov = &part;
        message.msg_iovlen = 1;
        message.msg_control = room;
        message.msg_controllen = sizeof room;
        const ssize_t n = ::recvmsg(m_fd, &message, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // EAGAIN: all read
        }
        // Each segment on lo twice: keep the copy going out, which says who sent it.
        if (from.sll_pkttype != PACKET_OUTGOING)
            continue;
        qint64 ns = 0;
        for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec t;
                std::memcpy(&t, CMSG_DATA(c), sizeof t);
                ns = qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
            }
        }
        if (ns == 0) {
            timespec t;
            ::clock_gettime(CLOCK_REALTIME, &t);
            ns = qint64(t.tv_sec) * 1000000000 + t.tv_nsec;
        }
        const SegmentDecoder::Result decoded =
            SegmentDecoder::decode(QByteArrayView(frame.constData(), n), from.sll_pkttype, ns);
        if (!decoded.ok()) {
            ++m_skipped;
            continue;
        }
        Captured captured{*decoded.segment, m_numbering.take(*decoded.segment), frame.left(n), QString(),
                          m_repeats.take(*decoded.segment, decoded.segment->timestampNs)};
        ++m_captured;
        if (m_maxKept > 0)
            m_kept.push_back(captured);
        while (m_maxKept > 0 && qsizetype(m_kept.size()) > m_maxKept) {
            m_kept.pop_front();
            ++m_dropped;
        }
        Q_EMIT segmentCaptured(captured);
    }
}

} // namespace sockscope
