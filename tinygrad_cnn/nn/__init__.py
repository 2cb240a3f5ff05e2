"""Neural-network layers, functional ops and initialisers."""
