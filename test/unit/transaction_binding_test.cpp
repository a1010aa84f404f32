// auth_begin's pure rules: credential forms, what binds, savepoints.
#include "core/transaction_binding.h"

#include <gtest/gtest.h>

#include <string>

using namespace auth::core;

namespace {
const std::string kToken = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Q";  // 43 URL-safe
}  // namespace

TEST(CredentialKind, SessionTokenIs43UrlSafeCharacters) {
    ASSERT_EQ(kToken.size(), 43u);
    EXPECT_EQ(credential_kind(kToken), CredentialKind::session);
    EXPECT_EQ(credential_kind(kToken.substr(1)), CredentialKind::none);
    EXPECT_EQ(credential_kind(kToken + "A"), CredentialKind::none);
    EXPECT_EQ(credential_kind(std::string(42, 'A') + "="), CredentialKind::none);
    EXPECT_EQ(credential_kind(std::string(42, 'A') + "+"), CredentialKind::none);
}

TEST(CredentialKind, ApiKeyIsPrefixAndToken) {
    EXPECT_EQ(credential_kind("authkey_" + kToken), CredentialKind::api_key);
    EXPECT_EQ(credential_kind("authkex_" + kToken), CredentialKind::none);
    EXPECT_EQ(credential_kind("authkey_" + kToken.substr(1) + "."), CredentialKind::none);
}

TEST(CredentialKind, JwtIsThreeNonEmptyBase64UrlParts) {
    EXPECT_EQ(credential_kind("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln"), CredentialKind::jwt);
    EXPECT_EQ(credential_kind("a.b.c"), CredentialKind::jwt);
    EXPECT_EQ(credential_kind("a..c"), CredentialKind::none);
    EXPECT_EQ(credential_kind(".b.c"), CredentialKind::none);
    EXPECT_EQ(credential_kind("a.b."), CredentialKind::none);
    EXPECT_EQ(credential_kind("a.b"), CredentialKind::none);
    EXPECT_EQ(credential_kind("a.b.c.d"), CredentialKind::none);
    EXPECT_EQ(credential_kind("a.b=.c"), CredentialKind::none);
    EXPECT_EQ(credential_kind("a.b c.c"), CredentialKind::none);
    EXPECT_EQ(credential_kind("a." + std::string(20000, 'b') + ".c"), CredentialKind::none);
}

TEST(CredentialKind, EmptyAndOtherTextIsNone) {
    EXPECT_EQ(credential_kind(""), CredentialKind::none);
    EXPECT_EQ(credential_kind("Bearer " + kToken), CredentialKind::none);
    EXPECT_EQ(credential_kind_name(CredentialKind::none), "");
    EXPECT_EQ(credential_kind_name(CredentialKind::jwt), "jwt");
    EXPECT_EQ(credential_kind_name(CredentialKind::session), "session");
    EXPECT_EQ(credential_kind_name(CredentialKind::api_key), "api_key");
}

TEST(CredentialBinds, ProductMustBeTheOneAsked) {
    EXPECT_TRUE(credential_binds({7, 7, false, false, false, false}));
    EXPECT_FALSE(credential_binds({7, 8, false, true, false, false}));
    EXPECT_FALSE(credential_binds({std::nullopt, 8, false, true, false, false}));
    EXPECT_FALSE(credential_binds({7, std::nullopt, false, true, false, false}));
    // A sign-in service's own session binds with no product.
    EXPECT_TRUE(credential_binds({std::nullopt, std::nullopt, false, false, false, false}));
}

TEST(CredentialBinds, MfaProductBindsOnlyAal2) {
    EXPECT_FALSE(credential_binds({7, 7, true, false, false, false}));
    EXPECT_TRUE(credential_binds({7, 7, true, true, false, false}));
}

TEST(CredentialBinds, TenantOnlyWithActiveMembershipInAProduct) {
    EXPECT_TRUE(credential_binds({7, 7, false, false, true, true}));
    EXPECT_FALSE(credential_binds({7, 7, false, false, true, false}));
    EXPECT_FALSE(credential_binds({std::nullopt, std::nullopt, false, false, true, true}));
}

TEST(SavedBinding, AbortRestoresTheBindingFromBeforeTheSavepoint) {
    EXPECT_EQ(saved_binding_step(3, 1, 3, false), SavedBindingStep::restore);
    EXPECT_EQ(saved_binding_step(2, 1, 3, false), SavedBindingStep::keep);
}

TEST(SavedBinding, CommitHandsTheSavedBindingToTheParent) {
    EXPECT_EQ(saved_binding_step(3, 2, 3, true), SavedBindingStep::drop);
    EXPECT_EQ(saved_binding_step(3, 1, 3, true), SavedBindingStep::move_up);
    EXPECT_EQ(saved_binding_step(3, 0, 3, true), SavedBindingStep::move_up);
    EXPECT_EQ(saved_binding_step(1, 0, 3, true), SavedBindingStep::keep);
}
