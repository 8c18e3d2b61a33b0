#!/bin/bash
# The man pages render without a groff warning and say what the help says;
# `cmake --install` puts them and the bash completion in place; the
# completion offers the commands, each command's options and the plugin
# names.
#
#   test_man_completion.sh SOURCE_DIR BUILD_DIR SCIMSYNC_BIN PLUGIN_DIR
set -u
src=$1 build=$2 bin=$3 plugins=$4
fails=0
work=$(mktemp -d /tmp/scimsync-man.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }

# --- man pages ------------------------------------------------------------
for page in scimsync.1 scimsync.ini.5; do
    f=$src/docs/man/$page
    if ! command -v groff >/dev/null; then
        fail "groff (groff-base) is not installed"
        break
    fi
    warn=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
    [ -z "$warn" ] && pass "$page: no groff warning" || fail "$page: $warn"
    groff -man -Tutf8 "$f" 2>/dev/null | sed 's/.\x08//g' >"$work/$page.txt"
done
for want in "EXIT STATUS" "plan --exit-code" "stop_grace" "check" "SIGTERM" "metrics_listen"; do
    grep -qF -- "$want" "$work/scimsync.1.txt" && pass "scimsync(1) mentions $want" ||
        fail "scimsync(1) lacks $want"
done
# every command of the help has its entry
for cmd in $("$bin" --help | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]' | awk '{ print $1 }'); do
    grep -qE "^ {7}$cmd( |$)" "$work/scimsync.1.txt" && pass "scimsync(1) documents $cmd" ||
        fail "scimsync(1) lacks the command $cmd"
done
# every [engine] key has its entry in scimsync.ini(5)
for key in $("$bin" help config | sed -n '/^Keys of \[engine\]/,/^$/p' | awk 'NR > 2 && NF { print $1 }'); do
    grep -qw -- "$key" "$work/scimsync.ini.5.txt" && pass "scimsync.ini(5) documents $key" ||
        fail "scimsync.ini(5) lacks the [engine] key $key"
done
if command -v man >/dev/null; then
    man -l "$src/docs/man/scimsync.1" >/dev/null 2>&1 && pass "man -l renders scimsync(1)" ||
        fail "man -l scimsync(1)"
fi

# --- installed --------------------------------------------------------------
cmake --install "$build" --prefix "$work/inst" >"$work/install.log" 2>&1 ||
    { fail "cmake --install"; tail -5 "$work/install.log"; }
for f in share/man/man1/scimsync.1.gz share/man/man5/scimsync.ini.5.gz \
    share/bash-completion/completions/scimsync; do
    [ -f "$work/inst/$f" ] && pass "installed: $f" || fail "not installed: $f"
done
zcat "$work/inst/share/man/man1/scimsync.1.gz" | cmp -s - "$src/docs/man/scimsync.1" &&
    pass "the installed scimsync.1.gz is docs/man/scimsync.1" || fail "scimsync.1.gz differs"

# --- bash completion ----------------------------------------------------------
# complete WORDS...: what the completion offers for the last (possibly empty) word
complete_words() {
    SCIMSYNC_PLUGIN_PATH=$plugins bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _scimsync
        printf "%s\n" "${COMPREPLY[@]}"' _ "$src/packaging/bash-completion/scimsync" "$@"
}
offers() { # offers "WHAT" EXPECTED... -- WORDS...
    local what=$1 got
    shift
    local want=()
    while [ "$1" != "--" ]; do want+=("$1"); shift; done
    shift
    got=$(complete_words "$@")
    for w in "${want[@]}"; do
        printf '%s\n' "$got" | grep -qxF -- "$w" || { fail "$what: no '$w' in: $(echo $got)"; return; }
    done
    pass "$what"
}
offers "commands" sync plan apply check validate config plugins daemon version help -- "$bin" ""
offers "plan options" --exit-code --json --config --out --show -- "$bin" plan --
offers "apply options" --force-deletes --force-updates --json -- "$bin" apply --
offers "sync options" --dry-run --force-deletes --force-updates -- "$bin" sync --
offers "check options: the global ones" --config --quiet -- "$bin" check --
offers "--log-format values" text json -- "$bin" --log-format ""
offers "help topics" config plugin check -- "$bin" help ""
offers "help plugin: plugin names" csv ldap scim -- "$bin" help plugin ""
offers "plugins --keys: plugin names" csv ldap scim -- "$bin" plugins --keys ""
offers "a command after global options" check -- "$bin" -c x.ini ch
# every option a command's help shows is offered for it
for cmd in sync plan daemon plugins; do
    for opt in $("$bin" help "$cmd" | head -1 | grep -oE -- '--[a-z-]+'); do
        offers "$cmd: $opt" "$opt" -- "$bin" "$cmd" --
    done
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
