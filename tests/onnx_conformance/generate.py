#!/usr/bin/env python3
# Writes ONNX's own node test cases (model.onnx + test_data_set_0/{input,output}_N.pb per
# case, from Debian's python3-onnx) into the folder given: scripts/setup.sh runs it into
# tests/onnx_conformance/cases, which is not committed. onnx 1.12's case generators use
# numpy's old aliases (np.float, np.int, np.bool, np.object), which numpy 1.24 removed; they
# are put back before the generators are imported.
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
for alias, kind in (("float", float), ("int", int), ("bool", bool), ("object", object), ("complex", complex)):
    if not hasattr(np, alias):
        setattr(np, alias, kind)

from onnx.backend.test.cmd_tools import main  # noqa: E402

if len(sys.argv) != 2:
    sys.exit("usage: generate.py OUTPUT_FOLDER")
sys.argv = [sys.argv[0], "generate-data", "-o", sys.argv[1]]
main()
