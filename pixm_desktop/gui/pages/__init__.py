"""The cart window's pages: Offload (sources, destinations, queue), Verification, History, Settings."""
