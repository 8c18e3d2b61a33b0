# Shared helpers for the LDAP integration scripts (sourced).
fails=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }

# run NAME EXPECTED_EXIT ARGS... : runs the dump driver, keeps stdout in
# $work/NAME.json and stderr in $work/NAME.err
run() {
    name=$1 want=$2
    shift 2
    set +e
    "$dump" "$plugin" "$@" >"$work/$name.json" 2>"$work/$name.err"
    rc=$?
    set -e
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit $rc, want $want"
        sed 's/^/    /' "$work/$name.err" | tail -15
        return 1
    fi
    return 0
}

# expect_err NAME TEXT : stderr of NAME contains TEXT
expect_err() {
    if grep -qF -- "$2" "$work/$1.err"; then pass "$1: says \"$2\""; else
        fail "$1: stderr lacks \"$2\""
        sed 's/^/    /' "$work/$1.err" | tail -10
    fi
}

# no_secret NAME SECRET : neither output of NAME contains SECRET
no_secret() {
    if grep -qF -- "$2" "$work/$1.err" "$work/$1.json"; then fail "$1: the password was printed"; else
        pass "$1: password not printed"
    fi
}

check() {
    name=$1
    shift
    if python3 "$here/check_dump.py" "$work/$name.json" "$@" >"$work/$name.check"; then
        pass "$name: $(tail -1 "$work/$name.check")"
    else
        fail "$name"
        sed 's/^/    /' "$work/$name.check" | tail -20
    fi
}
