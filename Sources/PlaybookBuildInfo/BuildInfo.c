#include "PlaybookBuildInfo.h"

// A C target because a C macro is the one value SwiftPM lets a build command line set
// (`-Xcc -D...`) without generating or editing a source file.
#ifndef PLAYBOOK_COMMIT
#define PLAYBOOK_COMMIT ""
#endif

const char *playbook_build_commit(void) { return PLAYBOOK_COMMIT; }
