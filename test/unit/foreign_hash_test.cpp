// The formats of the systems people move in from: each vector was made by an independent
// implementation (Django 3.2's make_password, passlib 1.7, Python's hashlib following
// ASP.NET Core Identity's published layout, Firebase's published scrypt test vector) for
// the password "Tr0ub4dor&3" (Firebase's vector: "user1password"). Recognised, priced,
// verified, and every malformed variant refused with invalid_value.
#include "core/foreign_hash.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/legacy_hash.h"

using namespace auth::core;

namespace {

const char* const kPassword = "Tr0ub4dor&3";

struct Vector {
    const char* tool;
    std::string hash;
    HashFormat format;
};

// Firebase's published test vector (github.com/firebase/scrypt, README): signer key,
// salt separator, rounds 8, mem_cost 14, salt, and the hash of "user1password".
const std::string kFirebase =
    "$firebase-scrypt$r=8,m=14$"
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$"
    "42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";

const Vector kVectors[] = {
    {"Django make_password pbkdf2_sha256",
     "pbkdf2_sha256$260000$K1bJ7ycplT3L2EuFuNsngR$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI=",
     HashFormat::django_pbkdf2_sha256},
    {"Django make_password pbkdf2_sha1", "pbkdf2_sha1$260000$Fgeh1e108IhxFIaYb3oSpS$57shsmughdQ/W4I6xn0vx8AYsHs=",
     HashFormat::django_pbkdf2_sha1},
    {"Django make_password argon2 (p=8)",
     "argon2$argon2id$v=19$m=102400,t=2,p=8$RVBHS0Y0VWlsUUhkeWtxaHlYUHBMaw$EQUWv1vTlMT8uAFHHtkDGQ",
     HashFormat::django_argon2},
    {"Django make_password bcrypt_sha256",
     "bcrypt_sha256$$2b$12$LqiD9/w5TZ6Ff.t/OhpLReRayNzHNe9U3zwF8iihs6B5FLmZBp21y", HashFormat::django_bcrypt_sha256},
    {"passlib pbkdf2_sha1", "$pbkdf2$131000$LiXknDMG4Pwfw5iT8t67Nw$aOqwfESdOWi468IGqUUgnB6vxMk",
     HashFormat::pbkdf2_sha1},
    {"passlib pbkdf2_sha256",
     "$pbkdf2-sha256$29000$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoXj1LbBRd.YE8cyTKYSlQT1CgBZsqjyvk",
     HashFormat::pbkdf2_sha256},
    {"passlib pbkdf2_sha512",
     "$pbkdf2-sha512$25000$dy4FgPB.z9nbO8f4fw9hTA$0w/ZeZurtBq9Jh9QAQunjBj.SdooT9J5uov0grTxEOp9oQwRszHRvGPA34NpkEurr0vedqpy6GVXJNuL7ODXrQ",
     HashFormat::pbkdf2_sha512},
    {"hashlib, ASP.NET Identity v2 layout", "AEtCDvpkQxhJ7OvwEWxwaVoCiqh3k43dy712CVPfisMhC/ogW5YtyHWNhrscqnEMLQ==",
     HashFormat::aspnet_identity_v2},
    {"hashlib, ASP.NET Identity v3 layout (SHA-256, 10000)",
     "AQAAAAEAACcQAAAAEDA4/wA28AiF6NSNENrlOKEYekLfWSW+WnNucl2D4VEgrFV0kaTXxIbF0MR4czpiYQ==",
     HashFormat::aspnet_identity_v3},
    {"hashlib, ASP.NET Identity v3 layout (SHA-512, 100000)",
     "AQAAAAIAAYagAAAAEA0lWVTn6vZ7Dkc1HVa1qUtIMcJQotJ8qINSFGerImxQ1jKgTYot9D4jaV/8kbRZQA==",
     HashFormat::aspnet_identity_v3},
};

// Whether check_importable_hash refuses a string as malformed or too costly (22023).
bool refused(const std::string& stored) {
    try {
        check_importable_hash(stored);
        return false;
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value) << stored;
        EXPECT_EQ(std::string(e.what()).find(stored), std::string::npos) << "the message echoes the hash";
        return true;
    }
}

}  // namespace

TEST(ForeignHash, EachVectorIsRecognisedImportableAndVerifies) {
    for (const Vector& v : kVectors) {
        SCOPED_TRACE(v.tool);
        ASSERT_EQ(hash_format(v.hash), v.format);
        EXPECT_EQ(check_importable_hash(v.hash), v.format);
        EXPECT_FALSE(import_check_hashes(v.format));
        EXPECT_TRUE(hash_matches(kPassword, v.hash));
        EXPECT_FALSE(hash_matches("Tr0ub4dor&4", v.hash));
        EXPECT_FALSE(hash_matches("", v.hash));
        EXPECT_FALSE(over_bound(v.hash));
    }
}

TEST(ForeignHash, FirebasePublishedVectorVerifies) {
    ASSERT_EQ(hash_format(kFirebase), HashFormat::firebase_scrypt);
    EXPECT_EQ(check_importable_hash(kFirebase), HashFormat::firebase_scrypt);
    EXPECT_TRUE(hash_matches("user1password", kFirebase));
    EXPECT_FALSE(hash_matches("user1Password", kFirebase));
    const auto parsed = parse_firebase_scrypt(kFirebase);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->rounds, 8u);
    EXPECT_EQ(parsed->mem_cost, 14u);
    EXPECT_EQ(firebase_memory(*parsed), 16ull << 20);
}

TEST(ForeignHash, FormatNamesAreDistinct) {
    EXPECT_STREQ(format_name(HashFormat::django_pbkdf2_sha256), "django-pbkdf2-sha256");
    EXPECT_STREQ(format_name(HashFormat::aspnet_identity_v3), "aspnet-identity-v3");
    EXPECT_STREQ(format_name(HashFormat::firebase_scrypt), "firebase-scrypt");
}

TEST(ForeignHash, MalformedDjangoIsRefused) {
    const std::string good = "pbkdf2_sha256$260000$K1bJ7ycplT3L2EuFuNsngR$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI=";
    EXPECT_TRUE(refused("pbkdf2_sha256$260000$K1bJ7ycplT3L2EuFuNsngR"));                     // field missing
    EXPECT_TRUE(refused(good + "$x"));                                                         // field extra
    EXPECT_TRUE(refused("pbkdf2_sha256$0$K1bJ7ycplT3L2EuFuNsngR$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI="));  // zero
    EXPECT_TRUE(refused("pbkdf2_sha256$99999999999$K1bJ$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI="));  // absurd
    EXPECT_TRUE(refused("pbkdf2_sha256$9999999$K1bJ$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI="));  // over the bound
    EXPECT_TRUE(refused("pbkdf2_sha256$-5$K1bJ$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI="));
    EXPECT_TRUE(refused("pbkdf2_sha256$260000$K1bJ$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZ"));   // bad base64
    EXPECT_TRUE(refused("pbkdf2_sha256$260000$K1bJ$UOZyNwVTKxKAKkfgy1Ryv3PY!xAxC0lP9WMQ3igUVZI="));  // bad character
    EXPECT_TRUE(refused("pbkdf2_sha256$260000$K1bJ$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WM="));          // truncated key
    EXPECT_TRUE(refused("pbkdf2_sha256$260000$$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI="));     // no salt
    EXPECT_TRUE(refused("pbkdf2_sha1$260000$Fgeh1e108IhxFIaYb3oSpS$57shsmughdQ/W4I6xn0vx8AYsHs"));   // padding gone
    EXPECT_TRUE(refused("argon2$argon2id$v=19$m=102400,t=2,p=8$RVBHS0Y0VWlsUUhkeWtxaHlYUHBMaw"));  // truncated
    EXPECT_TRUE(refused("argon2$argon2id$v=19$m=2097152,t=2,p=8$RVBHS0Y0VWlsUUhkeWtxaHlYUHBMaw$EQUWv1vTlMT8uAFHHtkDGQ"));
    EXPECT_TRUE(refused("bcrypt_sha256$$2b$12$LqiD9/w5TZ6Ff.t/OhpLReRayNzHNe9U3zwF8iihs6B5FLmZBp21"));  // truncated
    EXPECT_TRUE(refused("bcrypt_sha256$$2b$99$LqiD9/w5TZ6Ff.t/OhpLReRayNzHNe9U3zwF8iihs6B5FLmZBp21y"));  // cost
    EXPECT_TRUE(refused("bcrypt_sha256$$2b$17$LqiD9/w5TZ6Ff.t/OhpLReRayNzHNe9U3zwF8iihs6B5FLmZBp21y"));  // over bound
}

TEST(ForeignHash, MalformedPasslibIsRefused) {
    EXPECT_TRUE(refused("$pbkdf2-sha256$29000$JsS4lxKC8D4HwFgrRWiN8Q"));
    EXPECT_TRUE(refused("$pbkdf2-sha256$29000$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoXj1LbBRd.YE8cyTKYSlQT1CgBZsqjyvk$"));
    EXPECT_TRUE(refused("$pbkdf2-sha256$0$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoXj1LbBRd.YE8cyTKYSlQT1CgBZsqjyvk"));
    EXPECT_TRUE(refused("$pbkdf2-sha256$4294967295$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoXj1LbBRd.YE8cyTKYSlQT1CgBZsqjyvk"));
    EXPECT_TRUE(refused("$pbkdf2-sha256$29000$JsS4lxKC8D4HwFgrRWiN8Q$riTOI+SGuEoXj1LbBRd.YE8cyTKYSlQT1CgBZsqjyvk"));
    EXPECT_TRUE(refused("$pbkdf2-sha256$29000$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoX"));
    EXPECT_TRUE(refused("$pbkdf2-sha384$29000$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoXj1LbBRd.YE8cyTKYSlQT1CgBZsqjyvk"));
    EXPECT_TRUE(refused("$pbkdf2$131000$$aOqwfESdOWi468IGqUUgnB6vxMk"));
    EXPECT_TRUE(refused("$pbkdf2-sha256$29000$JsS4lxKC8D4HwFgrRWiN8Q$riTOI/SGuEoXj1LbBRd.YE8cyTKYSlQT1CgB"));  // 25 bytes
}

TEST(ForeignHash, MalformedAspNetIsRefused) {
    // v2 with a byte missing; v3 with a PRF of 3, zero iterations, a salt length past the end.
    EXPECT_TRUE(refused("AEtCDvpkQxhJ7OvwEWxwaVoCiqh3k43dy712CVPfisMhC/ogW5YtyHWNhrscqnEM"));
    EXPECT_TRUE(refused("AEtCDvpkQxhJ7OvwEWxwaVoCiqh3k43dy712CVPfisMhC/ogW5YtyHWNhrscqnEMLQ="));  // bad padding
    EXPECT_TRUE(refused("AQAAAAMAACcQAAAAEDA4/wA28AiF6NSNENrlOKEYekLfWSW+WnNucl2D4VEgrFV0kaTXxIbF0MR4czpiYQ=="));
    EXPECT_TRUE(refused("AQAAAAEAAAAAAAAAEDA4/wA28AiF6NSNENrlOKEYekLfWSW+WnNucl2D4VEgrFV0kaTXxIbF0MR4czpiYQ=="));
    EXPECT_TRUE(refused("AQAAAAEAACcQAAAAfzA4/wA28AiF6NSNENrlOKEYekLfWSW+WnNucl2D4VEgrFV0kaTXxIbF0MR4czpiYQ=="));
    EXPECT_TRUE(refused("AQAAAAEAACcQAAAAEDA4/wA28AiF6NSNENrlOKEYekLfWSW+"));             // truncated subkey
    // A format marker other than 0x00 and 0x01 (here 0x02, otherwise a valid v3 body).
    EXPECT_FALSE(parse_aspnet_identity("AgAAAAEAACcQAAAAEDA4/wA28AiF6NSNENrlOKEYekLfWSW+WnNucl2D4VEgrFV0kaTXxIbF0MR4czpiYQ=="));
    EXPECT_TRUE(refused("AQAAAAEf////AAAAEDA4/wA28AiF6NSNENrlOKEYekLfWSW+WnNucl2D4VEgrFV0kaTXxIbF0MR4czpiYQ=="));  // absurd
}

TEST(ForeignHash, MalformedFirebaseIsRefused) {
    const std::string key = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
    const std::string hash = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
    EXPECT_TRUE(refused("$firebase-scrypt$r=8,m=14$" + key + "$Bw==$42xEC+ixf3L2lw=="));               // field missing
    EXPECT_TRUE(refused("$firebase-scrypt$r=0,m=14$" + key + "$Bw==$42xEC+ixf3L2lw==$" + hash));       // zero rounds
    EXPECT_TRUE(refused("$firebase-scrypt$r=8,m=0$" + key + "$Bw==$42xEC+ixf3L2lw==$" + hash));
    EXPECT_TRUE(refused("$firebase-scrypt$r=8,m=30$" + key + "$Bw==$42xEC+ixf3L2lw==$" + hash));       // 1 TiB
    EXPECT_TRUE(refused("$firebase-scrypt$m=14,r=8$" + key + "$Bw==$42xEC+ixf3L2lw==$" + hash));
    EXPECT_TRUE(refused("$firebase-scrypt$r=8,m=14$" + key + "$Bw=$42xEC+ixf3L2lw==$" + hash));        // bad base64
    EXPECT_TRUE(refused("$firebase-scrypt$r=8,m=14$" + key + "$Bw==$42xEC+ixf3L2lw==$" + hash.substr(0, 40)));
    EXPECT_TRUE(refused("$firebase-scrypt$r=8,m=14$$Bw==$42xEC+ixf3L2lw==$"));
}

TEST(ForeignHash, CostGrowsWithIterations) {
    const auto low = parse_django_pbkdf2("pbkdf2_sha256$1000$s$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI=");
    const auto high = parse_django_pbkdf2("pbkdf2_sha256$1000000$s$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI=");
    ASSERT_TRUE(low && high);
    EXPECT_LT(pbkdf2_cost_ms(*low), 1.0);
    EXPECT_GT(pbkdf2_cost_ms(*high), 200.0);
}
