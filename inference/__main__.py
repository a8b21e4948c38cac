import os
import sys

# Before anything loads mediapipe: keep glog / TF Lite quiet.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .cli import main  # noqa: E402

sys.exit(main())
