# SPDX-License-Identifier: GPL-3.0-or-later
# Man pages for sockscope and each of its commands, made from their --help by help2man when the
# program is built, so that they say what the program says. Installed gzipped in man1.
#
# sockscope_man_pages(TARGET) after the executable target is defined.

find_program(SOCKSCOPE_HELP2MAN help2man)
find_program(SOCKSCOPE_GZIP gzip)

function(sockscope_man_pages target)
    if(NOT SOCKSCOPE_HELP2MAN OR NOT SOCKSCOPE_GZIP)
        message(STATUS "help2man or gzip not found: no man pages (scripts/install-deps.sh package installs help2man)")
        return()
    endif()
    set(dir "${CMAKE_CURRENT_BINARY_DIR}/man")
    set(include "${PROJECT_SOURCE_DIR}/resources/man/sockscope.h2m")
    # name -> (command, what it does)
    set(pages sockscope snapshot watch scenario open)
    set(summary_sockscope "watch TCP connections move through their states as the Linux kernel reports them")
    set(summary_snapshot "print the kernel's TCP table once, live or from a saved dump")
    set(summary_watch "print every state change as the kernel's TCP table changes")
    set(summary_scenario "run real sockets through a scenario that holds a TCP state")
    set(summary_open "replay a saved sockscope session in the window")
    set(outputs "")
    foreach(page IN LISTS pages)
        # help2man names a page after the program it runs: a command's page runs a small
        # script of the command's name that runs the command.
        if(page STREQUAL "sockscope")
            set(name sockscope)
            set(program "$<TARGET_FILE:${target}>")
        else()
            set(name "sockscope-${page}")
            set(program "${dir}/bin/${name}")
            file(GENERATE OUTPUT "${program}"
                 CONTENT "#!/bin/sh\nexec '$<TARGET_FILE:${target}>' ${page} \"$@\"\n"
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
        endif()
        set(output "${dir}/${name}.1.gz")
        add_custom_command(
            OUTPUT "${output}"
            COMMAND "${SOCKSCOPE_HELP2MAN}" --no-info --no-discard-stderr --section=1
                    "--name=${summary_${page}}" "--version-string=${PROJECT_VERSION}"
                    "--include=${include}" --output "${dir}/${name}.1" "${program}"
            COMMAND "${SOCKSCOPE_GZIP}" -9nf "${dir}/${name}.1"
            DEPENDS ${target} "${include}"
            COMMENT "Man page ${name}(1) from its --help"
            VERBATIM)
        list(APPEND outputs "${output}")
    endforeach()
    add_custom_target(${target}_man_pages ALL DEPENDS ${outputs})
    install(FILES ${outputs} DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
endfunction()
