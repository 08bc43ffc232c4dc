// Must not compile: calendars/ is below workflows/, so its include path has
// no workflows/ headers. tests/CMakeLists.txt builds this and expects the
// compiler to say it cannot find the header.
#include "workflows/model.h"
