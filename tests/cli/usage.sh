# The command line itself: version, help, and usage errors.
. "$TOP/tests/cli/lib.sh"

run --version
expect_status "--version exits 0" 0
expect_match "--version prints the version" "$out" '^hatch [0-9]+\.[0-9]+\.[0-9]+$'
expect_lines "--version prints nothing on stderr" "$err" 0

run -V
expect_status "-V exits 0" 0
expect_match "-V prints the version" "$out" '^hatch [0-9]+\.[0-9]+\.[0-9]+$'

# expect_help ARGS... EXPECTED: ARGS exit 0 and print a usage that starts with
# EXPECTED on stdout, and nothing on stderr.
expect_help() {
	want=${*: -1}
	set -- "${@:1:$#-1}"
	run "$@"
	expect_status "hatch $* exits 0" 0
	expect_match "hatch $* prints its usage" "$(printf '%s' "$out" | head -n 1)" "^Usage: $want"
	expect_lines "hatch $* prints nothing on stderr" "$err" 0
}

expect_help --help 'hatch \[--version\]'
expect_help -h 'hatch \[--version\]'
expect_help journeys --help 'hatch journeys COMMAND'
expect_help journeys validate --help 'hatch journeys validate FILE'
expect_help journeys walk --help 'hatch journeys walk '
expect_help journeys list --help 'hatch journeys list'
expect_help journeys import-open311 --help 'hatch journeys import-open311 '
expect_help run --help 'hatch run'
# --help wins wherever it is among walk's arguments.
expect_help journeys walk missing.json --help 'hatch journeys walk '

# usage_error DESC REGEX ARGS...: ARGS exit 2 with exactly one line on
# stderr, saying what is wrong (matching REGEX), and nothing on stdout.
usage_error() {
	desc=$1 re=$2
	shift 2
	run "$@" </dev/null
	expect_status "$desc: exits 2" 2
	expect_lines "$desc: one line on stderr" "$err" 1
	expect_match "$desc: says what is wrong" "$err" "$re"
	expect_lines "$desc: nothing on stdout" "$out" 0
}

# Unknown commands.
usage_error "unknown command" "^hatch: .*unknown command 'frobnicate'" frobnicate
usage_error "unknown journeys command" "^hatch: .*unknown command 'frobnicate'" journeys frobnicate

# Unknown options.
usage_error "unknown option" "^hatch: .*unknown option '--frobnicate'" --frobnicate
usage_error "unknown short option" "^hatch: .*unknown option '-x'" -x
usage_error "unknown walk option" "^hatch: .*unknown option '--nope'" journeys walk --nope x.json
usage_error "unknown run option" "^hatch: .*unknown option '--nope'" run --nope
usage_error "unknown validate option" "^hatch: .*unknown option '--frobnicate'" journeys validate --frobnicate
usage_error "unknown list option" "^hatch: .*unknown option '--nope'" journeys list --nope
usage_error "unknown import option" "^hatch: .*unknown option '--nope'" journeys import-open311 --nope

# Missing arguments.
usage_error "no command" "^hatch: "
usage_error "journeys without a command" "^hatch: journeys: .*command" journeys
usage_error "validate without a file" "^hatch: journeys validate: .*file" journeys validate
usage_error "walk without a file" "^hatch: journeys walk: .*file" journeys walk
usage_error "walk with options but no file" "^hatch: journeys walk: .*file" journeys walk --record-only
usage_error "walk --language without a tag" "^hatch: journeys walk: --language" journeys walk --language
usage_error "run --journeys without a directory" "^hatch: run: --journeys" run --journeys
usage_error "import without a URL" "^hatch: journeys import-open311: .*URL" journeys import-open311 --destination d
usage_error "import of an http URL" "^hatch: journeys import-open311: .*https" journeys import-open311 --destination d http://council.example/open311/v2/

# Too many arguments.
usage_error "walk with two files" "^hatch: journeys walk: .*one file" journeys walk a.json b.json
usage_error "list with two directories" "^hatch: journeys list: .*too many" journeys list a b

finish
