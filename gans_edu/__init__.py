"""gans-edu: an executable textbook on generative adversarial networks."""

__version__ = "0.1.0"
