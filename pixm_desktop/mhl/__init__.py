"""ASC MHL v2.0 write/read/verify and legacy MHL v1 read. No Qt, no database."""
