# The installed library, embedded by examples/embed: built against a
# temporary install with pkg-config and with find_package (see
# scripts/test-embed; 5-10 s on two cores, most of it building leadrules).
: "${LR_SRC:?set by ctest}"
exec bash "$LR_SRC/scripts/test-embed" "$LR_SRC"
