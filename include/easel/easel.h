// Everything public in easel.
#pragma once

#include "easel/error.h"
#include "easel/model_store.h"
#include "easel/sample_media.h"
#include "easel/version.h"
