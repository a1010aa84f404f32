#include "pg/postgres_headers.h"

#include "pg/server_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/secret.h"
#include "pg/border.h"

extern "C" {
#include "storage/ipc.h"
}

namespace auth::pg {
namespace {

constexpr const char* kNewKeyFile = "auth_server_key.new";
constexpr const char* kMissingHint =
    "The server makes it at start when auth is in shared_preload_libraries. A standby, or a cluster "
    "restored from a dump, needs the key file of the cluster the data came from, copied into its data "
    "directory with mode 0600 (see docs/operations.md).";

// The cached keys of this backend; wiped by their destructor at exit.
std::unique_ptr<core::sealed::KeyRing> cached_keys;
bool exit_callback_registered = false;
// Which version of the file the cache holds: a rotation changes its size and mtime.
struct FileVersion {
    ino_t inode = 0;
    off_t size = 0;
    struct timespec modified = {};
    bool operator==(const FileVersion& o) const {
        return inode == o.inode && size == o.size && modified.tv_sec == o.modified.tv_sec &&
               modified.tv_nsec == o.modified.tv_nsec;
    }
};
FileVersion cached_version;

// The file's version now, or a zero version when it cannot be stat'ed.
FileVersion file_version() {
    FileVersion version;
    struct stat st;
    if (stat(kServerKeyFile, &st) == 0) {
        version.inode = st.st_ino;
        version.size = st.st_size;
        version.modified = st.st_mtim;
    }
    return version;
}

// on_proc_exit callback: wipes the cached keys.
void wipe_server_keys(int, Datum) { cached_keys.reset(); }

// Writes all of text to fd; false on any failure (errno set).
bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// Makes the key file through a temporary file (O_EXCL) and link(), which, like O_EXCL,
// never replaces an existing file: a crash leaves either no key file or a whole one.
// Returns nullptr, or the step that failed (errno set).
const char* write_new_key_file() {
    std::string text;
    try {
        text = core::sealed::new_key_file();
    } catch (...) {
        errno = ENOMEM;
        return "make a key";
    }
    const core::ScopedWipe wipe_text(text.data(), text.size());
    unlink(kNewKeyFile);
    const int fd = open(kNewKeyFile, O_WRONLY | O_CREAT | O_EXCL, S_IRUSR | S_IWUSR);
    if (fd < 0) return "create";
    const bool written = fchmod(fd, S_IRUSR | S_IWUSR) == 0 && write_all(fd, text) && fsync(fd) == 0;
    const int saved = errno;
    close(fd);
    if (!written) {
        unlink(kNewKeyFile);
        errno = saved;
        return "write";
    }
    const int linked = link(kNewKeyFile, kServerKeyFile);
    const int link_errno = errno;
    unlink(kNewKeyFile);
    if (linked != 0 && link_errno != EEXIST) {
        errno = link_errno;
        return "link";
    }
    const int dir = open(".", O_RDONLY);
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    return nullptr;
}

// The file's text, or a SqlError saying why not.
std::string read_key_file() {
    char reason[256];
    const int fd = open(kServerKeyFile, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            throw SqlError(ERRCODE_UNDEFINED_FILE, "the server key file \"auth_server_key\" does not exist",
                           kMissingHint);
        std::snprintf(reason, sizeof reason, "could not open the server key file \"auth_server_key\": %s",
                      std::strerror(errno));
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, reason,
                       "It must be a file of the server's operating-system user, mode 0600.");
    }
    struct stat st;
    const mode_t allowed = (data_directory_mode & S_IRWXG) ? (S_IRUSR | S_IWUSR | S_IRGRP) : (S_IRUSR | S_IWUSR);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0777 & ~allowed)) {
        close(fd);
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "the server key file \"auth_server_key\" is not a regular file of the server's user "
                       "readable by it alone",
                       "chown it to the server's operating-system user and chmod it to 0600.");
    }
    std::string text;
    char buffer[4096];
    const core::ScopedWipe wipe_buffer(buffer, sizeof buffer);
    for (;;) {
        const ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            std::snprintf(reason, sizeof reason, "could not read the server key file \"auth_server_key\": %s",
                          std::strerror(errno));
            close(fd);
            core::wipe(text.data(), text.size());
            throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, reason, nullptr);
        }
        if (n == 0) break;
        if (text.size() + static_cast<std::size_t>(n) > 65536) {
            close(fd);
            core::wipe(text.data(), text.size());
            throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                           "the server key file \"auth_server_key\" is over 64 KiB", nullptr);
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
    return text;
}

}  // namespace

void create_server_key_file_if_absent() {
    if (access(kServerKeyFile, F_OK) == 0) return;
    if (access("standby.signal", F_OK) == 0 || access("recovery.signal", F_OK) == 0) {
        ereport(LOG, (errmsg("auth: no server key file \"%s\"; a server in recovery makes none", kServerKeyFile),
                      errhint("Copy the primary's key file into this data directory (see docs/operations.md).")));
        return;
    }
    const char* failed = write_new_key_file();
    if (failed)
        ereport(WARNING, (errmsg("auth: could not %s the server key file \"%s\": %m", failed, kServerKeyFile)));
    else
        ereport(LOG, (errmsg("auth: made the server key file \"%s\"", kServerKeyFile)));
}

void prepare_server_keys() {
    if (exit_callback_registered) return;
    on_proc_exit(wipe_server_keys, 0);
    exit_callback_registered = true;
}

const core::sealed::KeyRing& server_keys(bool reload) {
    const FileVersion version = file_version();
    if (cached_keys && !reload && version == cached_version) return *cached_keys;
    std::string text = read_key_file();
    const core::ScopedWipe wipe_text(text.data(), text.size());
    try {
        cached_keys = std::make_unique<core::sealed::KeyRing>(core::sealed::parse_key_file(text));
    } catch (const core::Error& e) {
        char reason[600];
        std::snprintf(reason, sizeof reason, "%s", e.detail().c_str());
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, e.what(), reason);
    }
    cached_version = version;
    return *cached_keys;
}

std::string add_server_key() {
    const core::sealed::KeyRing& ring = server_keys(true);  // the file is there and sound
    const std::uint32_t old_id = ring.current().id;
    std::string line = core::sealed::new_key_line();
    const core::ScopedWipe wipe_line(line.data(), line.size());
    std::string text = read_key_file();
    const bool needs_newline = !text.empty() && text.back() != '\n';
    core::wipe(text.data(), text.size());
    if (needs_newline) line.insert(0, "\n");
    const int fd = open(kServerKeyFile, O_WRONLY | O_APPEND);
    const bool written = fd >= 0 && write_all(fd, line) && fsync(fd) == 0;
    const int saved = errno;
    if (fd >= 0) close(fd);
    if (!written) {
        char reason[256];
        std::snprintf(reason, sizeof reason, "could not add a key to the server key file \"auth_server_key\": %s",
                      std::strerror(saved));
        throw SqlError(ERRCODE_IO_ERROR, reason, nullptr);
    }
    const std::uint32_t new_id = server_keys(true).current().id;
    if (new_id == old_id) throw SqlError(ERRCODE_INTERNAL_ERROR, "the new server key was not read back", nullptr);
    return core::sealed::key_id_text(new_id);
}


std::string seal_value(std::string_view plaintext, std::string_view context) {
    return core::sealed::seal(server_keys(), plaintext, context);
}

void open_sealed(std::string_view sealed, std::string_view context, std::string& out) {
    namespace sealed_ns = core::sealed;
    sealed_ns::Opened opened = sealed_ns::unseal(server_keys(), sealed, context, out);
    if (opened == sealed_ns::Opened::unknown_key)  // a key added since this backend read the file
        opened = sealed_ns::unseal(server_keys(true), sealed, context, out);
    switch (opened) {
        case sealed_ns::Opened::ok: return;
        case sealed_ns::Opened::malformed: throw core::Error(core::ErrorKind::invalid_value, "not a sealed value");
        case sealed_ns::Opened::unknown_key: {
            char message[200];
            std::snprintf(message, sizeof message,
                          "the value was sealed under server key %s, which the server key file does not hold",
                          sealed_ns::key_id_text(sealed_ns::key_id_of(sealed)).c_str());
            throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, message,
                           "Put the key file of the cluster the data came from (or its line for this key) into "
                           "the data directory; see docs/operations.md.");
        }
        case sealed_ns::Opened::refused:
            throw SqlError(ERRCODE_DATA_CORRUPTED, "a sealed value does not open in its place",
                           "It was altered, or copied from another row or table.");
    }
}

}  // namespace auth::pg
