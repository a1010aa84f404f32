// A string that holds a secret (a token, a password copy) and is wiped when it dies.
#pragma once

#include <string>
#include <string_view>

namespace auth::core {

// Neither copyable nor movable, so no stray copy of the bytes is ever left behind;
// functions return it by guaranteed copy elision.
class Secret {
public:
    explicit Secret(std::string_view value);
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&&) = delete;
    Secret& operator=(Secret&&) = delete;
    ~Secret();

    std::string_view view() const noexcept { return value_; }

private:
    std::string value_;
};

// Overwrites memory with zeros in a way the compiler may not optimise away.
void wipe(void* data, std::size_t size) noexcept;

// Wipes a buffer when the scope ends, including after a return value was built from it.
class ScopedWipe {
public:
    ScopedWipe(void* data, std::size_t size) noexcept : data_(data), size_(size) {}
    ScopedWipe(const ScopedWipe&) = delete;
    ScopedWipe& operator=(const ScopedWipe&) = delete;
    ~ScopedWipe() { wipe(data_, size_); }

private:
    void* data_;
    std::size_t size_;
};

}  // namespace auth::core
