# Hatch: one non-recursive Makefile. Objects go out of tree under $(BUILD);
# header dependencies are tracked with -MMD. Variants (sanitizers, arm64,
# fuzzing) are the same rules run with another BUILD directory and compiler.

BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
DATADIR    ?= $(PREFIX)/share/hatch
FUZZ_SECONDS ?= 60
# Runs target binaries (qemu for arm64); empty for native.
RUNNER     ?=
DEPS_FLAGS ?=

PKGS := jansson sqlite3 libqrencode sdl2 SDL2_ttf SDL2_image fontconfig fribidi espeak-ng inih libsodium libcurl libxml-2.0 libsystemd
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Werror
CFLAGS ?= -O2 -g
ALL_CPPFLAGS := -D_DEFAULT_SOURCE -Isrc -DHATCH_DATADIR='"$(DATADIR)"' $(CPPFLAGS)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN_FLAGS) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libgettextpo (message catalogs) has no pkg-config file.
LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lgettextpo
TEST_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

LIB_SRC  := $(sort $(wildcard src/base/*.c src/core/*.c src/i18n/*.c src/a11y/*.c src/platform/*.c src/store/*.c src/sync/*.c src/ui/*.c src/sdl/*.c src/app/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTS    := $(TEST_SRC:%.c=$(BUILD)/%)
# Test-only programs the command-line tests drive (not installed).
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOLS    := $(TOOL_SRC:%.c=$(BUILD)/%)
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))
BENCHES  := $(BENCH_SRC:%.c=$(BUILD)/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
STAMP    := $(BUILD)/.deps-ok

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Keep test objects between runs.
.SECONDARY:

# Renders the golden screenshots anew after a deliberate change of look.
golden-update: $(BUILD)/hatch
	$(Q)scripts/golden --build $(BUILD) --update

.PHONY: golden-update all run test e2e check cross cross-test fuzz bench clean install deps unit-tests po soak screens device-test
.DEFAULT_GOAL := all

all: $(BUILD)/hatch

# Missing packages are installed before anything is compiled.
$(STAMP): scripts/deps.sh
	$(Q)mkdir -p $(@D)
	$(Q)scripts/deps.sh $(DEPS_FLAGS)
	$(Q)touch $@

deps: $(STAMP)

$(BUILD)/%.o: %.c | $(STAMP)
	$(Q)mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libhatch.a: $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/hatch: $(MAIN_OBJ) $(BUILD)/libhatch.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

SUPPORT_OBJ := $(BUILD)/tests/support/support.o
$(BUILD)/tests/%.o: ALL_CPPFLAGS += -Itests/support

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(SUPPORT_OBJ) $(BUILD)/libhatch.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS) -lm

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(SUPPORT_OBJ) $(BUILD)/libhatch.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(SUPPORT_OBJ) $(BUILD)/libhatch.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -lm

unit-tests: $(BUILD)/hatch $(TESTS) $(TOOLS)

# A window the size of the official 7-inch display; RUN_ARGS= for fullscreen.
# When the database (RUN_ARGS' --db, else the default) has no gazetteer yet,
# the demonstration council's sample addresses are imported first
# (scripts/make-sample-gazetteer), its directory made first (private, as
# the store makes it) on a machine that has never run the kiosk. One that
# cannot be read is left alone; either failure is reported and the kiosk
# starts all the same.
RUN_ARGS ?= --window 800x480
run: $(BUILD)/hatch
	$(Q)db=$$(printf '%s\n' $(RUN_ARGS) | sed -n '/^--db$$/{n;p;}'); \
	if ! info=$$($(BUILD)/hatch gazetteer info $${db:+--db "$$db"}); then \
		echo "make run: cannot tell whether there is a gazetteer (above); starting without" >&2; \
	elif ! printf '%s\n' "$$info" | grep -q '^Addresses:'; then \
		echo "  GAZ     no gazetteer yet: importing the sample addresses"; \
		dir=$$(printf '%s\n' "$$info" | sed -n 's|^No gazetteer at \(.*\)/[^/]* (.*|\1|p'); \
		[ -z "$$dir" ] || (umask 077 && mkdir -p "$$dir"); \
		scripts/make-sample-gazetteer | $(BUILD)/hatch gazetteer import - --format simple \
			$${db:+--db "$$db"} || echo "make run: the sample gazetteer was not" \
			"imported (above); starting the kiosk without one" >&2; \
	fi
	$(BUILD)/hatch run $(RUN_ARGS)

# The whole suite: source checks, unit tests, command-line tests.
test: unit-tests
	$(Q)scripts/run-tests --build $(BUILD) $(if $(RUNNER),--runner "$(RUNNER)")

# The kiosk in a real window on a virtual X display, driven with real clicks
# and key presses through whole journeys; the outbox checked with sqlite3.
e2e: $(BUILD)/hatch
	$(Q)scripts/e2e --build $(BUILD)

# The suite again under AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer, in its own build directory.
check:
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(MAKE) --no-print-directory BUILD=build-check \
		SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		CFLAGS="-O1 -g" test

ARM64_ENV := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
cross:
	$(Q)$(ARM64_ENV) $(MAKE) --no-print-directory BUILD=build-arm64 \
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar DEPS_FLAGS=--arm64 all

# The arm64 programs run with the arm64 C library that their libraries come
# from (multiarch, /lib/aarch64-linux-gnu, found through /etc/ld.so.cache):
# the cross toolchain's loader (/usr/aarch64-linux-gnu) is a different glibc
# build whenever the two packages' versions differ, and with it every
# pthread_create and fork hangs.
cross-test:
	$(Q)$(ARM64_ENV) $(MAKE) --no-print-directory BUILD=build-arm64 \
		CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar DEPS_FLAGS=--arm64 \
		RUNNER="qemu-aarch64-static -L /" test

# scripts/install-device.sh run twice in a Debian 12 arm64 root file system
# under qemu, with hatch cross-built into $(BUILD)-device/arm64 (the root
# file system is made by debootstrap once and kept there). Needs root and
# the network the first time; see docs/appliance.md.
device-test:
	$(Q)scripts/device-test --build $(BUILD)-device

# libFuzzer targets, each run for FUZZ_SECONDS from its seed corpus.
FUZZ_BUILD := build-fuzz
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		SAN_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
		CFLAGS="-O1 -g" $(FUZZ_BUILD)/libhatch.a
	$(Q)set -e; for src in $(FUZZ_SRC); do \
		name=$$(basename $$src .c); \
		echo "  FUZZ    $$name ($(FUZZ_SECONDS) s)"; \
		clang $(WARN) $(FUZZ_FLAGS) $(ALL_CPPFLAGS) $$($(PKG_CONFIG) --cflags $(PKGS)) \
			$$src $(FUZZ_BUILD)/libhatch.a $$($(PKG_CONFIG) --libs $(PKGS)) -lgettextpo \
			-o $(FUZZ_BUILD)/$$name; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$name $(FUZZ_BUILD)/crashes; \
		cp -n tests/fuzz/corpus/$$name/* $(FUZZ_BUILD)/corpus/$$name/ 2>/dev/null || true; \
		status=0; \
		$(FUZZ_BUILD)/$$name -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/ \
			-dict=tests/fuzz/$$name.dict $(FUZZ_BUILD)/corpus/$$name \
			>$(FUZZ_BUILD)/$$name.log 2>&1 || status=$$?; \
		grep -E '^stat::|^Done|ERROR|SUMMARY' $(FUZZ_BUILD)/$$name.log | tail -n 8; \
		if [ $$status -ne 0 ]; then \
			echo "  FUZZ    $$name failed: see $(FUZZ_BUILD)/$$name.log and $(FUZZ_BUILD)/crashes/"; \
			exit 1; \
		fi; \
	done

# The kill test (tests/cli/kill.sh) for 2000 cycles instead of 200: hatch
# sync and the enqueuer killed at random moments, nothing lost or doubled.
soak: $(BUILD)/hatch $(BUILD)/tests/tools/sync_tool
	$(Q)KILL_CYCLES=2000 HATCH="$(if $(RUNNER),$(RUNNER) )$(CURDIR)/$(BUILD)/hatch" \
		HATCH_ASSETS="$(CURDIR)/assets" TOP="$(CURDIR)" bash tests/cli/kill.sh | tee $(BUILD)/soak.log
	$(Q)grep -q '^1\.\.[0-9]' $(BUILD)/soak.log && ! grep -q '^not ok' $(BUILD)/soak.log

bench: $(BUILD)/hatch $(BENCHES)
	$(Q)scripts/run-benches --build $(BUILD)

# The translators' template, locales/hatch.pot: the program's strings (the
# N_() and NP_() marks, by xgettext) and the journeys' (hatch journeys
# strings); then each locales/LANG.po brought up to date with msgmerge.
po: $(BUILD)/hatch
	$(Q)xgettext --language=C --from-code=UTF-8 --keyword=N_ --keyword=NP_:1,2 \
		--add-comments=TRANSLATORS: --add-location=file --package-name=hatch \
		-o $(BUILD)/program.pot $(sort $(wildcard src/*/*.c))
	$(Q)$(BUILD)/hatch journeys strings --merge $(BUILD)/program.pot -o locales/hatch.pot assets/journeys
	$(Q)for po in locales/*.po; do [ -f "$$po" ] || continue; \
		msgmerge --quiet --update --backup=none --add-location=file "$$po" locales/hatch.pot || exit 1; \
	done

# The screens translators and reviewers look at, in every language, into
# docs/screens/.
screens: $(BUILD)/hatch
	$(Q)scripts/screens --build $(BUILD)

install: $(BUILD)/hatch
	install -D -m 0755 $(BUILD)/hatch $(DESTDIR)$(PREFIX)/bin/hatch
	install -d $(DESTDIR)$(DATADIR)/journeys $(DESTDIR)$(DATADIR)/fonts $(DESTDIR)$(DATADIR)/icons \
		$(DESTDIR)$(DATADIR)/locales
	install -m 0644 assets/journeys/*.json $(DESTDIR)$(DATADIR)/journeys/
	install -m 0644 assets/fonts/* $(DESTDIR)$(DATADIR)/fonts/
	install -m 0644 assets/icons/*.svg $(DESTDIR)$(DATADIR)/icons/
	install -m 0644 locales/*.po $(DESTDIR)$(DATADIR)/locales/

clean:
	rm -rf build build-check build-arm64 build-fuzz

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) $(TESTS:=.d) $(TOOLS:=.d) $(BENCHES:=.d)
