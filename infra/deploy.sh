#!/usr/bin/env bash
# Deploy Treasure Hunt Engine to Azure: Bicep infrastructure (what-if first), then the
# Functions app package.
#
# NOTE: this script has NOT been run from this repository's development or CI machines: they
# have no internet access and no Azure CLI. It is checked only statically (bash -n, shellcheck). The Bicep
# it deploys is built and linted offline by tests/TreasureHunt.Infra.Tests. Run it from a
# machine with the Azure CLI (az >= 2.60, logged in with `az login`), the .NET 10 SDK and zip.
#
# Usage:
#   infra/deploy.sh [options] [ENVIRONMENT] [RESOURCE_GROUP]
#
#   ENVIRONMENT       dev | prod (selects bicep/main.<env>.bicepparam)   env: ENVIRONMENT (dev)
#   RESOURCE_GROUP    target resource group (created if missing)        env: RESOURCE_GROUP
#
# Options (or environment variables):
#   --location NAME       region of a new resource group              LOCATION (westeurope)
#   --subscription ID     subscription to use                         SUBSCRIPTION (current)
#   --project PATH        Functions app .csproj to publish            FUNCTIONS_PROJECT (auto)
#   --param NAME=VALUE    extra Bicep parameter override (repeatable) BICEP_PARAMS (space-separated)
#   --parameters FILE     a .bicepparam to use instead of bicep/main.<env>.bicepparam, e.g. the output of
#                         `./th plan --events-per-second N --out FILE` (its `using` must point at bicep/main.bicep)
#                                                                     PARAMETERS_FILE
#   --what-if-only        preview the infrastructure change and stop  WHAT_IF_ONLY=1
#   --skip-publish        deploy infrastructure only                  SKIP_PUBLISH=1
#   --yes                 do not ask before applying the change        ASSUME_YES=1
#
# The deploying principal needs Contributor and a role that can create role assignments
# (Owner, or User Access Administrator / Role Based Access Control Administrator) on the group.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ENVIRONMENT="${ENVIRONMENT:-dev}"
RESOURCE_GROUP="${RESOURCE_GROUP:-}"
LOCATION="${LOCATION:-westeurope}"
SUBSCRIPTION="${SUBSCRIPTION:-}"
FUNCTIONS_PROJECT="${FUNCTIONS_PROJECT:-}"
PARAMETERS_FILE="${PARAMETERS_FILE:-}"
WHAT_IF_ONLY="${WHAT_IF_ONLY:-0}"
SKIP_PUBLISH="${SKIP_PUBLISH:-0}"
ASSUME_YES="${ASSUME_YES:-0}"
read -r -a extra_params <<<"${BICEP_PARAMS:-}"

usage() { sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "deploy.sh: $*" >&2; exit 1; }

positional=()
while (($# > 0)); do
  case "$1" in
    --location) LOCATION="${2:?--location needs a value}"; shift 2 ;;
    --subscription) SUBSCRIPTION="${2:?--subscription needs a value}"; shift 2 ;;
    --project) FUNCTIONS_PROJECT="${2:?--project needs a value}"; shift 2 ;;
    --param) extra_params+=("${2:?--param needs NAME=VALUE}"); shift 2 ;;
    --parameters) PARAMETERS_FILE="${2:?--parameters needs a file}"; shift 2 ;;
    --what-if-only) WHAT_IF_ONLY=1; shift ;;
    --skip-publish) SKIP_PUBLISH=1; shift ;;
    --yes | -y) ASSUME_YES=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} > 0)) && ENVIRONMENT="${positional[0]}"
((${#positional[@]} > 1)) && RESOURCE_GROUP="${positional[1]}"
((${#positional[@]} > 2)) && die "too many arguments (see --help)"

[[ -n "$RESOURCE_GROUP" ]] || die "RESOURCE_GROUP is required (argument 2 or env RESOURCE_GROUP)"
template="$repo_root/bicep/main.bicep"
parameters="${PARAMETERS_FILE:-$repo_root/bicep/main.$ENVIRONMENT.bicepparam}"
[[ -f "$parameters" ]] || die "no parameter file $parameters (ENVIRONMENT must be dev or prod, or pass --parameters FILE)"

command -v az >/dev/null || die "the Azure CLI (az) is not installed"
if [[ "$SKIP_PUBLISH" != 1 && "$WHAT_IF_ONLY" != 1 ]]; then
  for tool in dotnet zip; do
    command -v "$tool" >/dev/null || die "$tool is not installed (or use --skip-publish)"
  done
fi

az account show >/dev/null 2>&1 || die "not logged in: run 'az login' first"
if [[ -n "$SUBSCRIPTION" ]]; then
  az account set --subscription "$SUBSCRIPTION"
fi
echo "Subscription: $(az account show --query '[name, id]' --output tsv | paste -sd ' ')"

if [[ "$(az group exists --name "$RESOURCE_GROUP")" != "true" ]]; then
  echo "Creating resource group $RESOURCE_GROUP in $LOCATION"
  az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --output none
fi

deployment_name="treasurehunt-$ENVIRONMENT-$(date -u +%Y%m%d%H%M%S)"
deployment_args=(
  --resource-group "$RESOURCE_GROUP"
  --name "$deployment_name"
  --template-file "$template"
  --parameters "$parameters"
)
for override in "${extra_params[@]}"; do
  deployment_args+=(--parameters "$override")
done

# 1. What-if: show every create/modify/delete before anything changes. Role assignments show as
#    "unsupported" on a first deployment (the app identity does not exist yet): expected.
echo "== What-if: $template with $parameters"
az deployment group create "${deployment_args[@]}" --what-if

if [[ "$WHAT_IF_ONLY" == 1 ]]; then
  echo "What-if only: nothing was changed."
  exit 0
fi

if [[ "$ASSUME_YES" != 1 ]]; then
  read -r -p "Apply this change to $RESOURCE_GROUP? [y/N] " answer
  [[ "$answer" == [yY] || "$answer" == [yY][eE][sS] ]] || die "cancelled"
fi

# 2. Deploy the infrastructure. The outputs hold names and endpoints only (no secrets).
echo "== Deploying $deployment_name"
outputs="$(az deployment group create "${deployment_args[@]}" --query properties.outputs --output json)"
output() { jq -r ".$1.value" <<<"$outputs" 2>/dev/null || python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['value'])" <<<"$outputs"; }
function_app="$(output functionAppName)"
echo "Function App:          $function_app ($(output functionAppDefaultHostName))"
echo "Event Hubs namespace:  $(output eventHubsFullyQualifiedNamespace)"
echo "Cosmos DB endpoint:    $(output cosmosEndpoint)"

if [[ "$SKIP_PUBLISH" == 1 ]]; then
  echo "Infrastructure deployed; publish skipped."
  exit 0
fi

# 3. Publish the app. Flex Consumption takes a zip through its one-deploy endpoint with an Entra ID
#    token (basic publishing credentials are disabled); the app stores it in the deployment blob
#    container with its managed identity. (`func azure functionapp publish "$function_app"` does
#    the same when Azure Functions Core Tools are installed.)
if [[ -z "$FUNCTIONS_PROJECT" ]]; then
  FUNCTIONS_PROJECT="$(grep -l 'Microsoft.Azure.Functions.Worker.Sdk' "$repo_root"/functions/*/*.csproj 2>/dev/null | head -n 1 || true)"
fi
[[ -n "$FUNCTIONS_PROJECT" && -f "$FUNCTIONS_PROJECT" ]] || die "no Functions project found (set FUNCTIONS_PROJECT or --project)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== Publishing $FUNCTIONS_PROJECT"
dotnet publish "$FUNCTIONS_PROJECT" --configuration Release --output "$work/publish"
# Never ship a build made with -p:TrimEventHubsHostExtension=true: it cannot run the Event Hubs trigger.
"$repo_root/infra/verify-eventhubs-extension.sh" "$work/publish"
(cd "$work/publish" && zip -q -r "$work/app.zip" .)

# Role assignments can take a few minutes to propagate on a first deployment: retry.
for attempt in 1 2 3 4 5; do
  if az functionapp deployment source config-zip \
    --resource-group "$RESOURCE_GROUP" --name "$function_app" --src "$work/app.zip" --output none; then
    echo "Published to https://$(output functionAppDefaultHostName)"
    exit 0
  fi
  echo "Publish attempt $attempt failed; retrying in 60 s (RBAC propagation)" >&2
  sleep 60
done
die "publish failed"
