#include "emulator/sns/signer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "emulator/common/strings.h"

namespace offstage::sns {
namespace {

// The whole file, or an error naming it (a file that does not exist is reported as ENOENT).
common::Result<std::string> ReadFile(const std::string& path, int* error_number) {
  *error_number = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error_number = errno;
    return common::Fail(
        common::Internal("cannot read the SNS signing key " + path + ": " + std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` readable by its owner only: a temporary file of mode 0600, synced, then
// renamed over `path`, so a crash leaves either no key file or a whole one.
common::Status WritePrivateFile(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  ::unlink(temporary.c_str());  // a leftover would keep its old mode
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(temporary.c_str(), path.c_str()) == 0;
  if (!ok) {
    const int reason = errno != 0 ? errno : saved;
    ::unlink(temporary.c_str());
    return common::Fail(common::Internal("cannot write the SNS signing key " + path + ": " +
                                         std::strerror(reason)));
  }
  return {};
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

common::Status Signer::Load() {
  common::MutexLock lock(mu_);
  if (key_path_.empty()) return {};
  struct stat info;
  if (::stat(key_path_.c_str(), &info) != 0 && errno == ENOENT) return {};  // made on first use
  return Ensure();
}

common::Status Signer::Ensure() {
  if (key_) return {};
  if (!key_path_.empty()) {
    int error_number = 0;
    auto stored = ReadFile(key_path_, &error_number);
    if (!stored && error_number != ENOENT) return common::Fail(stored.error());
    if (stored) {
      BIO* bio = BIO_new_mem_buf(stored->data(), static_cast<int>(stored->size()));
      EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
      X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      const bool whole = key && cert && X509_check_private_key(cert, key) == 1;
      if (whole) {
        key_.reset(key, EVP_PKEY_free);
        certificate_pem_ = CertPem(cert);
        X509_free(cert);
        // Written world-readable by versions before 0600 was enforced: tightened in place.
        ::chmod(key_path_.c_str(), 0600);
        return {};
      }
      EVP_PKEY_free(key);
      X509_free(cert);
      // Never replaced: subscribers that verified the old certificate would reject new
      // signatures, and the operator must know the file was damaged.
      return common::Fail(common::Internal(
          "the SNS signing key " + key_path_ +
          " is corrupt (it must hold a PEM private key followed by its certificate). Restore "
          "it, or move it aside to have a new key made (subscribers that check signatures "
          "must then fetch the new certificate)"));
    }
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
  std::shared_ptr<evp_pkey_st> made(key, EVP_PKEY_free);
  std::string pem = CertPem(cert);
  X509_free(cert);
  if (!key_path_.empty()) {
    // Kept only once stored: a key used but lost would change at the next start.
    if (auto status = WritePrivateFile(key_path_, KeyPem(key) + pem); !status) return status;
  }
  key_ = std::move(made);
  certificate_pem_ = std::move(pem);
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
