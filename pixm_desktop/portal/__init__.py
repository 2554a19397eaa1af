"""The review portal (issue 18): a web app on the set's network, a presentation layer like ``gui`` and ``cli``
(it imports only ``services`` and ``core``). :mod:`.app` builds the ASGI app; ``templates/`` and ``static/``
are its pages, style and scripts (written here, no CDN: the set has no internet)."""
