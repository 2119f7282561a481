// FaceDetector: where are the faces? FaceMesh: 468 points on each face. MediaPipe's face
// detection and ml5's faceMesh in C++.
//
//   auto image = easel::Image::load("friends.jpg");
//   for (const easel::Face& face : easel::FaceDetector::create().detect(image))
//     std::printf("a face (%.2f) at %.0f,%.0f, nose at %.0f,%.0f\n", face.confidence, face.box.x,
//                 face.box.y, face["nose_tip"].x, face["nose_tip"].y);
//
//   auto mesh = easel::FaceMesh::create({.max_faces = 2});
//   for (const easel::Face& face : mesh.detect(image))
//     for (const easel::Keypoint& k : face.region("lips")) std::printf("%.0f,%.0f ", k.x, k.y);
//
// Models: "face-detection-short" (default: faces within about 2 m of the camera, BlazeFace),
// "face-detection-full" (smaller faces, further away); the mesh: "facemesh", which finds faces
// with the short-range detector first.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "easel/bounding_box.h"
#include "easel/image.h"
#include "easel/keypoint.h"

namespace easel {

// A face mesh's named regions: each name with its points' indices, in outline order.
using FaceRegions = std::vector<std::pair<std::string, std::vector<int>>>;

struct Face {
  BoundingBox box;        // pixels
  float confidence = 0;   // 0..1: the detector's, or the mesh model's that a face is there
  // FaceDetector: 6, right_eye, left_eye, nose_tip, mouth_center, right_ear_tragion,
  // left_ear_tragion ("right" is the person's right: the left of a photo of them).
  // FaceMesh: 468, MediaPipe's mesh order, with z; named by their region where they have one.
  std::vector<Keypoint> keypoints;
  int id = -1;  // stable across video frames (track()), else -1

  // FaceMesh: the model's regions (shared by every face it finds); null for FaceDetector's.
  std::shared_ptr<const FaceRegions> regions;

  // A keypoint by name (face["nose_tip"]); throws Error(bad_input) for a name it has not.
  // A mesh point is named by its region ("lips"), so for a mesh this gives one point of it:
  // use region() for all of them.
  const Keypoint& operator[](std::string_view name) const;
  // A FaceMesh face's points of one region, in drawing order: "lips", "left_eye",
  // "left_eyebrow", "right_eye", "right_eyebrow", "face_oval" (ml5's faceMesh names, in
  // snake case). Throws Error(bad_input) for another name or a face with no mesh.
  std::vector<Keypoint> region(std::string_view name) const;
  // The box around a region's points.
  BoundingBox region_box(std::string_view name) const;
};

struct FaceDetectorOptions {
  std::string model = "face-detection-short";
  int max_faces = 5;
  float min_confidence = 0.5f;  // faces below are dropped (MediaPipe's min_detection_confidence)
  bool flip_horizontal = false; // mirror the results (a selfie camera)
  int threads = 0;              // 0: all cores
};

class FaceDetector {
 public:
  static FaceDetector create(const FaceDetectorOptions& options = {});
  ~FaceDetector();
  FaceDetector(FaceDetector&&) noexcept;
  FaceDetector& operator=(FaceDetector&&) noexcept;

  // The faces in one image, most confident first.
  std::vector<Face> detect(const Image& image);
  // The same for the next frame of a video: ids that stay with each face (boxes matched by
  // overlap; a face missed for up to a second keeps its id). timestamp_ms: the frame's time;
  // -1: 1/30 s after the previous frame.
  std::vector<Face> track(const Image& frame, double timestamp_ms = -1);
  void reset_tracking();

  const FaceDetectorOptions& options() const;

 private:
  struct Impl;
  explicit FaceDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct FaceMeshOptions {
  std::string model = "facemesh";
  int max_faces = 1;             // ml5's faceMesh finds 1 by default
  float min_confidence = 0.5f;   // the detector's, and the mesh model's that a face is there
  bool flip_horizontal = false;  // mirror the results (a selfie camera)
  // track(): each face's points smoothed from frame to frame (a One Euro filter, min_cutoff
  // 0.05 Hz, beta 80, its speed measured in face sizes, as MediaPipe smooths hands and bodies).
  bool smooth = true;
  int threads = 0;               // 0: all cores
};

class FaceMesh {
 public:
  static FaceMesh create(const FaceMeshOptions& options = {});
  ~FaceMesh();
  FaceMesh(FaceMesh&&) noexcept;
  FaceMesh& operator=(FaceMesh&&) noexcept;

  // The faces in one image, each with its 468 points.
  std::vector<Face> detect(const Image& image);
  // The next frame of a video: as MediaPipe does, each face's region comes from its points
  // in the previous frame, and the detector runs only when fewer than max_faces are held.
  // Ids stay with the faces.
  std::vector<Face> track(const Image& frame, double timestamp_ms = -1);
  void reset_tracking();

  const FaceMeshOptions& options() const;

 private:
  struct Impl;
  explicit FaceMesh(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace easel
