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

# e2e EXPECT SECRET_VAR PORT CUT_BYTES SCHEME : the binary end to end
# (e2e_sync.py, $bin into $e2e_target) with the source in $work/source.ini;
# its cut run reads through a relay to 127.0.0.1:PORT, spoken to as SCHEME://,
# that drops the connection after CUT_BYTES.  The relay's pid is left in
# $proxy for the caller's trap.
e2e() {
    mkdir -p "$work/e2e"
    python3 "$fixtures/cut_proxy.py" "$3" "$4" "$work/proxy.port" &
    proxy=$!
    python3 "$fixtures/port.py" wait-file "$work/proxy.port" 10
    if python3 "$here/e2e_sync.py" --bin "$bin" --target "$e2e_target" --test-plugins "$test_plugins" \
        --source-ini "$work/source.ini" --expect "$1" --work "$work/e2e" \
        --secret-env "$2" --cut-uri "$5://127.0.0.1:$(cat "$work/proxy.port")" \
        >"$work/e2e.log" 2>&1; then
        pass "end to end: $(tail -1 "$work/e2e.log")"
        grep -E "dropped connection: |: exit " "$work/e2e.log" | sed 's/^/    /'
    else
        fail "end to end"
        sed 's/^/    /' "$work/e2e.log" | tail -30
    fi
}
