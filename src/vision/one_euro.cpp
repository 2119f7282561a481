#include <cmath>
#include <numbers>

#include "easel/smoothing.h"

namespace easel {

namespace {
// The smoothing factor of a first-order low-pass filter with this cutoff, for a step of dt.
double alpha(double cutoff, double dt) {
  const double tau = 1.0 / (2 * std::numbers::pi * cutoff);
  return 1.0 / (1.0 + tau / dt);
}
}  // namespace

float OneEuroFilter::filter(float x, double seconds, double speed_scale) {
  if (!started_) {
    started_ = true;
    last_time_ = seconds;
    x_ = last_raw_ = x;
    dx_ = 0;
    return x;
  }
  const double dt = seconds - last_time_;
  if (!(dt > 0)) return static_cast<float>(x_);
  last_time_ = seconds;
  const double speed = (x - last_raw_) * speed_scale / dt;
  last_raw_ = x;
  dx_ += alpha(options_.d_cutoff, dt) * (speed - dx_);
  const double cutoff = options_.min_cutoff + options_.beta * std::fabs(dx_);
  const double a = alpha(cutoff, dt);
  if (options_.threshold_cutoff > 0) {
    const double t = options_.threshold_cutoff + options_.threshold_beta * std::fabs(dx_);
    x_ += a * t * std::asinh((x - x_) / t);
  } else {
    x_ += a * (x - x_);
  }
  return static_cast<float>(x_);
}

}  // namespace easel
