#!/usr/bin/env bash
# Installs what the tests and benchmarks run beside gatehouse, at pinned versions,
# into git-ignored folders, reusing whatever is already built:
#   .tools/bin   opa, regal, cosign, oras (go install; regal through a pinned tool module),
#                kubecheck (our offline Kubernetes manifest validator, k8s.io/api pinned in its go.mod),
#                and test-registry: go-containerregistry's registry with the OCI referrers API, for the
#                OCI store's tests (scripts/tools/registry, go-containerregistry pinned in its go.mod)
#   .venv        model-signing and sigstore (the OpenSSF reference implementations),
#                scipy, numpy, statsmodels and fairlearn (reference statistics for golden fixtures),
#                mpmath (40-digit arithmetic, where scipy's own double precision is not enough)
#   chromium     Debian's package, for the browser tests of the approval pages (playwright-core
#                drives the system browser, it downloads none)
#   prometheus   Debian's package (prometheus and promtool), for the canary gate's tests against a
#                real server on loopback; a preinstalled one is reused
#   .tools/node  Node.js at the package's engines floor (22.22.2) and one release line below it
#                (20.19.5), from npm's `node` package, for the install test: the packed package runs
#                on the oldest Node it claims, and refuses an older one with a clear line
#   postgresql   Debian's package (initdb, pg_ctl, postgres), for the PostgreSQL store's tests against a
#                private cluster on loopback; a preinstalled one is reused
#   docker-registry  Debian's package (distribution 2.8, no referrers API), for the OCI store's
#                tag-fallback tests; its system service is kept off
# chromium, prometheus, postgresql and docker-registry are the steps outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

OPA_VERSION=v1.22.2
COSIGN_VERSION=v3.1.3
REGAL_VERSION=v0.35.1   # pinned in scripts/tools/regal/go.mod
K8S_API_VERSION=v0.36.2 # pinned in scripts/tools/kubecheck/go.mod
ORAS_VERSION=v1.3.6
GGCR_VERSION=v0.22.1    # pinned in scripts/tools/registry/go.mod
MODEL_SIGNING_VERSION=1.1.1
SIGSTORE_PY_VERSION=4.5.1
PYOPENSSL_VERSION=26.4.0
SCIPY_VERSION=1.17.1
NUMPY_VERSION=2.4.6
FAIRLEARN_VERSION=0.15.0
STATSMODELS_VERSION=0.15.0
MPMATH_VERSION=1.4.1

TOOLS="$PWD/.tools"
mkdir -p "$TOOLS/bin" "$TOOLS/stamps"

have() { [ -x "$TOOLS/bin/$1" ] && [ -f "$TOOLS/stamps/$1-$2" ]; }
stamp() { rm -f "$TOOLS/stamps/$1-"*; touch "$TOOLS/stamps/$1-$2"; }

if ! have opa "$OPA_VERSION"; then
  echo "install-tools: building opa $OPA_VERSION"
  GOBIN="$TOOLS/bin" go install "github.com/open-policy-agent/opa@$OPA_VERSION"
  stamp opa "$OPA_VERSION"
fi

if ! have cosign "$COSIGN_VERSION"; then
  echo "install-tools: building cosign $COSIGN_VERSION"
  GOBIN="$TOOLS/bin" go install "github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION"
  stamp cosign "$COSIGN_VERSION"
fi

if ! have regal "$REGAL_VERSION"; then
  # `go install regal@version` fails here: the proxy refuses regal's version
  # list, which go install reads for deprecation notices. A tool module with
  # the version pinned in go.mod/go.sum builds the same binary without it.
  echo "install-tools: building regal $REGAL_VERSION"
  (cd scripts/tools/regal && GOBIN="$TOOLS/bin" go install tool)
  stamp regal "$REGAL_VERSION"
fi

# Rebuilt when its source or pins change: the stamp carries their digest.
KUBECHECK_STAMP="$K8S_API_VERSION-$(cat scripts/tools/kubecheck/main.go scripts/tools/kubecheck/go.mod scripts/tools/kubecheck/go.sum | sha256sum | cut -c1-12)"
if ! have kubecheck "$KUBECHECK_STAMP"; then
  echo "install-tools: building kubecheck (k8s.io/api $K8S_API_VERSION)"
  (cd scripts/tools/kubecheck && GOBIN="$TOOLS/bin" go install .)
  stamp kubecheck "$KUBECHECK_STAMP"
fi

if ! have oras "$ORAS_VERSION"; then
  echo "install-tools: building oras $ORAS_VERSION"
  GOBIN="$TOOLS/bin" go install "oras.land/oras/cmd/oras@$ORAS_VERSION"
  stamp oras "$ORAS_VERSION"
fi

TEST_REGISTRY_STAMP="$GGCR_VERSION-$(cat scripts/tools/registry/*.go scripts/tools/registry/go.mod scripts/tools/registry/go.sum | sha256sum | cut -c1-12)"
if ! have test-registry "$TEST_REGISTRY_STAMP"; then
  echo "install-tools: building test-registry (go-containerregistry $GGCR_VERSION)"
  (cd scripts/tools/registry && go build -o "$TOOLS/bin/test-registry" .)
  stamp test-registry "$TEST_REGISTRY_STAMP"
fi

# Keep NODE_FLOOR_VERSION equal to package.json's engines floor (a test checks).
NODE_FLOOR_VERSION=22.22.2
NODE_BELOW_FLOOR_VERSION=20.19.5
for version in "$NODE_FLOOR_VERSION" "$NODE_BELOW_FLOOR_VERSION"; do
  if [ ! -x "$TOOLS/node/$version/node_modules/.bin/node" ]; then
    echo "install-tools: installing Node.js $version from npm"
    npm install --silent --no-save --no-audit --no-fund --prefix "$TOOLS/node/$version" "node@$version" >/dev/null
  fi
done

VENV_STAMP="model-signing-$MODEL_SIGNING_VERSION-sigstore-$SIGSTORE_PY_VERSION-pyopenssl-$PYOPENSSL_VERSION-scipy-$SCIPY_VERSION-numpy-$NUMPY_VERSION-fairlearn-$FAIRLEARN_VERSION-statsmodels-$STATSMODELS_VERSION-mpmath-$MPMATH_VERSION"
if [ ! -x .venv/bin/python ] || [ ! -f ".venv/$VENV_STAMP" ]; then
  echo "install-tools: creating .venv with model-signing $MODEL_SIGNING_VERSION"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check \
    "model-signing==$MODEL_SIGNING_VERSION" "sigstore==$SIGSTORE_PY_VERSION" "pyopenssl==$PYOPENSSL_VERSION" \
    "scipy==$SCIPY_VERSION" "numpy==$NUMPY_VERSION" "fairlearn==$FAIRLEARN_VERSION" "statsmodels==$STATSMODELS_VERSION" "mpmath==$MPMATH_VERSION"
  rm -f .venv/model-signing-*
  touch ".venv/$VENV_STAMP"
fi

# Debian packages are installed as root (through sudo when not root), after refreshing the lists.
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
apt_install() {
  echo "install-tools: installing Debian's ${*: -1}"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
# A server package enables a system service and starts it, unless policy-rc.d forbids that (as in
# most containers). The tests start their own servers on free ports, so stop it and keep it off.
keep_service_off() {
  if [ -d /run/systemd/system ]; then
    "${as_root[@]}" systemctl disable --now "$1.service" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$1" ]; then
    "${as_root[@]}" "/etc/init.d/$1" stop >/dev/null 2>&1 || true
    "${as_root[@]}" update-rc.d "$1" disable >/dev/null 2>&1 || true
  fi
}

[ -x /usr/bin/chromium ] || apt_install chromium

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  apt_install --no-install-recommends prometheus
  keep_service_off prometheus
fi

# The tests run initdb and pg_ctl themselves (as the postgres user when run as root); any installed
# server version will do.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install --no-install-recommends postgresql
  keep_service_off postgresql
fi

# The tests start docker-registry themselves, with a config of their own, on a free port.
if ! command -v docker-registry >/dev/null; then
  apt_install --no-install-recommends docker-registry
  keep_service_off docker-registry
fi

echo "install-tools: $("$TOOLS/bin/opa" version | head -1); cosign $("$TOOLS/bin/cosign" version --json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p'); regal $REGAL_VERSION; oras $ORAS_VERSION; $(docker-registry --version 2>/dev/null | cut -d' ' -f2-); model-signing $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("model-signing"))'); $(/usr/bin/chromium --version 2>/dev/null); $(prometheus --version 2>&1 | head -1); $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres" --version)"
