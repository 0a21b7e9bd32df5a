# SPDX-License-Identifier: GPL-3.0-or-later
# What `cpack -G DEB` makes of an install: sockscope_VERSION_ARCH.deb. Its library
# dependencies come from dpkg-shlibdeps (dpkg-dev); the rest are what sockscope runs:
# the Qt platform plugins for a window, ss for the ss source, nsenter (util-linux, essential)
# for the lab's private network, nft for the lab's wire rules.

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "sockscope")
set(CPACK_PACKAGE_VENDOR "sockscope")
set(CPACK_PACKAGE_CONTACT "sockscope developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "sockscope")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, iproute2")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables, fonts-dejavu-core")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "sockscope shows every TCP socket's state, queues, timers and owner, read live\n"
    "from the kernel (sock_diag netlink, /proc/net/tcp or ss), draws each\n"
    "connection's path through the RFC 9293 state diagram, its timeline and its\n"
    "socket API sequence diagram, and runs real client and server sockets in a\n"
    "private network of their own, with their segments captured and, on request,\n"
    "dropped or refused on the wire. For people learning or teaching TCP, and for\n"
    "anyone finding out why connections pile up in CLOSE_WAIT, TIME_WAIT or SYN_SENT.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
include(CPack)
