// Everything public in easel.
#pragma once

#include "easel/audio.h"
#include "easel/draw.h"
#include "easel/error.h"
#include "easel/image.h"
#include "easel/image_classifier.h"
#include "easel/model.h"
#include "easel/model_store.h"
#include "easel/npy.h"
#include "easel/object_detector.h"
#include "easel/pose.h"
#include "easel/sample_media.h"
#include "easel/spectrogram.h"
#include "easel/tensor.h"
#include "easel/video.h"
#include "easel/version.h"
