"""Sources followed continuously: feeds polled and folders watched, written through a Sink."""
