#!/usr/bin/env bash
# Runs Conveyor's whole test suite on a fresh Debian machine that has the .NET SDK: the solution's tests (the docs'
# C# snippets compile among them: tests/Conveyor.Docs.Tests), then the packaging tests.
# Installs what the tests need (kcat, the independent Kafka client of the interop tests) and
# prints a closing "N passed, N failed" line. The Kafka tests start an embedded Kafka-protocol
# cluster in-process; set KAFKA_BOOTSTRAP_SERVERS to run them against a real cluster instead. The PostgreSQL tests
# run against one throwaway cluster for the whole run (tests/postgres.sh, which installs Debian's postgresql when
# missing); set CONVEYOR_POSTGRES to a connection string to run them against a server of yours instead.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v kcat >/dev/null 2>&1; then
  echo "Installing kcat (Debian package) for the Kafka interop tests..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null
fi

# Debian's Chromium for the admin page's browser test (tests/Conveyor.AspNetCore.Tests); Playwright never downloads one.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing chromium (Debian package) for the admin page's browser test..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

results="$(mktemp -d)"
postgres=""
cleanup() {
  if [ -n "$postgres" ]; then tests/postgres.sh stop "$postgres" || true; fi
  rm -rf "$results"
}
trap cleanup EXIT

if [ -z "${CONVEYOR_POSTGRES:-}" ]; then
  echo "Starting a throwaway PostgreSQL cluster for the PostgreSQL tests..."
  postgres="$(tests/postgres.sh start $$)"
  export CONVEYOR_POSTGRES="$postgres"
fi

status=0
dotnet test Conveyor.slnx --configuration Release --logger "trx" --results-directory "$results" "$@" || status=$?

# The packages, as users get them: tests/Conveyor.Packaging.Tests packs every package (from the Release build above)
# into a temporary folder feed, checks each .nupkg, and builds and runs the README's getting-started application from
# that feed, outside the repository. It runs after the solution's tests, not beside them, so that packing never races
# with a build. Its tests count in the closing line like the others.
echo "Packaging: packing every package, checking it, and running the getting-started application from the packages"
CONVEYOR_PACKAGING_NO_BUILD=1 dotnet test tests/Conveyor.Packaging.Tests/Conveyor.Packaging.Tests.csproj \
  --configuration Release --logger "trx" --results-directory "$results" "$@" || status=$?

passed=0; failed=0; skipped=0; on_postgres=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${n:-0}))
  # The PostgreSQL test projects' trx files: their storage (.dll) is named in the file.
  if grep -qi 'storage="[^"]*postgresql[^"]*tests\.dll"' "$trx"; then
    on_postgres=$((on_postgres + ${p:-0}))
  fi
done

echo "$passed passed, $failed failed, $skipped skipped ($on_postgres on PostgreSQL)"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
