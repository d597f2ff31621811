# INTERFACE targets that product and test code link PRIVATE (ccache's pattern):
# gbpm_settings carries language/sanitizer options, gbpm_warnings the warning set.

add_library(gbpm_settings INTERFACE)
target_compile_features(gbpm_settings INTERFACE cxx_std_20)
target_compile_definitions(gbpm_settings INTERFACE
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
  GBPM_VERSION="${PROJECT_VERSION}")
if(GBPM_SANITIZE)
  set(_gbpm_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(gbpm_settings INTERFACE ${_gbpm_san})
  target_link_options(gbpm_settings INTERFACE ${_gbpm_san})
endif()

add_library(gbpm_warnings INTERFACE)
target_compile_options(gbpm_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wformat=2
  -Wimplicit-fallthrough -Wmissing-declarations
  # Designated initializers leave members at their defaults on purpose; GCC 12
  # warns about that for class-type members.
  -Wno-missing-field-initializers
  $<$<BOOL:${GBPM_WERROR}>:-Werror>)
