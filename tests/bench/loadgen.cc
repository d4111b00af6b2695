// loadgen: a small HTTP/1.1 load generator for offstage's benchmarks (not a test).
//   loadgen --url http://127.0.0.1:4566/ --body-file F [--header 'K: V']... [--method POST]
//           [--connections N] [--seconds S] [--rate R]
// Closed loop (default): N keep-alive connections, each sending its next request as soon as
// the previous answer arrives. Open loop (--rate R): requests are due at a fixed rate spread
// over the connections, and latency is measured from when each was due, so queueing delay is
// counted (no coordinated omission). Latencies go into a log-linear histogram (HDR-style,
// ~1% resolution). Prints one JSON object: requests, errors, non_2xx, seconds, rps, and
// latency percentiles in ms.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// Log-linear buckets: 128 sub-buckets per power of two, from 1 us to ~70 s.
class Histogram {
 public:
  void Add(int64_t ns) {
    const int64_t us = std::max<int64_t>(ns / 1000, 1);
    const int exponent = 63 - __builtin_clzll(static_cast<unsigned long long>(us));
    const int sub =
        exponent >= 7 ? static_cast<int>((us >> (exponent - 7)) & 127) : static_cast<int>(us & 127);
    const size_t index =
        static_cast<size_t>(std::min(exponent, 40)) * 128 + static_cast<size_t>(sub);
    ++counts_[index];
    ++total_;
    max_ns_ = std::max(max_ns_, ns);
  }
  void Merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ns_ = std::max(max_ns_, other.max_ns_);
  }
  double PercentileMs(double p) const {
    if (total_ == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(std::ceil(p * static_cast<double>(total_)));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank && counts_[i] > 0) {
        const int exponent = static_cast<int>(i / 128);
        const int sub = static_cast<int>(i % 128);
        const double us = exponent >= 7 ? std::ldexp(128 + sub + 0.5, exponent - 7) : sub;
        return us / 1000.0;
      }
    }
    return static_cast<double>(max_ns_) / 1e6;
  }
  uint64_t total() const { return total_; }
  int64_t max_ns() const { return max_ns_; }

 private:
  std::array<uint64_t, 41 * 128> counts_{};
  uint64_t total_ = 0;
  int64_t max_ns_ = 0;
};

struct Target {
  std::string host;
  int port = 80;
  std::string path = "/";
};

Target ParseUrl(const std::string& url) {
  Target t;
  std::string rest = url.substr(url.find("://") + 3);
  const size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const size_t colon = hostport.find(':');
  t.host = hostport.substr(0, colon);
  if (colon != std::string::npos) t.port = std::atoi(hostport.c_str() + colon + 1);
  return t;
}

int Connect(const Target& t) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(t.port));
  inet_pton(AF_INET, t.host == "localhost" ? "127.0.0.1" : t.host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Never hang on a server that stops answering: a read waits at most 10 s.
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// Reads one HTTP response (headers + Content-Length body, or a body ended by the server
// closing the connection). Returns the status, 0 on error; *closed when the connection ended.
int ReadResponse(int fd, std::string& buffer, bool* closed) {
  *closed = false;
  while (true) {
    const size_t end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t length = 0;
      const size_t cl = buffer.find("Content-Length:");
      const size_t cl_lower = buffer.find("content-length:");
      const size_t at = cl != std::string::npos && cl < end ? cl : cl_lower;
      const bool has_length = at != std::string::npos && at < end;
      if (has_length) length = std::strtoul(buffer.c_str() + at + 15, nullptr, 10);
      if (!has_length) {
        // No Content-Length (an HTTP/1.0-style server): the body ends when the server closes.
        char chunk[65536];
        ssize_t n;
        while ((n = read(fd, chunk, sizeof chunk)) > 0)
          buffer.append(chunk, static_cast<size_t>(n));
        const int status = std::atoi(buffer.c_str() + 9);
        buffer.clear();
        *closed = true;
        return status;
      }
      if (buffer.size() >= end + 4 + length) {
        const int status = std::atoi(buffer.c_str() + 9);
        // A server that answers "Connection: close" (moto's Werkzeug) will not read another
        // request on this connection; reusing it would wait for the receive timeout.
        const std::string head = buffer.substr(0, end);
        std::string lower;
        for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.find("\r\nconnection: close") != std::string::npos) *closed = true;
        buffer.erase(0, end + 4 + length);
        return status;
      }
    }
    char chunk[65536];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return 0;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = "http://127.0.0.1:4566/";
  std::string method = "POST";
  std::string body;
  std::vector<std::string> headers;
  int connections = 8;
  double seconds = 5;
  double rate = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--url")
      url = next();
    else if (arg == "--method")
      method = next();
    else if (arg == "--body-file") {
      std::ifstream in(next(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      body = text.str();
    } else if (arg == "--body")
      body = next();
    else if (arg == "--header")
      headers.push_back(next());
    else if (arg == "--connections")
      connections = std::atoi(next().c_str());
    else if (arg == "--seconds")
      seconds = std::atof(next().c_str());
    else if (arg == "--rate")
      rate = std::atof(next().c_str());
    else {
      std::fprintf(stderr, "loadgen: unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  const Target target = ParseUrl(url);
  std::string request = method + " " + target.path + " HTTP/1.1\r\nHost: " + target.host + ":" +
                        std::to_string(target.port) + "\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;

  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> non_2xx{0};
  std::mutex merge_mu;
  Histogram all;
  const int64_t start = NowNs();
  const int64_t stop = start + static_cast<int64_t>(seconds * 1e9);
  std::vector<std::thread> workers;
  for (int c = 0; c < connections; ++c) {
    workers.emplace_back([&, c] {
      Histogram local;
      int fd = Connect(target);
      std::string buffer;
      // Open loop: connection c sends requests k*connections + c, each due at start + k/rate.
      const double interval_ns = rate > 0 ? 1e9 / rate : 0;
      for (uint64_t k = static_cast<uint64_t>(c);; k += static_cast<uint64_t>(connections)) {
        int64_t due = NowNs();
        if (rate > 0) {
          due = start + static_cast<int64_t>(static_cast<double>(k) * interval_ns);
          const int64_t now = NowNs();
          if (due > now) {
            timespec wait{static_cast<time_t>((due - now) / 1'000'000'000),
                          static_cast<long>((due - now) % 1'000'000'000)};
            nanosleep(&wait, nullptr);
          }
        }
        if (due >= stop) break;
        if (fd < 0) fd = Connect(target);
        if (fd < 0 ||
            write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
          ++errors;
          if (fd >= 0) close(fd);
          fd = -1;
          buffer.clear();
          continue;
        }
        bool closed = false;
        const int status = ReadResponse(fd, buffer, &closed);
        if (closed && status != 0) {
          close(fd);
          fd = -1;
        }
        if (status == 0) {
          ++errors;
          close(fd);
          fd = -1;
          buffer.clear();
          continue;
        }
        if (status < 200 || status > 299) ++non_2xx;
        local.Add(NowNs() - due);
      }
      if (fd >= 0) close(fd);
      std::lock_guard<std::mutex> lock(merge_mu);
      all.Merge(local);
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed = static_cast<double>(NowNs() - start) / 1e9;
  std::printf(
      "{\"requests\": %llu, \"errors\": %llu, \"non_2xx\": %llu, \"seconds\": %.3f, \"rps\": %.1f, "
      "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f}\n",
      static_cast<unsigned long long>(all.total()), static_cast<unsigned long long>(errors.load()),
      static_cast<unsigned long long>(non_2xx.load()), elapsed,
      static_cast<double>(all.total()) / elapsed, all.PercentileMs(0.5), all.PercentileMs(0.99),
      all.PercentileMs(0.999), static_cast<double>(all.max_ns()) / 1e6);
  return 0;
}
