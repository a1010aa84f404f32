# PGXS build: `make && make install && make installcheck`.

EXTENSION    = auth
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" auth.control)

MODULE_big   = auth
OBJS         = $(patsubst %.cpp,%.o,$(wildcard src/core/*.cpp src/pg/*.cpp))

# The install script is assembled from the pieces src/sql/load_order.txt lists, in its
# order; the upgrade script to this version from src/upgrade/FROM--VERSION.sql followed by
# the pieces marked "always" (roles, functions, privileges), functions made with CREATE OR
# REPLACE. Released scripts (auth--0.1.0.sql) are kept as they were released.
PIECES        = $(shell awk '!/^\#/ && NF {print "src/sql/" $$1}' src/sql/load_order.txt)
ALWAYS_PIECES = $(shell awk '!/^\#/ && $$2 == "always" {print "src/sql/" $$1}' src/sql/load_order.txt)
UPGRADES      = $(patsubst src/upgrade/%.sql,auth--%.sql,$(wildcard src/upgrade/*--$(EXTVERSION).sql))
DATA_built    = auth--$(EXTVERSION).sql $(UPGRADES)
DATA          = $(filter-out $(DATA_built),$(wildcard auth--*.sql))

REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=auth
ISOLATION    = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=auth

PG_CONFIG   ?= pg_config
PG_CPPFLAGS  = -std=c++17 -Isrc
PG_CXXFLAGS  = -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register
SHLIB_LINK   = -lsodium -lunistring -lcrypt -loath -lpwquality -lcrack -lcrypto $(shell pkg-config --libs icu-i18n icu-uc) -lstdc++

# No LLVM bitcode: it would need clang at build time and gives these functions nothing.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

auth--$(EXTVERSION).sql: $(PIECES) src/sql/load_order.txt auth.control
	cat $(PIECES) > $@

auth--%--$(EXTVERSION).sql: src/upgrade/%--$(EXTVERSION).sql $(ALWAYS_PIECES) src/sql/load_order.txt
	{ printf '%s\n' '-- auth: upgrade script, assembled by make from $< and the "always" pieces of src/sql/.' \
	         '\echo Use "ALTER EXTENSION auth UPDATE" to load this file. \quit'; \
	  cat $<; \
	  sed 's/^CREATE FUNCTION /CREATE OR REPLACE FUNCTION /' $(ALWAYS_PIECES); } > $@
