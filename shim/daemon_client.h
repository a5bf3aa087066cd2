// A minimal client for the pm2 daemon's RPC socket (pm2-axon req/rep with
// axon-rpc messages in AMP frames), enough to ask for the process list the
// way `pm2 jlist` does, without running pm2 and without ever starting a
// daemon. Bounded in time (one deadline for the whole exchange) and memory.
//
// AMP frame: one byte (version 1 << 4 | number of parts), then per part a
// big-endian uint32 length and the bytes; parts are "j:"+JSON or "s:"+text.
// Request:  [ j:{"type":"call","method":"getMonitorData","args":[{}]}, s:<id> ]
// Reply:    [ j:{"args":[<list>]} | j:{"error":...}, s:<id> ]
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "process_table.h"

namespace pm2guard::shim {

struct DaemonOptions {
  /// For connecting, sending the request and reading the whole reply.
  std::chrono::milliseconds deadline{2000};
  /// The largest reply accepted (the sum of its parts). A long process list
  /// with big environments is a few MB; anything near this is not pm2.
  std::size_t max_reply_bytes = std::size_t{64} << 20;
};

enum class DaemonState {
  NoDaemon,  ///< nothing listens on the socket (missing, or stale): no processes
  Ok,        ///< the daemon answered with its process list
  Failure,   ///< the daemon or the exchange failed; the list is unknown
};
std::string_view daemon_state_name(DaemonState s);

struct DaemonListing {
  DaemonState state = DaemonState::Failure;
  std::vector<ProcessInfo> processes;  ///< Ok only
  /// NoDaemon: what showed there is none. Failure: what went wrong. Never
  /// quotes the reply, which may hold secrets.
  std::string message;
  std::string socket;  ///< the socket path connected to (after URL parsing and truncation)
  std::chrono::microseconds elapsed{0};
};

/// Asks the daemon behind `daemon_rpc_port` (Pm2Paths::rpc_socket) for its
/// process list with getMonitorData. Never spawns anything. A connection the
/// daemon drops before the first byte of its reply (it is shutting down, or
/// being killed) is tried again, up to three times within the deadline.
DaemonListing query_process_list(const std::string& daemon_rpc_port, const DaemonOptions& options = {});

/// How pm2-axon's connect() reads DAEMON_RPC_PORT: `new URL(value)`, and a
/// plain path when that throws. Only the forms a pm2 installation actually
/// uses are supported; anything else URL-shaped is refused, as the shim
/// cannot be sure which socket pm2 would reach.
struct AxonAddress {
  bool ok = false;
  std::string path;   ///< ok: the Unix socket path (relative paths stay relative, as in node)
  std::string error;  ///< !ok
};
AxonAddress parse_axon_address(std::string_view daemon_rpc_port);

/// The sun_path candidates node would connect to for `path`. libuv >= 1.46
/// (node 20) silently truncates a path to the 108 bytes of sun_path, with no
/// terminating NUL; older libuv truncates to 107. Short paths have one
/// candidate.
std::vector<std::string> unix_socket_candidates(const std::string& path);

/// One AMP message, as pm2-axon writes it (parts must be 1..15).
std::string encode_amp(const std::vector<std::string>& parts);

/// Reads one AMP message incrementally, refusing anything larger than the
/// bound before allocating for it.
class AmpReader {
 public:
  enum class Status { NeedMore, Done, Error };

  explicit AmpReader(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// Consumes bytes until the message is complete; `used` tells how many.
  Status feed(const char* data, std::size_t size, std::size_t& used);
  Status status() const { return status_; }
  const std::vector<std::string>& parts() const { return parts_; }
  std::vector<std::string>& parts() { return parts_; }
  const std::string& error() const { return error_; }
  std::size_t bytes_read() const { return bytes_read_; }
  /// Overwrites the parts read so far (they may hold secrets) and drops them.
  void wipe();

 private:
  std::size_t max_bytes_;
  Status status_ = Status::NeedMore;
  std::string error_;
  std::vector<std::string> parts_;
  std::size_t bytes_read_ = 0;
  std::size_t payload_ = 0;  // sum of the part lengths announced so far
  int argc_ = -1;            // parts in the message; -1 before the header byte
  unsigned char len_buf_[4] = {0, 0, 0, 0};
  int len_have_ = 0;         // bytes of the current length field read
  std::size_t part_len_ = 0;
  bool in_part_ = false;
};

}  // namespace pm2guard::shim
