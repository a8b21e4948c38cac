"""kombu's filesystem transport, with messages that appear in the folder only when complete.

The stock transport creates the message file under its final name and then writes it, so a
worker polling the folder can pick up an empty or half-written file in between: the message
fails to decode and is lost (seen as lost live chunks and, once, a worker dying with
"Unrecoverable error"). Here each message is written to a temporary name the consumer does
not match, then renamed into place, which is atomic on one filesystem. Names start with a
zero-padded nanosecond clock (not milliseconds), so messages sent in the same millisecond are
still taken in the order they were sent.
"""

import os
import uuid
from time import time_ns

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{time_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: `_get` matches on what follows the first dot, "<queue>.msg".
        partial = os.path.join(self.data_folder_out, f".partial-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
