// A valid shared library that exports a function but no Tessera entry
// point: the loader must refuse it without running it.
extern "C" __attribute__((visibility("default"))) int tessera_test_not_a_plugin() { return 42; }
