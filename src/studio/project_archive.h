// Projects and models in and out of the studio as single files:
// - a project exports as one zip (project.json, its class folders, its trained model) and
//   imports as a new project, every sample decoded again on the way in;
// - a Teachable Machine image export (its zip) or a MODEL.easel imports as a new project
//   whose classes are the model's, with the model as the start of further training
//   (TrainOptions::start_from): add samples, train, and it continues from there.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "studio/project_store.h"

namespace easel::studio {

// The project as a zip at `zip` (thumbnails left out: an import makes them again).
void export_project(const ProjectStore& store, const std::string& project, const std::filesystem::path& zip);

// A new project from an uploaded file: a project zip, a Teachable Machine zip or a
// MODEL.easel (`file_name` names the new project when the file does not). Files that could
// not come in are listed in `skipped`. StudioError(415) for anything else.
ProjectInfo import_upload(ProjectStore& store, const std::string& bytes, const std::string& file_name, std::vector<std::string>& skipped);

// Where a project keeps the model further training starts from (an imported one).
std::filesystem::path start_model(const ProjectStore& store, const std::string& project);

}  // namespace easel::studio
