#include "emulator/sns/signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "emulator/common/strings.h"

namespace offstage::sns {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string();
}

std::string TakeBio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  return TakeBio(bio);
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return TakeBio(bio);
}

}  // namespace

Signer::Signer(std::string key_path) : key_path_(std::move(key_path)) {}
Signer::~Signer() = default;

common::Status Signer::Ensure() {
  if (key_) return {};
  std::string stored = key_path_.empty() ? std::string() : ReadFile(key_path_);
  if (!stored.empty()) {
    BIO* bio = BIO_new_mem_buf(stored.data(), static_cast<int>(stored.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key && cert) {
      key_.reset(key, EVP_PKEY_free);
      certificate_pem_ = CertPem(cert);
      X509_free(cert);
      return {};
    }
    EVP_PKEY_free(key);
    X509_free(cert);
  }
  // A fresh 2048-bit key (as AWS's) and a self-signed certificate for it, valid ten years.
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) return common::Fail(common::Internal("cannot generate the SNS signing key"));
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sns.offstage.local"), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  key_.reset(key, EVP_PKEY_free);
  certificate_pem_ = CertPem(cert);
  X509_free(cert);
  if (!key_path_.empty()) {
    std::ofstream out(key_path_, std::ios::binary | std::ios::trunc);
    out << KeyPem(key) << certificate_pem_;
  }
  return {};
}

common::Result<std::string> Signer::Sign(std::string_view text, std::string_view version) {
  std::string digest_key = std::string(version);
  digest_key += ':';
  digest_key += common::Sha256Hex(text);
  std::shared_ptr<evp_pkey_st> key;
  {
    common::MutexLock lock(mu_);
    if (auto status = Ensure(); !status) return common::Fail(status.error());
    key = key_;
    auto it = recent_.find(digest_key);
    if (it != recent_.end()) return it->second;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* digest = version == "2" ? EVP_sha256() : EVP_sha1();
  size_t size = 0;
  std::string signature;
  bool ok = EVP_DigestSignInit(ctx, nullptr, digest, nullptr, key.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(text.data()),
                           text.size()) == 1;
  if (ok) {
    signature.resize(size);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                        reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
    signature.resize(size);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return common::Fail(common::Internal("signing an SNS message failed"));
  std::string encoded = common::Base64Encode(signature);
  common::MutexLock lock(mu_);
  if (recent_.emplace(digest_key, encoded).second) {
    recent_order_.push_back(std::move(digest_key));
    if (recent_order_.size() > kRecentSignatures) {
      recent_.erase(recent_order_.front());
      recent_order_.pop_front();
    }
  }
  return encoded;
}

common::Result<std::string> Signer::CertificatePem() {
  common::MutexLock lock(mu_);
  if (auto status = Ensure(); !status) return common::Fail(status.error());
  return certificate_pem_;
}

std::string StringToSign(std::string_view type, std::string_view message,
                         std::string_view message_id, const std::string* subject,
                         std::string_view timestamp, std::string_view topic_arn,
                         const std::string* subscribe_url, const std::string* token) {
  std::string out;
  auto add = [&](std::string_view key, std::string_view value) {
    out.append(key);
    out.push_back('\n');
    out.append(value);
    out.push_back('\n');
  };
  add("Message", message);
  add("MessageId", message_id);
  if (subscribe_url) add("SubscribeURL", *subscribe_url);
  if (subject && !subscribe_url) add("Subject", *subject);
  add("Timestamp", timestamp);
  if (token) add("Token", *token);
  add("TopicArn", topic_arn);
  add("Type", type);
  return out;
}

}  // namespace offstage::sns
