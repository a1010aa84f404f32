// PKCE S256 (RFC 7636): verifier syntax, the challenge of a verifier, and the check that
// a verifier matches a stored challenge, without PostgreSQL.
#include "core/pkce.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "core/error.h"
#include "core/password_hash.h"

using namespace auth::core;

namespace {

class Pkce : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

// RFC 7636, Appendix B.
constexpr const char* kRfcVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kRfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

// S256 computed here without the code under test: base64url(SHA-256(text)), no padding.
std::string s256(const std::string& text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    char encoded[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(encoded, sizeof encoded, digest, sizeof digest, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return encoded;
}

}  // namespace

TEST_F(Pkce, ChallengeOfTheRfc7636AppendixBExample) {
    EXPECT_EQ(s256(kRfcVerifier), kRfcChallenge);  // the test's own S256 agrees with the RFC
    EXPECT_EQ(pkce_challenge(kRfcVerifier), kRfcChallenge);
}

TEST_F(Pkce, TheRfcExampleVerifierMatchesItsChallenge) {
    EXPECT_TRUE(pkce_verifier_matches(kRfcVerifier, kRfcChallenge));
}

TEST_F(Pkce, AnotherVerifierOrChallengeDoesNotMatch) {
    std::string other = kRfcVerifier;
    other[0] = 'e';
    EXPECT_FALSE(pkce_verifier_matches(other, kRfcChallenge));
    EXPECT_FALSE(pkce_verifier_matches(kRfcVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
    // The verifier itself, or its "plain" challenge, is not an S256 challenge.
    EXPECT_FALSE(pkce_verifier_matches(kRfcVerifier, kRfcVerifier));
}

TEST_F(Pkce, VerifierSyntax) {
    EXPECT_TRUE(pkce_verifier_well_formed(std::string(43, 'a')));
    EXPECT_TRUE(pkce_verifier_well_formed(std::string(128, 'a')));
    EXPECT_TRUE(pkce_verifier_well_formed("ABCXYZabcxyz0189-._~" + std::string(23, 'Q')));
    EXPECT_FALSE(pkce_verifier_well_formed(std::string(42, 'a')));
    EXPECT_FALSE(pkce_verifier_well_formed(std::string(129, 'a')));
    EXPECT_FALSE(pkce_verifier_well_formed(""));
    for (const char bad : std::string("+/= !\"#$%&'()*,:;<>?@[\\]^`{|}\x7f\n\t")) {
        std::string verifier(43, 'a');
        verifier[20] = bad;
        EXPECT_FALSE(pkce_verifier_well_formed(verifier)) << "character " << static_cast<int>(bad);
    }
    std::string nul(43, 'a');
    nul[5] = '\0';
    EXPECT_FALSE(pkce_verifier_well_formed(nul));
    std::string high(43, 'a');
    high[5] = '\xc3';
    EXPECT_FALSE(pkce_verifier_well_formed(high));
}

TEST_F(Pkce, MalformedVerifierNeverMatches) {
    // Each malformed verifier is checked against its own S256 challenge (made here with
    // libsodium directly): only the syntax check can refuse it.
    const std::string too_short(42, 'a');
    const std::string too_long(129, 'a');
    const std::string plus = std::string(42, 'a') + "+";
    const std::string space = std::string(42, 'a') + " ";
    for (const std::string& verifier : {too_short, too_long, plus, space}) {
        EXPECT_FALSE(pkce_verifier_matches(verifier, s256(verifier))) << verifier;
        EXPECT_THROW(pkce_challenge(verifier), Error) << verifier;
    }
    // The same check passes the shortest and longest well-formed verifiers.
    const std::string shortest(43, 'a');
    const std::string longest(128, 'a');
    EXPECT_TRUE(pkce_verifier_matches(shortest, s256(shortest)));
    EXPECT_TRUE(pkce_verifier_matches(longest, s256(longest)));
}

TEST_F(Pkce, MalformedVerifierErrorNamesTheArgumentNotTheValue) {
    const std::string verifier = "secret-verifier-with-a-space " + std::string(20, 'x');
    try {
        pkce_challenge(verifier);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_value);
        EXPECT_NE(std::string(e.what()).find("code_verifier"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("secret-verifier"), std::string::npos);
        EXPECT_EQ(e.detail().find("secret-verifier"), std::string::npos);
    }
}

TEST_F(Pkce, ChallengeSyntax) {
    EXPECT_TRUE(pkce_challenge_well_formed(kRfcChallenge));
    EXPECT_TRUE(pkce_challenge_well_formed(std::string(43, '_')));
    EXPECT_FALSE(pkce_challenge_well_formed(std::string(42, 'A')));
    EXPECT_FALSE(pkce_challenge_well_formed(std::string(44, 'A')));
    EXPECT_FALSE(pkce_challenge_well_formed("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));  // standard base64
    EXPECT_FALSE(pkce_challenge_well_formed("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="));
    EXPECT_FALSE(pkce_challenge_well_formed("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw.cM"));  // verifier-only character
    // A challenge of the wrong syntax never matches, even one that is a prefix of the right one.
    EXPECT_FALSE(pkce_verifier_matches(kRfcVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"));
    EXPECT_FALSE(pkce_verifier_matches(kRfcVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="));
}

TEST_F(Pkce, EveryWellFormedVerifierMatchesItsOwnChallenge) {
    for (int i = 0; i < 200; i++) {
        const std::string verifier = std::string(43 + i % 86, "abc-._~XYZ019"[i % 13]);
        const std::string challenge = pkce_challenge(verifier);
        EXPECT_TRUE(pkce_challenge_well_formed(challenge)) << challenge;
        EXPECT_TRUE(pkce_verifier_matches(verifier, challenge));
    }
}
