#!/usr/bin/env bash
# Checks that this machine has what the local AWS stack needs, and names
# what is missing (with how to install it) instead of letting tests fail
# obscurely. Exit status 0 when all is there, 1 otherwise.
set -uo pipefail

python="${LOCAL_AWS_PYTHON:-python3}"
missing=()

command -v bwrap >/dev/null 2>&1 || missing+=("bwrap (apt-get install -y bubblewrap)")
command -v zip >/dev/null 2>&1 || missing+=("zip (apt-get install -y zip)")
command -v unzip >/dev/null 2>&1 || missing+=("unzip (apt-get install -y unzip)")
command -v aws >/dev/null 2>&1 || missing+=("aws, the AWS CLI (pip install awscli, or apt-get install -y awscli)")
if ! command -v "$python" >/dev/null 2>&1; then
    missing+=("$python (apt-get install -y python3)")
elif ! "$python" -c "import moto.server" >/dev/null 2>&1; then
    missing+=("moto with its server extras for $python (pip install \"moto[server]\")")
fi

if command -v bwrap >/dev/null 2>&1 && ! bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid true 2>/dev/null; then
    missing+=("a working bubblewrap sandbox: 'bwrap --ro-bind / / --unshare-pid true' fails here (user namespaces disabled?)")
fi

if ((${#missing[@]})); then
    echo "The local AWS stack cannot run; missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
fi
