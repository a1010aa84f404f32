// Sealed values and the server key file, without PostgreSQL.
#include "core/sealed.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/password_hash.h"

using namespace auth::core;
using namespace auth::core::sealed;

namespace {

class Sealed : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

KeyRing ring_of(const std::string& file) { return parse_key_file(file); }

}  // namespace

TEST_F(Sealed, OpensInItsOwnContextOnly) {
    const KeyRing ring = ring_of(new_key_file());
    const std::string sealed = seal(ring, "secret bytes", "auth.signing_keys:k1");
    EXPECT_EQ(sealed.size(), kOverheadBytes + 12);
    EXPECT_EQ(sealed.find("secret bytes"), std::string::npos);
    std::string out;
    EXPECT_EQ(unseal(ring, sealed, "auth.signing_keys:k1", out), Opened::ok);
    EXPECT_EQ(out, "secret bytes");
    EXPECT_EQ(unseal(ring, sealed, "auth.signing_keys:k2", out), Opened::refused);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(unseal(ring, sealed, "auth.outbox:k1", out), Opened::refused);
}

TEST_F(Sealed, EverySealingDiffers) {
    const KeyRing ring = ring_of(new_key_file());
    EXPECT_NE(seal(ring, "same", "c"), seal(ring, "same", "c"));
}

TEST_F(Sealed, AnyChangedByteIsRefused) {
    const KeyRing ring = ring_of(new_key_file());
    const std::string sealed = seal(ring, "0123456789abcdef", "c");
    std::string out;
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string changed = sealed;
        changed[i] = static_cast<char>(changed[i] ^ 1);
        EXPECT_NE(unseal(ring, changed, "c", out), Opened::ok) << "byte " << i;
    }
    EXPECT_EQ(unseal(ring, sealed.substr(0, sealed.size() - 1), "c", out), Opened::refused);
    EXPECT_EQ(unseal(ring, sealed.substr(0, 10), "c", out), Opened::malformed);
    EXPECT_EQ(unseal(ring, "", "c", out), Opened::malformed);
}

TEST_F(Sealed, AnotherKeyFileCannotOpenAndSaysWhichKeyItNeeds) {
    const KeyRing ring = ring_of(new_key_file());
    const KeyRing other = ring_of(new_key_file());
    const std::string sealed = seal(ring, "x", "c");
    std::string out;
    EXPECT_EQ(unseal(other, sealed, "c", out), Opened::unknown_key);
    EXPECT_EQ(key_id_of(sealed), ring.current().id);
}

TEST_F(Sealed, AnAddedKeySealsAndTheOldOneStillOpens) {
    const std::string first = new_key_file();
    const KeyRing old_ring = ring_of(first);
    const std::string old_sealed = seal(old_ring, "old", "c");
    const KeyRing ring = ring_of(first + new_key_line());
    ASSERT_EQ(ring.keys().size(), 2u);
    const std::string new_sealed = seal(ring, "new", "c");
    EXPECT_EQ(key_id_of(new_sealed), ring.current().id);
    EXPECT_NE(ring.current().id, old_ring.current().id);
    std::string out;
    EXPECT_EQ(unseal(ring, old_sealed, "c", out), Opened::ok);
    EXPECT_EQ(out, "old");
    EXPECT_EQ(unseal(old_ring, new_sealed, "c", out), Opened::unknown_key);
}

TEST_F(Sealed, KeyFileFormIsChecked) {
    const std::string line = new_key_line();
    EXPECT_EQ(line.size(), 8u + 1 + 64 + 1);
    EXPECT_NO_THROW(ring_of("# comment\n\n" + line));
    EXPECT_THROW(ring_of("# only a comment\n"), Error);
    EXPECT_THROW(ring_of(""), Error);
    std::string wrong_id = line;
    wrong_id[0] = wrong_id[0] == '0' ? '1' : '0';
    EXPECT_THROW(ring_of(wrong_id), Error);
    EXPECT_THROW(ring_of(line.substr(0, 40) + "\n"), Error);
    std::string bad_hex = line;
    bad_hex[20] = 'g';
    EXPECT_THROW(ring_of(bad_hex), Error);
    try {
        ring_of(bad_hex);
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find(line.substr(9, 16)), std::string::npos);
        EXPECT_EQ(e.detail().find(line.substr(9, 16)), std::string::npos);
    }
}

TEST_F(Sealed, KeyIdIsAFingerprint) {
    const std::string key(32, 'k');
    EXPECT_EQ(key_id(key), key_id(key));
    EXPECT_NE(key_id(key), key_id(std::string(32, 'j')));
    EXPECT_EQ(key_id_text(0x0a0b0c0d), "0a0b0c0d");
}

TEST_F(Sealed, PlaintextIsBounded) {
    const KeyRing ring = ring_of(new_key_file());
    EXPECT_THROW(seal(ring, std::string(kMaxPlaintextBytes + 1, 'a'), "c"), Error);
    EXPECT_THROW(seal(KeyRing{}, "a", "c"), Error);
    std::string out;
    EXPECT_EQ(unseal(ring, seal(ring, "", "c"), "c", out), Opened::ok);
    EXPECT_EQ(out, "");
}
