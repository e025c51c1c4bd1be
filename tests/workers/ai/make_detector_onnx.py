#!/usr/bin/env python3
"""Writes a tiny ONNX "detector" whose output is a known set of detections, whatever the image.

    make_detector_onnx.py OUT.onnx LABELS.txt [--input 64]

Graph: images[1,3,S,S] -> GlobalAveragePool -> Flatten -> Gemm(B = 0, C = boxes) -> Reshape
-> output[1,4,7]. The zero weights make the output the constant C; going through the input keeps
the graph a real network that OpenCV 4.6 imports (its importer folds constant-only graphs away).

YOLOv5 layout [1, N, 4+1+C] with C = 2 classes ("person", "cat"), coordinates in input pixels:
  one confident "cat" (0.95 x 0.9 = 0.855), two overlapping weaker duplicates (NMS removes them)
  and one "person" below the 0.5 threshold.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_path, labels_path = sys.argv[1], sys.argv[2]
    size = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--input" else 64

    s = size / 64.0  # the boxes below are for a 64x64 input
    boxes = np.array([
        # cx      cy      w       h       obj   person cat
        [32 * s, 24 * s, 16 * s, 16 * s, 0.95, 0.10, 0.90],  # the cat
        [33 * s, 25 * s, 16 * s, 16 * s, 0.90, 0.10, 0.80],  # duplicate, 0.72
        [31 * s, 23 * s, 17 * s, 15 * s, 0.85, 0.20, 0.75],  # duplicate, 0.6375
        [10 * s, 50 * s, 8 * s, 8 * s, 0.30, 0.90, 0.10],    # person 0.27: below threshold
    ], dtype=np.float32)
    n, k = boxes.shape

    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "weights", "bias"], ["dense"], transB=1),
        helper.make_node("Reshape", ["dense", "shape"], ["output"]),
    ]
    initializers = [
        numpy_helper.from_array(np.zeros((n * k, 3), dtype=np.float32), "weights"),
        numpy_helper.from_array(boxes.reshape(n * k), "bias"),
        numpy_helper.from_array(np.array([1, n, k], dtype=np.int64), "shape"),
    ]
    graph = helper.make_graph(
        nodes, "zerotee_test_detector",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, n, k])],
        initializers)
    model = helper.make_model(graph, producer_name="zerotee-tests",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    with open(labels_path, "w") as f:
        f.write("person\ncat\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
