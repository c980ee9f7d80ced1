#!/usr/bin/env bash
# The action's second step: validate (annotations), test (JUnit), plan (job summary). Each part
# runs even when an earlier one failed, so one push shows every problem; the step fails (exit 1)
# when any part failed.
set -uo pipefail
read -r -a paths <<< "${INPUT_PATHS:-playbooks}"
status=0

if [ "${INPUT_VALIDATE:-true}" = "true" ]; then
    echo "::group::playbook validate ${paths[*]}"
    playbook validate --format github "${paths[@]}" || status=1
    echo "::endgroup::"
fi

if [ "${INPUT_TEST:-true}" = "true" ]; then
    echo "::group::playbook test ${paths[*]}"
    junit=()
    if [ -n "${INPUT_JUNIT:-}" ]; then
        junit=(--junit "$INPUT_JUNIT")
        [ -n "${GITHUB_OUTPUT:-}" ] && echo "junit=$INPUT_JUNIT" >> "$GITHUB_OUTPUT"
    fi
    playbook test "${junit[@]}" "${paths[@]}" || status=1
    echo "::endgroup::"
fi

if [ -n "${INPUT_PLAN:-}" ]; then
    read -r -a plans <<< "$INPUT_PLAN"
    read -r -a plan_args <<< "${INPUT_PLAN_ARGS:-}"
    summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
    for file in "${plans[@]}"; do
        echo "::group::playbook plan $file"
        if output=$(playbook plan "$file" --format markdown "${plan_args[@]}"); then
            { echo "### Plan of \`$file\`"; echo; echo "$output"; echo; } >> "$summary"
        else
            { echo "### Plan of \`$file\`: invalid, see the annotations"; echo; } >> "$summary"
            status=1
        fi
        echo "::endgroup::"
    done
fi
exit $status
