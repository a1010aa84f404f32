// Included last by every file in src/core: the core must build and be tested without
// PostgreSQL, so a PostgreSQL header reaching a core file is a compile error.
#pragma once
#ifdef POSTGRES_H
#error "src/core is pure C++ and must not include PostgreSQL headers"
#endif
