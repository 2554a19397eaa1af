"""PIXM Desktop: verified camera-card offload, ASC MHL and a catalog for on-set data carts."""

__version__ = "0.1.0"
APP_NAME = "PIXM Desktop"
TOOL_NAME = "pixm"
