# SPDX-License-Identifier: GPL-3.0-or-later
# Settings every sockscope target shares, applied per target (no directory-wide flags).

function(sockscope_target_defaults target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    if(SOCKSCOPE_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    target_compile_definitions(${target} PRIVATE
        QT_NO_CAST_TO_ASCII
        QT_NO_URL_CAST_FROM_STRING
        QT_USE_QSTRINGBUILDER
        QT_DISABLE_DEPRECATED_BEFORE=0x060400)
    if(SOCKSCOPE_FUZZ)
        # Coverage for libFuzzer plus the sanitizers that turn silent bugs into findings.
        target_compile_options(${target} PRIVATE
            -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
    if(SOCKSCOPE_SANITIZE)
        target_compile_options(${target} PRIVATE
            -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
endfunction()

# The core library may only ever see Qt Core and Qt Network: fail the configure step when
# anything else reaches its link interface, directly or through a dependency.
function(sockscope_enforce_core_dependencies target)
    set(allowed Qt6::Core Qt6::Network)
    get_target_property(libs ${target} LINK_LIBRARIES)
    get_target_property(ilibs ${target} INTERFACE_LINK_LIBRARIES)
    foreach(lib IN LISTS libs ilibs)
        if(NOT lib OR lib MATCHES "NOTFOUND$" OR lib MATCHES "^\\$<LINK_ONLY:")
            continue()
        endif()
        if(NOT lib IN_LIST allowed)
            message(FATAL_ERROR
                "${target} may link only ${allowed}, but links ${lib}. "
                "Widgets and GUI code belong in ui/.")
        endif()
    endforeach()
endfunction()

# One executable per test class, registered with ctest.
#   sockscope_add_test(tst_name SOURCES ... LIBRARIES ... [ARGS ...] [LABELS ...] [TIMEOUT s])
# ARGS selects test functions, for a class whose runs are split into several ctest entries.
function(sockscope_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBRARIES;LABELS;ARGS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    sockscope_target_defaults(${name})
    target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBRARIES})
    target_compile_definitions(${name} PRIVATE
        SOCKSCOPE_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
    sockscope_add_test_run(${name} ${name} ARGS ${ARG_ARGS} LABELS ${ARG_LABELS} TIMEOUT ${ARG_TIMEOUT})
endfunction()

# Another ctest entry running an existing test executable with other arguments.
#   sockscope_add_test_run(entry-name executable [ARGS ...] [LABELS ...] [TIMEOUT s])
function(sockscope_add_test_run name executable)
    cmake_parse_arguments(ARG "" "TIMEOUT" "LABELS;ARGS" ${ARGN})
    add_test(NAME ${name} COMMAND ${executable} ${ARG_ARGS})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${ARG_TIMEOUT}
        LABELS "${ARG_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;LC_ALL=C.UTF-8")
endfunction()

# Each layer's headers are reachable only through its own include root: a folder in the build
# tree that holds one link, named like the layer, to its sources. core/ sees only core/, ui/
# sees core/ and ui/; a core file that includes "ui/..." does not build. Includes name their
# layer ("core/lab/lab.h") or their own folder ("lab.h"); one that climbs out with "../"
# would bypass the roots, and fails the configure step.
function(sockscope_layer_root target layer)
    set(root "${PROJECT_BINARY_DIR}/include-roots/${layer}")
    file(MAKE_DIRECTORY "${root}")
    if(NOT EXISTS "${root}/${layer}")
        file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${layer}" "${root}/${layer}" SYMBOLIC)
    endif()
    target_include_directories(${target} PUBLIC "${root}")
    file(GLOB_RECURSE sources "${PROJECT_SOURCE_DIR}/${layer}/*.h" "${PROJECT_SOURCE_DIR}/${layer}/*.cpp")
    foreach(source IN LISTS sources)
        file(STRINGS "${source}" climbing REGEX "^[ \t]*#[ \t]*include[ \t]*\"\\.\\./")
        if(climbing)
            message(FATAL_ERROR "${source}: ${climbing}\n"
                "Include headers by their layer's root (\"core/lab/lab.h\"), never with \"../\".")
        endif()
    endforeach()
endfunction()
