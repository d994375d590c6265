"""gans-edu: an executable textbook on generative adversarial networks."""

__version__ = "0.2.0"
