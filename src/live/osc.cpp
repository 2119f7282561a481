#include "easel/osc.h"

#include <lo/lo.h>

#include <algorithm>

#include "easel/error.h"

namespace easel {

struct OscSender::Impl {
  lo_address address = nullptr;
  std::string destination;
  ~Impl() {
    if (address) lo_address_free(address);
  }
};

OscSender::OscSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OscSender::~OscSender() = default;
OscSender::OscSender(OscSender&&) noexcept = default;
OscSender& OscSender::operator=(OscSender&&) noexcept = default;
const std::string& OscSender::destination() const { return impl_->destination; }

OscSender OscSender::open(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  const std::string host = colon == std::string::npos ? "127.0.0.1" : host_port.substr(0, colon);
  const std::string port = colon == std::string::npos ? host_port : host_port.substr(colon + 1);
  const bool numeric = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (host.empty() || !numeric || std::stoi(port) < 1 || std::stoi(port) > 65535)
    throw Error(ErrorCode::bad_input, "'" + host_port + "' is not an OSC destination.", "Give HOST:PORT, e.g. 127.0.0.1:6448 (Wekinator's).");
  auto impl = std::make_unique<Impl>();
  impl->address = lo_address_new(host.c_str(), port.c_str());
  if (!impl->address) throw Error(ErrorCode::bad_input, "Cannot send OSC to '" + host_port + "': the host is not known.");
  impl->destination = host + ":" + port;
  return OscSender(std::move(impl));
}

void OscSender::send(const std::string& address, const std::vector<OscArgument>& arguments) {
  lo_message m = lo_message_new();
  for (const OscArgument& a : arguments) {
    if (const float* f = std::get_if<float>(&a)) lo_message_add_float(m, *f);
    else if (const int* i = std::get_if<int>(&a)) lo_message_add_int32(m, *i);
    else lo_message_add_string(m, std::get<std::string>(a).c_str());
  }
  const int sent = lo_send_message(impl_->address, address.c_str(), m);
  lo_message_free(m);
  // UDP to a port nobody listens on is not an error (Wekinator may start later); a host that
  // cannot be reached is.
  if (sent < 0 && lo_address_errno(impl_->address) != 111 /* ECONNREFUSED */)
    throw Error(ErrorCode::io_error, "Sending OSC to " + impl_->destination + " failed: " + lo_address_errstr(impl_->address) + ".");
}

void OscSender::send_wek_inputs(const std::vector<float>& values) {
  std::vector<OscArgument> args(values.begin(), values.end());
  send("/wek/inputs", args);
}

std::vector<float> wek_inputs(const std::vector<Pose>& poses) {
  std::vector<float> v(kPoseKeypointNames.size() * 3, 0.f);
  if (poses.empty()) return v;
  const Pose& p = *std::max_element(poses.begin(), poses.end(), [](const Pose& a, const Pose& b) { return a.confidence < b.confidence; });
  for (std::size_t k = 0; k < p.keypoints.size() && k < kPoseKeypointNames.size(); ++k) {
    v[3 * k] = p.keypoints[k].nx;
    v[3 * k + 1] = p.keypoints[k].ny;
    v[3 * k + 2] = p.keypoints[k].confidence;
  }
  return v;
}

std::vector<float> wek_inputs(const std::vector<Detection>& detections) {
  std::vector<Detection> sorted = detections;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Detection& a, const Detection& b) { return a.confidence > b.confidence; });
  std::vector<float> v(static_cast<std::size_t>(kOscDetectionBoxes) * 5, 0.f);
  for (std::size_t i = 0; i < sorted.size() && i < static_cast<std::size_t>(kOscDetectionBoxes); ++i) {
    const BoundingBox& b = sorted[i].normalized;
    v[5 * i] = b.x, v[5 * i + 1] = b.y, v[5 * i + 2] = b.width, v[5 * i + 3] = b.height, v[5 * i + 4] = sorted[i].confidence;
  }
  return v;
}

void OscSender::send_pose(const std::vector<Pose>& poses) {
  send_wek_inputs(wek_inputs(poses));
  for (std::size_t i = 0; i < poses.size(); ++i) {
    const int id = poses[i].id >= 0 ? poses[i].id : static_cast<int>(i);
    for (const Keypoint& k : poses[i].keypoints)
      send("/easel/pose/" + std::to_string(id) + "/" + k.name, {k.nx, k.ny, k.confidence});
  }
}

void OscSender::send_classes(const std::vector<float>& probabilities, const std::vector<std::string>& labels) {
  send_wek_inputs(probabilities);
  if (probabilities.empty()) return;
  const auto best = static_cast<std::size_t>(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
  send("/easel/label", {best < labels.size() ? labels[best] : std::to_string(best), probabilities[best]});
}

void OscSender::send_wek_outputs(const std::vector<float>& probabilities, const std::vector<std::string>& labels) {
  if (probabilities.empty()) return;
  const auto best = static_cast<std::size_t>(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
  send("/wek/outputs", {static_cast<float>(best + 1)});
  send("/easel/label", {best < labels.size() ? labels[best] : std::to_string(best), probabilities[best]});
}

void OscSender::send_detections(const std::vector<Detection>& detections) {
  send_wek_inputs(wek_inputs(detections));
  for (const Detection& d : detections)
    send("/easel/box", {d.label, d.confidence, d.normalized.x, d.normalized.y, d.normalized.width, d.normalized.height});
}

}  // namespace easel
