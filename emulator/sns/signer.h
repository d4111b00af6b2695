// Signer: the RSA key and self-signed certificate SNS messages are signed with (§3.3 of the
// wire reference: SignatureVersion 1 = SHA1withRSA, 2 = SHA256withRSA). The key is made on
// first use (not at start: generating it takes tens of milliseconds) and kept in the data
// directory so signatures stay verifiable across restarts. Owned by app::Daemon; thread-safe
// (one mutex around the lazily loaded key and the recent signatures; signing itself runs
// outside it). The signatures are deterministic (PKCS#1 v1.5), so the last 1,024 are kept by
// the SHA-256 of what was signed: the deliveries of one message to many functions, each
// signed as it is dispatched, pay for one RSA operation (~0.2 ms), not one each.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "emulator/common/mutex.h"
#include "emulator/common/result.h"

struct evp_pkey_st;

namespace offstage::sns {

class Signer {
 public:
  // `key_path` empty: the key lives in memory only (--ephemeral).
  explicit Signer(std::string key_path);
  ~Signer();

  // Reads the stored key, if there is one, so that a corrupt or unreadable key file stops the
  // daemon at startup (app::Daemon::Create) rather than failing every signature later.
  common::Status Load();

  // Base64 of the RSA signature of `text` with SHA1 (version "1") or SHA256 (version "2").
  common::Result<std::string> Sign(std::string_view text, std::string_view version);
  // The PEM certificate whose public key verifies the signatures.
  common::Result<std::string> CertificatePem();

 private:
  common::Status Ensure() REQUIRES(mu_);

  const std::string key_path_;
  common::Mutex mu_;
  std::shared_ptr<evp_pkey_st> key_ GUARDED_BY(mu_);
  std::string certificate_pem_ GUARDED_BY(mu_);
  static constexpr size_t kRecentSignatures = 1024;
  std::unordered_map<std::string, std::string> recent_ GUARDED_BY(mu_);  // "v:sha256" -> base64
  std::deque<std::string> recent_order_ GUARDED_BY(mu_);                 // oldest first
};

// The string SNS signs: "Key\nvalue\n" for each present key, in AWS's order (§3.3).
std::string StringToSign(std::string_view type, std::string_view message,
                         std::string_view message_id, const std::string* subject,
                         std::string_view timestamp, std::string_view topic_arn,
                         const std::string* subscribe_url = nullptr,
                         const std::string* token = nullptr);

}  // namespace offstage::sns
