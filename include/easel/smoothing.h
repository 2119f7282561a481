// OneEuroFilter: smooths a noisy signal that also moves (Casiez, Roussel and Vogel, CHI
// 2012), as MediaPipe and TF.js's pose-detection smooth keypoints between video frames:
// a low-pass filter whose cutoff rises with the signal's speed, so a still hand stops
// shaking and a fast one does not lag.
//
//   easel::OneEuroFilter smooth({.min_cutoff = 1.0, .beta = 0.5});
//   double t = 0;
//   for (float raw : {10.2f, 9.8f, 10.1f, 30.0f}) std::printf("%.2f\n", smooth.filter(raw, t += 1.0 / 30));
#pragma once

namespace easel {

struct OneEuroOptions {
  double min_cutoff = 1.0;  // Hz: the cutoff when still (lower: smoother, more lag)
  double beta = 0.0;        // how fast the cutoff rises with speed (higher: less lag when moving)
  double d_cutoff = 1.0;    // Hz: the cutoff of the speed estimate
  // MediaPipe's cap on jumps (0: none): a step d from the last output moves it by
  // alpha * t * asinh(d / t) with t = threshold_cutoff + threshold_beta * |speed|, so a wild
  // outlier moves it far less than in proportion (TF.js pose-detection smooths MoveNet with 0.5, 5).
  double threshold_cutoff = 0.0;
  double threshold_beta = 0.0;
};

class OneEuroFilter {
 public:
  explicit OneEuroFilter(const OneEuroOptions& options = {}) : options_(options) {}
  // The smoothed value of `x` at time `seconds` (increasing). The first value passes as it is;
  // a time that does not move forward returns the previous output. The speed is measured
  // between raw values, as MediaPipe's and TF.js's filters measure it.
  // `speed_scale` multiplies the measured speed (MediaPipe's velocity scale: 1 / the
  // object's size, so that a small far hand and a big near one are smoothed alike).
  float filter(float x, double seconds, double speed_scale = 1.0);
  void reset() { started_ = false; }

 private:
  OneEuroOptions options_;
  bool started_ = false;
  double last_time_ = 0, x_ = 0, dx_ = 0, last_raw_ = 0;
};

}  // namespace easel
