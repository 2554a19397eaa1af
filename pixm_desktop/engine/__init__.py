"""Bytes: scan, plan, copy (read once → N writers), verify from the media, card recognition. No Qt, no database."""
