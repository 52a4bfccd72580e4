# Every public header compiles on its own (includes what it uses), as C++17
# and as C++20 without exceptions, under the project's warnings (-Werror in
# CI). Included by tests/CMakeLists.txt.
file(GLOB_RECURSE _ropekit_headers RELATIVE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/include/ropekit/*.hpp)
list(FILTER _ropekit_headers EXCLUDE REGEX "/(detail|arch)/")
set(_header_sources "")
foreach(_header IN LISTS _ropekit_headers)
  string(MAKE_C_IDENTIFIER "${_header}" _id)
  set(_source ${CMAKE_CURRENT_BINARY_DIR}/headers/${_id}.cpp)
  file(CONFIGURE OUTPUT ${_source} CONTENT "#include <${_header}>\n#include <${_header}>  // include guard\n")
  list(APPEND _header_sources ${_source})
endforeach()
foreach(_variant cxx17 cxx20_noexcept)
  add_library(header_check_${_variant} OBJECT ${_header_sources})
  target_link_libraries(header_check_${_variant} PRIVATE ropekit::ropekit ropekit::encodings ropekit_project_options)
  if(TARGET ropekit::hf)
    target_link_libraries(header_check_${_variant} PRIVATE ropekit::hf)
  endif()
endforeach()
set_target_properties(header_check_cxx17 PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
set_target_properties(header_check_cxx20_noexcept PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON
                                                             CXX_EXTENSIONS OFF)
target_compile_options(header_check_cxx20_noexcept PRIVATE -fno-exceptions)
