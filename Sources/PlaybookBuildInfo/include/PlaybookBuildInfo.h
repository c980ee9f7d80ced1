#ifndef PLAYBOOK_BUILD_INFO_H
#define PLAYBOOK_BUILD_INFO_H

/// The git commit this binary was built from: set by scripts/release with
/// `-Xcc -DPLAYBOOK_COMMIT='"<sha>"'`; empty in a development build.
const char *playbook_build_commit(void);

#endif
