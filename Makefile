# dranet: one non-recursive GNU make, out-of-tree build/ (STYLE.md 2.8).
#
#   make                 build/dranet (static musl) + applet symlinks
#   make test            unit tests + fuzz-corpus replay
#   make SAN=1 test      the same with host clang, ASan + UBSan (build/san/)
#   make e2e             end-to-end tests in fresh network namespaces (root)
#   make check           fmt-check + hdrcheck + test
#   make fuzz T=NAME     libFuzzer run of tests/fuzz/fuzz_NAME.c (clang)
#   make bench           benchmarks (bench/), printed, not tests
#   make toolchain       the vendor libraries (also built on demand)
#   V=1                  show the commands

SAN ?= 0
FUZZ ?= 0
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

ifeq ($(FUZZ),1)
# libFuzzer: the library instrumented for coverage, linked by `make fuzz`.
FLAVOUR := host
O := build/libfuzzer
CC := clang
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer
LDSTATIC :=
FORTIFY :=
else ifeq ($(SAN),1)
FLAVOUR := host
O := build/san
CC := clang
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDSTATIC :=
FORTIFY :=
else
FLAVOUR := musl
O := build
CC := musl-gcc
SANFLAGS :=
LDSTATIC := -static
FORTIFY := -D_FORTIFY_SOURCE=2
endif

SYSROOT := build/sysroot/$(FLAVOUR)
KINC := build/sysroot/kinc
STAMP := $(SYSROOT)/.built
GEN := $(O)/gen
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.0.0-dev)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wimplicit-fallthrough \
	-Wmissing-prototypes -Wstrict-prototypes -fno-common
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -fstack-protector-strong $(FORTIFY) -MMD -MP \
	$(CFLAGS) $(SANFLAGS) -Ilib -I$(GEN) -isystem $(SYSROOT)/include \
	$(if $(filter musl,$(FLAVOUR)),-isystem $(KINC))
ALL_LDFLAGS := $(LDSTATIC) $(SANFLAGS) $(LDFLAGS)
# Vendor libraries, each used by exactly one area (lib/tls: BearSSL, lib/json: cJSON,
# lib/inventory: zlib).
VENDOR_LIBS := -lbearssl -lcjson -lz
LDLIBS := -L$(SYSROOT)/lib $(VENDOR_LIBS)

# Generated sources (build/gen/, never committed).
GEN_SRCS := $(GEN)/pcinames.c

LIB_SRCS := $(sort $(wildcard lib/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o) $(GEN_SRCS:%.c=%.o)
APP_SRCS := $(sort $(wildcard applets/*.c))
APP_OBJS := $(APP_SRCS:%.c=$(O)/%.o)
APPLET_NAMES := $(shell sed -n 's/^APPLET."\([^"]*\)".*/\1/p' applets/applets.def)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)

.PHONY: all test e2e check fmt fmt-check hdrcheck fuzz bench toolchain clean unit-bins
.DELETE_ON_ERROR:
.SECONDARY:

all: $(O)/dranet $(APPLET_NAMES:%=$(O)/%)

toolchain: $(STAMP)

$(STAMP): toolchain/build.sh
	$(Q)bash toolchain/build.sh $(FLAVOUR)

$(O)/%.o: %.c $(STAMP) $(GEN_SRCS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(GEN)/%.o: $(GEN)/%.c $(STAMP)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# PCI vendor/device names from Debian's pci.ids, zlib-compressed (lib/inventory/pcidb).
PCI_IDS ?= $(firstword $(wildcard /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids))
$(GEN)/pcinames.c: lib/inventory/pcinames_gen.py $(PCI_IDS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)/usr/bin/python3 lib/inventory/pcinames_gen.py $(PCI_IDS) $@

$(O)/libdranet.a: $(LIB_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(O)/applets/main.o: ALL_CFLAGS += -DDRANET_VERSION='"$(VERSION)"'

$(O)/dranet: $(APP_OBJS) $(O)/libdranet.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(APP_OBJS) $(O)/libdranet.a $(LDLIBS)

$(O)/dranet-%: $(O)/dranet
	$(Q)ln -sf dranet $@

# ---------------------------------------------------------------- tests

$(O)/tests/%: tests/unit/%.c $(O)/libdranet.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(O)/libdranet.a $(LDLIBS)

$(O)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(O)/libdranet.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(O)/libdranet.a $(LDLIBS)

# The test build of the binary: fault points honour DRANET_FAULT (lib/attach/attach.h).
$(O)/tests/dranet-fault: $(APP_OBJS) $(O)/tests/fault_env.o $(O)/libdranet.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(APP_OBJS) $(O)/tests/fault_env.o $(O)/libdranet.a $(LDLIBS)

$(O)/tests/fault_env.o: tests/fault/fault_env.c $(STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Test-only tools the e2e tests drive lib/ with (tests/tools/*.c, no applet).
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(O)/tests/tools/%)

$(O)/tests/tools/%: tests/tools/%.c $(O)/libdranet.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libdranet.a $(LDLIBS)

unit-bins: $(UNIT_BINS) $(FUZZ_BINS) $(TOOL_BINS) $(O)/tests/dranet-fault all

test: unit-bins
	$(Q)bash tests/run-unit.sh $(O)

e2e: all $(TOOL_BINS) $(O)/tests/dranet-fault
	$(Q)bash tests/e2e/run.sh $(O)

# libFuzzer run of one target with host clang (make fuzz T=nl_attr [SECS=60]).
SECS ?= 60
fuzz:
	$(Q)test -n "$(T)" || { echo "usage: make fuzz T=<target> [SECS=N]"; exit 2; }
	$(Q)$(MAKE) --no-print-directory FUZZ=1 build/libfuzzer/libdranet.a
	@mkdir -p build/libfuzzer/bin build/libfuzzer/corpus/$(T)
	$(Q)clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
		-Ibuild/libfuzzer/gen -isystem build/sysroot/host/include -o build/libfuzzer/bin/fuzz_$(T) \
		tests/fuzz/fuzz_$(T).c build/libfuzzer/libdranet.a -Lbuild/sysroot/host/lib $(VENDOR_LIBS)
	$(Q)build/libfuzzer/bin/fuzz_$(T) -max_total_time=$(SECS) -print_final_stats=1 \
		-artifact_prefix=build/libfuzzer/ \
		build/libfuzzer/corpus/$(T) tests/fuzz/corpus/$(T)

BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)

$(O)/bench/%: bench/%.c $(O)/libdranet.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libdranet.a $(LDLIBS)

bench: all $(BENCH_BINS)
	$(Q)bash bench/run.sh $(O)

# ---------------------------------------------------------------- hygiene

C_FILES := $(sort $(wildcard applets/*.c applets/*.h lib/*/*.c lib/*/*.h tests/unit/*.c \
	tests/unit/*.h tests/fuzz/*.c tests/tools/*.c bench/*.c))

fmt:
	$(Q)clang-format -i $(C_FILES)

fmt-check:
	$(Q)clang-format --dry-run -Werror $(C_FILES) && echo "fmt-check: ok"

# Every header compiles on its own (STYLE.md 2.7).
hdrcheck: $(STAMP) $(GEN_SRCS)
	$(Q)set -e; for h in $(wildcard lib/*/*.h applets/*.h); do \
		echo "#include \"$$h\"" | $(CC) $(ALL_CFLAGS) -Iapplets -I. -x c -fsyntax-only -MF /dev/null - \
		|| { echo "hdrcheck: $$h is not self-contained"; exit 1; }; \
	done; echo "hdrcheck: ok"

check: fmt-check hdrcheck test

clean:
	rm -rf build/dranet build/dranet-* build/lib build/applets build/tests build/fuzz build/tools build/gen build/san build/libfuzzer

-include $(shell find $(O)/lib $(O)/applets $(O)/tests $(O)/fuzz $(O)/tools $(O)/gen -name '*.d' 2>/dev/null)
