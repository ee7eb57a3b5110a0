# edakit: an AWS event-driven architecture on one machine, as Unix filters.
#
#   make            build every program (cmd/*.c) on libcommon.a
#   make demo       run the demo pipeline on a bundled example
#   make check      run the test suite (bats), man page lint included
#   make fuzz       run the libFuzzer harnesses of tests/fuzz/ (clang),
#                   FUZZTIME CPU seconds each (see tests/fuzz/README)
#   make install    PREFIX, DESTDIR, BINDIR, MANDIR as usual
#
# Knobs: DEVELOPER=1 (-Werror), SANITIZE=address,undefined (separate
# build tree), VALGRIND=1 (tests run every program under valgrind).
# Missing Debian packages are installed with apt-get when we are root or
# have password-less sudo; otherwise make says what to run.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share
DESTDIR	?=

CC	?= cc
CFLAGS	?= -O2 -g
WARN	= -std=c99 -Wall -Wextra -Wpedantic -Wstrict-prototypes \
	  -Wmissing-prototypes -Wold-style-definition -Wwrite-strings \
	  -Wpointer-arith -Wvla -fno-common -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Icommon
LDLIBS	= -ljq -lm

ifeq ($(DEVELOPER),1)
WARN	+= -Werror
endif
ifeq ($(CI),true)
WARN	+= -Werror
endif

BUILD	?= build
ifneq ($(SANITIZE),)
BUILD	= build-san
CFLAGS	+= -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=$(SANITIZE)
endif

# Extra libraries of one program: LDLIBS_<name>.  nettle gives sfn-run
# the digests of States.Hash (and of JSONata's $hash), and SQS messages
# (common/sqs.c) theirs, in ebus-match and lambda-invoke too;
# libmicrohttpd serves lambda-invoke's Lambda Runtime API.
LDLIBS_sfn-run		= -lnettle -lpcre2-8 -lpthread
LDLIBS_lambda-invoke	= -lmicrohttpd -lnettle
LDLIBS_ebus-match	= -lnettle
LDLIBS_sns-publish	= -lnettle
# PCRE2 gives the JSONata engine (sfn-eval, sfn-run) JavaScript-like
# regular expressions.
LDLIBS_sfn-eval		= -lpcre2-8 -lnettle

PROGS	= $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
BINS	= $(addprefix $(BUILD)/bin/,$(PROGS))
COBJS	= $(patsubst common/%.c,$(BUILD)/common/%.o,$(wildcard common/*.c))
HDRS	= $(wildcard common/*.h)
MAN1	= $(wildcard man/*.1)
MAN7	= $(wildcard man/*.7)
# Adapters that run unmodified Python and Node.js Lambda handlers.
RUNTIMES = $(wildcard share/runtimes/*)
TESTS	?= tests

BUILD_PKGS = libjq-dev nettle-dev libmicrohttpd-dev libpcre2-dev
CHECK_PKGS = jq bats bats-assert bats-support mandoc curl python3 nodejs \
	     strace libfaketime

# The fuzz harnesses (tests/fuzz/): built with libFuzzer into build-fuzz
# for make fuzz, and with a plain driver into $(BUILD)/fuzz so that make
# check replays their seeds and known inputs.
FUZZ_TARGETS	?= pattern rules asl jpath intrinsic transform filterpat rapi \
		   jsonata
FUZZ_CC		?= clang
FUZZ_BUILD	= build-fuzz
FUZZ_CFLAGS	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		  -fno-sanitize-recover=all
FUZZTIME	?= 600
FUZZ_RSS	?= 2048
FUZZ_TIMEOUT	?= 10
FUZZFLAGS	?=
FUZZ_LIBS	= -lnettle -lpthread -lpcre2-8 $(LDLIBS)
FUZZ_COBJS	= $(patsubst common/%.c,$(FUZZ_BUILD)/common/%.o,\
		  $(wildcard common/*.c))
FUZZ_HDRS	= $(HDRS) tests/fuzz/fuzz.h
FUZZERS		= $(addprefix $(FUZZ_BUILD)/bin/fuzz-,$(FUZZ_TARGETS))
REPLAYS		= $(addprefix $(BUILD)/fuzz/fuzz-,$(FUZZ_TARGETS))
SHARED		?= ../shared

all: $(BINS)

# Install Debian packages that are missing (dpkg -s is fast and offline).
define need_pkgs
	@missing=""; for p in $(1); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then sudo=; \
		elif sudo -n true 2>/dev/null; then sudo="sudo"; \
		else echo "missing Debian packages:$$missing" >&2; \
		echo "run: sudo apt-get install -y$$missing" >&2; exit 1; fi; \
		echo "installing:$$missing" >&2; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		    --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
endef

deps:
	$(call need_pkgs,$(BUILD_PKGS))

deps-check:
	$(call need_pkgs,$(CHECK_PKGS))

$(BUILD)/common/%.o: common/%.c $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/cmd/%.o: cmd/%.c $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/libcommon.a: $(COBJS)
	rm -f $@
	$(AR) rcs $@ $(COBJS)

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcommon.a \
	    $(LDLIBS_$*) $(LDLIBS)

$(BUILD)/fuzz/%.o: tests/fuzz/%.c $(FUZZ_HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/fuzz.o \
    $(BUILD)/fuzz/driver.o $(BUILD)/libcommon.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) \
	    $(BUILD)/libcommon.a $(FUZZ_LIBS)

fuzz-replay: $(REPLAYS)

$(FUZZ_BUILD)/common/%.o: common/%.c $(HDRS) | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    $(WARN) -c -o $@ $<

$(FUZZ_BUILD)/fuzz/%.o: tests/fuzz/%.c $(FUZZ_HDRS) | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    $(WARN) -c -o $@ $<

$(FUZZ_BUILD)/libcommon.a: $(FUZZ_COBJS)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_COBJS)

$(FUZZ_BUILD)/bin/fuzz-%: $(FUZZ_BUILD)/fuzz/%.o $(FUZZ_BUILD)/fuzz/fuzz.o \
    $(FUZZ_BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) \
	    $(FUZZ_BUILD)/libcommon.a $(FUZZ_LIBS)

# Seed corpora taken from the conformance data at build time (never
# copied into the tree).
fuzz-seeds:
	python3 tests/fuzz/seeds.py $(SHARED)/conformance $(FUZZ_BUILD)/seeds

# Each target in turn for FUZZTIME seconds of CPU; new inputs go to
# build-fuzz/corpus/TARGET, crashes, leaks, timeouts (FUZZ_TIMEOUT s)
# and blow-ups (FUZZ_RSS MB) to build-fuzz/crash/TARGET.
fuzz: $(FUZZERS) fuzz-seeds
	@status=0; for t in $(FUZZ_TARGETS); do \
		sh tests/fuzz/run.sh $(FUZZ_BUILD) $$t $(FUZZTIME) \
		    -rss_limit_mb=$(FUZZ_RSS) -timeout=$(FUZZ_TIMEOUT) \
		    $(FUZZFLAGS) || status=1; \
	done; exit $$status

# The workshop's pipeline on its Lambda destinations test event, with
# fixed ids and clock: prints what each stage did and the record that
# reaches /aws/events/inventory, as README.md shows (tests/pipeline.bats).
demo: all deps-check
	@PATH="$(CURDIR)/$(BUILD)/bin:$$PATH" EDAKIT_DETERMINISTIC=1 \
	    bash share/demo/demo.sh $(BUILD)/demo \
	    share/examples/orders/events/lambda-destinations.json

check: all fuzz-replay deps-check
	@for m in $(MAN1) $(MAN7); do \
		mandoc -Tlint -Wwarning $$m || exit 1; done
	EDAKIT_BIN=$(CURDIR)/$(BUILD)/bin VALGRIND=$(VALGRIND) \
	    bats --tap $(TESTS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions \
	    $(DESTDIR)$(DATADIR)/edakit/runtimes
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 0755 $(RUNTIMES) $(DESTDIR)$(DATADIR)/edakit/runtimes
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	for f in share/completions/*; do [ -f "$$f" ] || continue; \
	    install -m 0644 $$f \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done
	for m in $(MAN7); do rm -f $(DESTDIR)$(MANDIR)/man7/$${m#man/}; done
	for f in share/completions/*; do \
	    rm -f $(DESTDIR)$(DATADIR)/bash-completion/completions/$${f##*/}; \
	done
	for f in $(RUNTIMES); do \
	    rm -f $(DESTDIR)$(DATADIR)/edakit/runtimes/$${f##*/}; done
	-rmdir $(DESTDIR)$(DATADIR)/edakit/runtimes $(DESTDIR)$(DATADIR)/edakit

clean:
	rm -rf build build-san build-fuzz

.PHONY: all demo check install uninstall clean deps deps-check fuzz \
	fuzz-replay fuzz-seeds
.SECONDARY:
