// OSC out to other creative tools (Max, Pure Data, TouchDesigner, Processing, Wekinator),
// through liblo. Wekinator's conventions by default: /wek/inputs, a list of floats, to
// 127.0.0.1:6448; easel's own readable messages beside them.
//
//   auto osc = easel::OscSender::open("127.0.0.1:6448");
//   osc.send("/easel/label", {std::string("banana"), 0.94f});
//   auto poses = easel::PoseEstimator::create().estimate(easel::Image::load("dancer.jpg"));
//   osc.send_pose(poses);   // /wek/inputs and /easel/pose/...
//
// Addresses easel sends, each with its arguments in order:
// - /wek/inputs (floats). Pose: 17 x (x, y, confidence), x and y 0..1 of the frame.
//  Classification: the confidences in label order. Detection: 5 a box (x, y, w, h in
//  0..1, confidence) for the 10 most confident boxes, zeros after.
// - /wek/outputs (float): a trained model's class number, 1 for its first label, as a
//  Wekinator classifier sends it (to port 12000, where Wekinator's output patches listen).
// - /easel/label (string, float): the top class and its confidence.
// - /easel/pose/ID/KEYPOINT (float x3): x, y (0..1) and confidence of a keypoint of pose ID.
// - /easel/box (string, float x5): label, confidence, x, y, w, h (0..1).
// - /easel/word (string, float): a word heard and its confidence (easel live listen).
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "easel/classification.h"
#include "easel/object_detector.h"
#include "easel/pose.h"

namespace easel {

using OscArgument = std::variant<float, int, std::string>;

// The largest number of boxes /wek/inputs carries for detection (its list has a fixed size,
// as Wekinator needs).
constexpr int kOscDetectionBoxes = 10;

class OscSender {
 public:
  // "HOST:PORT" or "PORT" (then 127.0.0.1). Throws Error(bad_input) for a malformed address
  // or a host that cannot be resolved. Sending is UDP: nothing waits for a listener.
  static OscSender open(const std::string& host_port = "127.0.0.1:6448");
  ~OscSender();
  OscSender(OscSender&&) noexcept;
  OscSender& operator=(OscSender&&) noexcept;

  void send(const std::string& address, const std::vector<OscArgument>& arguments);
  // Wekinator's input list.
  void send_wek_inputs(const std::vector<float>& values);
  // Each task's messages: /wek/inputs and easel's own (see above).
  void send_pose(const std::vector<Pose>& poses);
  void send_classes(const std::vector<float>& probabilities, const std::vector<std::string>& labels);
  void send_detections(const std::vector<Detection>& detections);
  // A trained classifier's answer as Wekinator's outputs: /wek/outputs with the class's
  // number (1 for the first label, as Wekinator numbers classes), and /easel/label.
  void send_wek_outputs(const std::vector<float>& probabilities, const std::vector<std::string>& labels);
  const std::string& destination() const;  // "host:port"

 private:
  struct Impl;
  explicit OscSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What /wek/inputs carries for each task (the numbers send_pose etc. put in it).
std::vector<float> wek_inputs(const std::vector<Pose>& poses);
std::vector<float> wek_inputs(const std::vector<Detection>& detections);

}  // namespace easel
