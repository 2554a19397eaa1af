"""The review portal's domain (issue 18): who may look (:mod:`.access`: invites with hashed tokens, roles,
sessions, revocation, the access log, a limit on failed attempts), what they see (:mod:`.content`: shoot
days, a day's clips, a clip for the player, the media files by catalog ID), what they decide (:mod:`.decisions`:
circle, rating, select, comments at a timecode, with who and when), comments for editorial (:mod:`.export`:
OTIO markers → EDL locators, FCP 7 XML, Avid marker list) and the server (:mod:`.server`)."""
