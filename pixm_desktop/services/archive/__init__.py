"""The LTO tape archive (issue 16): card files onto LTFS tapes in copy sets A and B with one chain of custody
(:mod:`.run`, :mod:`.select`, :mod:`.tape_io`, :mod:`.sidecars`), a tape verified against its own manifest and
the catalog (:mod:`.verify`), a restore of just what clips or a cut need (:mod:`.restore`), the archive and
restore job kinds (:mod:`.jobs`) and what is not yet on tape (:mod:`.status`)."""
