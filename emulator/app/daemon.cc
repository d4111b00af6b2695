#include "emulator/app/daemon.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/version.h"

namespace offstage::app {

Daemon::Daemon(const DaemonOptions& options)
    : options_(options), log_(common::LogLevel::kInfo, options.quiet) {}

common::Result<std::unique_ptr<Daemon>> Daemon::Create(const DaemonOptions& options) {
  std::unique_ptr<Daemon> daemon(new Daemon(options));
  daemon->started_ns_ = daemon->clock_.NowNanos();
  std::string path = ":memory:";
  if (!options.ephemeral) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      return common::Fail(common::Internal("cannot create the data directory " + options.data_dir +
                                           ": " + ec.message()));
    }
    // One daemon per data directory: two would each believe they own the state.
    const std::string lock_path = options.data_dir + "/offstage.lock";
    daemon->lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (daemon->lock_fd_ < 0 || flock(daemon->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return common::Fail(common::Internal("another offstage daemon is using the data directory " +
                                           options.data_dir));
    }
    path = options.data_dir + "/offstage.db";
  }
  auto db = storage::Database::Open(path);
  if (!db) return common::Fail(db.error());
  daemon->db_ = std::move(*db);
  daemon->writer_ = std::make_unique<storage::Writer>(*daemon->db_, daemon->clock_);
  daemon->sns_ = std::make_unique<sns::SnsService>(*daemon->writer_, daemon->clock_, daemon->ids_,
                                                   daemon->log_);
  if (auto status = daemon->sns_->Load(); !status) return common::Fail(status.error());

  protocol::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.http_threads;
  server_options.default_region = options.region;
  server_options.default_account = options.account;
  Daemon* self = daemon.get();
  daemon->server_ = std::make_unique<protocol::HttpServer>(
      server_options, *daemon->sns_, daemon->clock_, daemon->ids_, daemon->log_,
      [self] { return self->HealthJson(); });
  return daemon;
}

Daemon::~Daemon() {
  Shutdown();
  if (lock_fd_ >= 0) close(lock_fd_);
}

common::Result<std::string> Daemon::Start() {
  auto port = server_->Bind();
  if (!port) return common::Fail(port.error());
  endpoint_ = "http://" + options_.host + ":" + std::to_string(*port);
  server_thread_ = std::thread([this] { server_->Serve(); });
  return endpoint_;
}

void Daemon::Shutdown() {
  // Order matters (docs/architecture.md): stop accepting and finish in-flight requests, then
  // drain the writer so every acknowledged change is committed, then close the database.
  if (server_) server_->Stop();
  if (server_thread_.joinable()) server_thread_.join();
  if (writer_) writer_->Stop();
}

std::string Daemon::HealthJson() const {
  const auto counts = sns_->counts();
  const int64_t uptime_ns = clock_.NowNanos() - started_ns_;
  nlohmann::json health = {
      {"status", "ok"},
      {"version", common::kVersion},
      {"endpoint", endpoint_},
      {"uptime_seconds", static_cast<double>(uptime_ns) / 1e9},
      {"data_dir",
       options_.ephemeral ? nlohmann::json(nullptr) : nlohmann::json(options_.data_dir)},
      {"region", options_.region},
      {"account", options_.account},
      {"counts",
       {{"topics", counts.topics},
        {"subscriptions", counts.subscriptions},
        {"messages", counts.messages}}},
  };
  return health.dump();
}

}  // namespace offstage::app
