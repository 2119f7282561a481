// One answer of a classifier, in ml5's words: what the image classifier, the sound
// classifier and (next) the models you train yourself all return.
//
//   easel::Classification best{"banana", 0.94f, 954};
//   std::printf("%s %.2f (class %d)\n", best.label.c_str(), best.confidence, best.index);
#pragma once

#include <string>

namespace easel {

struct Classification {
  std::string label;
  float confidence = 0;  // probability, 0..1
  int index = 0;         // the class's index in the classifier's labels()
};

}  // namespace easel
