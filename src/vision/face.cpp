#include "easel/face.h"

#include <algorithm>
#include <map>
#include <optional>

#include "easel/error.h"
#include "vision/landmark_pipeline.h"
#include "vision/tracking.h"

namespace easel {
namespace {

const detail::TaskKind kFaceDetection{"face-detection", "a face detector", "Face detectors", "face detection", {"ssd"}};
const detail::TaskKind kFaceLandmarks{"face-landmarks", "a face mesh model", "Face mesh models", "face meshes", {"landmarks"}};

BoundingBox flipped(const BoundingBox& b, const Image& image, bool flip) {
  return flip ? BoundingBox{static_cast<float>(image.width()) - b.x - b.width, b.y, b.width, b.height} : b;
}

std::string known_names(const std::vector<std::string>& names) {
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  return known;
}

}  // namespace

const Keypoint& Face::operator[](std::string_view name) const {
  for (const Keypoint& k : keypoints)
    if (k.name == name) return k;
  std::vector<std::string> names;
  for (const Keypoint& k : keypoints)
    if (!k.name.empty() && std::find(names.begin(), names.end(), k.name) == names.end()) names.push_back(k.name);
  throw Error(ErrorCode::bad_input, "This face has no keypoint named '" + std::string(name) + "'.",
              names.empty() ? "Its keypoints have no names." : "Its keypoints: " + known_names(names) + ".");
}

std::vector<Keypoint> Face::region(std::string_view name) const {
  if (!regions) throw Error(ErrorCode::bad_input, "Only a FaceMesh face has regions; this face comes from the face detector.");
  for (const auto& [region_name, indices] : *regions)
    if (region_name == name) {
      std::vector<Keypoint> points;
      for (int i : indices)
        if (i >= 0 && static_cast<std::size_t>(i) < keypoints.size()) points.push_back(keypoints[static_cast<std::size_t>(i)]);
      return points;
    }
  std::vector<std::string> names;
  for (const auto& r : *regions) names.push_back(r.first);
  throw Error(ErrorCode::bad_input, "A face has no region '" + std::string(name) + "'.", "Its regions: " + known_names(names) + ".");
}

BoundingBox Face::region_box(std::string_view name) const { return vision::box_around(region(name)); }

// --- FaceDetector -------------------------------------------------------------------------

struct FaceDetector::Impl {
  FaceDetectorOptions options;
  std::optional<vision::BlazeDetector> detector;
  vision::BoxTracker tracker;
};

FaceDetector::FaceDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceDetector::~FaceDetector() = default;
FaceDetector::FaceDetector(FaceDetector&&) noexcept = default;
FaceDetector& FaceDetector::operator=(FaceDetector&&) noexcept = default;
const FaceDetectorOptions& FaceDetector::options() const { return impl_->options; }
void FaceDetector::reset_tracking() { impl_->tracker.reset(); }

FaceDetector FaceDetector::create(const FaceDetectorOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.max_faces < 1) throw Error(ErrorCode::bad_input, "max_faces must be at least 1.");
  impl->detector.emplace(vision::BlazeDetector::load(options.model, kFaceDetection, options.threads));
  return FaceDetector(std::move(impl));
}

std::vector<Face> FaceDetector::detect(const Image& image) {
  Impl& m = *impl_;
  const bool flip = m.options.flip_horizontal;
  std::vector<Face> faces;
  for (const vision::BlazeDetection& d : m.detector->detect(image, m.options.max_faces, m.options.min_confidence)) {
    Face face;
    face.confidence = d.score;
    // The box as TF.js's face-detection gives it, within the image.
    const float W = static_cast<float>(image.width()), H = static_cast<float>(image.height());
    const float x0 = std::clamp(d.x0, 0.f, W), x1 = std::clamp(d.x1, 0.f, W), y0 = std::clamp(d.y0, 0.f, H), y1 = std::clamp(d.y1, 0.f, H);
    face.box = flipped({x0, y0, x1 - x0, y1 - y0}, image, flip);
    const auto& names = m.detector->keypoint_names();
    for (std::size_t k = 0; k + 1 < d.keypoints.size(); k += 2)
      face.keypoints.push_back(vision::image_keypoint(k / 2 < names.size() ? names[k / 2] : std::string(), d.keypoints[k], d.keypoints[k + 1], 0, 1, image, flip));
    faces.push_back(std::move(face));
  }
  return faces;
}

std::vector<Face> FaceDetector::track(const Image& frame, double timestamp_ms) {
  std::vector<Face> faces = detect(frame);
  vision::track_frame(faces, impl_->tracker, nullptr, frame, timestamp_ms, [](Face&) {});
  return faces;
}

// --- FaceMesh -----------------------------------------------------------------------------

struct FaceMesh::Impl {
  FaceMeshOptions options;
  std::optional<vision::BlazeDetector> detector;
  std::optional<vision::LandmarkModel> mesh;
  std::shared_ptr<const FaceRegions> regions;
  std::vector<std::string> point_names;  // each point's region, or ""
  vision::HeldRegions held;
  vision::BoxTracker tracker;
  vision::KeypointSmoother smoother;

  std::vector<Face> faces(const Image& image, vision::HeldRegions* keep);
};

FaceMesh::FaceMesh(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceMesh::~FaceMesh() = default;
FaceMesh::FaceMesh(FaceMesh&&) noexcept = default;
FaceMesh& FaceMesh::operator=(FaceMesh&&) noexcept = default;
const FaceMeshOptions& FaceMesh::options() const { return impl_->options; }

void FaceMesh::reset_tracking() {
  impl_->held.clear();
  impl_->tracker.reset();
  impl_->smoother.reset();
}

FaceMesh FaceMesh::create(const FaceMeshOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.max_faces < 1) throw Error(ErrorCode::bad_input, "max_faces must be at least 1.");
  const detail::Recipe recipe = detail::load_task_recipe(options.model, kFaceLandmarks);
  impl->mesh.emplace(vision::LandmarkModel::load(recipe, options.threads));
  const std::string detector = recipe.data.value("detector", std::string());
  if (detector.empty()) throw Error(ErrorCode::bad_model, "The recipe of model '" + options.model + "' names no detector.");
  impl->detector.emplace(vision::BlazeDetector::load(detector, kFaceDetection, options.threads));
  auto regions = std::make_shared<FaceRegions>();
  impl->point_names.assign(static_cast<std::size_t>(impl->mesh->points()), std::string());
  if (recipe.data.contains("regions")) {
    for (const auto& [name, indices] : recipe.data["regions"].items()) {
      auto list = indices.get<std::vector<int>>();
      for (int i : list) {
        if (i < 0 || i >= impl->mesh->points())
          throw Error(ErrorCode::bad_model, "The recipe of model '" + options.model + "': region '" + name + "' names a point it has not.");
        impl->point_names[static_cast<std::size_t>(i)] = name;
      }
      regions->emplace_back(name, std::move(list));
    }
  }
  impl->regions = std::move(regions);
  impl->smoother = vision::KeypointSmoother(vision::smoothing_settings(recipe.data, options.model));
  return FaceMesh(std::move(impl));
}

std::vector<Face> FaceMesh::Impl::faces(const Image& image, vision::HeldRegions* keep) {
  const bool flip = options.flip_horizontal;
  std::vector<Face> found;
  for (const vision::Landmarks& l : vision::detect_landmarks(image, *detector, *mesh, options.max_faces, options.min_confidence, keep)) {
    Face face;
    face.confidence = l.flag;
    face.regions = regions;
    vision::landmark_keypoints(l, point_names, image, flip, face.keypoints, nullptr);
    face.box = vision::box_around(face.keypoints);
    found.push_back(std::move(face));
  }
  return found;
}

std::vector<Face> FaceMesh::detect(const Image& image) { return impl_->faces(image, nullptr); }

std::vector<Face> FaceMesh::track(const Image& frame, double timestamp_ms) {
  Impl& m = *impl_;
  std::vector<Face> faces = m.faces(frame, &m.held);
  vision::track_frame(faces, m.tracker, m.options.smooth ? &m.smoother : nullptr, frame, timestamp_ms,
                      [](Face& f) { f.box = vision::box_around(f.keypoints); });
  return faces;
}

}  // namespace easel
