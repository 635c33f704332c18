#include "iof/framework/ha/state_node.hpp"

#include <zlib.h>

namespace iof::framework::ha {

namespace {

// zlib's stream types count in uInt; the state is far below 4 GiB (checked by the callers'
// size limits), so the narrowing casts below are exact.
Result<std::string> deflated(std::string_view text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::string out(size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                           reinterpret_cast<const Bytef*>(text.data()),
                           static_cast<uLong>(text.size()), Z_BEST_SPEED);
  if (rc != Z_OK) {
    return Error{std::string("cannot deflate the state: ") + zError(rc)};
  }
  out.resize(size);
  return Result<std::string>(boost::system::in_place_value, std::move(out));
}

// At most `limit` bytes of output: a corrupt or hostile node must not exhaust memory.
Result<std::string> inflated(std::string_view bytes, std::size_t limit) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) {
    return Error{"cannot start inflating the state"};
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  int rc = Z_OK;
  char buffer[64 * 1024];
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > limit) {
      inflateEnd(&stream);
      return Error{"the state inflates to more than " + std::to_string(limit) + " bytes"};
    }
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) {
      break;  // truncated input
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return Error{"the state is not a complete zlib stream"};
  }
  return Result<std::string>(boost::system::in_place_value, std::move(out));
}

}  // namespace

Result<std::string> encode_state_node(const Snapshot& snapshot) {
  const std::string text = encode_snapshot(snapshot);
  auto bytes = deflated(text);
  if (bytes && bytes->size() > max_state_node_bytes) {
    return Error{
        "the state of " + std::to_string(snapshot.sleepers.size() + snapshot.migrating.size()) +
        " tasks is " + std::to_string(bytes->size()) +
        " bytes deflated, above ZooKeeper's limit of " + std::to_string(max_state_node_bytes)};
  }
  return bytes;
}

Result<std::optional<Snapshot>> decode_state_node(std::string_view bytes) {
  if (bytes.empty()) {
    return std::optional<Snapshot>();
  }
  std::string text;
  if (bytes.front() == '{') {
    text = std::string(bytes);
  } else {
    // 64 MB of JSON is some 400,000 tasks: far above what fits the node deflated.
    auto plain = inflated(bytes, 64 * 1024 * 1024);
    if (!plain) {
      return plain.error();
    }
    text = std::move(*plain);
  }
  auto snapshot = decode_snapshot(text);
  if (!snapshot) {
    return snapshot.error();
  }
  return std::optional<Snapshot>(std::move(*snapshot));
}

}  // namespace iof::framework::ha
