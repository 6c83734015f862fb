# leadrules.h stands alone: it compiles by itself as strict C99 and as
# C++, with every LR_*_INIT macro, without warnings; and a program built
# against it agrees with the library on the version.
source "$LR_SRC/tests/cli/lib.sh"
cat >use.c <<'C'
#include <leadrules.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  lr_import_opts io = LR_IMPORT_OPTS_INIT;
  lr_export_opts eo = LR_EXPORT_OPTS_INIT;
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  lr_backtest_opts bo = LR_BACKTEST_OPTS_INIT;
  lr_report_opts rpo = LR_REPORT_OPTS_INIT;
  lr_diff_opts dopt = LR_DIFF_OPTS_INIT;
  lr_script_opts so = LR_SCRIPT_OPTS_INIT;
  size_t sizes = io.size + eo.size + po.size + ro.size + bo.size + rpo.size
               + dopt.size + so.size;
  printf("%s %d %d\n", lr_libversion(),
         strcmp(lr_libversion(), LR_VERSION) == 0,
         lr_libversion_number() == LR_VERSION_NUMBER && sizes > 0);
  return 0;
}
C
inc=$LR_SRC/src
# A library built with -DLR_SANITIZE=ON needs the sanitizer runtimes.
san=()
nm -D --undefined-only "$LR_BUILD/libleadrules.so" | grep -q __asan_ &&
  san=(-fsanitize=address,undefined)
expect_ok cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$inc" -c use.c -o use_c99.o
expect_ok cc "${san[@]}" -std=c11 -Wall -Wextra -Wmissing-field-initializers -Werror -I"$inc" use.c \
  -o use "$LR_BUILD/libleadrules.so" -Wl,-rpath,"$LR_BUILD"
expect_ok ./use
contains "$(grep -o '"[0-9.]*"' "$inc/leadrules.h" | head -1 | tr -d '"') 1 1"
if command -v c++ >/dev/null; then
  cp use.c use.cc
  expect_ok c++ -std=c++11 -Wall -Wextra -Werror -I"$inc" -c use.cc -o use_cc.o
fi
finish
