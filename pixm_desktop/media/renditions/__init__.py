"""Renditions of camera clips for dailies (issue 13): presets as data (:mod:`.presets`), the look through
OpenColorIO (:mod:`.colour`), burn-ins drawn with Pillow (:mod:`.burnin`), and the render of one clip to one
preset that keeps what relinks to the camera original (:mod:`.render`). Pure media work: no catalog."""
