#!/usr/bin/env bash
# Checks that a published Functions app can run its Event Hubs trigger: the publish output's extensions.json must
# register the host's Event Hubs extension (Microsoft.Azure.WebJobs.Extensions.EventHubs). A build made with
# -p:TrimEventHubsHostExtension=true (CI and ./th on machines whose NuGet feed lacks that package) does not, and must
# never be deployed (docs/functions.md, docs/deploy.md).
#
#   infra/verify-eventhubs-extension.sh DIR        check a `dotnet publish` output directory
#   infra/verify-eventhubs-extension.sh --publish  publish functions/TreasureHunt.Functions (Release, no switch) into a
#                                                  temporary directory first, then check it (azure.yaml's prepackage hook)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTENSION='Microsoft.Azure.WebJobs.Extensions.EventHubs'

die() { echo "verify-eventhubs-extension: $*" >&2; exit 1; }

case "${TrimEventHubsHostExtension:-}" in
  [Tt][Rr][Uu][Ee]) die "TrimEventHubsHostExtension=true is set in the environment (MSBuild reads it as a property): unset it before publishing." ;;
esac

if [[ "${1:-}" == "--publish" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  dotnet publish "$ROOT/functions/TreasureHunt.Functions" -c Release --nologo -v quiet -o "$work/publish" >&2
  dir="$work/publish"
else
  dir="${1:?usage: $0 DIR | --publish}"
fi

[[ -d "$dir" ]] || die "$dir is not a directory"
file="$dir/extensions.json"
[[ -f "$file" ]] || die "$file not found: not a Functions (isolated worker) publish output"
if ! grep -q "$EXTENSION" "$file"; then
  die "$file does not register $EXTENSION: this output was built with -p:TrimEventHubsHostExtension=true (or without the package) and cannot run the Event Hubs trigger. Publish on a machine with full NuGet access, without the switch."
fi
echo "verify-eventhubs-extension: $file registers $EXTENSION."
