// The one exception type the core throws; the glue turns each kind into one SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>

namespace auth::core {

// What went wrong, in the terms the SQL contract uses for errors.
enum class ErrorKind {
    null_value,     // a required argument was NULL (SQLSTATE 22004)
    invalid_value,  // a malformed or out-of-range argument (SQLSTATE 22023)
    internal,       // a library call failed where it should not (SQLSTATE XX000)
};

// Carries a lower-case message that names the argument and never contains a secret.
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message, const std::string& detail = {})
        : std::runtime_error(message), kind_(kind), detail_(detail) {}

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& detail() const noexcept { return detail_; }

private:
    ErrorKind kind_;
    std::string detail_;
};

}  // namespace auth::core
