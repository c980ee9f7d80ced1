#!/usr/bin/env bash
# The action's first step: uses a `playbook` already on PATH, or downloads the release tarball,
# verifies its SHA-256 and puts the binary on PATH for the next steps ($GITHUB_PATH).
#
# PLAYBOOK_VERSION (e.g. 0.1.0), PLAYBOOK_REPOSITORY (owner/name of the action's repository);
# PLAYBOOK_DOWNLOAD_URL replaces the release folder's URL (a mirror, or a file:// folder in tests).
set -euo pipefail
if command -v playbook >/dev/null 2>&1; then
    echo "using $(command -v playbook): $(playbook --version)"
    exit 0
fi
version=${PLAYBOOK_VERSION:?set the action input 'version'}
name="playbook-$version-linux-$(uname -m)"
base=${PLAYBOOK_DOWNLOAD_URL:-https://github.com/${PLAYBOOK_REPOSITORY:?}/releases/download/v$version}
dir="${RUNNER_TEMP:-/tmp}/playbook-$version"
mkdir -p "$dir"
curl --fail --silent --show-error --location --retry 3 -o "$dir/$name.tar.gz" "$base/$name.tar.gz"
curl --fail --silent --show-error --location --retry 3 -o "$dir/$name.tar.gz.sha256" "$base/$name.tar.gz.sha256"
(cd "$dir" && sha256sum --check --strict "$name.tar.gz.sha256") || { echo "::error::playbook $version: checksum mismatch"; exit 1; }
tar -C "$dir" -xzf "$dir/$name.tar.gz"
echo "$dir/$name" >> "${GITHUB_PATH:?}"
echo "installed $("$dir/$name/playbook" --version) into $dir/$name"
