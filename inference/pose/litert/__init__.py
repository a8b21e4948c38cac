"""BlazePose run directly on the LiteRT interpreter (no mediapipe graph).

mediapipe's legacy `solutions.pose` graph spends most of its time outside the two neural
networks; this package re-implements that graph in numpy/OpenCV around the *same* two model
files from the installed mediapipe wheel:

    detector (only without a track) -> rotated ROI -> landmark model on a 256x256 crop
      -> heatmap refinement -> back to frame coordinates -> smoothing -> ROI for next frame

Every constant comes from the graph configs shipped with mediapipe 0.10.14
(PoseLandmarkCpu, PoseDetectionCpu, PoseLandmarkByRoiCpu, PoseLandmarkFiltering, ...).
"""

from .backbone import LiteRtBlazePoseBackbone

__all__ = ["LiteRtBlazePoseBackbone"]
