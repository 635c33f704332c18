# Sourced by the walk-through scripts: sets `binary` to the framework to run. IOF_FRAMEWORK_BINARY
# skips the build (the test suite passes the binary it built); otherwise it is built into
# IOF_BUILD_DIR (default build/). Expects the current directory to be the checkout.
binary=${IOF_FRAMEWORK_BINARY:-}
if [ -z "$binary" ]; then
  build_dir=${IOF_BUILD_DIR:-build}
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOF_WERROR=ON >/dev/null
  cmake --build "$build_dir" --target inverse-offer-framework >/dev/null
  binary="$build_dir/src/framework/inverse-offer-framework"
fi
