// Default UBSan options for the libFuzzer binaries (clang, -DGBPM_FUZZ=ON):
// stop at the first report, print a stack, and apply ubsan.supp. UBSAN_OPTIONS
// in the environment still overrides these.

extern "C" const char* __ubsan_default_options();

extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" GBPM_UBSAN_SUPPRESSIONS;
}
