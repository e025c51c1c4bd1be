# zerotee_qml_cache_without_shadow_warnings(TARGET QML_FILES...): qmlcachegen's generated C++
# shadows its own parameters (-Wshadow), which -Werror would refuse. Not our code to fix.
function(zerotee_qml_cache_without_shadow_warnings target)
    foreach(qml_file ${ARGN})
        get_filename_component(qml_name ${qml_file} NAME_WE)
        set_source_files_properties(
            ${CMAKE_CURRENT_BINARY_DIR}/.rcc/qmlcache/${target}_${qml_name}_qml.cpp
            PROPERTIES COMPILE_OPTIONS -Wno-shadow)
    endforeach()
endfunction()
