# Finds Debian's cpp-httplib (libcpp-httplib-dev), which ships a compiled
# library and a pkg-config file but no CMake package. Defines Httplib::Httplib.

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_HTTPLIB QUIET cpp-httplib)
endif()

find_path(Httplib_INCLUDE_DIR httplib.h HINTS ${PC_HTTPLIB_INCLUDE_DIRS})
find_library(Httplib_LIBRARY NAMES cpp-httplib HINTS ${PC_HTTPLIB_LIBRARY_DIRS})
set(Httplib_VERSION "${PC_HTTPLIB_VERSION}")
if(NOT Httplib_VERSION AND Httplib_INCLUDE_DIR)
  file(STRINGS "${Httplib_INCLUDE_DIR}/httplib.h" _httplib_ver REGEX "define CPPHTTPLIB_VERSION")
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" Httplib_VERSION "${_httplib_ver}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Httplib
  REQUIRED_VARS Httplib_LIBRARY Httplib_INCLUDE_DIR
  VERSION_VAR Httplib_VERSION)

if(Httplib_FOUND AND NOT TARGET Httplib::Httplib)
  add_library(Httplib::Httplib UNKNOWN IMPORTED)
  set_target_properties(Httplib::Httplib PROPERTIES
    IMPORTED_LOCATION "${Httplib_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Httplib_INCLUDE_DIR}"
    # The Debian library is built with these; the header must agree or the
    # class layouts differ between our code and the library.
    INTERFACE_COMPILE_DEFINITIONS "CPPHTTPLIB_OPENSSL_SUPPORT;CPPHTTPLIB_ZLIB_SUPPORT;CPPHTTPLIB_BROTLI_SUPPORT"
    INTERFACE_LINK_LIBRARIES "OpenSSL::SSL;OpenSSL::Crypto;Threads::Threads")
endif()
mark_as_advanced(Httplib_INCLUDE_DIR Httplib_LIBRARY)
