// ml5's checkpoint layout (the deeplearn.js one): a manifest.json mapping each variable's
// name to {"filename", "shape"}, and beside it one file of raw little-endian float32 per
// variable. ml5 keeps its style transfer and charRNN models this way and writes their
// networks in JavaScript; import_ml5_checkpoint() recognises those two networks by their
// variables and builds them as easel graphs.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "easel/tensor.h"
#include "nn/graph.h"

namespace easel::nn {

// Whether a parsed JSON document is such a manifest: an object whose every value is an
// object with a "filename" and a "shape".
bool is_ml5_checkpoint_manifest(const nlohmann::json& doc);

// Every variable of the checkpoint, by name. Throws Error(bad_model) naming the manifest
// and variable for a malformed entry, a file name that leaves the folder, a missing file
// or one whose size is not the shape's (checked before anything is read).
std::map<std::string, Tensor> read_ml5_checkpoint(const std::filesystem::path& manifest);

// The network the checkpoint's variables belong to, as a graph:
// - fast style transfer (Variable, Variable_1 ... Variable_47): input "image" [N,H,W,3]
//   of 0..255 RGB, output "image_out" [N,H',W',3] in 0..255 (H' and W': H and W rounded up
//   to a multiple of 4), exactly ml5's StyleTransfer.transferInternal before its /255;
// - charRNN (rnnlm/multi_rnn_cell/cell_K/... LSTM layers, optional "embedding", softmax_w
//   and softmax_b): one step of ml5's CharRNN. Inputs "char" (int32 [1], the character's
//   index in vocab.json) and the state "c0", "h0", "c1", "h1"... (float32 [1, units]);
//   outputs "logits" [1, vocabulary] and the next state in the same order.
// Throws Error(bad_model) naming the manifest when the variables are neither, or a
// variable is missing or has the wrong shape.
Graph import_ml5_checkpoint(const std::filesystem::path& manifest);

}  // namespace easel::nn
