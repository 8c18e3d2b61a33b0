#!/bin/sh
# Validates every CloudFormation template in infra/ with cfn-lint (the npm
# package, a JavaScript validator), using a current resource specification
# from @aws-cdk/cfnspec in place of the 2019 one cfn-lint ships (which does
# not know AWS::Scheduler::Schedule and other newer types).  Each template is
# checked with its default parameters and with the parameter sets that turn
# its conditional resources on; any error or warning fails.  A negative check
# proves a bogus property is caught.
#
# The linter is installed once with npm into $SCIMSYNC_CFN_LINT_DIR
# (default ${TMPDIR:-/tmp}/scimsync-cfn-lint-<versions>).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cfn_lint_version=1.9.7
cfnspec_version=2.72.1
dir=${SCIMSYNC_CFN_LINT_DIR:-${TMPDIR:-/tmp}/scimsync-cfn-lint-$cfn_lint_version-$cfnspec_version}

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

lint=$dir/node_modules/.bin/cfn-lint
spec=$dir/node_modules/@aws-cdk/cfnspec/spec/specification.json
data=$dir/node_modules/cfn-lint/data/aws_resources_specification.json
if [ ! -x "$lint" ] || [ ! -f "$spec" ]; then
    echo "installing cfn-lint@$cfn_lint_version and @aws-cdk/cfnspec@$cfnspec_version into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
        "cfn-lint@$cfn_lint_version" "@aws-cdk/cfnspec@$cfnspec_version" >"$dir/npm.log" 2>&1 ||
        { cat "$dir/npm.log" >&2; fail "npm install"; }
fi
cmp -s "$spec" "$data" || cp "$spec" "$data"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scimsync-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# validate TEMPLATE [PARAMETERS]: 0 when cfn-lint reports no error and no warning.
validate() {
    out=$tmp/out
    if [ -n "${2:-}" ]; then
        "$lint" validate "$1" --parameters "$2" >"$out" 2>&1 && rc=0 || rc=$?
    else
        "$lint" validate "$1" >"$out" 2>&1 && rc=0 || rc=$?
    fi
    sed 's/\x1b\[[0-9;]*m//g' "$out" >"$out.txt"
    [ "$rc" -eq 0 ] && grep -q '^0 crit' "$out.txt" && grep -q '^0 warn' "$out.txt"
}

# Parameter sets that switch each template's conditions the other way.
variants() {
    case $(basename "$1") in
    secrets-and-parameters.yaml)
        echo "KmsKey=create"
        echo "KmsKey=arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ;;
    ecs-fargate.yaml)
        echo "KmsKeyArn=arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab,AllowDirectoryDns=true,AlarmEmail=ops@example.com,ImageUri=registry.example.com/scimsync:1.0,AlarmTopicArn=arn:aws:sns:eu-west-1:123456789012:ops-alerts,NoSuccessHours=24"
        echo "Command=plan"
        echo "StateBucket=example-scimsync-state,CreateStateBucket=true"
        echo "StateBucket=existing-state-bucket,StateKey=prod/scimsync/state.json"
        ;;
    esac
}

checked=0
for t in "$top"/infra/*.yaml "$top"/infra/*.yml "$top"/infra/*.json; do
    [ -f "$t" ] || continue
    name=${t#"$top"/}
    for params in "" $(variants "$t"); do
        if validate "$t" "$params"; then
            echo "ok   $name${params:+ ($params)}"
        else
            cat "$out.txt" >&2
            fail "$name${params:+ ($params)}"
        fi
        checked=$((checked + 1))
    done
done
[ "$checked" -gt 0 ] || fail "no template found in infra/"

# Negative checks: the linter must reject a property the type does not
# have and a resource type that does not exist.
t=$top/infra/ecs-fargate.yaml
awk '{ print } /^  Cluster:$/ { c = 1 } c && /^    Properties:$/ { print "      ClusterColour: blue"; c = 0 }' \
    "$t" >"$tmp/bogus-property.yaml"
grep -q ClusterColour "$tmp/bogus-property.yaml" || fail "could not build the negative sample"
if validate "$tmp/bogus-property.yaml" || ! grep -q 'ClusterColour is not a valid property' "$out.txt"; then
    cat "$out.txt" >&2
    fail "cfn-lint accepted a bogus property (ClusterColour on AWS::ECS::Cluster)"
fi
echo "ok   a bogus property is rejected"
sed 's/Type: AWS::Scheduler::Schedule$/Type: AWS::Scheduler::Schedul/' "$t" >"$tmp/bogus-type.yaml"
if validate "$tmp/bogus-type.yaml"; then
    fail "cfn-lint accepted a resource type that does not exist (AWS::Scheduler::Schedul)"
fi
echo "ok   a bogus resource type is rejected"
echo "PASS: $checked template checks, 2 negative checks"
