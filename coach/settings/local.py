"""`make run`: the embedded defaults on a developer's or user's own machine."""

from .base import *  # noqa: F403
from .base import MEDIA_ROOT, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)

VAR_DIR.mkdir(exist_ok=True)
MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
