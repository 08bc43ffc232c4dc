// Must not compile: scheduler/ is below server/, so its include path has no
// server/ headers. tests/CMakeLists.txt builds this and expects the compiler
// to say it cannot find the header.
#include "server/api.h"
