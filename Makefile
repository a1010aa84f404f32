# PGXS build: `make && make install && make installcheck`.

EXTENSION    = auth
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" auth.control)

MODULE_big   = auth
OBJS         = $(patsubst %.cpp,%.o,$(wildcard src/core/*.cpp src/pg/*.cpp))

# The install script is assembled from the numbered pieces in src/sql/, in order.
DATA_built   = auth--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard auth--*--*.sql))

REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=auth
ISOLATION    = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=auth

PG_CONFIG   ?= pg_config
PG_CPPFLAGS  = -std=c++17 -Isrc
PG_CXXFLAGS  = -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register
SHLIB_LINK   = -lsodium -lunistring -lcrypt -lstdc++

# No LLVM bitcode: it would need clang at build time and gives these functions nothing.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(DATA_built): $(sort $(wildcard src/sql/*.sql)) auth.control
	cat $(sort $(wildcard src/sql/*.sql)) > $@
