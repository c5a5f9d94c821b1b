"""The kernel side of the extension: what runs in a notebook (magics, widgets) and
the helpers they share."""
