# Every dependency is a Debian package found with find_package; nothing is
# downloaded or vendored.

find_package(Threads REQUIRED)
find_package(CURL 7.74 REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(RapidJSON 1.1 REQUIRED)
find_package(Httplib 0.11 MODULE REQUIRED)

# RapidJSON 1.1 exports only an include directory: wrap it in a target. Marked
# SYSTEM so its headers do not trip our warning set.
add_library(gbpm_rapidjson INTERFACE)
target_include_directories(gbpm_rapidjson SYSTEM INTERFACE ${RapidJSON_INCLUDE_DIRS} ${RAPIDJSON_INCLUDE_DIRS})
target_compile_definitions(gbpm_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
add_library(gbpm::rapidjson ALIAS gbpm_rapidjson)

if(BUILD_TESTING)
  find_package(Catch2 2.13 REQUIRED)
  include(Catch)
endif()
