#!/usr/bin/env bash
# Rebuilds the placeholder packages in eng/placeholders/feed. The .nupkg files are
# committed, so a clean clone restores without running this.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for p in AdaptiveCards vswhere; do
  dotnet pack "$here/$p/$p.csproj" -c Release -o "$here/feed" -p:ContinuousIntegrationBuild=true
done
